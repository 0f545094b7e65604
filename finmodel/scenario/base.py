"""What every scenario model shares: strictness and the identifier rule."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Identifier = Annotated[
    str,
    Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64,
          description="a name made of letters, digits, '_' and '-', starting with a letter"),
]


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, values are immutable, and
    .inf / .nan are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False,
                              allow_inf_nan=False, populate_by_name=True)

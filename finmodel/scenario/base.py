"""What every scenario model shares: strictness, the identifier rule, number types and caps."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

Identifier = Annotated[
    str,
    Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64,
          description="a name made of letters, digits, '_' and '-', starting with a letter"),
]

#: Largest amount of money (budgets, exposures, needs, tickets, costs), in the file's unit,
#: and largest indicator quantity (contributions, KPI values, scales): big enough for any
#: region, small enough that sums and products over a whole run stay finite.
MAX_AMOUNT = 1e12
#: The cap as the field descriptions (and so docs/scenario-format.md) state it.
AMOUNT_CAP = "at most 1e12"
#: Smallest amount of an indicator that may count as one unit of progress (a scale): a
#: smaller one would make impact per unit overflow.
MIN_SCALE = 1e-6


def strict_number(value: Any) -> Any:
    """A number must be written as a number: true/false and quoted text are refused
    (instead of being read as 1, 0 or parsed); ints stay accepted where floats are."""
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", "Input should be a number, not true/false")
    if isinstance(value, str):
        raise PydanticCustomError("number_type",
                                  "Input should be a number, not text (write it without quotes)")
    return value


def strict_integer(value: Any) -> Any:
    """:func:`strict_number`, and a clear message for a float too large to be an int."""
    value = strict_number(value)
    if isinstance(value, float) and math.isfinite(value) and abs(value) >= 2**63:
        raise PydanticCustomError("int_too_large", "Input should be a whole number below 2**63")
    return value


#: A float field of a scenario (finite: the models refuse .inf and .nan).
Number = Annotated[float, BeforeValidator(strict_number)]
#: An int field of a scenario (a float with no fractional part is taken, as 1e3 for 1000).
Integer = Annotated[int, BeforeValidator(strict_integer)]


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, values are immutable, and
    .inf / .nan are refused (numbers use :data:`Number` and :data:`Integer`, which also
    refuse booleans and text)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False,
                              allow_inf_nan=False, populate_by_name=True)

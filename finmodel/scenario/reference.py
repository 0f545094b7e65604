"""The scenario key reference (docs/scenario-format.md), generated from the models.

Run ``python -m finmodel.docs`` after changing a model; a test fails while the committed
file is out of date.
"""

from __future__ import annotations

import enum
import types
import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from finmodel.scenario.impact_model import (
    KPI,
    Contribution,
    IndicatorSpec,
    LogicLink,
    LogicModel,
    LogicNode,
    PortfolioSpec,
    SupportOption,
)
from finmodel.scenario.model import (
    Facility,
    Guarantee,
    Need,
    Pipeline,
    Provider,
    Region,
    Scenario,
    Segment,
    Shock,
    Simulation,
    StageTerms,
    Support,
    Sweep,
    Ticket,
    Tranche,
    Vehicle,
)

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Top level", Scenario),
    ("`providers[]`", Provider),
    ("`vehicles[]`", Vehicle),
    ("`vehicles[].pool[]`", Segment),
    ("`vehicles[].tranches[]`", Tranche),
    ("`vehicles[].guarantees[]`", Guarantee),
    ("`providers[].ticket` (bundle)", Ticket),
    ("`providers[].support` (bundle)", Support),
    ("`region` (bundle)", Region),
    ("`simulation` (bundle)", Simulation),
    ("`pipeline` (bundle)", Pipeline),
    ("`pipeline.stages.<stage>` (bundle)", StageTerms),
    ("`pipeline.stages.<stage>.need` (bundle)", Need),
    ("`facilities[]` (bundle)", Facility),
    ("`shocks[]` (bundle)", Shock),
    ("`indicators[]` (impact)", IndicatorSpec),
    ("`logic_model` (impact)", LogicModel),
    ("`logic_model.nodes[]` (impact)", LogicNode),
    ("`logic_model.links[]` (impact)", LogicLink),
    ("`kpis[]` (impact)", KPI),
    ("`portfolio` (impact)", PortfolioSpec),
    ("`portfolio.contributions[]` (impact)", Contribution),
    ("`portfolio.support_options[]` (impact)", SupportOption),
    ("`sweep` (batch)", Sweep),
]


def _type_name(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(_type_name(a) for a in args) + " (optional)"
    if origin is list:
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if origin is dict:
        key, value = typing.get_args(annotation)
        return f"map of {_type_name(key)} to {_type_name(value)}"
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation.__name__
    return getattr(annotation, "__name__", str(annotation))


def _default(field: typing.Any) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        return "`[]`"
    value = field.default
    if value is None or value is PydanticUndefined:
        return "none"
    if isinstance(value, enum.Enum):
        return f"`{value.value}`"
    return f"`{value}`"


def _constraints(field: typing.Any) -> str:
    parts = []
    for item in field.metadata:
        for name, symbol in [("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")]:
            value = getattr(item, name, None)
            if value is not None:
                parts.append(f"{symbol} {value}")
        if getattr(item, "min_length", None):
            parts.append(f"at least {item.min_length}")
    return ", ".join(parts)


def reference_markdown() -> str:
    """The whole key reference as Markdown."""
    lines = [
        "# Scenario format: every key",
        "",
        "Generated from the models in `finmodel/scenario/` by "
        "`python -m finmodel.docs`; do not edit by hand.",
        "Every amount is in the file's `unit`. Unknown keys are errors.",
        "",
    ]
    for title, model in SECTIONS:
        lines += [f"## {title}", "", (model.__doc__ or "").strip().splitlines()[0], "",
                  "| key | type | default | limits | meaning |",
                  "| --- | --- | --- | --- | --- |"]
        for name, field in model.model_fields.items():
            name = field.alias or name
            lines.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | "
                         f"{_constraints(field)} | {field.description or ''} |")
        lines.append("")
    return "\n".join(lines)

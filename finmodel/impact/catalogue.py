"""The impact indicator catalogue (shipped CSV) merged with a scenario's own indicators.

Units matter: amounts of one indicator may only be added to amounts in the same unit,
so t-CO2 are never added to persons. :func:`add` is the one place amounts are summed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

from finmodel.scenario.model import Scenario
from finmodel.vocabulary import Issue


class UnitError(ValueError):
    """Amounts in different units were about to be added."""


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it measures, in which unit, and which way is better."""

    id: str
    issue: Issue
    unit: str
    direction: str  # "higher" or "lower"
    name_en: str
    name_ja: str
    level: str = "outcome"
    sdg_goal: int | None = None
    sdg_target: str | None = None
    impact: str = ""
    example_activity: str = ""

    @property
    def sign(self) -> int:
        """+1 when more is better, -1 when less is better."""
        return 1 if self.direction == "higher" else -1


def shipped_catalogue() -> dict[str, Indicator]:
    """The indicators shipped with finmodel (finmodel/impact/data/indicators.csv)."""
    text = resources.files("finmodel.impact").joinpath("data/indicators.csv").read_text(
        encoding="utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["id"]] = Indicator(
            id=row["id"], issue=Issue(row["issue"]), unit=row["unit"],
            direction=row["direction"], name_en=row["name_en"], name_ja=row["name_ja"],
            level=row["level"], sdg_goal=int(row["sdg_goal"]) if row["sdg_goal"] else None,
            sdg_target=row["sdg_target"] or None, impact=row["impact"],
            example_activity=row["example_activity"])
    return out


def catalogue(scenario: Scenario) -> dict[str, Indicator]:
    """The shipped catalogue plus the scenario's own indicators (which may not redefine units)."""
    out = shipped_catalogue()
    for spec in scenario.indicators:
        out[spec.id] = Indicator(
            id=spec.id, issue=spec.issue, unit=spec.unit, direction=spec.direction,
            name_en=spec.name_en, name_ja=spec.name_ja or spec.name_en, level=spec.level,
            sdg_goal=spec.sdg_goal, sdg_target=spec.sdg_target, impact=spec.impact or "",
            example_activity=spec.example_activity or "")
    return out


def add(unit_a: str, a: float, unit_b: str, b: float) -> float:
    """a + b, refusing amounts in different units."""
    if unit_a != unit_b:
        raise UnitError(f"cannot add {b} {unit_b} to {a} {unit_a}")
    return a + b

"""Which providers, facilities and support can serve each stage x issue cell.

A **hole** is a cell where no provider can lend; an **overlap** is a cell where several
providers offer the same instrument (collective impact asks for neither). A cell is
**reached** when the pipeline's firms can get there (they arrive at or before that stage
in that issue); a hole in a reached cell is where the chain of the bundle breaks.
"""

from __future__ import annotations

import pandas as pd

from finmodel.bundle.records import CoverageRecord
from finmodel.records import table
from finmodel.scenario.model import Scenario
from finmodel.vocabulary import STAGE_ORDER, Issue


def coverage_table(scenario: Scenario) -> pd.DataFrame:
    """One row per stage x issue: who can serve it, and whether it is a hole or an overlap."""
    return table(coverage_records(scenario), CoverageRecord)


def coverage_records(scenario: Scenario) -> list[CoverageRecord]:
    """The rows of :func:`coverage_table`."""
    rows: list[CoverageRecord] = []
    entry: dict[Issue, int] = {}  # earliest stage at which firms of an issue arrive
    if scenario.pipeline is not None:
        for stage, by_issue in scenario.pipeline.arrivals.items():
            for issue, rate in by_issue.items():
                if rate > 0 and stage in STAGE_ORDER:
                    entry[issue] = min(entry.get(issue, 99), STAGE_ORDER.index(stage))
    for s, stage in enumerate(STAGE_ORDER):
        for issue in Issue:
            lenders = [p for p in scenario.providers if p.lends and p.serves(stage, issue)]
            facilities = [f.id for f in scenario.facilities if f.serves(stage, issue)]
            support = [p.id for p in scenario.providers if p.support is not None
                       and stage in p.support.stages
                       and (p.support.issues is None or issue in p.support.issues)]
            by_instrument: dict[str, list[str]] = {}
            for provider in lenders:
                for instrument in provider.instruments:
                    by_instrument.setdefault(instrument.value, []).append(provider.id)
            overlaps = sorted(k for k, v in by_instrument.items() if len(v) > 1)
            rows.append(CoverageRecord(
                stage=stage.value, issue=issue.value,
                providers=", ".join(p.id for p in lenders),
                facilities=", ".join(facilities), support=", ".join(support),
                reached=issue in entry and s >= entry[issue],
                n_providers=len(lenders), hole=not lenders,
                overlap=bool(overlaps), overlapping_instruments=", ".join(overlaps),
            ))
    return rows

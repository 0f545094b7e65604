"""The region's bundle of providers: simulation, funding gaps, coverage and designs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from finmodel.bundle.coverage import coverage_table
from finmodel.bundle.simulation import BundleRun, Ledgers
from finmodel.bundle.tables import (
    facility_table,
    flow_table,
    gap_table,
    gap_year_table,
    handoff_table,
    provider_table,
    summary_table,
)
from finmodel.scenario.model import Scenario


@dataclass(frozen=True)
class BundleResults:
    """Tables of a bundle simulation (see README for every column)."""

    gaps: pd.DataFrame
    handoffs: pd.DataFrame
    providers: pd.DataFrame
    facilities: pd.DataFrame
    coverage: pd.DataFrame
    summary: pd.DataFrame
    flows: pd.DataFrame
    gap_years: pd.DataFrame


Progress = Callable[[int, int], None]


def simulate_ledgers(scenario: Scenario, replications: int | None = None,
                     progress: Progress | None = None) -> list[Ledgers]:
    """The ledgers of every replication (replication r always draws from stream r).

    ``progress(done, total)`` is called after each replication, if given.
    """
    assert scenario.simulation is not None
    count = replications or scenario.simulation.replications
    out = []
    for r in range(count):
        out.append(BundleRun(scenario, r).run())
        if progress is not None:
            progress(r + 1, count)
    return out


def simulate_bundle(scenario: Scenario, replications: int | None = None,
                    progress: Progress | None = None) -> BundleResults:
    """Simulate the scenario's bundle and tabulate it."""
    ledgers = simulate_ledgers(scenario, replications, progress)
    return BundleResults(
        gaps=gap_table(ledgers),
        handoffs=handoff_table(ledgers),
        providers=provider_table(scenario, ledgers),
        facilities=facility_table(scenario, ledgers),
        coverage=coverage_table(scenario),
        summary=summary_table(scenario, ledgers),
        flows=flow_table(scenario, ledgers),
        gap_years=gap_year_table(ledgers),
    )


__all__ = ["BundleResults", "BundleRun", "simulate_bundle", "simulate_ledgers"]

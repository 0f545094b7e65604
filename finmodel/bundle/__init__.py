"""The region's bundle of providers: simulation, funding gaps, coverage and designs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from finmodel.bundle.coverage import coverage_table
from finmodel.bundle.ledgers import Ledgers
from finmodel.bundle.plan import BundlePlan, bundle_plan
from finmodel.bundle.simulation import BundleRun
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
                     progress: Progress | None = None, first: int = 0,
                     potential: list[Ledgers] | None = None,
                     plan: BundlePlan | None = None) -> list[Ledgers]:
    """The ledgers of every replication, each with its counterfactual's potential demand.

    Replication r always draws from the streams of r, so a replication is the same
    whatever the count. ``first`` numbers the replications from there (fresh seeds for a
    validation set). ``potential`` reuses counterfactual runs already made (their demand
    does not depend on providers' budgets or facilities). ``progress(done, total)`` is
    called after each replication, if given. ``plan`` is the scenario's compiled lending
    plan (built here when not given).
    """
    assert scenario.simulation is not None
    plan = plan if plan is not None else bundle_plan(scenario)
    count = replications or scenario.simulation.replications
    out = []
    for n, r in enumerate(range(first, first + count)):
        actual = BundleRun(scenario, r, plan=plan).run()
        counterfactual = potential[n] if potential is not None \
            else BundleRun(scenario, r, counterfactual=True, plan=plan).run_counterfactual()
        actual.potential_demand = counterfactual.demand
        actual.potential_rounds = counterfactual.rounds
        actual.potential_graduates = counterfactual.graduates
        out.append(actual)
        if progress is not None:
            progress(n + 1, count)
    return out


def counterfactuals(scenario: Scenario, replications: int, first: int = 0) -> list[Ledgers]:
    """Only the counterfactual runs (every round funded in full) of replications."""
    plan = bundle_plan(scenario)
    return [BundleRun(scenario, r, counterfactual=True, plan=plan).run_counterfactual()
            for r in range(first, first + replications)]


def simulate_bundle(scenario: Scenario, replications: int | None = None,
                    progress: Progress | None = None,
                    plan: BundlePlan | None = None) -> BundleResults:
    """Simulate the scenario's bundle and tabulate it (``plan``: its compiled lending plan)."""
    ledgers = simulate_ledgers(scenario, replications, progress, plan=plan)
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


__all__ = ["BundlePlan", "BundleResults", "BundleRun", "bundle_plan", "counterfactuals",
           "simulate_bundle", "simulate_ledgers"]

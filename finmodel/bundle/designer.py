"""The gap-closing designer: which change to the bundle closes a gap at least public cost.

Each *lever* is a one-parameter change to the scenario (a facility's budget, rate, cap
or share; a new guarantee, first-loss or concessional line for the target's stage; a
provider's budget; support capacity). For each lever, ``scipy.optimize.brentq`` finds
the smallest setting that closes the target share of the gap, every trial simulated with
the same replications (common random numbers: replication r always draws from the same
stream), so two designs differ by the design and not by noise. Feasible designs are
ranked by public expected cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from scipy import optimize

from finmodel.bundle.simulation import ISSUES, Ledgers
from finmodel.bundle.tables import money
from finmodel.scenario.model import Facility, Scenario
from finmodel.vocabulary import STAGE_ORDER, FacilityKind, Issue, ProviderType, Sector, Stage

Apply = Callable[[float], Scenario]


@dataclass(frozen=True)
class GapTarget:
    """Close ``share`` of the total gap, or of one stage x issue cell's gap."""

    share: float
    stage: Stage | None = None
    issue: Issue | None = None

    def gap(self, ledgers: list[Ledgers]) -> float:
        """Mean total gap (potential demand - supplied) over replications in the scope."""
        return float(np.mean(self.gaps(ledgers)))

    def gaps(self, ledgers: list[Ledgers]) -> np.ndarray:
        """Total gap in the target's scope, per replication."""
        out = []
        for lg in ledgers:
            gap = lg.potential_demand - lg.supplied
            if self.stage is not None:
                gap = gap[:, STAGE_ORDER.index(self.stage)]
                if self.issue is not None:
                    gap = gap[:, ISSUES.index(self.issue)]
            elif self.issue is not None:
                gap = gap[:, :, ISSUES.index(self.issue)]
            out.append(float(gap.sum()))
        return np.array(out)


@dataclass(frozen=True)
class Lever:
    """A one-parameter change to the scenario."""

    design: str
    parameter: str
    baseline: float
    upper: float
    apply: Apply


def _replace_facility(scenario: Scenario, index: int, key: str, value: float) -> Scenario:
    facilities = list(scenario.facilities)
    facilities[index] = facilities[index].model_copy(update={key: value})
    return scenario.model_copy(update={"facilities": facilities})


def _first_public(scenario: Scenario, preferred: ProviderType) -> str | None:
    for provider in scenario.providers:
        if provider.type is preferred:
            return provider.id
    for provider in scenario.providers:
        if provider.resolved_sector is Sector.public:
            return provider.id
    return None


def levers(scenario: Scenario, target: GapTarget, scale: float = 4.0) -> list[Lever]:
    """The menu of changes for ``target`` (budgets may grow up to ``scale`` times)."""
    menu: list[Lever] = []
    stages = [target.stage] if target.stage else None
    issues = [target.issue] if target.issue else None
    for f, facility in enumerate(scenario.facilities):
        menu.append(Lever(f"widen {facility.id}: budget", "budget", facility.budget,
                          facility.budget * scale,
                          partial(_replace_facility, scenario, f, "budget")))
        if facility.kind is FacilityKind.guarantee:
            menu.append(Lever(f"widen {facility.id}: rate", "rate", facility.rate or 0.0, 1.0,
                              partial(_replace_facility, scenario, f, "rate")))
            menu.append(Lever(f"widen {facility.id}: cap", "cap", facility.cap or 0.0, 1.0,
                              partial(_replace_facility, scenario, f, "cap")))
        elif facility.kind is FacilityKind.first_loss:
            menu.append(Lever(f"widen {facility.id}: share", "share", facility.share or 0.0, 1.0,
                              partial(_replace_facility, scenario, f, "share")))
    total_budget = sum(p.annual_budget for p in scenario.providers) or 1000.0
    new = [
        (FacilityKind.guarantee, ProviderType.credit_guarantee_corporation,
         {"rate": 0.8, "cap": 0.25}),
        (FacilityKind.first_loss, ProviderType.municipality, {"share": 0.25}),
        (FacilityKind.concessional, ProviderType.policy_finance,
         {"rate": 0.005, "share": 0.3, "pd_multiplier": 0.9}),
    ]
    for kind, preferred, terms in new:
        funder = _first_public(scenario, preferred)
        if funder is None:
            continue

        def add(x: float, kind: FacilityKind = kind, funder: str = funder,
                terms: dict[str, float] = terms) -> Scenario:
            if x <= 0:
                return scenario  # a line with no budget is no line
            facility = Facility(id=f"new_{kind.value}", kind=kind, provider=funder, budget=x,
                                stages=stages, issues=issues, **terms)  # type: ignore[arg-type]
            return scenario.model_copy(update={"facilities": [*scenario.facilities, facility]})

        menu.append(Lever(f"add {kind.value} ({funder})", "budget", 0.0,
                          total_budget * scale, add))
    for p, provider in enumerate(scenario.providers):
        if provider.lends and (target.stage is None or provider.serves(
                target.stage, target.issue or provider_issue(provider))):
            def budget(x: float, p: int = p) -> Scenario:
                providers = list(scenario.providers)
                providers[p] = providers[p].model_copy(update={"annual_budget": x})
                return scenario.model_copy(update={"providers": providers})

            menu.append(Lever(f"raise {provider.id}: annual budget", "annual_budget",
                              provider.annual_budget, provider.annual_budget * scale, budget))
        if provider.support is not None:
            def capacity(x: float, p: int = p) -> Scenario:
                providers = list(scenario.providers)
                support = providers[p].support
                assert support is not None
                providers[p] = providers[p].model_copy(
                    update={"support": support.model_copy(update={"capacity": max(int(x), 1)})})
                return scenario.model_copy(update={"providers": providers})

            menu.append(Lever(f"raise {provider.id}: support capacity", "capacity",
                              float(provider.support.capacity),
                              float(provider.support.capacity) * scale, capacity))
    return menu


def provider_issue(provider) -> Issue:  # type: ignore[no-untyped-def]
    """Any issue the provider serves (for a stage-only target)."""
    return Issue.other if provider.issues == "all" else provider.issues[0]


@dataclass
class _Trials:
    """The simulated outcome of each setting of one lever (each simulated once)."""

    lever: Lever
    target: GapTarget
    base_gap: float
    replications: int
    seen: dict[float, tuple[float, list[Ledgers], Scenario]]

    def closed(self, x: float) -> float:
        """Share of the target gap closed with the lever at ``x``."""
        from finmodel.bundle import simulate_ledgers

        if x not in self.seen:
            candidate = self.lever.apply(x)
            ledgers = simulate_ledgers(candidate, self.replications)
            gap = self.target.gap(ledgers)
            share = 1.0 - gap / self.base_gap if self.base_gap > 0 else 1.0
            self.seen[x] = (share, ledgers, candidate)
        return self.seen[x][0]


def _solve(lever: Lever, target: GapTarget, base_gap: float, base_cost: float,
           replications: int, xtol: float) -> dict[str, object]:
    """Smallest setting of ``lever`` that closes the target share, and what it costs."""
    trials = _Trials(lever, target, base_gap, replications, {})
    low, high = lever.baseline, max(lever.upper, lever.baseline)
    feasible = base_gap > 0 and trials.closed(high) >= target.share
    value = high
    if feasible and trials.closed(low) >= target.share:
        value = low
    elif feasible and high > low:
        step = max(xtol * max(abs(high), 1.0), 1e-9)
        value = float(optimize.brentq(lambda x: trials.closed(x) - target.share, low, high,
                                      xtol=step))
        # Gap closed moves in steps (whole firms), so step to the side where it holds.
        while trials.closed(value) < target.share and value < high:
            value = min(value + step, high)
    share = trials.closed(value)
    _, ledgers, candidate = trials.seen[value]
    m = money(candidate, ledgers)
    public_money = float(m.public_money.sum())
    return {
        "design": lever.design, "parameter": lever.parameter, "baseline": lever.baseline,
        "value": value, "feasible": bool(feasible), "gap_closed": share,
        "gap": target.gap(ledgers), "baseline_gap": base_gap,
        "public_expected_cost": float(m.public_cost.mean()),
        "added_public_cost": float(m.public_cost.mean()) - base_cost,
        "private_mobilised": float(m.private_money.mean()),
        "mobilisation_ratio": float(m.private_money.sum() / public_money)
        if public_money > 0 else np.nan,
        "evaluations": len(trials.seen),
    }


def design_gap_closure(scenario: Scenario, target: GapTarget, replications: int = 40,
                       scale: float = 4.0, xtol: float = 1e-3) -> pd.DataFrame:
    """Ranked designs that close ``target.share`` of the target gap.

    Args:
        scenario: a scenario with a bundle.
        target: which gap and how much of it to close.
        replications: replications per trial (the same ones for every trial).
        scale: budgets and capacities are searched up to this multiple.
        xtol: relative tolerance of each lever's setting.

    Returns:
        One row per lever: the setting found, the share of the gap it closes, its public
        expected cost, the private money it mobilises and the mobilisation ratio;
        feasible designs first, cheapest first.
    """
    from finmodel.bundle import simulate_ledgers

    base_ledgers = simulate_ledgers(scenario, replications)
    base_gap = target.gap(base_ledgers)
    base_cost = float(money(scenario, base_ledgers).public_cost.mean())
    rows = [_solve(lever, target, base_gap, base_cost, replications, xtol)
            for lever in levers(scenario, target, scale)]
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.sort_values(["feasible", "public_expected_cost"],
                             ascending=[False, True]).reset_index(drop=True)

"""The gap-closing designer: which change to the bundle closes a gap at least public cost.

Each *lever* is a one-parameter change to the scenario (a facility's budget, rate, cap
or share; a new guarantee, first-loss or concessional line for the target's stage; a
provider's budget; support capacity). For each lever, ``scipy.optimize.brentq`` finds
the smallest setting that closes the target share of the total gap on a set of tuning
replications, every trial simulated with the same replications (common random numbers:
replication r always draws from the same streams), so two designs differ by the design
and not by noise. Every design is then checked out of sample, on fresh replications
with disjoint seeds, with a standard error and a lower confidence bound. Designs that
hold are ranked by public expected cost; levers with identical outcomes are one design.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from finmodel.bundle.ledgers import ISSUES, Ledgers
from finmodel.bundle.tables import money
from finmodel.scenario.changes import scenario_data, validate_data, with_changes
from finmodel.scenario.edits import append_item, edit_text
from finmodel.scenario.loader import parse_scenario
from finmodel.scenario.model import Scenario
from finmodel.vocabulary import STAGE_ORDER, FacilityKind, Issue, ProviderType, Sector, Stage


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
class Change:
    """What a lever at setting x does to the scenario's data: values set by dotted path
    (``set``), or a new item appended to a list (``append``: (list path, item))."""

    set: dict[str, Any]
    append: tuple[str, dict[str, Any]] | None = None


@dataclass(frozen=True)
class Lever:
    """A one-parameter change to the scenario."""

    design: str
    parameter: str
    baseline: float
    upper: float
    change: Callable[[float], Change]
    scenario: Scenario

    def apply(self, x: float) -> Scenario:
        """The scenario with the lever at ``x``, validated (the one way to change it)."""
        return changed(self.scenario, self.change(x))


def changed(scenario: Scenario, change: Change) -> Scenario:
    """``scenario`` with ``change`` made and validated whole."""
    if change.append is None:
        return with_changes(scenario, change.set, "design")
    path, item = change.append
    data = scenario_data(scenario)
    data[path] = [*data.get(path, []), item]
    return validate_data(data, "design")


def _first_public(scenario: Scenario, preferred: ProviderType) -> str | None:
    for provider in scenario.providers:
        if provider.type is preferred:
            return provider.id
    for provider in scenario.providers:
        if provider.resolved_sector is Sector.public:
            return provider.id
    return None


def _new_facility(scenario: Scenario, kind: FacilityKind, funder: str,
                  terms: dict[str, float], stages: list[Stage] | None,
                  issues: list[Issue] | None, x: float) -> Change:
    if x <= 0:
        return Change({})  # a line with no budget is no line
    taken = {f.id for f in scenario.facilities}
    name, n = f"new_{kind.value}", 2
    while name in taken:  # a design applied twice adds a second line
        name, n = f"new_{kind.value}_{n}", n + 1
    item: dict[str, Any] = {"id": name, "kind": kind.value, "provider": funder, **terms,
                            "budget": x}
    if stages is not None:
        item["stages"] = [s.value for s in stages]
    if issues is not None:
        item["issues"] = [i.value for i in issues]
    return Change({}, ("facilities", item))


def levers(scenario: Scenario, target: GapTarget, scale: float = 4.0) -> list[Lever]:
    """The menu of changes for ``target`` (budgets may grow up to ``scale`` times)."""
    menu: list[Lever] = []
    stages = [target.stage] if target.stage else None
    issues = [target.issue] if target.issue else None

    def setting(path: str) -> Callable[[float], Change]:
        return lambda x: Change({path: x})

    for facility in scenario.facilities:
        at = f"facilities.{facility.id}"
        menu.append(Lever(f"widen {facility.id}: budget", "budget", facility.budget,
                          facility.budget * scale, setting(f"{at}.budget"), scenario))
        if facility.kind is FacilityKind.guarantee:
            menu.append(Lever(f"widen {facility.id}: rate", "rate", facility.rate or 0.0, 1.0,
                              setting(f"{at}.rate"), scenario))
            menu.append(Lever(f"widen {facility.id}: cap", "cap", facility.cap or 0.0, 1.0,
                              setting(f"{at}.cap"), scenario))
        elif facility.kind is FacilityKind.first_loss:
            menu.append(Lever(f"widen {facility.id}: share", "share", facility.share or 0.0, 1.0,
                              setting(f"{at}.share"), scenario))
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
        menu.append(Lever(f"add {kind.value} ({funder})", "budget", 0.0, total_budget * scale,
                          partial(_new_facility, scenario, kind, funder, terms, stages, issues),
                          scenario))
    for provider in scenario.providers:
        at = f"providers.{provider.id}"
        if provider.lends and (target.stage is None or provider.serves(
                target.stage, target.issue or provider_issue(provider))):
            menu.append(Lever(f"raise {provider.id}: annual budget", "annual_budget",
                              provider.annual_budget, provider.annual_budget * scale,
                              setting(f"{at}.annual_budget"), scenario))
        if provider.support is not None:
            def capacity(x: float, path: str = f"{at}.support.capacity") -> Change:
                return Change({path: max(int(x), 1)})

            menu.append(Lever(f"raise {provider.id}: support capacity", "capacity",
                              float(provider.support.capacity),
                              float(provider.support.capacity) * scale, capacity, scenario))
    return menu


def provider_issue(provider) -> Issue:
    """Any issue the provider serves (for a stage-only target)."""
    return Issue.other if provider.issues == "all" else provider.issues[0]


@dataclass
class _Trials:
    """The simulated outcome of each setting of one lever on one set of replications."""

    lever: Lever
    target: GapTarget
    base: np.ndarray  # the target gap of each replication without the design
    replications: int
    first: int
    potential: list[Ledgers] | None  # counterfactual runs to reuse (None: the lever moves them)
    seen: dict[float, tuple[np.ndarray, list[Ledgers], Scenario]]

    def gaps(self, x: float) -> np.ndarray:
        """The target gap of each replication with the lever at ``x`` (simulated once)."""
        from finmodel.bundle import simulate_ledgers

        if x not in self.seen:
            candidate = self.lever.apply(x)
            ledgers = simulate_ledgers(candidate, self.replications, first=self.first,
                                       potential=self.potential)
            self.seen[x] = (self.target.gaps(ledgers), ledgers, candidate)
        return self.seen[x][0]

    def closed(self, x: float) -> float:
        """Share of the target gap closed with the lever at ``x``."""
        return closed_share(self.base, self.gaps(x))[0]


def closed_share(base: np.ndarray, designed: np.ndarray) -> tuple[float, float]:
    """Share of the gap closed (ratio of means) and its standard error (delta method over
    paired replications: the same replications with and without the design)."""
    mean_base = float(base.mean())
    if mean_base <= 0:
        return float("nan"), float("nan")  # no gap to close
    share = 1.0 - float(designed.mean()) / mean_base
    if base.shape[0] < 2:
        return share, float("nan")
    residual = (base - designed) - share * base
    return share, float(residual.std(ddof=1) / np.sqrt(base.shape[0]) / mean_base)


def _tune(trials: _Trials, target: GapTarget, xtol: float) -> tuple[float, bool]:
    """Smallest setting that closes the target share on the tuning replications."""
    lever = trials.lever
    low, high = lever.baseline, max(lever.upper, lever.baseline)
    feasible = trials.base.mean() > 0 and trials.closed(high) >= target.share
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
    return value, bool(feasible)


def _validate(lever: Lever, target: GapTarget, tuned: float, validation: _Trials,
              z: float, steps: int = 8) -> tuple[float, float, float, bool]:
    """Check the tuned setting on the validation replications; if its lower confidence bound
    misses the target, step the setting up towards the lever's limit until it holds.

    Returns (setting, share closed, its standard error, whether the target holds).
    """
    high = max(lever.upper, lever.baseline)
    settings = [tuned] + [tuned + (high - tuned) * k / steps for k in range(1, steps + 1)]
    for x in settings:
        share, se = closed_share(validation.base, validation.gaps(x))
        if share - z * (0.0 if np.isnan(se) else se) >= target.share:
            return x, share, se, True
        if x >= high:
            break
    share, se = closed_share(validation.base, validation.gaps(tuned))
    return tuned, share, se, False


def _row(lever: Lever, target: GapTarget, tuning: _Trials, validation: _Trials, tuned: float,
         feasible: bool, z: float, confidence: float, base_cost: float) -> dict[str, object]:
    # A lever that falls short on the tuning set is still checked at its limit: the fresh
    # replications may show that it holds there.
    setting, share, se, holds = (_validate(lever, target, tuned, validation, z)
                                 if validation.base.mean() > 0
                                 else (tuned, float("nan"), float("nan"), False))
    _, ledgers, candidate = validation.seen[setting]
    m = money(candidate, ledgers)
    public_money = float(m.public_money.sum())
    return {
        "design": lever.design, "parameter": lever.parameter, "baseline": lever.baseline,
        "value": setting, "tuned_value": tuned, "feasible": feasible,
        "gap_closed_tuning": tuning.closed(tuned),
        "gap_closed": share, "gap_closed_se": se,
        "gap_closed_lower": share - z * se if not np.isnan(se) else share,
        "holds": holds, "confidence": confidence,
        "gap": float(validation.gaps(setting).mean()), "baseline_gap": float(validation.base.mean()),
        "public_expected_cost": float(m.public_cost.mean()),
        "added_public_cost": float(m.public_cost.mean()) - base_cost,
        "private_mobilised": float(m.private_money.mean()),
        "mobilisation_ratio": float(m.private_money.sum() / public_money)
        if public_money > 0 else np.nan,
        "evaluations": len(tuning.seen) + len(validation.seen),
    }


def _merge_same_terms(table: pd.DataFrame) -> pd.DataFrame:
    """Designs whose setting and every figure coincide are one design: name it once, with
    its alternatives (e.g. a new guarantee and a new first-loss line nobody draws on)."""
    figures = ["value", "gap_closed", "gap_closed_tuning", "public_expected_cost",
               "private_mobilised"]
    key = table[figures].round(9).astype(str).agg("|".join, axis=1)
    rows = []
    for _, group in table.groupby(key, sort=False):
        row = group.iloc[0].copy()
        if len(group) > 1:
            row["design"] = " = ".join(group["design"])
        rows.append(row)
    return pd.DataFrame(rows).reset_index(drop=True)


def design_gap_closure(scenario: Scenario, target: GapTarget, replications: int = 40,
                       scale: float = 4.0, xtol: float = 1e-3,
                       validation_replications: int | None = None,
                       confidence: float = 0.9) -> pd.DataFrame:
    """Ranked designs that close ``target.share`` of the target's total gap, out of sample.

    Each lever's smallest setting is tuned on ``replications`` replications (the same for
    every trial), then checked on ``validation_replications`` fresh ones whose seeds are
    disjoint from the tuning ones (replications ``replications`` onwards). A design
    *holds* when the lower one-sided ``confidence`` bound of the share it closes on the
    validation set meets the target; if the tuned setting does not hold, the setting is
    stepped up towards the lever's limit until it does.

    Args:
        scenario: a scenario with a bundle.
        target: which gap and how much of it to close.
        replications: tuning replications per trial.
        scale: budgets and capacities are searched up to this multiple.
        xtol: relative tolerance of each lever's setting.
        validation_replications: fresh replications (default: twice the tuning ones).
        confidence: confidence of the lower bound that must meet the target.

    Returns:
        One row per design: the setting (`value`, and `tuned_value`), the share closed on
        the tuning set and on the validation set with its standard error and lower bound,
        whether it holds, its public expected cost, private money and mobilisation ratio;
        designs that hold first, cheapest first.
    """
    from scipy import stats

    from finmodel.bundle import counterfactuals, simulate_ledgers

    validation_count = validation_replications or 2 * replications
    z = float(stats.norm.ppf(confidence))
    tuning_potential = counterfactuals(scenario, replications)
    validation_potential = counterfactuals(scenario, validation_count, first=replications)
    base_tuning = simulate_ledgers(scenario, replications, potential=tuning_potential)
    base_validation = simulate_ledgers(scenario, validation_count, first=replications,
                                       potential=validation_potential)
    base_cost = float(money(scenario, base_validation).public_cost.mean())
    rows = []
    for lever in levers(scenario, target, scale):
        moves_potential = lever.parameter == "capacity"  # support changes who survives
        tuning = _Trials(lever, target, target.gaps(base_tuning), replications, 0,
                         None if moves_potential else tuning_potential, {})
        validation = _Trials(lever, target, target.gaps(base_validation), validation_count,
                             replications, None if moves_potential else validation_potential,
                             {})
        tuned, feasible = _tune(tuning, target, xtol)
        rows.append(_row(lever, target, tuning, validation, tuned, feasible, z, confidence,
                         base_cost))
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table = _merge_same_terms(table)
    return table.sort_values(["holds", "feasible", "public_expected_cost"],
                             ascending=[False, False, True]).reset_index(drop=True)


def design_scenario(scenario: Scenario, target: GapTarget, row: pd.Series,
                    scale: float = 4.0) -> Scenario:
    """The scenario with a design row applied (its first alternative, at its setting)."""
    return changed(scenario, design_change(scenario, target, row, scale))


def design_change(scenario: Scenario, target: GapTarget, row: pd.Series,
                  scale: float = 4.0) -> Change:
    """What a design row does to the scenario's data (to write it into the file's text)."""
    name = str(row["design"]).split(" = ")[0]
    lever = next((lv for lv in levers(scenario, target, scale) if lv.design == name), None)
    if lever is None:
        raise ValueError(f"{row['design']!r} is not a change this scenario offers")
    return lever.change(float(row["value"]))


def designed_text(text: str, file: str, target: GapTarget, row: pd.Series,
                  scale: float = 4.0, notes: Mapping[str, str] | None = None) -> str:
    """The scenario file's text with a design row applied in place (comments and layout
    kept; a new facility is appended to the file's list), validated.

    Args:
        text: the scenario file's text.
        file: its name (for messages).
        target: the designer's target; ``scale`` the one it ran with.
        row: a row of the designer's table (at least ``design`` and ``value``).
        notes: top-level text fields to set as well (``name``, ``description``).

    Raises:
        ValueError: the design is not one of this scenario's levers.
        ScenarioError: the text or the designed scenario is invalid (nothing is changed).
    """
    scenario = parse_scenario(text, file)
    change = design_change(scenario, target, row, scale)
    if change.append is not None:
        text = append_item(text, *change.append, file)
    else:
        text = edit_text(text, change.set, file)
    return edit_text(text, dict(notes or {}), file)

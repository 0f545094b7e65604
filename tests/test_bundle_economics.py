"""The bundle's economics: potential demand and the lost pipeline, supply that never widens the
total gap, a regional credit cycle against its closed forms, every round accounted for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from finmodel.bundle import counterfactuals, simulate_bundle, simulate_ledgers
from finmodel.bundle.tables import money
from finmodel.scenario import ScenarioError, parse_scenario
from finmodel.scenario.model import Scenario
from tests.conftest import ROOT

BUNDLE_SCENARIOS = sorted((ROOT / "scenarios").glob("bundle_*.yaml"))
REPLICATIONS = 16


def region(**changes: Any) -> dict[str, Any]:
    """Four stages, firms arriving at seed, one bank lending at every stage."""
    data: dict[str, Any] = {
        "name": "region", "seed": 11,
        "simulation": {"years": 6, "replications": 20},
        "pipeline": {
            "stages": {name: {"need": {"median": 10, "p90": 20}, "annual_pd": 0.1,
                              "graduation": 0.4, "max_years": 4}
                       for name in ("seed", "early", "middle", "later")},
            "arrivals": {"seed": {"health": 20, "environment": 10}},
            "retries": 1},
        "providers": [{"id": "bank", "type": "regional_bank", "instruments": ["senior_loan"],
                       "annual_budget": 1e9, "ticket": {"min": 0, "max": 1e6}, "rate": 0.02}],
    }
    data.update(changes)
    return data


def test_unlimited_budgets_the_run_is_its_counterfactual() -> None:
    scenario = Scenario.model_validate(region())
    for lg in simulate_ledgers(scenario, 5):
        np.testing.assert_array_equal(lg.demand, lg.potential_demand)
        np.testing.assert_array_equal(lg.rounds, lg.potential_rounds)
        np.testing.assert_array_equal(lg.graduates, lg.potential_graduates)
        assert (lg.potential_demand - lg.supplied).sum() == pytest.approx(0.0, abs=1e-6)
    summary = simulate_bundle(scenario, 5).summary.iloc[0]
    assert summary["total_gap"] == pytest.approx(0.0, abs=1e-6)
    assert summary["lost_pipeline"] == 0.0


def test_a_broken_chain_shows_its_lost_pipeline() -> None:
    """Nobody lends at seed: every later round is lost pipeline, not a smaller gap."""
    data = region()
    data["providers"][0]["stages"] = ["early", "middle", "later"]
    results = simulate_bundle(Scenario.model_validate(data), 5)
    gaps = results.gaps
    later = gaps[gaps["stage"] != "seed"]
    assert later["demand"].sum() == 0.0 and later["potential_demand"].sum() > 0
    np.testing.assert_allclose(later["lost_pipeline"], later["potential_demand"])
    handoffs = results.handoffs.set_index("from_stage")
    assert handoffs.loc["seed", "graduates"] == 0.0
    assert handoffs.loc["seed", "graduates_lost"] == handoffs.loc["seed", "graduates_potential"] > 0


@pytest.mark.parametrize("path", BUNDLE_SCENARIOS, ids=lambda p: p.name)
def test_more_supply_never_widens_the_total_gap(path: Path) -> None:
    """Each lending provider's budget x2 and x0.5, on the same replications (common random
    numbers): the expected total gap does not rise with more money nor fall with less
    (within 3 standard errors of the paired difference)."""
    from finmodel import load_scenario

    scenario = load_scenario(path)
    potential = counterfactuals(scenario, REPLICATIONS)  # does not depend on budgets
    base = money(scenario, simulate_ledgers(scenario, REPLICATIONS, potential=potential))
    for p, provider in enumerate(scenario.providers):
        if provider.annual_budget <= 0:
            continue
        for factor in (2.0, 0.5):
            providers = list(scenario.providers)
            providers[p] = provider.model_copy(
                update={"annual_budget": provider.annual_budget * factor})
            changed = scenario.model_copy(update={"providers": providers})
            after = money(changed, simulate_ledgers(changed, REPLICATIONS, potential=potential))
            diff = after.total_gap - base.total_gap
            se = diff.std(ddof=1) / np.sqrt(REPLICATIONS)
            if factor > 1:
                assert diff.mean() <= 3 * se + 1e-6, (provider.id, factor, diff.mean(), se)
            else:
                assert diff.mean() >= -3 * se - 1e-6, (provider.id, factor, diff.mean(), se)


def test_a_policy_shock_widens_the_total_gap() -> None:
    from finmodel import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "bundle_policy_shock.yaml")
    calm = scenario.model_copy(update={"shocks": []})
    shocked = money(scenario, simulate_ledgers(scenario, 60)).total_gap
    base = money(calm, simulate_ledgers(calm, 60)).total_gap
    diff = shocked - base
    assert diff.mean() > 0 and diff.mean() > -3 * diff.std(ddof=1) / np.sqrt(60)


def cycle(correlation: float, persistence: float = 0.0, **economy: Any) -> Scenario:
    """200 seed firms arrive in year 1, all funded; they are exposed to failure from year 2."""
    data = region(simulation={"years": 3, "replications": 10})
    data["pipeline"]["arrivals"] = {"seed": {"health": 200}}
    data["pipeline"]["arrival_process"] = "fixed"
    for terms in data["pipeline"]["stages"].values():
        terms.update(annual_pd=0.05, graduation=0.0, max_years=10)
    data["economy"] = {"correlation": correlation, "persistence": persistence, **economy}
    return Scenario.model_validate(data)


def yearly_defaults(scenario: Scenario, replications: int) -> tuple[np.ndarray, np.ndarray]:
    ledgers = simulate_ledgers(scenario, replications)
    return np.array([lg.defaults[1] for lg in ledgers]), np.array([lg.at_risk[1] for lg in ledgers])


@pytest.mark.parametrize("rho", [0.0, 0.25])
def test_yearly_defaults_have_the_binomial_or_vasicek_variance(rho: float) -> None:
    n, p, reps = 200, 0.05, 300
    defaults, at_risk = yearly_defaults(cycle(rho), reps)
    assert np.all(at_risk == n)
    # Conditional on Z the defaults are Binomial(n, p(Z)); two firms default together with
    # probability Phi2(Phi^-1(p), Phi^-1(p); rho) (the Vasicek mixture).
    threshold = stats.norm.ppf(p)
    joint = p * p if rho == 0 else float(stats.multivariate_normal(
        mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([threshold, threshold]))
    variance = n * p * (1 - p) + n * (n - 1) * (joint - p * p)
    mean_se = np.sqrt(variance / reps)
    assert abs(defaults.mean() - n * p) < 4 * mean_se  # the long-run PD is unchanged
    # The sample variance's standard error, from the fourth moment of the draws.
    centred = defaults - defaults.mean()
    var_se = np.sqrt((np.mean(centred**4) - defaults.var() ** 2) / reps)
    assert abs(defaults.var(ddof=1) - variance) < 4 * var_se, (defaults.var(ddof=1), variance)
    if rho > 0:  # and the cycle is not sampling noise: far above the binomial variance
        assert defaults.var(ddof=1) > 3 * n * p * (1 - p)


def test_a_recession_path_raises_defaults_and_cuts_procyclical_budgets() -> None:
    recession = cycle(0.3, path=[-2.0, -2.0, -2.0])
    calm = cycle(0.3, path=[0.0, 0.0, 0.0])
    bad, _ = yearly_defaults(recession, 50)
    normal, _ = yearly_defaults(calm, 50)
    p_bad = stats.norm.cdf((stats.norm.ppf(0.05) + np.sqrt(0.3) * 2) / np.sqrt(0.7))
    assert abs(bad.mean() / 200 - p_bad) < 4 * np.sqrt(p_bad * (1 - p_bad) / 200 / 50)
    # Z_t = 0 is a median year, not an average one: its PD is below the long-run 5%.
    p_median = stats.norm.cdf(stats.norm.ppf(0.05) / np.sqrt(0.7))
    assert abs(normal.mean() / 200 - p_median) < 4 * np.sqrt(p_median * (1 - p_median) / 200 / 50)
    assert bad.mean() > 3 * normal.mean()
    data = recession.model_dump(mode="json")
    data["providers"][0]["procyclicality"] = 0.25
    years = simulate_bundle(Scenario.model_validate(data), 3)
    budget = years.providers.set_index("year")["budget"]
    assert budget.loc[1] == pytest.approx(1e9 * (1 - 0.25 * 2.0))
    np.testing.assert_allclose(years.gap_years["factor"], [-2.0, -2.0, -2.0])


def test_persistent_factor_is_ar1_with_standard_normal_margins() -> None:
    from finmodel.bundle.simulation import economy_path

    scenario = cycle(0.2, persistence=0.7)
    z = np.array([economy_path(scenario, r, 3) for r in range(4000)])
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1.0) < 0.05
    assert np.corrcoef(z[:, 0], z[:, 1])[0, 1] == pytest.approx(0.7, abs=0.05)


@pytest.mark.parametrize(("economy", "expected"), [
    ("{correlation: 0.2, path: [-1, -2]}", "economy.path: path has 2 value(s)"),
    ("{correlation: 1.0}", "economy.correlation: Input should be less than 1"),
    ("{correlation: 0.2, persistence: 1.0}", "economy.persistence: Input should be less than 1"),
    ("{correlation: 0.2, persistence: -1}", "economy.persistence: Input should be greater"),
    ("{correlation: .nan}", "economy.correlation"),
    ("{correlation: 0.2, path: [0, .inf, 0]}", "economy.path[1]"),
])
def test_bad_economy_is_refused_with_file_line_and_field(economy: str, expected: str) -> None:
    import yaml

    data = region(simulation={"years": 3, "replications": 2})
    text = yaml.safe_dump(data, sort_keys=False) + f"economy: {economy}\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    message = str(info.value)
    assert "bad.yaml:" in message and expected in message, message


@pytest.mark.parametrize("path", BUNDLE_SCENARIOS, ids=lambda p: p.name)
def test_fast_counterfactual_is_the_simpy_counterfactual(path: Path) -> None:
    """The plain-loop counterfactual takes events in simpy's order: same ledgers exactly
    (support queues, cycles and shocks included)."""
    from finmodel import load_scenario
    from finmodel.bundle.simulation import BundleRun

    scenario = load_scenario(path)
    for r in range(3):
        fast = BundleRun(scenario, r, counterfactual=True).run_counterfactual()
        slow = BundleRun(scenario, r, counterfactual=True).run()
        for name in ("demand", "rounds", "supplied", "graduates", "funded_next", "defaults",
                     "at_risk", "supported", "support_cost", "factor"):
            np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
        assert fast.firm_years == slow.firm_years and fast.firms == slow.firms

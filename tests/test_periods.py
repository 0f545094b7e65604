"""The period engine: default times, schedules, recoveries, and the one-period limit case."""

from __future__ import annotations

import numpy as np
import pytest

from finmodel.compiled import pool_spec
from finmodel.engine.periods import balance_schedule, simulate_pool_cashflows
from finmodel.run import run
from finmodel.vocabulary import Amortisation
from tests.conftest import make_scenario

ONE_SEGMENT = [{"segment": "a", "count": 60, "exposure": 25, "annual_pd": 0.08, "lgd": 0.6,
                "rate": 0.05}]


def test_annuity_schedule_pays_equal_instalments() -> None:
    r, n = 0.01, 12
    balance = balance_schedule(Amortisation.annuity, r, n)
    instalment = r * balance[:-1] + (balance[:-1] - balance[1:])
    np.testing.assert_allclose(instalment, r / (1 - (1 + r) ** -n))  # the annuity formula
    np.testing.assert_allclose(balance_schedule(Amortisation.linear, r, 4), [1, .75, .5, .25, 0])
    np.testing.assert_allclose(balance_schedule(Amortisation.bullet, r, 3), [1, 1, 1, 0])


def test_default_times_follow_the_cumulative_pd_curve() -> None:
    scenario = make_scenario(pool=ONE_SEGMENT, horizon_years=4, payment_frequency=4,
                             paths=40_000)
    flows = simulate_pool_cashflows(pool_spec(scenario.seed, scenario.vehicles[0]))
    by_t = np.cumsum(flows.defaults, axis=1) / 60.0
    expected = 1.0 - (1.0 - 0.08) ** flows.times
    se = by_t.std(axis=0) / np.sqrt(flows.paths)
    assert np.all(np.abs(by_t.mean(axis=0) - expected) < 4 * se)


def test_recoveries_arrive_after_the_lag_and_are_the_rest_of_the_balance() -> None:
    scenario = make_scenario(pool=ONE_SEGMENT, horizon_years=3, payment_frequency=4,
                             recovery_lag_years=1, paths=2_000)
    flows = simulate_pool_cashflows(pool_spec(scenario.seed, scenario.vehicles[0]))
    assert np.all(flows.recoveries[:, :4] == 0.0)
    # Recoveries due after the horizon are collected in the last period.
    np.testing.assert_allclose(flows.recoveries.sum(axis=1),
                               flows.loss.sum(axis=1) * 0.4 / 0.6, rtol=1e-12)
    np.testing.assert_allclose(flows.recoveries[:, 4:-1], flows.loss[:, :-5] * 0.4 / 0.6,
                               rtol=1e-12, atol=1e-12)


def test_common_random_numbers_same_pool_same_paths_whatever_the_stack() -> None:
    a = make_scenario(paths=3_000)
    b = make_scenario(paths=3_000, tranches=[
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 1.0}],
        guarantees=[])
    fa = simulate_pool_cashflows(pool_spec(a.seed, a.vehicles[0]))
    fb = simulate_pool_cashflows(pool_spec(b.seed, b.vehicles[0]))
    np.testing.assert_array_equal(fa.loss, fb.loss)
    np.testing.assert_array_equal(fa.interest, fb.interest)


@pytest.mark.parametrize("guarantees", [[], [{"provider": "cgc", "covers": "senior",
                                               "rate": 0.8, "cap": 0.2}]])
def test_one_period_limit_period_engine_agrees_with_the_exact_engine(guarantees) -> None:  # type: ignore[no-untyped-def]
    """One period, bullet: the cash-flow engine (Monte Carlo over default times) and the
    exact engine's one-period waterfall give the same tranche figures within error bars."""
    tranches = [
        {"name": "first_loss", "provider": "dormant_fund", "kind": "first_loss", "size": 0.08,
         "coupon": 0.0, "market_coupon": 0.03},
        {"name": "mezz", "provider": "chiho_bank", "kind": "mezzanine", "size": 0.12,
         "coupon": 0.04, "residual": True},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.8,
         "coupon": 0.02},
    ]
    scenario = make_scenario(pool=ONE_SEGMENT, tranches=tranches, guarantees=guarantees,
                             horizon_years=1, correlation=0.3, paths=200_000)
    results = run(scenario)
    periods = results.tranches.set_index("tranche")
    exact = results.one_period.set_index("tranche")
    assert (results.one_period["engine"] == "exact").all()
    for name in ["first_loss", "mezz", "senior"]:
        p, e = periods.loc[name], exact.loc[name]
        assert abs(p["expected_loss"] - e["expected_loss"]) < 4 * p["expected_loss_se"] + 1e-9
        assert abs(p["prob_loss"] - e["prob_loss"]) < 4 * p["prob_loss_se"] + 1e-9
        assert abs(p["expected_cash"] - e["expected_cash"]) < 4 * p["expected_cash_se"] + 1e-9
        assert abs(p["subsidy"] - e["subsidy"]) < 0.01 * max(e["subsidy"], 1.0) + 0.05

"""Tranche and vehicle figures against hand calculations; root-finding design answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finmodel import run
from finmodel.compiled import pool_of, pool_spec
from finmodel.engine.distribution import LossDistribution
from finmodel.stack.design import Lever, SeniorTarget, first_loss_stress, smallest_first_loss
from finmodel.stack.metrics import breakeven_pd_multiple
from finmodel.stack.waterfall import stack_terms
from tests.conftest import make_scenario


def test_quantile_and_expected_shortfall_by_hand() -> None:
    dist = LossDistribution(np.array([0.0, 10.0, 50.0, 100.0]),
                            np.array([0.9, 0.085, 0.01, 0.005]), 100.0, "hand")
    assert dist.quantile(0.9) == 0.0
    assert dist.quantile(0.95) == 10.0
    assert dist.quantile(0.99) == 50.0  # P(L <= 10) = 0.985 < 0.99 <= 0.995
    # Worst 1%: 0.5% at 100 and 0.5% of the atom at 50 -> (0.5 + 0.25) / 0.01 = 75.
    assert dist.expected_shortfall(0.99) == pytest.approx(75.0)
    assert dist.mean() == pytest.approx(0.85 + 0.5 + 0.5)


def test_breakeven_multiple_closed_form() -> None:
    scenario = make_scenario(pool=[{"segment": "one", "count": 100, "exposure": 10,
                                    "annual_pd": 0.02, "lgd": 0.5}], horizon_years=1)
    pool = pool_of(scenario.vehicles[0])
    # Expected loss at multiple m is 1000 x 0.5 x 0.02 m = 10 m: reaches 150 at m = 15.
    assert breakeven_pd_multiple(pool, 150.0) == pytest.approx(15.0)
    assert breakeven_pd_multiple(pool, 0.0) == 0.0
    assert breakeven_pd_multiple(pool, 600.0) == float("inf")  # more than all LGD


def test_tranche_table_columns_and_pool_loss_against_the_closed_form() -> None:
    scenario = make_scenario()
    results = run(scenario)
    t = results.tranches
    for column in ["vehicle", "tranche", "provider", "attach", "detach", "notional",
                   "expected_loss", "expected_loss_pct", "prob_loss", "var_99", "es_99",
                   "expected_return", "irr_mean", "irr_p10", "irr_p50", "irr_p90",
                   "prob_hurdle_met", "npv", "wal_years", "pv_loss", "subsidy"]:
        assert column in t.columns
    v = results.vehicles.iloc[0]
    pool = pool_of(scenario.vehicles[0])
    # Bullet loans: the simulated pool loss over the life is sum n x E x LGD x PD(T).
    assert abs(v["pool_expected_loss"] - pool.expected_loss) < 4 * v["pool_expected_loss_se"]
    assert v["expected_loss"] == pytest.approx(pool.expected_loss, rel=1e-9)  # exact engine
    # EU practice: the multiplier is covered notional / (rate x cap x covered notional).
    assert v["guarantee_multiplier"] == pytest.approx(1 / (0.8 * 0.10))
    assert results.guarantees.iloc[0]["max_payout"] == pytest.approx(0.8 * 0.10 * 1700)
    np.testing.assert_allclose(t["expected_loss_pct"], t["expected_loss"] / t["notional"])
    assert (t["es_99"] >= t["var_99"] - 1e-9).all()
    assert (t["irr_p10"] <= t["irr_p50"]).all() and (t["irr_p50"] <= t["irr_p90"]).all()


def test_figures_by_hand_with_no_defaults() -> None:
    scenario = make_scenario(pool=[{"segment": "safe", "count": 10, "exposure": 100,
                                    "annual_pd": 0.0, "lgd": 0.5, "rate": 0.03}],
                             guarantees=[], horizon_years=2)
    results = run(scenario)
    t = results.tranches.set_index("tranche")
    # Interest 1000 x 3% = 30 a year; the senior's coupon 850 x 1.5% = 12.75 a year; no
    # tranche is marked residual, so the vehicle keeps 2 x 17.25 = 34.5.
    assert t.loc["senior", "expected_return"] == pytest.approx(0.015)
    assert t.loc["senior", "irr_p10"] == pytest.approx(0.015)
    assert t.loc["senior", "expected_cash"] == pytest.approx(850 + 2 * 12.75)
    assert t.loc["first_loss", "expected_cash"] == pytest.approx(150.0)
    assert results.vehicles.iloc[0]["vehicle_residual"] == pytest.approx(34.5)
    assert t.loc["senior", "prob_hurdle_met"] == pytest.approx(1.0)
    assert t.loc["senior", "wal_years"] == pytest.approx(2.0)  # bullet
    assert t["prob_loss"].sum() == 0.0


def test_public_cost_and_mobilisation() -> None:
    scenario = make_scenario(guarantees=[])
    v = run(scenario).vehicles.iloc[0]
    assert v["private_money"] == pytest.approx(1700.0)
    assert v["public_and_concessional_money"] == pytest.approx(300.0)
    assert v["mobilisation_ratio"] == pytest.approx(1700 / 300)


def test_concessional_subsidy_is_the_present_value_the_private_money_gains() -> None:
    tranches = [
        {"name": "equity", "provider": "chiho_bank", "kind": "first_loss", "size": 0.1,
         "residual": True},
        {"name": "soft", "provider": "dormant_fund", "kind": "subordinated", "size": 0.2,
         "coupon": 0.005, "market_coupon": 0.03},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.7,
         "coupon": 0.01},
    ]
    scenario = make_scenario(tranches=tranches, guarantees=[], correlation=0.0,
                             pool=[{"segment": "safe", "count": 10, "exposure": 100,
                                    "annual_pd": 0.0, "lgd": 0.5, "rate": 0.05}])
    results = run(scenario)
    t = results.tranches.set_index("tranche")
    # No defaults: 2.5% x 200 = 5 a year for 5 years goes to the equity instead; its present
    # value at the soft tranche's market coupon is 5 x the 5-year annuity factor at 3%.
    annuity = sum(1.03 ** -k for k in range(1, 6))
    assert t.loc["soft", "subsidy"] == pytest.approx(5 * annuity)
    assert t.loc["soft", "subsidy_to_private"] == pytest.approx(5 * annuity)
    assert t.loc["senior", "subsidy"] == 0.0
    v = results.vehicles.iloc[0]
    # Public cost = forgone return only (no losses): the same present value.
    assert v["public_expected_cost"] == pytest.approx(5 * annuity)
    assert v["public_cost_forgone_return"] == pytest.approx(5 * annuity)
    assert v["public_cost_losses"] == pytest.approx(0.0, abs=1e-9)


def _senior_figure(scenario, size: float, column: str) -> float:  # type: ignore[no-untyped-def]
    """The senior's figure with the first loss resized, from the full tranche table."""
    from finmodel.stack.metrics import tranche_rows
    from finmodel.stack.vehicle import PoolModel

    vehicle = scenario.vehicles[0]
    model = PoolModel.build(pool_spec(scenario.seed, vehicle))
    terms = stack_terms(scenario, vehicle, model.pool, sizes=[size, 1 - size])
    return float(getattr(tranche_rows(model.run(terms), model.pool)[-1], column))


@pytest.mark.parametrize(("target", "value"), [
    (SeniorTarget.max_expected_loss_pct, 0.004),
    (SeniorTarget.max_prob_loss, 0.05),
    (SeniorTarget.min_expected_return, 0.0145),
    (SeniorTarget.min_irr_p10, 0.0149),
    (SeniorTarget.min_irr_mean, 0.0146),
    (SeniorTarget.min_npv, -5.0),
])
def test_smallest_first_loss_meets_target_and_is_smallest(target: SeniorTarget,
                                                          value: float) -> None:
    scenario = make_scenario(guarantees=[])
    answer = smallest_first_loss(scenario, "fund", target, value)
    assert answer.feasible
    assert target.met(_senior_figure(scenario, answer.first_loss_size, target.column), value)
    assert not target.met(_senior_figure(scenario, answer.first_loss_size - 2e-3, target.column),
                          value)


@pytest.mark.parametrize("lever", [Lever.concession, Lever.guarantee_rate, Lever.guarantee_cap])
def test_other_levers_meet_the_target_and_are_smallest(lever: Lever) -> None:
    from finmodel.stack.design import design, senior_figure
    from finmodel.stack.vehicle import PoolModel

    tranches = [
        {"name": "soft", "provider": "dormant_fund", "kind": "first_loss", "size": 0.1,
         "coupon": 0.0, "market_coupon": 0.06},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.9,
         "coupon": 0.02, "residual": True},
    ]
    scenario = make_scenario(tranches=tranches, paths=4000,
                             guarantees=[{"provider": "cgc", "covers": "senior", "rate": 0.5,
                                          "cap": 0.2}])
    vehicle = scenario.vehicles[0]
    model = PoolModel.build(pool_spec(scenario.seed, vehicle))
    target = (SeniorTarget.min_irr_mean if lever is Lever.concession
              else SeniorTarget.max_expected_loss_pct)

    def figure(setting: float) -> float:
        key = {Lever.concession: {"coupons": {"soft": 0.06 - setting}},
               Lever.guarantee_rate: {"guarantee_rate": {0: setting}},
               Lever.guarantee_cap: {"guarantee_cap": {0: setting}}}[lever]
        return senior_figure(model.run(stack_terms(scenario, vehicle, model.pool, **key)),
                             target)

    high = 0.06 if lever is Lever.concession else 1.0
    value = 0.5 * (figure(0.01) + figure(high))  # a target the lever can reach
    answer = design(scenario, "fund", target, value, lever, model=model)
    assert answer.feasible, answer.message
    assert target.met(figure(answer.setting), value)
    assert not target.met(figure(answer.setting - 2e-3), value)


def test_infeasible_target_is_reported() -> None:
    scenario = make_scenario(guarantees=[])
    answer = smallest_first_loss(scenario, "fund", SeniorTarget.min_expected_return, 0.5)
    assert not answer.feasible and np.isnan(answer.first_loss_size)


def test_first_loss_stress_senior_multiple_is_where_stressed_loss_hits_attachment() -> None:
    scenario = make_scenario()
    stress = first_loss_stress(scenario, "fund")
    pool = pool_of(scenario.vehicles[0])
    m = stress[-1].breakeven_pd_multiple
    stressed = float(pool.count * pool.loss_per_default @ np.minimum(pool.pd * m, 1.0))
    assert stressed == pytest.approx(0.15 * pool.total_exposure)
    assert stress[0].breakeven_pd_multiple == 0.0


def test_grant_costs_public_money_its_notional() -> None:
    tranches = [
        {"name": "gift", "provider": "dormant_fund", "kind": "grant", "size": 0.1},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.9,
         "coupon": 0.01},
    ]
    scenario = make_scenario(tranches=tranches, guarantees=[])
    results = run(scenario)
    assert results.vehicles.iloc[0]["public_expected_cost"] == pytest.approx(200.0)
    assert results.tranches.iloc[0]["expected_cash"] == 0.0


def test_a_reused_pool_gives_the_same_results_as_a_fresh_one() -> None:
    from finmodel import load_scenario, run
    from finmodel.compiled import pool_key
    from finmodel.ui.state import stack_what_if
    from tests.conftest import ROOT

    base = load_scenario(ROOT / "scenarios" / "dormant_deposit_fund.yaml")
    pools: dict = {}
    first = run(stack_what_if(base, "subordinated_fund", 0.15, None, None, 0.0), pools=pools)
    assert len(pools) == 1
    moved = stack_what_if(base, "subordinated_fund", 0.25, None, None, 0.02)
    reused = run(moved, pools=pools)
    assert len(pools) == 1  # the same pool: not simulated again
    fresh = run(moved)
    for name in ("tranches", "vehicles", "guarantees", "cashflows", "one_period"):
        pd.testing.assert_frame_equal(getattr(reused, name), getattr(fresh, name))
    assert not first.tranches.equals(reused.tranches)
    # anything the pool depends on gives another key
    other = base.vehicles[0].model_copy(update={"correlation": 0.2})
    assert pool_key(base.seed, other) != pool_key(base.seed, base.vehicles[0])
    assert pool_key(1, base.vehicles[0]) != pool_key(base.seed, base.vehicles[0])

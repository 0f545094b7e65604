"""Tranche and vehicle figures against hand calculations; root-finding design answers."""

from __future__ import annotations

import numpy as np
import pytest

from finmodel import run
from finmodel.engine.distribution import LossDistribution
from finmodel.engine.pool import Pool
from finmodel.stack.design import SeniorTarget, first_loss_stress, smallest_first_loss
from finmodel.stack.metrics import breakeven_pd_multiple
from finmodel.stack.waterfall import run_waterfall, stack_terms
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
    pool = Pool.from_vehicle(scenario.vehicles[0])
    # Expected loss at multiple m is 1000 x 0.5 x 0.02 m = 10 m: reaches 150 at m = 15.
    assert breakeven_pd_multiple(pool, 150.0) == pytest.approx(15.0)
    assert breakeven_pd_multiple(pool, 0.0) == 0.0
    assert breakeven_pd_multiple(pool, 600.0) == float("inf")  # more than all LGD


def test_tranche_table_columns_and_money_conservation_over_the_distribution() -> None:
    scenario = make_scenario()
    results = run(scenario)
    t = results.tranches
    for column in ["vehicle", "tranche", "provider", "attach", "detach", "notional",
                   "expected_loss", "expected_loss_pct", "prob_loss", "var_99", "es_99",
                   "expected_return", "prob_hurdle_met"]:
        assert column in t.columns
    v = results.vehicles.iloc[0]
    g = results.guarantees.iloc[0]
    # Expected tranche losses plus the guarantor's expected payment = pool expected loss.
    assert t["expected_loss"].sum() + g["expected_payment"] == pytest.approx(v["expected_loss"])
    assert v["expected_loss"] == pytest.approx(v["expected_loss_closed_form"], rel=1e-9)
    assert v["guarantee_multiplier"] == pytest.approx(1 / (0.8 * 0.10))
    # Loss percentages are per unit of the tranche's notional.
    np.testing.assert_allclose(t["expected_loss_pct"], t["expected_loss"] / t["notional"])
    assert (t["es_99"] >= t["var_99"] - 1e-9).all()


def test_expected_return_by_hand_with_no_defaults() -> None:
    scenario = make_scenario(pool=[{"segment": "safe", "count": 10, "exposure": 100,
                                    "annual_pd": 0.0, "lgd": 0.5, "rate": 0.03}],
                             guarantees=[], horizon_years=2)
    t = run(scenario).tranches.set_index("tranche")
    # Interest 1000 x 3% x 2 = 60; senior coupon 850 x 1.5% x 2 = 25.5; rest to first loss.
    assert t.loc["senior", "expected_return"] == pytest.approx((1 + 0.015 * 2) ** 0.5 - 1)
    assert t.loc["first_loss", "expected_cash"] == pytest.approx(150 + 60 - 25.5)
    assert t.loc["senior", "prob_hurdle_met"] == pytest.approx(1.0)
    assert t["prob_loss"].sum() == 0.0


def test_public_cost_and_mobilisation() -> None:
    scenario = make_scenario(guarantees=[])
    v = run(scenario).vehicles.iloc[0]
    assert v["private_money"] == pytest.approx(1700.0)
    assert v["public_and_concessional_money"] == pytest.approx(300.0)
    assert v["mobilisation_ratio"] == pytest.approx(1700 / 300)


def test_concessional_subsidy_is_what_the_others_gain() -> None:
    tranches = [
        {"name": "equity", "provider": "chiho_bank", "kind": "first_loss", "size": 0.1},
        {"name": "soft", "provider": "dormant_fund", "kind": "subordinated", "size": 0.2,
         "coupon": 0.005, "market_coupon": 0.03},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.7,
         "coupon": 0.01},
    ]
    scenario = make_scenario(tranches=tranches, guarantees=[], correlation=0.0,
                             pool=[{"segment": "safe", "count": 10, "exposure": 100,
                                    "annual_pd": 0.0, "lgd": 0.5, "rate": 0.05}])
    t = run(scenario).tranches.set_index("tranche")
    # No defaults: 2.5% x 200 x 5 years = 25 more excess interest for the equity.
    assert t.loc["soft", "subsidy"] == pytest.approx(25.0)
    assert t.loc["senior", "subsidy"] == 0.0


def _senior_figure(scenario, size: float, column: str) -> float:  # type: ignore[no-untyped-def]
    """The senior's figure with the first loss resized, computed directly (no root finder)."""
    from finmodel.engine import loss_distribution
    from finmodel.seeding import stream
    from finmodel.stack.metrics import tranche_rows

    vehicle = scenario.vehicles[0]
    terms = stack_terms(scenario, vehicle, sizes=[size, 1 - size])
    dist = loss_distribution(vehicle, stream(scenario.seed, vehicle.id))
    return float(tranche_rows(dist, terms, Pool.from_vehicle(vehicle))[-1][column])


@pytest.mark.parametrize(("target", "value"), [
    (SeniorTarget.max_expected_loss_pct, 0.004),
    (SeniorTarget.max_prob_loss, 0.05),
    (SeniorTarget.min_expected_return, 0.013),
])
def test_smallest_first_loss_meets_target_and_is_smallest(target: SeniorTarget,
                                                          value: float) -> None:
    scenario = make_scenario(guarantees=[])
    answer = smallest_first_loss(scenario, "fund", target, value)
    assert answer.feasible
    assert target.met(_senior_figure(scenario, answer.first_loss_size, target.column), value)
    assert not target.met(_senior_figure(scenario, answer.first_loss_size - 2e-3, target.column),
                          value)


def test_infeasible_target_is_reported() -> None:
    scenario = make_scenario(guarantees=[])
    answer = smallest_first_loss(scenario, "fund", SeniorTarget.min_expected_return, 0.5)
    assert not answer.feasible and np.isnan(answer.first_loss_size)


def test_first_loss_stress_senior_multiple_is_where_stressed_loss_hits_attachment() -> None:
    scenario = make_scenario()
    stress = first_loss_stress(scenario, "fund")
    pool = Pool.from_vehicle(scenario.vehicles[0])
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
    flows = run_waterfall(np.array([0.0]), stack_terms(scenario, scenario.vehicles[0]))
    assert flows.cash[0, 0] == 0.0

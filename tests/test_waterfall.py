"""The waterfall: money conserved at every point, priorities, guarantees, grants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.engine.pool import Pool
from finmodel.stack.waterfall import pay_coupons, run_waterfall, stack_terms
from tests.conftest import make_scenario


@st.composite
def stacks(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 5))
    raw = draw(st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n))
    sizes = [r / sum(raw) for r in raw]
    sizes[-1] = 1.0 - sum(sizes[:-1])
    kinds = ["first_loss"] + ["subordinated"] * (n - 2) + ["senior"] if n > 1 else ["senior"]
    tranches = [{"name": f"t{i}", "provider": "chiho_bank", "kind": kinds[i], "size": sizes[i],
                 "coupon": draw(st.floats(0, 0.1))} for i in range(n)]
    guarantees = [
        {"provider": "cgc", "covers": f"t{draw(st.integers(0, n - 1))}",
         "rate": draw(st.floats(0.05, 1.0)), "cap": draw(st.floats(0.01, 1.0)),
         "fee": draw(st.floats(0, 0.02))}
        for _ in range(draw(st.integers(0, 3)))
    ]
    return make_scenario(tranches=tranches, guarantees=guarantees)


@settings(max_examples=150, deadline=None)
@given(scenario=stacks(), losses=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_money_is_conserved_at_every_point(scenario, losses) -> None:  # type: ignore[no-untyped-def]
    vehicle = scenario.vehicles[0]
    pool = Pool.from_vehicle(vehicle)
    terms = stack_terms(scenario, vehicle, pool=pool)
    pool_loss = np.array(losses) * pool.total_exposure * float(pool.lgd.max())
    flows = run_waterfall(pool_loss, terms)
    # Principal: tranche losses net of guarantees plus guarantee payments = pool loss.
    total = flows.net_loss.sum(axis=1) + flows.guarantee_payment.sum(axis=1)
    np.testing.assert_allclose(total, pool_loss, rtol=1e-10, atol=1e-9)
    # No tranche loses more than its notional or less than nothing.
    assert np.all(flows.net_loss >= -1e-9)
    assert np.all(flows.gross_loss <= terms.notional[None, :] + 1e-9)
    # Guarantees never pay more than their caps.
    assert np.all(flows.guarantee_payment <= terms.guarantee_max_payout[None, :] + 1e-9)
    # Interest: coupons paid plus the residual = interest collected.
    np.testing.assert_allclose(flows.coupon_paid.sum(axis=1) + flows.residual.sum(axis=1),
                               flows.interest, rtol=1e-10, atol=1e-9)
    # Cash out of the vehicle = pool principal back + interest - guarantee fees
    # + guarantee payments (fees leave the tranches towards the guarantor).
    cash = flows.cash.sum(axis=1)
    expected = (pool.total_exposure - pool_loss + flows.interest
                + flows.guarantee_payment.sum(axis=1) - terms.guarantee_fees.sum())
    np.testing.assert_allclose(cash, expected, rtol=1e-10, atol=1e-8)


def test_losses_written_down_junior_first() -> None:
    scenario = make_scenario(guarantees=[])
    vehicle = scenario.vehicles[0]
    terms = stack_terms(scenario, vehicle)
    e = terms.exposure  # 2000: first loss [0, 300], senior [300, 2000]
    flows = run_waterfall(np.array([0.0, 100.0, 300.0, 500.0]), terms)
    np.testing.assert_allclose(flows.net_loss, [[0, 0], [100, 0], [300, 0], [300, 200]])
    assert e == 2000


def test_guarantee_pays_rate_up_to_cap() -> None:
    scenario = make_scenario()  # 80% of senior loss, cap 10% of 1700 = 170
    terms = stack_terms(scenario, scenario.vehicles[0])
    flows = run_waterfall(np.array([400.0, 800.0]), terms)
    np.testing.assert_allclose(flows.guarantee_payment[:, 0], [80.0, 170.0])
    np.testing.assert_allclose(flows.net_loss[:, 1], [20.0, 330.0])


def test_coupons_paid_senior_first() -> None:
    paid = pay_coupons(np.array([10.0, 25.0, 100.0]), np.array([30.0, 20.0]))
    np.testing.assert_allclose(paid, [[0, 10], [5, 20], [30, 20]])


def test_residual_goes_to_junior_most_repaid_tranche_and_grants_get_nothing() -> None:
    tranches = [
        {"name": "gift", "provider": "dormant_fund", "kind": "grant", "size": 0.05},
        {"name": "equity", "provider": "dormant_fund", "kind": "first_loss", "size": 0.15},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.8,
         "coupon": 0.01},
    ]
    scenario = make_scenario(tranches=tranches, guarantees=[])
    terms = stack_terms(scenario, scenario.vehicles[0])
    flows = run_waterfall(np.array([0.0, 50.0]), terms)
    assert np.all(flows.cash[:, 0] == 0.0)
    assert np.all(flows.residual[:, 0] == 0.0)
    assert np.all(flows.residual[:, 1] > 0.0)
    # With no loss the senior gets principal plus its full coupon over 5 years.
    assert flows.cash[0, 2] == pytest.approx(1600 * (1 + 0.01 * 5))

"""The priority of payments: economics as properties (hypothesis), and small hand cases.

The properties are checked against quantities rebuilt from the ledger by the rules in the
README (balances, write-downs, arrears), not against the waterfall's internal state.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.compiled import pool_of
from finmodel.stack.waterfall import Collections, Ledger, StackTerms, run_waterfall, stack_terms
from tests.conftest import make_scenario

TOL = 1e-7
PROVIDERS = ["dormant_fund", "chiho_bank", "jfc", "investors"]  # public, private, public, private


def scenario_with(tranches: list[dict[str, Any]], guarantees: list[dict[str, Any]],
                  **vehicle: Any):  # type: ignore[no-untyped-def]
    base = make_scenario(tranches=tranches, guarantees=guarantees, **vehicle)
    data = base.model_dump(mode="json")
    data["providers"] += [{"id": "jfc", "type": "policy_finance"},
                          {"id": "investors", "type": "private_investor"}]
    return type(base).model_validate(data)


@st.composite
def deals(draw):  # type: ignore[no-untyped-def]
    """A stack (1-4 tranches, any sectors, concessions, a residual holder or none, guarantees,
    a management fee, notes or fund style) and pool collections over 1-6 periods."""
    n = draw(st.integers(1, 4))
    raw = draw(st.lists(st.floats(0.02, 1.0), min_size=n, max_size=n))
    sizes = [r / sum(raw) for r in raw]
    sizes[-1] = 1.0 - sum(sizes[:-1])
    fund = draw(st.booleans())
    holder = None if fund else draw(st.one_of(st.none(), st.integers(0, n - 1)))
    kinds = (["first_loss"] + ["subordinated"] * (n - 2) + ["senior"]) if n > 1 else ["senior"]
    tranches = []
    for i in range(n):
        coupon = draw(st.floats(0.0, 0.08))
        t = {"name": f"t{i}", "provider": draw(st.sampled_from(PROVIDERS)), "kind": kinds[i],
             "size": sizes[i], "coupon": coupon,
             "market_coupon": coupon + draw(st.sampled_from([0.0, 0.0, 0.02, 0.05]))}
        if holder == i:
            t["residual"] = True
        tranches.append(t)
    guarantees = [{"provider": "cgc", "covers": f"t{draw(st.integers(0, n - 1))}",
                   "rate": draw(st.floats(0.05, 1.0)), "cap": draw(st.floats(0.01, 1.0)),
                   "fee": draw(st.floats(0.0, 0.02))}
                  for _ in range(draw(st.integers(0, 2)))]
    periods = draw(st.integers(1, 6))
    scenario = scenario_with(tranches, guarantees, horizon_years=periods,
                             waterfall="fund" if fund else "notes",
                             management_fee=draw(st.sampled_from([0.0, 0.01])))
    rows = draw(st.integers(1, 5))
    uniforms = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=rows * periods * 3,
                                      max_size=rows * periods * 3))).reshape(rows, periods, 3)
    rate = draw(st.floats(0.0, 0.1))
    return scenario, synthetic_collections(uniforms, rate, float(scenario.vehicles[0].exposure))


def synthetic_collections(u: np.ndarray, rate: float, exposure: float) -> Collections:
    """Pool paths: each period a share of the balance is lost, a share repaid, interest paid."""
    rows, periods, _ = u.shape
    assets = np.full(rows, exposure)
    interest = np.zeros((rows, periods))
    principal = np.zeros((rows, periods))
    loss = np.zeros((rows, periods))
    for k in range(periods):
        interest[:, k] = rate * assets * (1.0 - 0.5 * u[:, k, 2])
        loss[:, k] = assets * 0.4 * u[:, k, 0] ** 2
        left = assets - loss[:, k]
        principal[:, k] = left if k == periods - 1 else left * u[:, k, 1] * 0.5
        assets = left - principal[:, k]
    return Collections(np.arange(1.0, periods + 1), interest, principal, loss,
                       np.full(rows, 1.0 / rows))


def rebuilt(ledger: Ledger, terms: StackTerms, dt: np.ndarray) -> dict[str, np.ndarray]:
    """Balances, uncured write-downs and arrears at the end of each period, from the ledger."""
    grant = terms.is_grant
    notional = np.where(grant, 0.0, terms.notional)
    principal = np.cumsum(ledger.principal, axis=1)
    written = np.cumsum(ledger.written_down, axis=1)
    cured = np.cumsum(ledger.cured + ledger.guarantee_received, axis=1)
    balance = notional[None, None, :] - principal - written
    uncured = written - cured
    outstanding_start = np.concatenate(
        [np.broadcast_to(notional, (balance.shape[0], 1, balance.shape[2])),
         (balance + uncured)[:, :-1]], axis=1)
    accrued = np.cumsum(np.where(grant, 0.0, terms.coupon)[None, None, :] * dt[None, :, None]
                        * outstanding_start, axis=1)
    arrears = accrued - np.cumsum(ledger.coupon, axis=1)
    return {"balance": balance, "uncured": uncured, "arrears": arrears, "accrued": accrued}


@settings(max_examples=200, deadline=None)
@given(deal=deals())
def test_money_is_conserved_every_period(deal) -> None:  # type: ignore[no-untyped-def]
    scenario, collections = deal
    terms = stack_terms(scenario, scenario.vehicles[0], pool_of(scenario.vehicles[0]))
    ledger = run_waterfall(collections, terms)
    retained_before = np.concatenate([np.zeros((ledger.retained.shape[0], 1)),
                                      ledger.retained[:, :-1]], axis=1)
    inflow = (collections.interest + collections.principal + retained_before
              + ledger.guarantee_paid.sum(axis=2))
    outflow = (ledger.cash.sum(axis=2) + ledger.guarantee_fees.sum(axis=2)
               + ledger.management_fees + ledger.retained + ledger.vehicle_residual)
    np.testing.assert_allclose(outflow, inflow, rtol=1e-10, atol=TOL)
    # Every yen of principal is repaid, cured, paid by a guarantor or lost at the end.
    back = ledger.principal_back.sum(axis=1) + ledger.final_loss
    np.testing.assert_allclose(back, np.where(terms.is_grant, 0.0, terms.notional)[None, :]
                               * np.ones_like(back), rtol=1e-10, atol=TOL)
    assert np.all(ledger.guarantee_paid.sum(axis=1) <= terms.guarantee_max_payout + TOL)
    # Guarantees cover credit losses only: a path whose pool loses nothing gets nothing.
    riskless = collections.loss.sum(axis=1) == 0.0
    assert np.all(ledger.guarantee_paid[riskless] == 0.0)
    assert np.all(ledger.cash >= -TOL)


@settings(max_examples=200, deadline=None)
@given(deal=deals())
def test_no_junior_cash_while_a_senior_is_short(deal) -> None:  # type: ignore[no-untyped-def]
    scenario, collections = deal
    terms = stack_terms(scenario, scenario.vehicles[0], pool_of(scenario.vehicles[0]))
    ledger = run_waterfall(collections, terms)
    state = rebuilt(ledger, terms, collections.period_years)
    short = (state["uncured"] > TOL) | (state["arrears"] > TOL)  # end of each period
    n = terms.tranches
    fund = scenario.vehicles[0].waterfall == "fund"
    unreturned = state["uncured"] > TOL
    for j in range(n):
        senior_short = short[:, :, j + 1:].any(axis=2) if j < n - 1 else np.zeros_like(short[..., 0])
        junior_cash = ledger.coupon[:, :, j] + ledger.residual[:, :, j]
        if not fund:
            junior_cash = junior_cash + ledger.cured[:, :, j]
        # A junior coupon, cure or residual in a period means every senior was whole at its
        # end. (A fund returns capital before preferred returns: a junior's capital may come
        # back while a senior's preferred return waits, but not while its capital does.)
        assert not np.any((junior_cash > TOL) & senior_short)
        if fund and j < n - 1:
            capital_back = ledger.cured[:, :, j] + ledger.principal[:, :, j]
            assert not np.any((capital_back > TOL) & unreturned[:, :, j + 1:].any(axis=2))
    # Losses are written down junior first: a tranche is written down only when every
    # tranche below it has no balance left.
    for j in range(1, n):
        hit = ledger.written_down[:, :, j] > TOL
        assert not np.any(hit & (state["balance"][:, :, :j] > TOL).any(axis=2))


@settings(max_examples=200, deadline=None)
@given(deal=deals())
def test_no_tranche_above_its_claim_unless_residual(deal) -> None:  # type: ignore[no-untyped-def]
    scenario, collections = deal
    terms = stack_terms(scenario, scenario.vehicles[0], pool_of(scenario.vehicles[0]))
    ledger = run_waterfall(collections, terms)
    state = rebuilt(ledger, terms, collections.period_years)
    fund = scenario.vehicles[0].waterfall == "fund"
    for j in range(terms.tranches):
        takes_residual = (terms.residual_holder == j) or (fund and terms.is_private[j])
        claim = (0.0 if terms.is_grant[j] else terms.notional[j]) + state["accrued"][:, -1, j]
        received = ledger.cash[:, :, j].sum(axis=1)
        if not takes_residual:
            assert np.all(ledger.residual[:, :, j] == 0.0)
            assert np.all(received <= claim + TOL)
        if terms.is_grant[j]:
            assert np.all(received == 0.0)


@settings(max_examples=150, deadline=None)
@given(deal=deals(), cut=st.floats(0.001, 0.05))
def test_a_concession_is_a_transfer_to_private_money(deal, cut) -> None:  # type: ignore[no-untyped-def]
    scenario, collections = deal
    vehicle = scenario.vehicles[0]
    terms = stack_terms(scenario, vehicle, pool_of(vehicle))
    fund = vehicle.waterfall == "fund"
    private_taker = (terms.is_private & ~terms.is_grant).any() if fund else (
        terms.residual_holder is not None and terms.is_private[terms.residual_holder])
    conceding = [j for j in range(terms.tranches) if not terms.is_private[j]
                 and (terms.residual_holder != j)]
    if not private_taker or not conceding or vehicle.guarantees or vehicle.management_fee:
        return
    j = conceding[0]
    market = terms.coupon.copy()
    market[j] += cut
    at_market = run_waterfall(collections, terms.with_coupons(market))
    actual = run_waterfall(collections, terms)
    others = [i for i in range(terms.tranches) if i != j]
    assert all(terms.is_private[i] or i == j for i in others) or True
    given_up = (at_market.cash[:, :, j] - actual.cash[:, :, j]).sum(axis=1)
    gained = sum((actual.cash[:, :, i] - at_market.cash[:, :, i]).sum(axis=1) for i in others)
    assert np.all(given_up >= -TOL)
    np.testing.assert_allclose(gained, given_up, rtol=1e-9, atol=TOL)
    np.testing.assert_allclose(actual.vehicle_residual, at_market.vehicle_residual, atol=TOL)


@pytest.mark.parametrize("frequency", [1, 2, 4, 12])
@pytest.mark.parametrize("amortisation", ["bullet", "linear", "annuity"])
def test_irr_equals_coupon_without_defaults(frequency: int, amortisation: str) -> None:
    from finmodel.run import run

    tranches = [
        {"name": "equity", "provider": "investors", "kind": "first_loss", "size": 0.1,
         "coupon": 0.0, "residual": True},
        {"name": "mezz", "provider": "jfc", "kind": "mezzanine", "size": 0.2, "coupon": 0.02},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.7,
         "coupon": 0.015},
    ]
    scenario = scenario_with(tranches, [], horizon_years=3, payment_frequency=frequency,
                             paths=200, pool=[{"segment": "safe", "count": 10, "exposure": 100,
                                               "annual_pd": 0.0, "lgd": 0.5, "rate": 0.04,
                                               "amortisation": amortisation}])
    t = run(scenario).tranches.set_index("tranche")
    for name, coupon in [("mezz", 0.02), ("senior", 0.015)]:
        for column in ["irr_mean", "irr_p10", "irr_p90", "expected_return"]:
            assert t.loc[name, column] == pytest.approx(coupon, abs=1e-10)
        assert t.loc[name, "npv"] == pytest.approx(0.0, abs=1e-8)  # at its market coupon
    assert t.loc["equity", "irr_mean"] > 0.04  # the residual holder takes the excess spread
    assert (t["expected_loss"] < 1e-9).all() and (t["prob_loss"] == 0).all()


def one_period(scenario, losses: list[float]) -> tuple[Ledger, StackTerms]:  # type: ignore[no-untyped-def]
    vehicle = scenario.vehicles[0]
    pool = pool_of(vehicle)
    terms = stack_terms(scenario, vehicle, pool)
    weights = np.full(len(losses), 1.0 / len(losses))
    return run_waterfall(Collections.one_period(np.array(losses), weights, pool), terms), terms


def test_losses_written_down_junior_first_and_cured_senior_first() -> None:
    scenario = make_scenario(guarantees=[])  # exposure 2000: first loss 300, senior 1700
    ledger, _ = one_period(scenario, [0.0, 100.0, 300.0, 500.0])
    np.testing.assert_allclose(ledger.written_down[:, 0, :],
                               [[0, 0], [100, 0], [300, 0], [300, 200]])
    # Interest: (40 x 25 x 3.5% + 20 x 50 x 2.5%) x 5 = 300 less the loss-linked shortfall;
    # it pays the senior's coupon (1700 x 1.5% x 5 = 127.5) first, then cures senior first.
    pool = pool_of(scenario.vehicles[0])
    interest = pool.full_interest - pool.interest_lost_per_unit_loss * 500.0
    cured_senior = min(interest - 127.5, 200.0)
    assert ledger.cured[3, 0, 1] == pytest.approx(cured_senior)
    assert ledger.final_loss[3, 1] == pytest.approx(200.0 - cured_senior)
    assert ledger.cured[3, 0, 0] == pytest.approx(max(interest - 127.5 - 200.0, 0.0))


def test_guarantee_pays_rate_up_to_eu_cap() -> None:
    # 80% of the senior's write-down, at most 80% x 10% x 1700 = 136; no interest, no cures.
    tranches = [
        {"name": "first_loss", "provider": "dormant_fund", "kind": "first_loss", "size": 0.15},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.85},
    ]
    pool = [{"segment": "a", "count": 40, "exposure": 50, "annual_pd": 0.05, "lgd": 0.5}]
    scenario = make_scenario(tranches=tranches, pool=pool)
    ledger, terms = one_period(scenario, [400.0, 800.0])
    np.testing.assert_allclose(ledger.guarantee_paid[:, 0, 0], [80.0, 136.0])
    np.testing.assert_allclose(ledger.final_loss[:, 1], [20.0, 364.0])
    assert terms.guarantee_max_payout[0] == pytest.approx(136.0)


def test_single_tranche_gets_its_coupon_and_no_more_unless_residual() -> None:
    pool = [{"segment": "a", "count": 10, "exposure": 100, "annual_pd": 0.0, "lgd": 0.5,
             "rate": 0.05}]
    senior = {"name": "bank", "provider": "chiho_bank", "kind": "senior", "size": 1.0,
              "coupon": 0.02}
    ledger, _ = one_period(make_scenario(tranches=[senior], guarantees=[], pool=pool), [0.0])
    assert ledger.cash.sum() == pytest.approx(1000 * (1 + 0.02 * 5))
    assert ledger.vehicle_residual.sum() == pytest.approx(1000 * 0.03 * 5)
    holder = {**senior, "residual": True}
    ledger, _ = one_period(make_scenario(tranches=[holder], guarantees=[], pool=pool), [0.0])
    assert ledger.cash.sum() == pytest.approx(1000 * (1 + 0.05 * 5))


def test_grant_gets_nothing_and_absorbs_losses_first() -> None:
    tranches = [
        {"name": "gift", "provider": "dormant_fund", "kind": "grant", "size": 0.05},
        {"name": "equity", "provider": "chiho_bank", "kind": "first_loss", "size": 0.15,
         "residual": True},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.8,
         "coupon": 0.01},
    ]
    scenario = make_scenario(tranches=tranches, guarantees=[])
    ledger, _ = one_period(scenario, [0.0, 50.0])
    assert np.all(ledger.cash[:, :, 0] == 0.0)
    assert np.all(ledger.written_down[1] == 0.0)  # 50 < the grant's 100
    assert ledger.cash[0, 0, 2] == pytest.approx(1600 * (1 + 0.01 * 5))
    assert np.all(ledger.residual[:, 0, 1] > 100.0)  # the grant's money reaches the equity

"""Any valid stack scenario runs: generated scenarios use every cash-flow feature in
combination; each is refused at validation or finishes with finite numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finmodel import ScenarioError
from finmodel.run import run
from finmodel.scenario import parse_scenario

PROVIDERS = [{"id": "town", "type": "municipality"}, {"id": "bank", "type": "regional_bank"},
             {"id": "fund", "type": "dormant_deposit_fund"},
             {"id": "angel", "type": "private_investor"},
             {"id": "cgc", "type": "credit_guarantee_corporation"},
             {"id": "found", "type": "foundation"}]
STEPS = ["fees", "coupons", "principal", "cures", "capital", "residual", "residual_pro_rata"]

#: Columns that may be NaN by definition (no hurdle, a grant's IRR, exact-engine errors).
MAY_BE_NAN = {"hurdle_return", "prob_hurdle_met", "prob_hurdle_met_se", "irr_mean", "irr_p10",
              "irr_p50", "irr_p90", "irr_mean_se", "expected_return", "wal_years",
              "expected_loss_se", "prob_loss_se", "expected_cash_se", "expected_payment_se",
              "mobilisation_ratio", "guarantee_multiplier", "expected_loss_pct"}


@st.composite
def vehicles(draw) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    frequency = draw(st.sampled_from([1, 2, 4, 12]))
    horizon = draw(st.sampled_from([0.5, 1, 2, 3, 7, 2.25]))
    n = draw(st.integers(1, 4))
    raw = draw(st.lists(st.floats(0.02, 1.0), min_size=n, max_size=n))
    sizes = [round(r / sum(raw), 6) for r in raw]
    sizes[-1] = round(1.0 - sum(sizes[:-1]), 9)
    kinds = draw(st.lists(st.sampled_from(["first_loss", "subordinated", "mezzanine", "senior",
                                           "grant"]), min_size=n, max_size=n))
    style = draw(st.one_of(st.sampled_from(["notes", "fund"]),
                           st.lists(st.sampled_from(STEPS), min_size=1, max_size=6)))
    holder = draw(st.one_of(st.none(), st.integers(0, n - 1)))
    tranches = []
    for i in range(n):
        coupon = 0.0 if kinds[i] == "grant" else draw(st.floats(0.0, 0.12))
        t: dict[str, Any] = {"name": f"t{i}", "provider": draw(st.sampled_from(
            [p["id"] for p in PROVIDERS if p["id"] != "cgc"])), "kind": kinds[i],
            "size": sizes[i], "coupon": coupon,
            "market_coupon": coupon + draw(st.sampled_from([0.0, 0.03]))}
        if draw(st.booleans()):
            t["hurdle_return"] = draw(st.floats(-0.05, 0.1))
        if holder == i:
            t["residual"] = True
        tranches.append(t)
    segments = [{"segment": f"s{k}", "count": draw(st.integers(1, 30)),
                 "exposure": draw(st.floats(0.5, 100.0)), "annual_pd": draw(st.floats(0.0, 0.6)),
                 "lgd": draw(st.floats(0.0, 1.0)), "rate": draw(st.floats(0.0, 0.15)),
                 "amortisation": draw(st.sampled_from(["bullet", "linear", "annuity"])),
                 "issue": draw(st.sampled_from(["health", "environment", "education"]))}
                for k in range(draw(st.integers(1, 3)))]
    engine = draw(st.sampled_from(["exact", "monte_carlo", "lhp"]))
    vehicle = {"id": "v", "horizon_years": horizon, "payment_frequency": frequency,
               "recovery_lag_years": draw(st.sampled_from([0, 0.25, 1, 3])),
               "correlation": draw(st.floats(0.0, 0.9)), "waterfall": style,
               "management_fee": draw(st.sampled_from([0.0, 0.01])),
               "pool": segments, "tranches": tranches, "engine": engine, "paths": 500,
               "default_timing": draw(st.floats(0.0, 1.0))}
    if draw(st.booleans()):
        vehicle["discount_rate"] = draw(st.floats(0.0, 0.1))
    if engine == "monte_carlo" and draw(st.booleans()):
        vehicle["factor_model"] = "two_level"
        vehicle["issue_correlation"] = min(vehicle["correlation"] + 0.1, 0.95)
    vehicle["guarantees"] = [
        {"provider": "cgc", "covers": f"t{draw(st.integers(0, n - 1))}",
         "rate": draw(st.floats(0.05, 1.0)), "cap": draw(st.floats(0.01, 1.0)),
         "fee": draw(st.floats(0.0, 0.03))} for _ in range(draw(st.integers(0, 2)))]
    return vehicle


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vehicle=vehicles())
def test_generated_stack_scenarios_run_or_are_refused(vehicle: dict[str, Any]) -> None:
    data = {"name": "generated", "seed": 3, "providers": PROVIDERS, "vehicles": [vehicle]}
    try:
        scenario = parse_scenario(yaml.safe_dump(data, sort_keys=False), "generated.yaml")
    except ScenarioError as exc:
        assert "generated.yaml:" in str(exc)  # refused with a location
        return
    results = run(scenario)
    for name in ("tranches", "vehicles", "guarantees", "cashflows", "one_period"):
        table = getattr(results, name)
        numbers = table.select_dtypes(include=[np.number])
        for column in numbers.columns:
            values = numbers[column].to_numpy(dtype=float)
            if column in MAY_BE_NAN:
                values = values[~np.isnan(values)]
            if column == "breakeven_pd_multiple":  # inf: even every default leaves it whole
                values = values[values != np.inf]
            assert np.all(np.isfinite(values)), f"{name}.{column}: {values}"
    t = results.tranches
    assert (t["expected_cash"] >= -1e-9).all()
    assert (t["expected_loss"] <= t["notional"] + 1e-6).all()

"""The README's worked examples of the priority of payments, run through the waterfall."""

from __future__ import annotations

import numpy as np
import pytest

from finmodel.compiled import pool_of
from finmodel.stack.waterfall import Collections, run_waterfall, stack_terms
from tests.conftest import ROOT, make_scenario

# Year 1: interest 9, a loan of 10 defaults (loses 6, recovers 4); year 2: interest 9 and
# the remaining 90 of principal.
COLLECTIONS = Collections(times=np.array([1.0, 2.0]), interest=np.array([[9.0, 9.0]]),
                          principal=np.array([[4.0, 90.0]]), loss=np.array([[6.0, 0.0]]),
                          weights=np.array([1.0]))
POOL = [{"segment": "loans", "count": 10, "exposure": 10, "annual_pd": 0.05, "lgd": 0.6,
         "rate": 0.09}]


def cash(tranches: list[dict[str, object]], waterfall: str, soft_coupon: float) -> np.ndarray:
    tranches = [dict(t) for t in tranches]
    for t in tranches:
        if t["name"] == "soft":
            t["coupon"] = soft_coupon
    scenario = make_scenario(tranches=tranches, guarantees=[], pool=POOL, horizon_years=2,
                             waterfall=waterfall)
    vehicle = scenario.vehicles[0]
    ledger = run_waterfall(COLLECTIONS, stack_terms(scenario, vehicle, pool_of(vehicle)))
    assert ledger.vehicle_residual.sum() == 0.0
    return ledger.cash[0]  # (periods, tranches)


def test_notes_example() -> None:
    tranches = [
        {"name": "equity", "provider": "chiho_bank", "kind": "first_loss", "size": 0.1,
         "residual": True},
        {"name": "soft", "provider": "dormant_fund", "kind": "subordinated", "size": 0.2,
         "market_coupon": 0.05},
        {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.7,
         "coupon": 0.04},
    ]
    flows = cash(tranches, "notes", 0.0)
    np.testing.assert_allclose(flows[0], [6.2, 0.0, 6.8])  # equity 6 cured + 0.2 residual
    np.testing.assert_allclose(flows[1], [10.36, 20.0, 68.64])
    np.testing.assert_allclose(flows.sum(axis=0), [16.56, 20.0, 75.44])
    market = cash(tranches, "notes", 0.05)
    np.testing.assert_allclose(market.sum(axis=0), [14.56, 22.0, 75.44])


def test_fund_example() -> None:
    tranches = [
        {"name": "soft", "provider": "dormant_fund", "kind": "subordinated", "size": 0.2,
         "market_coupon": 0.05},
        {"name": "bank", "provider": "chiho_bank", "kind": "senior", "size": 0.8,
         "coupon": 0.04},
    ]
    flows = cash(tranches, "fund", 0.0)
    np.testing.assert_allclose(flows[0], [0.0, 13.0])
    np.testing.assert_allclose(flows[1], [20.0, 67.0 + 5.88 + 6.12])
    market = cash(tranches, "fund", 0.05)
    np.testing.assert_allclose(market.sum(axis=0), [22.0, 90.0])


def test_readme_quotes_the_worked_examples() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for quoted in ["Senior 75.44, soft 20, equity 16.56", "equity 14.56", "Bank\n92, soft 20",
                   "bank 90, soft 22"]:
        assert quoted in readme, quoted
    assert pytest.approx(75.44 + 20 + 16.56) == 112

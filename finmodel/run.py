"""Running a scenario: every vehicle's loss distribution, waterfall and figures."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from finmodel.bundle import simulate_bundle
from finmodel.impact.results import build_portfolios
from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from finmodel.stack.vehicle import PoolModel, evaluate

TRANCHE_COLUMNS = ["vehicle", "tranche", "kind", "provider", "sector", "residual_holder",
                   "attach", "detach", "notional", "coupon", "market_coupon", "expected_loss",
                   "expected_loss_pct", "gross_expected_loss", "guarantee_received",
                   "prob_loss", "var_99", "es_99", "expected_cash", "expected_return",
                   "irr_mean", "irr_p10", "irr_p50", "irr_p90", "hurdle_return",
                   "prob_hurdle_met", "discount_rate", "npv", "wal_years", "pv_loss",
                   "subsidy", "subsidy_to_private", "breakeven_pd_multiple",
                   "expected_loss_se", "prob_loss_se", "expected_cash_se", "irr_mean_se",
                   "prob_hurdle_met_se"]
GUARANTEE_COLUMNS = ["vehicle", "provider", "sector", "covers", "rate", "cap", "max_payout",
                     "expected_payment", "expected_payment_se", "pv_payment", "prob_called",
                     "var_99", "fees", "pv_fees", "multiplier"]


def run(scenario: Scenario, progress: Callable[[int, int], None] | None = None) -> RunResults:
    """Run every vehicle of ``scenario``, its bundle and its portfolios when it has them.

    Args:
        scenario: a validated scenario (see :func:`finmodel.load_scenario`).
        progress: called as ``progress(done, total)`` after each bundle replication.

    Returns:
        The results; ``results.tranches`` has one row per vehicle and tranche;
        ``results.cashflows`` the expected cash flows by vehicle, holder and period;
        ``results.gaps``, ``.handoffs``, ``.providers``, ``.coverage`` the bundle's tables;
        ``results.portfolios`` the two portfolios compared.
    """
    tranches: list[dict[str, object]] = []
    vehicles: list[dict[str, object]] = []
    guarantees: list[dict[str, object]] = []
    cashflows: list[dict[str, object]] = []
    one_period: list[dict[str, object]] = []
    distributions = {}
    for vehicle in scenario.vehicles:
        model = PoolModel.build(scenario, vehicle)
        result = evaluate(scenario, model)
        tranches += [{"vehicle": vehicle.id, **row} for row in result.tranches]
        guarantees += [{"vehicle": vehicle.id, **row} for row in result.guarantees]
        cashflows += [{"vehicle": vehicle.id, **row} for row in result.cashflows]
        one_period += [{"vehicle": vehicle.id, **row} for row in result.one_period]
        vehicles.append({"vehicle": vehicle.id, **result.vehicle})
        distributions[vehicle.id] = model.horizon
    return RunResults(
        bundle=simulate_bundle(scenario, progress=progress) if scenario.has_bundle else None,
        portfolios=build_portfolios(scenario) if scenario.portfolio is not None else None,
        scenario=scenario,
        tranches=pd.DataFrame(tranches, columns=TRANCHE_COLUMNS),
        vehicles=pd.DataFrame(vehicles),
        guarantees=pd.DataFrame(guarantees, columns=GUARANTEE_COLUMNS),
        cashflows=pd.DataFrame(cashflows),
        one_period=pd.DataFrame(one_period),
        loss_distributions=distributions,
    )

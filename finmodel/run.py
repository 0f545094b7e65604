"""Running a scenario: every vehicle's loss distribution, waterfall and figures."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from finmodel.bundle import simulate_bundle
from finmodel.engine import loss_distribution
from finmodel.engine.pool import Pool
from finmodel.impact.results import build_portfolios
from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from finmodel.seeding import stream
from finmodel.stack.metrics import guarantee_rows, tranche_rows, vehicle_row
from finmodel.stack.waterfall import run_waterfall, stack_terms

TRANCHE_COLUMNS = ["vehicle", "tranche", "kind", "provider", "sector", "attach", "detach",
                   "notional", "coupon", "market_coupon", "expected_loss", "expected_loss_pct",
                   "gross_expected_loss", "guarantee_received", "prob_loss", "var_99", "es_99",
                   "expected_cash", "expected_return", "hurdle_return", "prob_hurdle_met",
                   "subsidy", "breakeven_pd_multiple", "expected_loss_se", "prob_loss_se",
                   "expected_return_se", "prob_hurdle_met_se"]
GUARANTEE_COLUMNS = ["vehicle", "provider", "sector", "covers", "rate", "cap", "max_payout",
                     "expected_payment", "expected_payment_se", "prob_called", "var_99",
                     "fees", "multiplier"]


def run(scenario: Scenario, progress: Callable[[int, int], None] | None = None) -> RunResults:
    """Run every vehicle of ``scenario``, its bundle and its portfolios when it has them.

    Args:
        scenario: a validated scenario (see :func:`finmodel.load_scenario`).
        progress: called as ``progress(done, total)`` after each bundle replication.

    Returns:
        The results; ``results.tranches`` has one row per vehicle and tranche;
        ``results.gaps``, ``.handoffs``, ``.providers``, ``.coverage`` the bundle's tables;
        ``results.portfolios`` the two portfolios compared.
    """
    tranches: list[dict[str, object]] = []
    vehicles: list[dict[str, object]] = []
    guarantees: list[dict[str, object]] = []
    distributions = {}
    for vehicle in scenario.vehicles:
        pool = Pool.from_vehicle(vehicle)
        dist = loss_distribution(vehicle, stream(scenario.seed, vehicle.id))
        terms = stack_terms(scenario, vehicle, pool=pool)
        flows = run_waterfall(dist.loss, terms)
        t_rows = tranche_rows(dist, terms, pool, flows)
        g_rows = guarantee_rows(dist, terms, flows)
        tranches += [{"vehicle": vehicle.id, **row} for row in t_rows]
        guarantees += [{"vehicle": vehicle.id, **row} for row in g_rows]
        vehicles.append({"vehicle": vehicle.id, **vehicle_row(dist, terms, pool, t_rows, g_rows)})
        distributions[vehicle.id] = dist
    return RunResults(
        bundle=simulate_bundle(scenario, progress=progress) if scenario.has_bundle else None,
        portfolios=build_portfolios(scenario) if scenario.portfolio is not None else None,
        scenario=scenario,
        tranches=pd.DataFrame(tranches, columns=TRANCHE_COLUMNS),
        vehicles=pd.DataFrame(vehicles),
        guarantees=pd.DataFrame(guarantees, columns=GUARANTEE_COLUMNS),
        loss_distributions=distributions,
    )

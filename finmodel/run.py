"""Running a scenario: every vehicle's loss distribution, waterfall and figures."""

from __future__ import annotations

from collections.abc import Callable

from finmodel.bundle import simulate_bundle
from finmodel.compiled import Compiled, compile_scenario
from finmodel.impact.results import build_portfolios
from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from finmodel.stack.records import (
    CashflowRecord,
    GuaranteeRecord,
    HorizonLossRecord,
    OnePeriodRecord,
    TrancheRecord,
    VehicleRecord,
    frame,
)
from finmodel.stack.vehicle import PoolModel, PoolModels, evaluate


def run(scenario: Scenario | Compiled, progress: Callable[[int, int], None] | None = None,
        pools: PoolModels | None = None,
        solves: Callable[[int, int], None] | None = None) -> RunResults:
    """Run every vehicle of ``scenario``, its bundle and its portfolios when it has them.

    Args:
        scenario: a validated scenario (see :func:`finmodel.load_scenario`), or one
            already compiled (:func:`finmodel.compiled.compile_scenario`).
        progress: called as ``progress(done, total)`` after each bundle replication.
        pools: simulated pools to reuse, by :func:`finmodel.compiled.pool_key` (a
            what-if that changes only tranches or guarantees pays the same simulated
            pool); pools built here are added to it.
        solves: called as ``solves(done, total)`` after each solve of the portfolio
            builders (the two portfolios, then each point of the frontier).

    Returns:
        The results; ``results.tranches`` has one row per vehicle and tranche;
        ``results.cashflows`` the expected cash flows by vehicle, holder and period;
        ``results.gaps``, ``.handoffs``, ``.providers``, ``.coverage`` the bundle's tables;
        ``results.portfolios`` the two portfolios compared.
    """
    compiled = scenario if isinstance(scenario, Compiled) else compile_scenario(scenario)
    source = compiled.scenario
    tranches: list[tuple[dict[str, str], TrancheRecord]] = []
    guarantees: list[tuple[dict[str, str], GuaranteeRecord]] = []
    vehicles: list[tuple[dict[str, str], tuple[VehicleRecord, HorizonLossRecord]]] = []
    cashflows: list[tuple[dict[str, str], CashflowRecord]] = []
    one_period: list[tuple[dict[str, str], OnePeriodRecord]] = []
    distributions = {}
    for vehicle in compiled.vehicles:
        model = PoolModel.reuse_or_build(vehicle, pools)
        result = evaluate(model, vehicle.terms)
        key = {"vehicle": vehicle.id}
        tranches += [(key, row) for row in result.tranches]
        guarantees += [(key, row) for row in result.guarantees]
        cashflows += [(key, row) for row in result.cashflows]
        one_period += [(key, row) for row in result.one_period]
        vehicles.append((key, (result.vehicle, result.horizon)))
        distributions[vehicle.id] = model.horizon
    return RunResults(
        bundle=None if compiled.bundle is None
        else simulate_bundle(source, progress=progress, plan=compiled.bundle),
        portfolios=None if compiled.impact is None
        else build_portfolios(source, compiled.impact, progress=solves),
        scenario=source,
        tranches=frame(tranches, TrancheRecord),
        vehicles=frame(vehicles, VehicleRecord, then=(HorizonLossRecord,)),
        guarantees=frame(guarantees, GuaranteeRecord),
        cashflows=frame(cashflows, CashflowRecord),
        one_period=frame(one_period, OnePeriodRecord),
        loss_distributions=distributions,
    )

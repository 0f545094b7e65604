"""One vehicle evaluated: its pool's cash flows, its waterfall, and every figure of it.

The pool's cash flows depend only on the pool (and the seed), not on the stack, so they
are simulated once and every variant of the stack (a what-if, a design trial, the
subsidy's re-run at market terms) is paid out of the same paths: common random numbers.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finmodel.engine import loss_distribution
from finmodel.engine.distribution import LossDistribution
from finmodel.engine.periods import PoolCashflows, simulate_pool_cashflows
from finmodel.engine.pool import Pool
from finmodel.engine.spec import PoolSpec
from finmodel.seeding import stream
from finmodel.stack.metrics import (
    StackRun,
    cashflow_rows,
    guarantee_rows,
    horizon_loss_row,
    one_period_row,
    run_stack,
    tranche_rows,
    vehicle_row,
)
from finmodel.stack.records import (
    CashflowRecord,
    GuaranteeRecord,
    HorizonLossRecord,
    OnePeriodRecord,
    TrancheRecord,
    VehicleRecord,
)
from finmodel.stack.waterfall import Collections, StackTerms

if TYPE_CHECKING:
    from finmodel.compiled import CompiledVehicle

PoolModels = MutableMapping[str, "PoolModel"]


@dataclass(frozen=True)
class PoolModel:
    """A vehicle's pool, its simulated cash flows and its one-period loss distribution."""

    spec: PoolSpec
    flows: PoolCashflows
    horizon: LossDistribution

    @classmethod
    def build(cls, spec: PoolSpec) -> PoolModel:
        return cls(spec, simulate_pool_cashflows(spec),
                   loss_distribution(spec, stream(spec.seed, spec.vehicle_id)))

    @classmethod
    def reuse_or_build(cls, vehicle: CompiledVehicle, pools: PoolModels | None) -> PoolModel:
        """The vehicle's pool model, from ``pools`` when the same pool was simulated
        before (by ``vehicle.pool_key``), else built (and kept in ``pools``)."""
        if pools is None:
            return cls.build(vehicle.spec)
        found = pools.get(vehicle.pool_key)
        if found is not None:
            return found
        model = pools[vehicle.pool_key] = cls.build(vehicle.spec)
        return model

    @property
    def pool(self) -> Pool:
        return self.spec.pool

    @property
    def nbytes(self) -> int:
        """Memory held by the simulated paths (what keeping this model costs)."""
        flows = vars(self.flows) if hasattr(self.flows, "__dict__") else {
            name: getattr(self.flows, name) for name in self.flows.__dataclass_fields__}
        return sum(int(value.nbytes) for value in flows.values() if hasattr(value, "nbytes"))

    @property
    def collections(self) -> Collections:
        return Collections.from_pool(self.flows)

    def run(self, terms: StackTerms) -> StackRun:
        """The waterfall of ``terms`` over the simulated paths."""
        return run_stack(self.collections, terms, sampled=True)

    def one_period(self, terms: StackTerms) -> StackRun:
        """The same waterfall over the one-period engine's loss distribution."""
        collections = Collections.one_period(self.horizon.loss, self.horizon.prob, self.pool)
        return run_stack(collections, terms, sampled=self.horizon.sampled)


@dataclass(frozen=True)
class VehicleResult:
    """Every table row of one vehicle."""

    tranches: list[TrancheRecord]
    guarantees: list[GuaranteeRecord]
    vehicle: VehicleRecord
    horizon: HorizonLossRecord
    cashflows: list[CashflowRecord]
    one_period: list[OnePeriodRecord]
    run: StackRun


def evaluate(model: PoolModel, terms: StackTerms, details: bool = True) -> VehicleResult:
    """Every figure of a vehicle under ``terms``.

    Args:
        model: the vehicle's pool model (built once per vehicle).
        terms: the stack: the compiled vehicle's, or a what-if's or a design trial's.
        details: also compute the cash-flow table and the one-period view.
    """
    run = model.run(terms)
    t_rows = tranche_rows(run, model.pool)
    g_rows = guarantee_rows(run)
    v_row = vehicle_row(run, model.pool, t_rows, g_rows)
    cash: list[CashflowRecord] = []
    one: list[OnePeriodRecord] = []
    if details:
        cash = cashflow_rows(run, model.flows.interest, model.flows.principal,
                             model.flows.recoveries)
        one_run = model.one_period(terms)
        one = [one_period_row(model.horizon.method, r)
               for r in tranche_rows(one_run, model.pool)]
    return VehicleResult(t_rows, g_rows, v_row, horizon_loss_row(model.horizon), cash, one, run)

"""Design questions answered by root finding.

* How large must the first-loss tranche be for the senior tranche to meet a target
  (a maximum expected-loss %, a maximum loss probability or a minimum expected return)?
* At what multiple of the base-case PDs does the senior tranche take its first loss?

The pool loss distribution does not depend on the tranche sizes, so it is computed once
and only the waterfall is re-run for each trial size.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import optimize

from finmodel.engine import loss_distribution
from finmodel.engine.distribution import LossDistribution
from finmodel.engine.pool import Pool
from finmodel.scenario.model import Scenario, Vehicle
from finmodel.seeding import stream
from finmodel.stack.metrics import breakeven_pd_multiple, tranche_rows
from finmodel.stack.waterfall import stack_terms

SIZE_TOLERANCE = 1e-6


class SeniorTarget(StrEnum):
    """What the senior tranche must achieve."""

    max_expected_loss_pct = "max_expected_loss_pct"
    max_prob_loss = "max_prob_loss"
    min_expected_return = "min_expected_return"

    @property
    def column(self) -> str:
        return {"max_expected_loss_pct": "expected_loss_pct", "max_prob_loss": "prob_loss",
                "min_expected_return": "expected_return"}[self.value]

    def met(self, value: float, target: float) -> bool:
        if self is SeniorTarget.min_expected_return:
            return value >= target - 1e-12
        return value <= target + 1e-12


@dataclass(frozen=True)
class FirstLossDesign:
    """The answer to "how large must the first loss be?"."""

    vehicle: str
    target: SeniorTarget
    target_value: float
    feasible: bool
    first_loss_size: float  # share of pool exposure; NaN when infeasible
    senior_value: float  # the senior's figure at that size
    senior_value_without: float  # ... with the smallest possible first loss
    evaluations: int
    message: str


def _senior_metric(scenario: Scenario, vehicle: Vehicle, dist: LossDistribution, pool: Pool,
                   first_loss: float, target: SeniorTarget) -> float:
    sizes = [t.size for t in vehicle.tranches]
    middle = sum(sizes[1:-1])
    sizes[0] = first_loss
    sizes[-1] = 1.0 - middle - first_loss
    terms = stack_terms(scenario, vehicle, sizes=sizes, pool=pool)
    row = tranche_rows(dist, terms, pool)[-1]
    return float(row[target.column])


def smallest_first_loss(scenario: Scenario, vehicle_id: str, target: SeniorTarget,
                        value: float) -> FirstLossDesign:
    """Smallest size of the bottom tranche at which the top tranche meets ``target``.

    The top tranche absorbs the change in size; tranches in between keep their sizes.

    Args:
        scenario: the scenario.
        vehicle_id: which vehicle to resize.
        target: the kind of target.
        value: the target value (a share, e.g. 0.01 for 1%).
    """
    vehicle = next((v for v in scenario.vehicles if v.id == vehicle_id), None)
    if vehicle is None:
        known = ", ".join(v.id for v in scenario.vehicles)
        raise ValueError(f"no vehicle {vehicle_id!r} in the scenario (vehicles: {known})")
    if len(vehicle.tranches) < 2:
        raise ValueError(f"vehicle {vehicle_id!r} needs at least two tranches to resize")
    pool = Pool.from_vehicle(vehicle)
    dist = loss_distribution(vehicle, stream(scenario.seed, vehicle.id))
    middle = sum(t.size for t in vehicle.tranches[1:-1])
    low, high = SIZE_TOLERANCE, 1.0 - middle - SIZE_TOLERANCE
    count = 0

    def metric_at(size: float) -> float:
        nonlocal count
        count += 1
        return _senior_metric(scenario, vehicle, dist, pool, size, target)

    def gap(size: float) -> float:
        """Positive while the target is missed, negative once it is met."""
        metric = metric_at(size)
        return value - metric if target is SeniorTarget.min_expected_return else metric - value

    without = metric_at(low)
    if target.met(without, value):
        return FirstLossDesign(vehicle_id, target, value, True, low, without, without, count,
                               "met without any first loss")
    best = metric_at(high)
    if not target.met(best, value):
        return FirstLossDesign(vehicle_id, target, value, False, float("nan"), best, without,
                               count,
                               f"not met even with a first loss of {high:.4f} "
                               f"(senior {target.column} = {best:.6g})")
    root = float(optimize.brentq(gap, low, high, xtol=SIZE_TOLERANCE, rtol=1e-10))
    # The senior's figure can jump (a lattice or a finite sample), so step to the side of
    # the root where the target holds.
    size = root
    while not target.met(metric_at(size), value) and size < high:
        size = min(size + SIZE_TOLERANCE, high)
    return FirstLossDesign(vehicle_id, target, value, True, size, metric_at(size), without,
                           count, "met")


@dataclass(frozen=True)
class StressResult:
    """First-dollar-loss stress of each tranche of a vehicle."""

    vehicle: str
    tranche: str
    attach: float
    breakeven_pd_multiple: float


def first_loss_stress(scenario: Scenario, vehicle_id: str) -> list[StressResult]:
    """The PD multiple at which each tranche of a vehicle starts to lose (see metrics)."""
    vehicle = next(v for v in scenario.vehicles if v.id == vehicle_id)
    pool = Pool.from_vehicle(vehicle)
    attach = np.concatenate([[0.0], np.cumsum([t.size for t in vehicle.tranches])[:-1]])
    return [StressResult(vehicle_id, t.name, float(a),
                         breakeven_pd_multiple(pool, float(a) * pool.total_exposure))
            for t, a in zip(vehicle.tranches, attach, strict=True)]

"""Design questions answered by root finding on the cash-flow waterfall.

* What is the smallest first-loss tranche, the smallest concession (a public tranche's
  coupon cut below its market coupon), or the smallest guarantee rate or cap at which the
  senior tranche meets a target: a maximum expected-loss %, a maximum loss probability, a
  minimum expected return, a minimum P10 or mean IRR, or a minimum NPV?
* At what multiple of the base-case PDs does each tranche take its first loss?

The pool's cash flows do not depend on the stack, so they are simulated once and every
trial pays the same paths (common random numbers): the senior's figure then moves with
the lever alone. Bisection finds the smallest setting that meets the target to
:data:`SETTING_TOLERANCE`, between a setting that misses it and one that meets it; for
expected loss, IRR and NPV targets the figure is monotone in the lever. (A loss
probability need not be: with no residual holder, a thicker first loss with a high coupon
can drain the reserve that protects the senior; bisection then returns a setting that
meets the target, not necessarily the smallest.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from finmodel.compiled import pool_of, pool_spec
from finmodel.scenario.changes import with_changes
from finmodel.scenario.model import Scenario, Vehicle
from finmodel.stack.metrics import (
    StackRun,
    breakeven_pd_multiple,
    expected_flow_irr,
    tranche_irr,
    tranche_pv,
)
from finmodel.stack.vehicle import PoolModel
from finmodel.stack.waterfall import stack_terms
from finmodel.vocabulary import Sector

SETTING_TOLERANCE = 1e-4
SIZE_TOLERANCE = 1e-6  # smallest tranche size tried


class SeniorTarget(StrEnum):
    """What the senior (top) tranche must achieve."""

    max_expected_loss_pct = "max_expected_loss_pct"
    max_prob_loss = "max_prob_loss"
    min_expected_return = "min_expected_return"
    min_irr_p10 = "min_irr_p10"
    min_irr_mean = "min_irr_mean"
    min_npv = "min_npv"

    @property
    def column(self) -> str:
        """The tranche table's column the target is on."""
        return self.value.split("_", 1)[1]

    @property
    def is_minimum(self) -> bool:
        return self.value.startswith("min_")

    def met(self, value: float, target: float) -> bool:
        if self.is_minimum:
            return value >= target - 1e-12
        return value <= target + 1e-12


class Lever(StrEnum):
    """What the design may change."""

    first_loss = "first_loss"  # size of the bottom tranche (the top tranche absorbs it)
    concession = "concession"  # a public tranche's coupon cut below its market coupon
    guarantee_rate = "guarantee_rate"
    guarantee_cap = "guarantee_cap"


@dataclass(frozen=True)
class Design:
    """The answer to "how much of the lever does the senior need?"."""

    vehicle: str
    lever: Lever
    target: SeniorTarget
    target_value: float
    feasible: bool
    setting: float  # the lever's smallest setting that meets the target; NaN when infeasible
    senior_value: float  # the senior's figure there
    senior_value_without: float  # ... at the lever's smallest setting
    evaluations: int
    message: str
    subject: str = ""  # the tranche or guarantee the lever acts on
    #: the scenario changes that apply the design ({dotted.path: value}; empty when
    #: infeasible): ``with_changes(scenario, design.changes)`` is the designed scenario
    changes: dict[str, float] = field(default_factory=dict)

    @property
    def first_loss_size(self) -> float:
        return self.setting


def senior_figure(run: StackRun, target: SeniorTarget) -> float:
    """The top tranche's figure that ``target`` is on, from one waterfall run."""
    j = run.terms.tranches - 1
    notional = float(run.terms.notional[j])
    if target is SeniorTarget.max_expected_loss_pct:
        return float(np.sum(run.collections.weights * run.ledger.final_loss[:, j])) / notional
    if target is SeniorTarget.max_prob_loss:
        lost = run.ledger.final_loss[:, j] > 1e-9 * max(notional, 1.0)
        return float(np.sum(run.collections.weights[lost]))
    if target is SeniorTarget.min_expected_return:
        return expected_flow_irr(run, j)
    if target is SeniorTarget.min_npv:
        return tranche_pv(run, j) - notional
    rates = tranche_irr(run, j)
    if target is SeniorTarget.min_irr_mean:
        return float(np.sum(run.collections.weights * rates))
    return run.sample.quantile(0.10, rates)


ChangesAt = Callable[[float], dict[str, float]]


def _lever(vehicle: Vehicle, lever: Lever, subject: str) -> tuple[float, float, ChangesAt]:
    """(lowest, highest) setting of the lever and the scenario changes that make a setting
    (dotted paths for :func:`~finmodel.scenario.changes.with_changes`)."""
    where = f"vehicles.{vehicle.id}"
    if lever is Lever.first_loss:
        if len(vehicle.tranches) < 2:
            raise ValueError(f"vehicle {vehicle.id!r} needs at least two tranches to resize")
        middle = sum(t.size for t in vehicle.tranches[1:-1])
        bottom = f"{where}.tranches.{vehicle.tranches[0].name}.size"
        # the top tranche absorbs the change (with_changes rebalances)
        return SIZE_TOLERANCE, 1.0 - middle - SIZE_TOLERANCE, lambda size: {bottom: size}
    if lever is Lever.concession:
        tranche = next((t for t in vehicle.tranches if t.name == subject), None)
        if tranche is None:
            raise ValueError(f"vehicle {vehicle.id!r} has no tranche {subject!r} to concede")
        market = tranche.reference_coupon
        if market <= 0:
            raise ValueError(f"tranche {tranche.name!r} has no market coupon above 0 to cut")
        path = f"{where}.tranches.{tranche.name}"
        return 0.0, market, lambda cut: {f"{path}.coupon": max(market - cut, 0.0),
                                         f"{path}.market_coupon": market}
    index = int(subject)
    if not 0 <= index < len(vehicle.guarantees):
        raise ValueError(f"vehicle {vehicle.id!r} has no guarantee number {index}")
    path = f"{where}.guarantees.{index}.{'rate' if lever is Lever.guarantee_rate else 'cap'}"
    return SIZE_TOLERANCE, 1.0, lambda value: {path: value}


def default_subject(scenario: Scenario, vehicle: Vehicle, lever: Lever) -> str:
    """The tranche or guarantee a lever acts on when none is named."""
    if lever is Lever.concession:
        public = [t for t in vehicle.tranches[:-1]
                  if scenario.provider(t.provider).resolved_sector is not Sector.private]
        if not public:
            raise ValueError(f"vehicle {vehicle.id!r} has no public or philanthropic tranche "
                             "below the senior to concede")
        return public[0].name
    return "0"


def design(scenario: Scenario, vehicle_id: str, target: SeniorTarget, value: float,
           lever: Lever = Lever.first_loss, subject: str | None = None,
           model: PoolModel | None = None) -> Design:
    """The smallest setting of ``lever`` at which the top tranche meets ``target``.

    Every trial is the scenario changed the one way scenarios change
    (:func:`~finmodel.scenario.changes.with_changes`: rebalanced and validated), paid out
    of the same simulated pool.

    Args:
        scenario: the scenario.
        vehicle_id: the vehicle to design.
        target: the kind of target.
        value: the target value (a share, e.g. 0.01 for 1%, or an amount for ``min_npv``).
        lever: what to change.
        subject: the conceding tranche's name (concession) or the guarantee's index
            (guarantee levers); default the first public tranche below the senior, or
            guarantee 0.
        model: the vehicle's pool model, if already built.
    """
    vehicle = _vehicle(scenario, vehicle_id)
    model = model or PoolModel.build(pool_spec(scenario.seed, vehicle))
    subject = subject if subject is not None else default_subject(scenario, vehicle, lever)
    low, high, changes_at = _lever(vehicle, lever, subject)
    count = 0

    def figure(setting: float) -> float:
        nonlocal count
        count += 1
        trial = with_changes(scenario, changes_at(setting))
        terms = stack_terms(trial, _vehicle(trial, vehicle_id), model.pool)
        return senior_figure(model.run(terms), target)

    def answer(feasible: bool, setting: float, senior: float, without: float,
               message: str) -> Design:
        return Design(vehicle_id, lever, target, value, feasible, setting, senior, without,
                      count, message, subject, changes_at(setting) if feasible else {})

    without = figure(low)
    if target.met(without, value):
        return answer(True, low, without, without, "met at the lever's smallest setting")
    best = figure(high)
    if not target.met(best, value):
        return answer(False, float("nan"), best, without,
                      f"not met even at {lever.value} = {high:.4f} "
                      f"(senior {target.column} = {best:.6g})")
    while high - low > SETTING_TOLERANCE:
        middle = 0.5 * (low + high)
        if target.met(figure(middle), value):
            high = middle
        else:
            low = middle
    return answer(True, high, figure(high), without, "met")


def _vehicle(scenario: Scenario, vehicle_id: str) -> Vehicle:
    vehicle = next((v for v in scenario.vehicles if v.id == vehicle_id), None)
    if vehicle is None:
        known = ", ".join(v.id for v in scenario.vehicles)
        raise ValueError(f"no vehicle {vehicle_id!r} in the scenario (vehicles: {known})")
    return vehicle


def smallest_first_loss(scenario: Scenario, vehicle_id: str, target: SeniorTarget,
                        value: float) -> Design:
    """Smallest size of the bottom tranche at which the top tranche meets ``target``."""
    return design(scenario, vehicle_id, target, value, Lever.first_loss)


@dataclass(frozen=True)
class StressResult:
    """First-dollar-loss stress of each tranche of a vehicle."""

    vehicle: str
    tranche: str
    attach: float
    breakeven_pd_multiple: float


def first_loss_stress(scenario: Scenario, vehicle_id: str) -> list[StressResult]:
    """The PD multiple at which each tranche of a vehicle starts to lose (see metrics)."""
    vehicle = _vehicle(scenario, vehicle_id)
    pool = pool_of(vehicle)
    attach = np.concatenate([[0.0], np.cumsum([t.size for t in vehicle.tranches])[:-1]])
    return [StressResult(vehicle_id, t.name, float(a),
                         breakeven_pd_multiple(pool, float(a) * pool.total_exposure))
            for t, a in zip(vehicle.tranches, attach, strict=True)]

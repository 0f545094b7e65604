"""The waterfall of a capital stack, evaluated at every point of a pool loss distribution.

Rules (one period, bullet repayment at the horizon):

* Principal: tranche [a, d] takes the pool loss between a and d of pool exposure, so
  losses are written down junior first.
* Guarantees: each pays ``rate`` of its covered tranche's loss, at most ``cap`` x that
  tranche's notional, and never more than the loss not yet covered by earlier
  guarantees. Tranche losses net of guarantees plus guarantee payments equal the pool
  loss at every point (money is conserved).
* Interest: the pool pays simple interest; defaults cut it by the loss-linked rule of
  :attr:`Pool.interest_lost_per_unit_loss`. Interest pays tranche coupons senior first;
  what is left goes to the junior-most tranche that is not a grant.
* Guarantee fees are paid by the covered tranche to the guarantor.
* A grant is not repaid: its provider gets no cash back, whatever the losses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from finmodel.engine.pool import Pool
from finmodel.scenario.model import Scenario, Vehicle
from finmodel.vocabulary import Sector, TrancheKind

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class StackTerms:
    """The numbers of a vehicle's stack that the waterfall needs (amounts in file unit)."""

    names: tuple[str, ...]
    kinds: tuple[TrancheKind, ...]
    providers: tuple[str, ...]
    sectors: tuple[Sector, ...]
    attach: FloatArray  # share of pool exposure
    detach: FloatArray
    notional: FloatArray
    coupon: FloatArray  # annual
    market_coupon: FloatArray  # annual
    hurdle: FloatArray  # annual, NaN when none
    horizon_years: float
    exposure: float
    full_interest: float
    interest_lost_per_unit_loss: float
    guarantee_covers: NDArray[np.int64]
    guarantee_rate: FloatArray
    guarantee_cap: FloatArray
    guarantee_fee: FloatArray
    guarantee_providers: tuple[str, ...]
    guarantee_sectors: tuple[Sector, ...]

    @property
    def is_grant(self) -> NDArray[np.bool_]:
        return np.array([k is TrancheKind.grant for k in self.kinds])

    @property
    def residual_holder(self) -> int | None:
        """Index of the junior-most tranche that is repaid (gets the excess interest)."""
        for index, kind in enumerate(self.kinds):
            if kind is not TrancheKind.grant:
                return index
        return None

    @property
    def guarantee_max_payout(self) -> FloatArray:
        return self.guarantee_cap * self.notional[self.guarantee_covers]

    @property
    def guarantee_fees(self) -> FloatArray:
        """Fee each guarantee earns over the horizon."""
        return self.guarantee_fee * self.notional[self.guarantee_covers] * self.horizon_years


def stack_terms(scenario: Scenario, vehicle: Vehicle, sizes: list[float] | None = None,
                pool: Pool | None = None) -> StackTerms:
    """Terms of ``vehicle``'s stack; ``sizes`` overrides the tranche sizes (for design)."""
    pool = pool or Pool.from_vehicle(vehicle)
    size = np.array(sizes if sizes is not None else [t.size for t in vehicle.tranches])
    detach = np.cumsum(size)
    detach[-1] = 1.0
    attach = np.concatenate([[0.0], detach[:-1]])
    names = [t.name for t in vehicle.tranches]
    covers = np.array([names.index(g.covers) for g in vehicle.guarantees], dtype=np.int64)
    return StackTerms(
        names=tuple(names),
        kinds=tuple(t.kind for t in vehicle.tranches),
        providers=tuple(t.provider for t in vehicle.tranches),
        sectors=tuple(scenario.provider(t.provider).resolved_sector for t in vehicle.tranches),
        attach=attach,
        detach=detach,
        notional=size * pool.total_exposure,
        coupon=np.array([t.coupon for t in vehicle.tranches]),
        market_coupon=np.array([t.reference_coupon for t in vehicle.tranches]),
        hurdle=np.array([np.nan if t.hurdle_return is None else t.hurdle_return
                         for t in vehicle.tranches]),
        horizon_years=vehicle.horizon_years,
        exposure=pool.total_exposure,
        full_interest=pool.full_interest,
        interest_lost_per_unit_loss=pool.interest_lost_per_unit_loss,
        guarantee_covers=covers,
        guarantee_rate=np.array([g.rate for g in vehicle.guarantees]),
        guarantee_cap=np.array([g.cap for g in vehicle.guarantees]),
        guarantee_fee=np.array([g.fee for g in vehicle.guarantees]),
        guarantee_providers=tuple(g.provider for g in vehicle.guarantees),
        guarantee_sectors=tuple(scenario.provider(g.provider).resolved_sector
                                for g in vehicle.guarantees),
    )


@dataclass(frozen=True)
class Flows:
    """Waterfall outcome at each pool loss point (rows); tranches or guarantees in columns."""

    gross_loss: FloatArray  # tranche loss before guarantees
    guarantee_payment: FloatArray  # (points, guarantees)
    net_loss: FloatArray  # tranche loss after guarantees
    interest: FloatArray  # (points,) interest collected from the pool
    coupon_paid: FloatArray
    residual: FloatArray  # excess interest received
    fees_paid: FloatArray
    cash: FloatArray  # everything the provider gets back at the horizon


def tranche_losses(pool_loss: FloatArray, terms: StackTerms) -> FloatArray:
    """Loss of each tranche: the part of the pool loss between its attach and detach."""
    lower = terms.attach * terms.exposure
    return np.clip(pool_loss[:, None] - lower[None, :], 0.0, terms.notional[None, :])


def pay_coupons(interest: FloatArray, owed: FloatArray) -> FloatArray:
    """Coupons paid senior first (last tranche first) out of the interest collected."""
    paid = np.zeros((interest.shape[0], owed.shape[0]))
    available = interest.copy()
    for j in range(owed.shape[0] - 1, -1, -1):
        paid[:, j] = np.minimum(owed[j], available)
        available -= paid[:, j]
    return paid


def run_waterfall(pool_loss: FloatArray, terms: StackTerms,
                  coupon: FloatArray | None = None) -> Flows:
    """Apply the stack's waterfall to every pool loss in ``pool_loss``.

    Args:
        pool_loss: pool losses (file unit), one per point of a distribution.
        terms: the stack.
        coupon: annual coupons to use instead of the stack's own (for subsidies).
    """
    gross = tranche_losses(pool_loss, terms)
    remaining = gross.copy()
    payments = np.zeros((pool_loss.shape[0], terms.guarantee_covers.shape[0]))
    for g, covered in enumerate(terms.guarantee_covers):
        pay = np.minimum(terms.guarantee_rate[g] * gross[:, covered],
                         terms.guarantee_cap[g] * terms.notional[covered])
        pay = np.minimum(pay, remaining[:, covered])
        payments[:, g] = pay
        remaining[:, covered] -= pay
    interest = np.maximum(
        terms.full_interest - terms.interest_lost_per_unit_loss * pool_loss, 0.0)
    rates = terms.coupon if coupon is None else coupon
    owed = np.where(terms.is_grant, 0.0, rates * terms.notional * terms.horizon_years)
    paid = pay_coupons(interest, owed)
    residual = np.zeros_like(paid)
    holder = terms.residual_holder
    if holder is not None:
        residual[:, holder] = interest - paid.sum(axis=1)
    fees = np.zeros(terms.notional.shape[0])
    np.add.at(fees, terms.guarantee_covers, terms.guarantee_fees)
    cash = terms.notional[None, :] - remaining + paid + residual - fees[None, :]
    cash[:, terms.is_grant] = 0.0
    return Flows(gross, payments, remaining, interest, paid, residual,
                 np.broadcast_to(fees, paid.shape), cash)


def annualised(multiple: FloatArray | float, horizon_years: float) -> FloatArray:
    """Annual compound return of a cash multiple over the horizon (-1 when nothing comes back)."""
    m = np.maximum(np.asarray(multiple, dtype=float), 0.0)
    return np.asarray(m ** (1.0 / horizon_years) - 1.0)

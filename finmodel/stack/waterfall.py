"""The priority of payments of a capital stack, period by period, on many paths at once.

A vehicle's stack is a list of tranches bottom (first loss) to top (senior). Each tranche
has a balance (principal outstanding), principal written down and not yet cured, and
coupons in arrears. Each period, on every path (row):

1. The pool reports what it collected (interest; principal: scheduled plus recoveries)
   and the principal it lost. If the tranches' balances now exceed what backs them (the
   pool's remaining balance, pending recoveries, the principal collected and any reserve
   held), the difference is **written down junior first**.
2. The collections, plus any cash retained from the period before, are paid by the
   vehicle's steps in order (:class:`~finmodel.vocabulary.WaterfallStep`):

   * ``fees``: guarantee fees on the covered tranche's outstanding principal, then the
     management fee on the pool's balance; unpaid fees carry forward.
   * ``coupons``: coupons due (coupon x period length x outstanding principal, plus
     arrears), senior first. A coupon is paid only while every more senior tranche has
     its coupons paid and no uncured write-down; otherwise it waits (arrears).
   * ``principal``: the principal collected this period repays balances, senior first
     (in the last period every balance is due, and any reserve held pays it too).
   * ``cures``: what is left cures principal written down, senior first (a cure waits
     while a more senior tranche has coupons in arrears).
   * ``capital`` (funds): everything left returns outstanding capital (balance, then
     written-down capital), senior first.
   * ``residual``: the rest to the tranche marked ``residual``; with none, the vehicle
     keeps it as a reserve (available to every later step; what is left at the end is
     ``vehicle_residual``).
   * ``residual_pro_rata`` (funds): the rest split among the private tranches in
     proportion to their notional; public and philanthropic money gets its coupon only.

   No payment to a tranche other than principal (a coupon, a cure, a residual) takes cash
   that the balances of more senior tranches still need: the principal collected for them
   this period, and whatever of them the pool's remaining balance no longer backs.
   Nothing goes to a residual while any tranche has coupons in arrears or principal
   written down (the cash is retained for the next period). The steps run again until a
   pass pays nothing more, so a coupon that waited for a senior's cure earlier in the
   period is paid when the cure leaves money for it.
3. Principal collected but not paid out (because fees or coupons took it) leaves the
   balances above their backing: the excess is written down junior first (and cured
   later if money allows). In the last period the pool is gone, so every balance not
   repaid is written down: a tranche's loss is what remains written down at the end.
4. Guarantees pay ``rate`` of the period's write-downs from pool losses on the tranche
   they cover that the period's cash left uncured, to that tranche, until they reach their
   maximum payout (rate x cap x covered notional: EU guarantee practice). A shortfall of
   principal paid out as fees or coupons (negative carry) is not a credit loss and is not
   covered. A guarantee charges its fee while cover remains.

A grant is not repaid: it has no balance and no coupon, and the pool it funds backs the
other tranches (over-collateralisation that absorbs losses first).

Coupons (and guarantee fees) accrue on a tranche's outstanding principal: its balance
plus principal written down and not yet cured. Money is conserved in every period and on
every path: collections + retained cash from before + guarantee payments = tranche cash +
fees paid + retained cash + vehicle residual.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from finmodel.engine.periods import PoolCashflows
from finmodel.engine.pool import Pool
from finmodel.scenario.model import Scenario, Vehicle
from finmodel.vocabulary import Sector, TrancheKind, WaterfallStep

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


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
    hurdle: FloatArray  # annual IRR, NaN when none
    residual_holder: int | None  # index of the tranche marked residual
    steps: tuple[WaterfallStep, ...]
    horizon_years: float
    exposure: float
    management_fee: float
    discount_rate: float | None
    guarantee_covers: NDArray[np.int64]
    guarantee_rate: FloatArray
    guarantee_cap: FloatArray
    guarantee_fee: FloatArray
    guarantee_providers: tuple[str, ...]
    guarantee_sectors: tuple[Sector, ...]

    @property
    def tranches(self) -> int:
        return int(self.notional.shape[0])

    @property
    def is_grant(self) -> BoolArray:
        return np.array([k is TrancheKind.grant for k in self.kinds])

    @property
    def is_private(self) -> BoolArray:
        return np.array([s is Sector.private for s in self.sectors])

    @property
    def guarantee_max_payout(self) -> FloatArray:
        """Most each guarantee pays: rate x cap x covered notional."""
        return np.asarray(self.guarantee_rate * self.guarantee_cap
                          * self.notional[self.guarantee_covers])

    @property
    def tranche_discount_rate(self) -> FloatArray:
        """Each tranche's discount rate: the vehicle's, else its market coupon."""
        if self.discount_rate is not None:
            return np.full(self.tranches, self.discount_rate)
        return self.market_coupon

    @property
    def guarantee_discount_rate(self) -> FloatArray:
        """Each guarantee's discount rate: the vehicle's, else the covered tranche's."""
        return self.tranche_discount_rate[self.guarantee_covers]

    def with_coupons(self, coupon: FloatArray) -> StackTerms:
        return replace(self, coupon=np.asarray(coupon, dtype=float))


def stack_terms(scenario: Scenario, vehicle: Vehicle, pool: Pool,
                sizes: list[float] | None = None, coupons: dict[str, float] | None = None,
                guarantee_rate: dict[int, float] | None = None,
                guarantee_cap: dict[int, float] | None = None) -> StackTerms:
    """Terms of ``vehicle``'s stack; the keyword arguments override terms (what-ifs, design).

    Args:
        scenario: the scenario (for providers' sectors).
        vehicle: the vehicle.
        pool: the vehicle's pool (:func:`finmodel.compiled.pool_of`).
        sizes: tranche sizes, bottom to top, instead of the file's.
        coupons: tranche name -> coupon, instead of the file's.
        guarantee_rate: guarantee index -> rate.
        guarantee_cap: guarantee index -> cap.
    """
    size = np.array(sizes if sizes is not None else [t.size for t in vehicle.tranches])
    detach = np.cumsum(size)
    detach[-1] = 1.0
    attach = np.concatenate([[0.0], detach[:-1]])
    names = [t.name for t in vehicle.tranches]
    covers = np.array([names.index(g.covers) for g in vehicle.guarantees], dtype=np.int64)
    coupons = coupons or {}
    guarantee_rate = guarantee_rate or {}
    guarantee_cap = guarantee_cap or {}
    holder = next((i for i, t in enumerate(vehicle.tranches) if t.residual), None)
    return StackTerms(
        names=tuple(names),
        kinds=tuple(t.kind for t in vehicle.tranches),
        providers=tuple(t.provider for t in vehicle.tranches),
        sectors=tuple(scenario.provider(t.provider).resolved_sector for t in vehicle.tranches),
        attach=attach,
        detach=detach,
        notional=size * pool.total_exposure,
        coupon=np.array([coupons.get(t.name, t.coupon) for t in vehicle.tranches]),
        market_coupon=np.array([t.reference_coupon for t in vehicle.tranches]),
        hurdle=np.array([np.nan if t.hurdle_return is None else t.hurdle_return
                         for t in vehicle.tranches]),
        residual_holder=holder,
        steps=vehicle.steps,
        horizon_years=vehicle.horizon_years,
        exposure=pool.total_exposure,
        management_fee=vehicle.management_fee,
        discount_rate=vehicle.discount_rate,
        guarantee_covers=covers,
        guarantee_rate=np.array([guarantee_rate.get(i, g.rate)
                                 for i, g in enumerate(vehicle.guarantees)]),
        guarantee_cap=np.array([guarantee_cap.get(i, g.cap)
                                for i, g in enumerate(vehicle.guarantees)]),
        guarantee_fee=np.array([g.fee for g in vehicle.guarantees]),
        guarantee_providers=tuple(g.provider for g in vehicle.guarantees),
        guarantee_sectors=tuple(scenario.provider(g.provider).resolved_sector
                                for g in vehicle.guarantees),
    )


@dataclass(frozen=True)
class Collections:
    """What the pool pays into the vehicle: (rows, periods) arrays and row probabilities.

    Rows are Monte Carlo paths (equally likely) or the points of a one-period loss
    distribution (with their probabilities).
    """

    times: FloatArray  # end of each period, years
    interest: FloatArray
    principal: FloatArray  # scheduled principal plus recoveries
    loss: FloatArray  # principal lost (written down)
    weights: FloatArray  # (rows,) probabilities summing to 1

    @property
    def period_years(self) -> FloatArray:
        return np.diff(np.concatenate([[0.0], self.times]))

    @classmethod
    def from_pool(cls, flows: PoolCashflows) -> Collections:
        return cls(flows.times, flows.interest, flows.principal_collected, flows.loss,
                   flows.weights)

    @classmethod
    def one_period(cls, pool_loss: FloatArray, weights: FloatArray, pool: Pool) -> Collections:
        """One period over the horizon, bullet loans: the one-period engines' view.

        Interest lost to defaults is tied to the pool loss by the pool's expected ratio
        (exact in expectation, and on every point for pools whose segments share one ratio of
        rate to LGD).
        """
        loss = np.asarray(pool_loss, dtype=float)
        interest = np.maximum(pool.full_interest - pool.interest_lost_per_unit_loss * loss, 0.0)
        return cls(np.array([pool.horizon_years]), interest[:, None],
                   (pool.total_exposure - loss)[:, None], loss[:, None],
                   np.asarray(weights, dtype=float))


@dataclass(frozen=True)
class Ledger:
    """Everything the waterfall paid, wrote down and kept, by row and period.

    Tranche arrays are (rows, periods, tranches); guarantee arrays (rows, periods,
    guarantees); vehicle arrays (rows, periods).
    """

    coupon: FloatArray
    principal: FloatArray  # balances repaid (principal and capital steps)
    written_down: FloatArray
    cured: FloatArray  # write-downs cured by the waterfall (cures and capital steps)
    guarantee_received: FloatArray
    residual: FloatArray
    guarantee_paid: FloatArray
    guarantee_fees: FloatArray
    management_fees: FloatArray
    retained: FloatArray  # cash carried to the next period (end of period)
    vehicle_residual: FloatArray  # retained cash left when the vehicle winds up
    final_loss: FloatArray  # (rows, tranches): principal written down and never cured

    @cached_property
    def cash(self) -> FloatArray:
        """What each tranche receives each period."""
        return np.asarray(self.coupon + self.principal + self.cured + self.guarantee_received
                          + self.residual)

    @cached_property
    def principal_back(self) -> FloatArray:
        """Principal returned each period: repaid, cured or paid by a guarantor."""
        return np.asarray(self.principal + self.cured + self.guarantee_received)


class _State:
    """The running state of one waterfall: balances, write-downs, arrears and cash by row."""

    def __init__(self, terms: StackTerms, rows: int, periods: int) -> None:
        j, g = terms.tranches, terms.guarantee_covers.shape[0]
        self.terms = terms
        self.tolerance = 1e-9 * max(terms.exposure, 1.0)
        repaid = ~terms.is_grant
        self.balance = np.where(repaid, terms.notional, 0.0)[None, :].repeat(rows, axis=0)
        self.written = np.zeros((rows, j))
        self.arrears = np.zeros((rows, j))
        self.fee_arrears = np.zeros((rows, g))
        self.management_arrears = np.zeros(rows)
        self.cap_left = terms.guarantee_max_payout[None, :].repeat(rows, axis=0)
        self.cash = np.zeros(rows)
        self.principal_left = np.zeros(rows)
        self.credit_loss = np.zeros((rows, j))  # this period's write-downs from pool losses
        self.assets = np.full(rows, terms.exposure)  # the pool's balance after this period
        shape = (rows, periods)
        self.ledger = {name: np.zeros((*shape, j)) for name in
                       ("coupon", "principal", "written_down", "cured", "guarantee_received",
                        "residual")}
        self.ledger["guarantee_paid"] = np.zeros((*shape, g))
        self.ledger["guarantee_fees"] = np.zeros((*shape, g))
        for name in ("management_fees", "retained", "vehicle_residual"):
            self.ledger[name] = np.zeros(shape)

    def pay(self, due: FloatArray) -> FloatArray:
        """Pay ``due`` (per row) out of the cash in hand; returns what was paid."""
        paid = np.minimum(np.maximum(due, 0.0), self.cash)
        self.cash -= paid
        return paid

    def free_cash(self, tranche: int) -> FloatArray:
        """Cash a payment to ``tranche`` other than principal may use (-1: to a residual).

        It never takes what the balances of more senior tranches (all tranches, for a
        residual) still need: the principal collected for them this period, and whatever of
        them the pool's remaining balance no longer backs.
        """
        above = self.balance[:, tranche + 1:].sum(axis=1) if tranche >= 0 \
            else self.balance.sum(axis=1)
        protected = np.maximum(np.minimum(self.principal_left, above), above - self.assets)
        return np.asarray(np.maximum(self.cash - protected, 0.0))

    def short(self, tranche: int) -> BoolArray:
        """Rows where the tranche has coupons in arrears or an uncured write-down."""
        return np.asarray((self.arrears[:, tranche] > self.tolerance)
                          | (self.written[:, tranche] > self.tolerance))

    def anyone_short(self) -> BoolArray:
        return np.asarray((self.arrears > self.tolerance).any(axis=1)
                          | (self.written > self.tolerance).any(axis=1))

    def write_down(self, k: int, backing: FloatArray, final: bool = False,
                   credit: bool = False) -> None:
        """Write balances above ``backing`` down junior first.

        ``credit`` marks write-downs caused by the pool's losses (the ones guarantees
        cover), as opposed to principal paid out as fees or coupons. Rounding dust below
        the tolerance is left alone, except at the end, when every balance not repaid is
        written down.
        """
        excess = np.maximum(self.balance.sum(axis=1) - backing, 0.0)
        if not final:
            excess = np.where(excess > self.tolerance, excess, 0.0)
        new = np.zeros_like(self.balance)
        for j in range(self.terms.tranches):
            cut = np.minimum(self.balance[:, j], excess)
            new[:, j] = cut
            self.balance[:, j] -= cut
            excess -= cut
        self.written += new
        self.ledger["written_down"][:, k] += new
        if credit:
            self.credit_loss += new

    def pay_guarantees(self, k: int) -> None:
        """Guarantees pay ``rate`` of the period's credit-loss write-downs on the tranche they
        cover that the period's cash left uncured, up to their remaining cap; the money goes
        to that tranche at once (it cures its write-down)."""
        base = np.minimum(self.credit_loss, self.written)
        left = base.copy()
        for g, covered in enumerate(self.terms.guarantee_covers):
            pay = np.minimum(np.minimum(self.terms.guarantee_rate[g] * base[:, covered],
                                        self.cap_left[:, g]), left[:, covered])
            self.cap_left[:, g] -= pay
            left[:, covered] -= pay
            self.written[:, covered] -= pay
            self.ledger["guarantee_paid"][:, k, g] += pay
            self.ledger["guarantee_received"][:, k, covered] += pay
        self.credit_loss[:] = 0.0


def _senior_first(terms: StackTerms) -> range:
    return range(terms.tranches - 1, -1, -1)


def _fees(s: _State, k: int) -> None:
    for g in range(s.terms.guarantee_covers.shape[0]):
        paid = s.pay(s.fee_arrears[:, g])
        s.fee_arrears[:, g] -= paid
        s.ledger["guarantee_fees"][:, k, g] += paid
    paid = s.pay(s.management_arrears)
    s.management_arrears -= paid
    s.ledger["management_fees"][:, k] += paid


def _coupons(s: _State, k: int) -> None:
    blocked = np.zeros(s.cash.shape[0], dtype=bool)
    for j in _senior_first(s.terms):
        paid = s.pay(np.minimum(np.where(blocked, 0.0, s.arrears[:, j]), s.free_cash(j)))
        s.arrears[:, j] -= paid
        s.ledger["coupon"][:, k, j] += paid
        blocked |= s.short(j)


def _principal(s: _State, k: int) -> None:
    for j in _senior_first(s.terms):
        due = np.minimum(s.balance[:, j], s.principal_left)
        paid = s.pay(due)
        s.balance[:, j] -= paid
        s.principal_left -= paid
        s.ledger["principal"][:, k, j] += paid


def _cures(s: _State, k: int) -> None:
    blocked = np.zeros(s.cash.shape[0], dtype=bool)
    for j in _senior_first(s.terms):  # a cure waits while a more senior coupon is in arrears
        paid = s.pay(np.minimum(np.where(blocked, 0.0, s.written[:, j]), s.free_cash(j)))
        s.written[:, j] -= paid
        s.ledger["cured"][:, k, j] += paid
        blocked |= s.short(j)


def _capital(s: _State, k: int) -> None:
    for j in _senior_first(s.terms):
        paid = s.pay(s.balance[:, j])
        s.balance[:, j] -= paid
        s.principal_left = np.maximum(s.principal_left - paid, 0.0)
        s.ledger["principal"][:, k, j] += paid
        cured = s.pay(np.minimum(s.written[:, j], s.free_cash(j)))
        s.written[:, j] -= cured
        s.ledger["cured"][:, k, j] += cured


def _residual(s: _State, k: int) -> None:
    holder = s.terms.residual_holder
    if holder is None:
        return  # the vehicle keeps the cash as a reserve
    paid = s.pay(np.where(s.anyone_short(), 0.0, s.free_cash(-1)))
    s.ledger["residual"][:, k, holder] += paid


def _residual_pro_rata(s: _State, k: int) -> None:
    takers = s.terms.is_private & ~s.terms.is_grant
    if not takers.any():
        return
    paid = s.pay(np.where(s.anyone_short(), 0.0, s.free_cash(-1)))
    shares = np.where(takers, s.terms.notional, 0.0)
    shares = shares / shares.sum()
    s.ledger["residual"][:, k, :] += paid[:, None] * shares[None, :]


_STEPS = {
    WaterfallStep.fees: _fees,
    WaterfallStep.coupons: _coupons,
    WaterfallStep.principal: _principal,
    WaterfallStep.cures: _cures,
    WaterfallStep.capital: _capital,
    WaterfallStep.residual: _residual,
    WaterfallStep.residual_pro_rata: _residual_pro_rata,
}


def run_waterfall(collections: Collections, terms: StackTerms) -> Ledger:
    """Pay every period's collections through the stack, on every row at once.

    Args:
        collections: the pool's collections and losses by row and period.
        terms: the stack (its steps, coupons, guarantees and fees).

    Returns:
        The ledger of every payment, write-down and amount retained.
    """
    rows, periods = collections.interest.shape
    s = _State(terms, rows, periods)
    dt = collections.period_years
    assets = np.full(rows, terms.exposure)
    coupon_rate = np.where(terms.is_grant, 0.0, terms.coupon)
    fee_base = terms.guarantee_covers
    for k in range(periods):
        outstanding = s.balance + s.written
        s.arrears += coupon_rate[None, :] * dt[k] * outstanding
        covering = s.cap_left > s.tolerance  # a guarantee whose cap is used up charges no fee
        s.fee_arrears += np.where(covering, terms.guarantee_fee[None, :] * dt[k]
                                  * outstanding[:, fee_base], 0.0)
        s.management_arrears += terms.management_fee * dt[k] * assets
        assets = np.maximum(assets - collections.loss[:, k] - collections.principal[:, k], 0.0)
        if k == periods - 1:
            assets = np.zeros(rows)
        s.assets = assets
        last = k == periods - 1
        held = s.cash.copy()  # reserve retained from before
        s.cash += collections.interest[:, k] + collections.principal[:, k]
        # Principal due: what the pool repaid this period; at maturity, every balance.
        s.principal_left = (np.full(rows, np.inf) if last
                            else collections.principal[:, k].copy())
        s.write_down(k, assets + collections.principal[:, k] + held, credit=True)
        for _ in range(terms.tranches + 2):  # until a pass pays nothing more
            before = s.cash.copy()
            for step in terms.steps:
                _STEPS[step](s, k)
            if np.array_equal(before, s.cash):
                break
        s.write_down(k, assets + (0.0 if last else s.cash), final=last)
        s.pay_guarantees(k)
        if last:
            s.ledger["vehicle_residual"][:, k] = s.cash
            s.cash = np.zeros(rows)
        s.ledger["retained"][:, k] = s.cash
    return Ledger(final_loss=s.written.copy(), **s.ledger)

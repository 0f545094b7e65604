"""Per-tranche, per-guarantee, per-vehicle and per-period figures of a waterfall run.

Pure functions: collections (with row probabilities), stack terms and the waterfall's
ledger in, typed rows out (:mod:`finmodel.stack.records`). Expectations are over rows (Monte Carlo paths, or a
one-period distribution's points); a sampled run also reports standard errors.

Present values discount the end of period k by prod (1 + r x period length)^-1 at the
vehicle's ``discount_rate`` (default: each tranche's market coupon), the same convention
as the IRR, so a tranche paid its coupon with no loss has IRR = coupon and NPV = 0 at it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from finmodel.economics import is_public, mobilisation_ratio, public_expected_cost
from finmodel.engine.distribution import LossDistribution
from finmodel.engine.pool import FloatArray, Pool
from finmodel.stack.irr import discount_factors, irr
from finmodel.stack.records import (
    CashflowRecord,
    GuaranteeRecord,
    HorizonLossRecord,
    OnePeriodRecord,
    TrancheRecord,
    VehicleRecord,
)
from finmodel.stack.waterfall import Collections, Ledger, StackTerms, run_waterfall

VAR_LEVEL = 0.99


@dataclass(frozen=True)
class StackRun:
    """A waterfall run: the collections it paid, the terms, and the ledger."""

    collections: Collections
    terms: StackTerms
    ledger: Ledger
    sampled: bool

    @property
    def sample(self) -> LossDistribution:
        """Row probabilities, with the pool's total loss per row (for means and quantiles)."""
        return LossDistribution(self.collections.loss.sum(axis=1), self.collections.weights,
                                self.terms.exposure, "periods", sampled=self.sampled)

    def expected(self, values: FloatArray) -> FloatArray:
        """Probability-weighted mean over rows (axis 0) of ``values``."""
        w = self.collections.weights
        return np.asarray(np.sum(values * w.reshape((-1,) + (1,) * (values.ndim - 1)), axis=0))


def run_stack(collections: Collections, terms: StackTerms, sampled: bool) -> StackRun:
    """Run the waterfall of ``terms`` over ``collections``."""
    return StackRun(collections, terms, run_waterfall(collections, terms), sampled)


def breakeven_pd_multiple(pool: Pool, attach_amount: float) -> float:
    """PD multiple at which the stressed expected pool loss first reaches ``attach_amount``.

    The first-dollar-loss stress: every loan's cumulative PD is multiplied by m (capped at
    1) and losses are taken at their expectation; the answer is the smallest m at which a
    tranche attaching at ``attach_amount`` starts to lose. ``inf`` when even the default
    of every loan does not reach it.
    """
    if attach_amount <= 0.0:
        return 0.0
    weights = pool.count * pool.loss_per_default

    def stressed_loss(m: float) -> float:
        return float(np.sum(weights * np.minimum(pool.pd * m, 1.0))) - attach_amount

    positive = pool.pd > 0
    if not np.any(positive) or stressed_loss(float(1.0 / pool.pd[positive].min())) < 0.0:
        return float("inf")
    upper = float(1.0 / pool.pd[positive].min())
    return float(optimize.brentq(stressed_loss, 0.0, upper, xtol=1e-12, rtol=1e-12))


def _safe_ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def present_value(run: StackRun, flows: FloatArray, rate: float) -> float:
    """Present value at ``rate`` of expected per-period ``flows`` (rows, periods)."""
    factors = discount_factors(rate, run.collections.period_years)
    return float(np.sum(run.expected(flows) * factors))


def tranche_irr(run: StackRun, j: int) -> FloatArray:
    """Each row's IRR of tranche j (NaN for a grant)."""
    if run.terms.is_grant[j]:
        return np.full(run.collections.weights.shape[0], np.nan)
    length = float(run.collections.period_years[0])
    return irr(run.ledger.cash[:, :, j], float(run.terms.notional[j]), length)


def expected_flow_irr(run: StackRun, j: int) -> float:
    """IRR of the tranche's expected cash flows (what a spreadsheet of expectations shows)."""
    if run.terms.is_grant[j]:
        return float("nan")
    length = float(run.collections.period_years[0])
    expected = run.expected(run.ledger.cash[:, :, j])[None, :]
    return float(irr(expected, float(run.terms.notional[j]), length)[0])


def tranche_pv(run: StackRun, j: int, rate: float | None = None) -> float:
    """Present value of tranche j's expected cash at ``rate`` (default its discount rate)."""
    r = float(run.terms.tranche_discount_rate[j]) if rate is None else rate
    return present_value(run, run.ledger.cash[:, :, j], r)


def subsidy(run: StackRun, j: int) -> tuple[float, float]:
    """What tranche j gives up by taking a coupon below its market coupon, and who gets it.

    The waterfall is run again on the same rows (common random numbers) with tranche j at
    its market coupon. Returns (the fall in j's present value, the rise in the private
    tranches' present value), both at j's discount rate. Zero at market terms.
    """
    terms = run.terms
    if terms.market_coupon[j] <= terms.coupon[j] or terms.is_grant[j]:
        return 0.0, 0.0
    coupon = terms.coupon.copy()
    coupon[j] = terms.market_coupon[j]
    market = run_stack(run.collections, terms.with_coupons(coupon), run.sampled)
    rate = float(terms.tranche_discount_rate[j])
    given = tranche_pv(market, j, rate) - tranche_pv(run, j, rate)
    private = [i for i in range(terms.tranches) if terms.is_private[i] and i != j]
    gained = sum(tranche_pv(run, i, rate) - tranche_pv(market, i, rate) for i in private)
    return given, gained


def tranche_rows(run: StackRun, pool: Pool) -> list[TrancheRecord]:
    """One row of figures per tranche, bottom to top."""
    terms, ledger, sample = run.terms, run.ledger, run.sample
    times = run.collections.times
    rows = []
    for j, name in enumerate(terms.names):
        notional = float(terms.notional[j])
        tolerance = 1e-9 * max(notional, 1.0)
        net = ledger.final_loss[:, j]
        received = ledger.guarantee_received[:, :, j].sum(axis=1)
        cash = ledger.cash[:, :, j]
        total_cash = cash.sum(axis=1)
        rates = tranche_irr(run, j)
        grant = bool(terms.is_grant[j])
        hurdle = float(terms.hurdle[j])
        met = None if np.isnan(hurdle) or grant else (rates >= hurdle - 1e-12).astype(float)
        lost = (net > tolerance).astype(float)
        back = run.expected(ledger.principal_back[:, :, j])
        rate = float(terms.tranche_discount_rate[j])
        factors = discount_factors(rate, run.collections.period_years)
        net_written = (ledger.written_down[:, :, j] - ledger.cured[:, :, j]
                       - ledger.guarantee_received[:, :, j])
        given, gained = subsidy(run, j)
        irr_ok = ~np.isnan(rates)
        rows.append(TrancheRecord(
            tranche=name,
            kind=terms.kinds[j].value,
            provider=terms.providers[j],
            sector=terms.sectors[j].value,
            residual_holder=terms.residual_holder == j,
            attach=float(terms.attach[j]),
            detach=float(terms.detach[j]),
            notional=notional,
            coupon=float(terms.coupon[j]),
            market_coupon=float(terms.market_coupon[j]),
            expected_loss=sample.mean(net),
            expected_loss_pct=_safe_ratio(sample.mean(net), notional),
            gross_expected_loss=sample.mean(net + received),
            guarantee_received=sample.mean(received),
            prob_loss=sample.mean(lost),
            var_99=sample.quantile(VAR_LEVEL, net),
            es_99=sample.expected_shortfall(VAR_LEVEL, net),
            expected_cash=sample.mean(total_cash),
            expected_return=expected_flow_irr(run, j),
            irr_mean=sample.mean(rates) if irr_ok.all() else float("nan"),
            irr_p10=sample.quantile(0.10, rates) if irr_ok.all() else float("nan"),
            irr_p50=sample.quantile(0.50, rates) if irr_ok.all() else float("nan"),
            irr_p90=sample.quantile(0.90, rates) if irr_ok.all() else float("nan"),
            hurdle_return=hurdle,
            prob_hurdle_met=float("nan") if met is None else sample.mean(met),
            discount_rate=rate,
            npv=float(np.sum(run.expected(cash) * factors)) - notional,
            wal_years=_safe_ratio(float(np.sum(times * back)), float(np.sum(back))),
            pv_loss=float(np.sum(run.expected(net_written) * factors)),
            subsidy=given,
            subsidy_to_private=gained,
            breakeven_pd_multiple=breakeven_pd_multiple(
                pool, float(terms.attach[j]) * terms.exposure),
            expected_loss_se=sample.standard_error(net),
            prob_loss_se=sample.standard_error(lost),
            expected_cash_se=sample.standard_error(total_cash),
            irr_mean_se=sample.standard_error(rates) if irr_ok.all() else float("nan"),
            prob_hurdle_met_se=float("nan") if met is None else sample.standard_error(met),
        ))
    return rows


def guarantee_rows(run: StackRun) -> list[GuaranteeRecord]:
    """One row per guarantee: what it may pay, what it is expected to pay, what it earns."""
    terms, ledger, sample = run.terms, run.ledger, run.sample
    rows = []
    for g, covered in enumerate(terms.guarantee_covers):
        pay = ledger.guarantee_paid[:, :, g]
        fees = ledger.guarantee_fees[:, :, g]
        total = pay.sum(axis=1)
        rate = float(terms.guarantee_discount_rate[g])
        max_payout = float(terms.guarantee_max_payout[g])
        rows.append(GuaranteeRecord(
            provider=terms.guarantee_providers[g],
            sector=terms.guarantee_sectors[g].value,
            covers=terms.names[covered],
            rate=float(terms.guarantee_rate[g]),
            cap=float(terms.guarantee_cap[g]),
            max_payout=max_payout,
            expected_payment=sample.mean(total),
            expected_payment_se=sample.standard_error(total),
            pv_payment=present_value(run, pay, rate),
            prob_called=sample.mean((total > 0).astype(float)),
            var_99=sample.quantile(VAR_LEVEL, total),
            fees=sample.mean(fees.sum(axis=1)),
            pv_fees=present_value(run, fees, rate),
            multiplier=_safe_ratio(float(terms.notional[covered]), max_payout),
        ))
    return rows


def vehicle_row(run: StackRun, pool: Pool, tranches: list[TrancheRecord],
                guarantees: list[GuaranteeRecord]) -> VehicleRecord:
    """Public cost, mobilisation and the concession's transfer of one vehicle.

    Public expected cost (present value): for each public or philanthropic tranche, its
    notional minus the present value of its expected cash (losses plus forgone return; a
    grant costs its notional), split into forgone return (its ``subsidy``) and losses; plus
    public guarantors' payments net of fees.

    Mobilisation ratio: private money at market terms per unit of public, philanthropic and
    concessional money, a guarantee counted at its maximum payout.
    """
    terms, ledger = run.terms, run.ledger
    cost_tranches = 0.0
    forgone = 0.0
    private_money = 0.0
    public_money = 0.0
    for j, row in enumerate(tranches):
        public = is_public(row.sector)
        concessional = row.market_coupon > row.coupon
        if public:
            cost_tranches += row.notional - tranche_pv(run, j)
            forgone += row.subsidy
        if public or concessional:
            public_money += row.notional
        else:
            private_money += row.notional
    cost_guarantees = 0.0
    for g in guarantees:
        if is_public(g.sector):
            cost_guarantees += g.pv_payment - g.pv_fees
            public_money += g.max_payout
    covered = sum(float(terms.notional[c]) for c in set(terms.guarantee_covers.tolist()))
    max_payout = float(np.sum(terms.guarantee_max_payout))
    sample = run.sample
    residual = ledger.vehicle_residual.sum(axis=1)
    return VehicleRecord(
        exposure=terms.exposure,
        loans=int(pool.count.sum()),
        horizon_years=terms.horizon_years,
        periods=int(run.collections.times.shape[0]),
        paths=int(run.collections.weights.shape[0]),
        cumulative_pd=_safe_ratio(float(np.sum(pool.count * pool.exposure * pool.pd)),
                                     terms.exposure),
        pool_expected_loss=sample.mean(),
        pool_expected_loss_se=sample.standard_error(),
        guarantor_expected_loss=sum(g.expected_payment for g in guarantees),
        guarantee_fees=sum(g.fees for g in guarantees),
        management_fees=sample.mean(ledger.management_fees.sum(axis=1)),
        vehicle_residual=sample.mean(residual),
        # losses and forgone return of public tranches (a grant loses its notional)
        public_expected_cost=public_expected_cost(
            losses=cost_tranches - forgone, grants=0.0, forgone_return=forgone,
            guarantee_payments=cost_guarantees, guarantee_fees=0.0),
        public_cost_losses=cost_tranches - forgone,
        public_cost_forgone_return=forgone,
        public_cost_guarantees=cost_guarantees,
        private_money=private_money,
        public_and_concessional_money=public_money,
        mobilisation_ratio=mobilisation_ratio(private_money, public_money),
        guarantee_multiplier=_safe_ratio(covered, max_payout),
        subsidy=sum(r.subsidy for r in tranches),
        subsidy_to_private=sum(r.subsidy_to_private for r in tranches),
    )


def horizon_loss_row(dist: LossDistribution) -> HorizonLossRecord:
    """The one-period engine's pool loss at the horizon (exact, Monte Carlo or LHP)."""
    return HorizonLossRecord(
        engine=dist.method,
        expected_loss=dist.mean(),
        expected_loss_pct=dist.mean() / dist.exposure,
        expected_loss_se=dist.standard_error(),
        loss_p50=dist.quantile(0.50),
        loss_p90=dist.quantile(0.90),
        loss_p99=dist.quantile(0.99),
        loss_p999=dist.quantile(0.999),
        es_99=dist.expected_shortfall(0.99),
    )


def one_period_row(engine: str, tranche: TrancheRecord) -> OnePeriodRecord:
    """A tranche's figures under the one-period engine's loss at the horizon: its row of
    :func:`tranche_rows` over the one-period collections, named by ``engine``."""
    return OnePeriodRecord(
        engine=engine,
        tranche=tranche.tranche,
        expected_loss=tranche.expected_loss,
        expected_loss_pct=tranche.expected_loss_pct,
        prob_loss=tranche.prob_loss,
        var_99=tranche.var_99,
        es_99=tranche.es_99,
        expected_cash=tranche.expected_cash,
        expected_return=tranche.expected_return,
        subsidy=tranche.subsidy,
    )


def _bands(values: FloatArray, sample: LossDistribution) -> tuple[FloatArray, FloatArray]:
    """P10 and P90 over rows of each column of ``values`` (rows, periods)."""
    if sample.sampled:  # equally likely rows: the same quantile definition, one sort
        bands = np.quantile(values, [0.10, 0.90], axis=0, method="inverted_cdf")
        return np.asarray(bands[0]), np.asarray(bands[1])
    p10 = np.array([sample.quantile(0.10, values[:, k]) for k in range(values.shape[1])])
    p90 = np.array([sample.quantile(0.90, values[:, k]) for k in range(values.shape[1])])
    return p10, p90


def cashflow_rows(run: StackRun, pool_interest: FloatArray, pool_principal: FloatArray,
                  pool_recoveries: FloatArray) -> list[CashflowRecord]:
    """Expected cash flows by holder and period, with P10/P90 of each holder's cash.

    Holders: each tranche, the pool (what it collected and lost), each guarantor (fees
    received, payments made), the manager (management fees) and the vehicle (cash it
    retained at the end of each period and its residual at wind-up).
    """
    terms, ledger, sample = run.terms, run.ledger, run.sample
    times = run.collections.times
    periods = times.shape[0]
    zero = np.zeros(periods)
    out: list[CashflowRecord] = []

    def add(holder: str, holder_type: str, cash: FloatArray, *,
            interest: FloatArray = zero, principal: FloatArray = zero,
            recoveries: FloatArray = zero, loss_written_down: FloatArray = zero,
            loss_cured: FloatArray = zero, guarantee_received: FloatArray = zero,
            guarantee_paid: FloatArray = zero, fees: FloatArray = zero,
            residual: FloatArray = zero, retained: FloatArray = zero) -> None:
        p10, p90 = _bands(cash, sample)
        expected_cash = run.expected(cash)
        for k in range(periods):
            out.append(CashflowRecord(
                holder=holder,
                holder_type=holder_type,
                period=k + 1,
                time_years=float(times[k]),
                interest=float(interest[k]),
                principal=float(principal[k]),
                recoveries=float(recoveries[k]),
                loss_written_down=float(loss_written_down[k]),
                loss_cured=float(loss_cured[k]),
                guarantee_received=float(guarantee_received[k]),
                guarantee_paid=float(guarantee_paid[k]),
                fees=float(fees[k]),
                residual=float(residual[k]),
                retained=float(retained[k]),
                cash=float(expected_cash[k]),
                cash_p10=float(p10[k]),
                cash_p90=float(p90[k]),
            ))

    add("pool", "pool", pool_interest + pool_principal + pool_recoveries,
        interest=run.expected(pool_interest), principal=run.expected(pool_principal),
        recoveries=run.expected(pool_recoveries),
        loss_written_down=run.expected(run.collections.loss))
    for j, name in enumerate(terms.names):
        add(name, "tranche", ledger.cash[:, :, j],
            interest=run.expected(ledger.coupon[:, :, j]),
            principal=run.expected(ledger.principal[:, :, j]),
            loss_written_down=run.expected(ledger.written_down[:, :, j]),
            loss_cured=run.expected(ledger.cured[:, :, j]),
            guarantee_received=run.expected(ledger.guarantee_received[:, :, j]),
            residual=run.expected(ledger.residual[:, :, j]))
    for g, provider in enumerate(terms.guarantee_providers):
        fees, paid = ledger.guarantee_fees[:, :, g], ledger.guarantee_paid[:, :, g]
        add(f"{provider} ({terms.names[terms.guarantee_covers[g]]})", "guarantor", fees - paid,
            fees=run.expected(fees), guarantee_paid=run.expected(paid))
    if terms.management_fee > 0:
        add("manager", "manager", ledger.management_fees,
            fees=run.expected(ledger.management_fees))
    add("vehicle", "vehicle", ledger.vehicle_residual,
        residual=run.expected(ledger.vehicle_residual), retained=run.expected(ledger.retained))
    return out

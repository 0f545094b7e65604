"""Per-tranche, per-guarantee and per-vehicle figures from a loss distribution and a stack.

Pure functions: a loss distribution and stack terms in, rows of plain values out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize

from finmodel.engine.distribution import LossDistribution
from finmodel.engine.pool import Pool
from finmodel.stack.waterfall import Flows, StackTerms, annualised, run_waterfall

VAR_LEVEL = 0.99
Row = dict[str, Any]


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


def _subsidy(dist: LossDistribution, terms: StackTerms, flows: Flows, j: int) -> float:
    """Expected extra cash the other tranches get because tranche j's coupon is below market.

    The waterfall is run again with tranche j at its market coupon (the others unchanged);
    the subsidy is the others' expected cash now minus then. Zero at market terms.
    """
    if terms.market_coupon[j] <= terms.coupon[j]:
        return 0.0
    coupon = terms.coupon.copy()
    coupon[j] = terms.market_coupon[j]
    at_market = run_waterfall(dist.loss, terms, coupon=coupon)
    others = np.arange(terms.notional.shape[0]) != j
    return dist.mean(flows.cash[:, others].sum(axis=1) - at_market.cash[:, others].sum(axis=1))


def tranche_rows(dist: LossDistribution, terms: StackTerms, pool: Pool,
                 flows: Flows | None = None) -> list[Row]:
    """One row of figures per tranche, bottom to top."""
    flows = flows or run_waterfall(dist.loss, terms)
    rows = []
    horizon = terms.horizon_years
    for j, name in enumerate(terms.names):
        notional = float(terms.notional[j])
        net = flows.net_loss[:, j]
        tolerance = 1e-9 * max(notional, 1.0)
        el = dist.mean(net)
        cash = flows.cash[:, j]
        multiple = _safe_ratio(dist.mean(cash), notional)
        expected_return = float(annualised(multiple, horizon)) if notional > 0 else float("nan")
        derivative = (max(multiple, 1e-12) ** (1.0 / horizon - 1.0)) / horizon
        hurdle = float(terms.hurdle[j])
        if np.isnan(hurdle) or notional <= 0:
            hurdle_met = float("nan")
            hurdle_se = float("nan")
        else:
            met = (cash >= notional * (1.0 + hurdle) ** horizon - tolerance).astype(float)
            hurdle_met = dist.mean(met)
            hurdle_se = dist.standard_error(met)
        lost = (net > tolerance).astype(float)
        rows.append({
            "tranche": name,
            "kind": terms.kinds[j].value,
            "provider": terms.providers[j],
            "sector": terms.sectors[j].value,
            "attach": float(terms.attach[j]),
            "detach": float(terms.detach[j]),
            "notional": notional,
            "coupon": float(terms.coupon[j]),
            "market_coupon": float(terms.market_coupon[j]),
            "expected_loss": el,
            "expected_loss_pct": _safe_ratio(el, notional),
            "gross_expected_loss": dist.mean(flows.gross_loss[:, j]),
            "guarantee_received": dist.mean(flows.gross_loss[:, j] - net),
            "prob_loss": dist.mean(lost),
            "var_99": dist.quantile(VAR_LEVEL, net),
            "es_99": dist.expected_shortfall(VAR_LEVEL, net),
            "expected_cash": dist.mean(cash),
            "expected_return": expected_return,
            "hurdle_return": hurdle,
            "prob_hurdle_met": hurdle_met,
            "subsidy": _subsidy(dist, terms, flows, j),
            "breakeven_pd_multiple": breakeven_pd_multiple(
                pool, float(terms.attach[j]) * terms.exposure),
            "expected_loss_se": dist.standard_error(net),
            "prob_loss_se": dist.standard_error(lost),
            "expected_return_se": dist.standard_error(cash) / notional * derivative
            if notional > 0 else float("nan"),
            "prob_hurdle_met_se": hurdle_se,
        })
    return rows


def guarantee_rows(dist: LossDistribution, terms: StackTerms, flows: Flows) -> list[Row]:
    """One row per guarantee: what it may pay, what it is expected to pay, what it earns."""
    rows = []
    for g, covered in enumerate(terms.guarantee_covers):
        pay = flows.guarantee_payment[:, g]
        rows.append({
            "provider": terms.guarantee_providers[g],
            "sector": terms.guarantee_sectors[g].value,
            "covers": terms.names[covered],
            "rate": float(terms.guarantee_rate[g]),
            "cap": float(terms.guarantee_cap[g]),
            "max_payout": float(terms.guarantee_max_payout[g]),
            "expected_payment": dist.mean(pay),
            "expected_payment_se": dist.standard_error(pay),
            "prob_called": dist.mean((pay > 0).astype(float)),
            "var_99": dist.quantile(VAR_LEVEL, pay),
            "fees": float(terms.guarantee_fees[g]),
            "multiplier": 1.0 / (terms.guarantee_rate[g] * terms.guarantee_cap[g]),
        })
    return rows


def vehicle_row(dist: LossDistribution, terms: StackTerms, pool: Pool,
                tranches: list[Row], guarantees: list[Row]) -> Row:
    """Pool figures, public cost and mobilisation of one vehicle.

    Public expected cost: for each tranche funded by public or philanthropic money, what it
    would earn at its market coupon with no loss, minus the cash it is expected to get
    back (so losses plus forgone return; a grant costs its whole notional); plus public
    guarantors' expected payments net of fees.

    Mobilisation ratio: private money at market terms per unit of public, philanthropic
    and concessional money, where a guarantee counts as its maximum payout.
    """
    public_sectors = {"public", "philanthropic"}
    horizon = terms.horizon_years
    cost = 0.0
    private_money = 0.0
    public_money = 0.0
    for row in tranches:
        public = row["sector"] in public_sectors
        concessional = row["market_coupon"] > row["coupon"]
        if public:
            cost += row["notional"] * (1.0 + row["market_coupon"] * horizon) - row["expected_cash"]
        if public or concessional:
            public_money += row["notional"]
        else:
            private_money += row["notional"]
    guarantor_payment = sum(g["expected_payment"] for g in guarantees)
    for g in guarantees:
        if g["sector"] in public_sectors:
            cost += g["expected_payment"] - g["fees"]
            public_money += g["max_payout"]
    covered = sum(float(terms.notional[c]) for c in terms.guarantee_covers)
    enhancement = sum(g["rate"] * g["cap"] * float(terms.notional[c])
                      for g, c in zip(guarantees, terms.guarantee_covers, strict=True))
    el = dist.mean()
    return {
        "engine": dist.method,
        "exposure": terms.exposure,
        "loans": int(pool.count.sum()),
        "horizon_years": horizon,
        "cumulative_pd": _safe_ratio(float(np.sum(pool.count * pool.exposure * pool.pd)),
                                     terms.exposure),
        "expected_loss": el,
        "expected_loss_pct": el / terms.exposure,
        "expected_loss_closed_form": pool.expected_loss,
        "expected_loss_se": dist.standard_error(),
        "loss_p50": dist.quantile(0.50),
        "loss_p90": dist.quantile(0.90),
        "loss_p99": dist.quantile(0.99),
        "loss_p999": dist.quantile(0.999),
        "es_99": dist.expected_shortfall(0.99),
        "guarantor_expected_loss": guarantor_payment,
        "guarantee_fees": sum(g["fees"] for g in guarantees),
        "public_expected_cost": cost,
        "private_money": private_money,
        "public_and_concessional_money": public_money,
        "mobilisation_ratio": _safe_ratio(private_money, public_money),
        "guarantee_multiplier": _safe_ratio(covered, enhancement),
        "subsidy": sum(r["subsidy"] for r in tranches),
    }

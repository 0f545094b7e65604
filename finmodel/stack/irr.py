"""Internal rates of return and discount factors on a grid of equal payment periods.

Rates are nominal annual rates compounded once a period (a bond's convention): a tranche
that is paid its coupon every period with no loss has an IRR equal to its coupon, at any
payment frequency.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Reported floor: an investment that returns nothing has IRR -100%.
IRR_FLOOR = -1.0


def discount_factors(rate: float, period_years: FloatArray) -> FloatArray:
    """Discount factor at the end of each period: prod over periods of 1 / (1 + rate x length)."""
    return np.asarray(np.cumprod(1.0 / (1.0 + rate * np.asarray(period_years))))


def irr(cash: FloatArray, invested: float, period_years: float, iterations: int = 60) -> FloatArray:
    """IRR of each row of ``cash`` (rows, periods) for ``invested`` paid at time 0.

    Solves sum_k cash_k (1 + x)^-k = invested for the per-period rate x. With
    u = log(1 + x), g(u) = log(sum_k cash_k e^(-u k)) - log(invested) is convex and
    decreasing, so Newton's method converges to the unique root from any start (after at
    most one step it approaches from the left, monotonically). Returns the nominal annual
    rate x / period_years, floored at -100%; NaN when nothing was invested.

    Args:
        cash: non-negative cash received at the end of each period, one row per path.
        invested: the amount paid in at time 0.
        period_years: length of one period in years.
        iterations: most Newton steps.
    """
    cash = np.atleast_2d(np.asarray(cash, dtype=float))
    rows, periods = cash.shape
    if invested <= 0.0:
        return np.full(rows, np.nan)
    k = np.arange(1, periods + 1, dtype=float)
    positive = cash > 0.0
    nothing = ~positive.any(axis=1)
    log_cash = np.where(positive, np.log(np.where(positive, cash, 1.0)), -np.inf)
    target = np.log(invested)
    u = np.zeros(rows)
    for _ in range(iterations):
        exponent = log_cash - u[:, None] * k[None, :]
        top = np.max(np.where(positive, exponent, -np.inf), axis=1)
        top = np.where(nothing, 0.0, top)
        weight = np.where(positive, np.exp(exponent - top[:, None]), 0.0)
        total = weight.sum(axis=1)
        total = np.where(nothing, 1.0, total)
        g = top + np.log(total) - target
        slope = np.minimum(-np.sum(weight * k[None, :], axis=1) / total, -1e-300)
        step = g / slope
        u = np.clip(u - step, -20.0, 20.0)
        if np.max(np.abs(np.where(nothing, 0.0, step))) < 1e-14:
            break
    annual = np.maximum(np.expm1(u) / period_years, IRR_FLOOR)
    return np.where(nothing, IRR_FLOOR, annual)

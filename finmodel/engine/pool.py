"""A vehicle's pool as arrays: one entry per segment of identical loans."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def cumulative_pd(annual_pd: FloatArray | float, horizon_years: FloatArray | float) -> FloatArray:
    """Probability of default over the horizon: 1 - (1 - annual_pd) ** horizon_years."""
    return np.asarray(1.0 - (1.0 - np.asarray(annual_pd, dtype=float)) ** horizon_years)


@dataclass(frozen=True)
class Pool:
    """Segment arrays of a pool, with the dependence parameters of its defaults.

    Attributes:
        count: loans per segment.
        exposure: amount of each loan (file unit).
        pd: probability of default of each loan over the horizon (cumulative).
        lgd: loss given default (share of exposure).
        rate: annual interest rate of each loan.
        issue_index: index into ``issues`` of each segment (for the two-level model).
        issues: issue names present in the pool.
        horizon_years: length of the single period.
        correlation: asset correlation (across issues in the two-level model).
        issue_correlation: asset correlation within an issue, or None (one factor).
        default_timing: share of the horizon a defaulted loan still pays interest for.
    """

    count: IntArray
    exposure: FloatArray
    pd: FloatArray
    lgd: FloatArray
    rate: FloatArray
    issue_index: IntArray
    issues: tuple[str, ...]
    horizon_years: float
    correlation: float
    issue_correlation: float | None = None
    default_timing: float = 0.5

    @property
    def loss_per_default(self) -> FloatArray:
        """Loss of one defaulted loan in each segment (exposure x LGD)."""
        return self.exposure * self.lgd

    @property
    def total_exposure(self) -> float:
        return float(np.sum(self.count * self.exposure))

    @property
    def expected_loss(self) -> float:
        """Closed-form expected pool loss: sum of count x exposure x PD x LGD."""
        return float(np.sum(self.count * self.loss_per_default * self.pd))

    @property
    def full_interest(self) -> float:
        """Interest the pool pays over the horizon if no loan defaults (simple interest)."""
        return float(np.sum(self.count * self.exposure * self.rate) * self.horizon_years)

    @property
    def interest_lost_per_unit_loss(self) -> float:
        """Expected interest lost per unit of expected principal loss (the loss-linked rule).

        A defaulted loan stops paying interest after ``default_timing`` of the horizon.
        Every engine links the interest shortfall to the pool loss with this ratio, so the
        interest shortfall is exact in expectation and for pools whose segments share one
        ratio of rate to LGD, and every engine stays one-dimensional in the pool loss.
        """
        el = self.expected_loss
        if el <= 0.0:
            return 0.0
        lost = np.sum(self.count * self.exposure * self.rate * self.pd)
        return float(lost * self.horizon_years * (1.0 - self.default_timing) / el)

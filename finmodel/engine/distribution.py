"""A pool loss distribution: loss amounts and their probabilities.

Every engine returns this one shape. The exact and LHP engines give a distribution on
points with probabilities; Monte Carlo gives equally likely samples (``sampled``), which
lets the statistics below also report standard errors.

Expectations are plain products summed by numpy, never BLAS (``@``): a multi-threaded
BLAS adds in an order that depends on its thread count, and a batch must give the same
bits in every worker process (the engines follow the same rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LossDistribution:
    """Pool loss amounts (file unit) and their probabilities (summing to 1)."""

    loss: FloatArray
    prob: FloatArray
    exposure: float
    method: str
    sampled: bool = False

    def __post_init__(self) -> None:
        if self.loss.shape != self.prob.shape:
            raise ValueError("loss and prob must have the same shape")

    def mean(self, values: FloatArray | None = None) -> float:
        """Expectation of ``values`` (one per point; default the pool loss)."""
        v = self.loss if values is None else values
        return float(np.sum(self.prob * v))

    def standard_error(self, values: FloatArray | None = None) -> float:
        """Monte Carlo standard error of the mean of ``values``; NaN for non-sampled."""
        if not self.sampled:
            return float("nan")
        v = self.loss if values is None else values
        n = v.shape[0]
        return float(np.std(v, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")

    def quantile(self, q: float, values: FloatArray | None = None) -> float:
        """Smallest x with P(values <= x) >= q (value at risk at level q)."""
        v = self.loss if values is None else values
        order = np.argsort(v, kind="stable")
        cdf = np.cumsum(self.prob[order])
        index = int(np.searchsorted(cdf, q - 1e-12, side="left"))
        return float(v[order][min(index, len(v) - 1)])

    def expected_shortfall(self, q: float, values: FloatArray | None = None) -> float:
        """Mean of the worst (1 - q) share of outcomes, splitting the atom at the quantile."""
        v = self.loss if values is None else values
        var = self.quantile(q, v)
        above = v > var
        tail_mass = float(self.prob[above].sum())
        at_var = (1.0 - q) - tail_mass
        tail = float(np.sum(self.prob[above] * v[above]))
        return float((tail + max(at_var, 0.0) * var) / (1.0 - q))

    def probability(self, event: NDArray[np.bool_]) -> float:
        return float(self.prob[event].sum())

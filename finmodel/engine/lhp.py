"""Vasicek large-homogeneous-pool (LHP) closed form, for quick what-ifs.

In the limit of infinitely many small loans the pool loss is a deterministic, decreasing
function of the factor: L(z) = sum_s exposure_s x LGD_s x Phi((Phi^-1(pd_s) - sqrt(rho) z)
/ sqrt(1 - rho)). Its q-quantile is therefore L(Phi^-1(1 - q)) exactly; for one segment
this is Vasicek's formula. We represent the distribution by its quantiles at the
midpoints of ``points`` equal probability slices.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from finmodel.engine.distribution import FloatArray, LossDistribution
from finmodel.engine.pool import Pool


def lhp_loss_quantile(pool: Pool, q: FloatArray) -> FloatArray:
    """Pool loss at probability levels ``q`` in the large-pool limit."""
    z = special.ndtri(1.0 - np.asarray(q, dtype=float))
    threshold = special.ndtri(pool.pd)
    rho = pool.correlation
    p = special.ndtr((threshold[None, :] - np.sqrt(rho) * z[:, None]) / np.sqrt(1.0 - rho))
    return np.asarray((p * (pool.count * pool.loss_per_default)[None, :]).sum(axis=1))


def lhp_loss_distribution(pool: Pool, points: int = 20_000) -> LossDistribution:
    """Equal-probability quantile points of the LHP loss distribution."""
    q = (np.arange(points) + 0.5) / points
    loss = lhp_loss_quantile(pool, q)
    return LossDistribution(loss, np.full(points, 1.0 / points), pool.total_exposure, "lhp")

"""Monte Carlo loss distribution, seeded, with one-factor or two-level factor dependence.

Conditional on the factors, the defaults in a segment of n identical loans are a
Binomial(n, p) count, so a path draws one binomial per segment rather than one normal
per loan: the cost per path grows with the number of segments, not of loans.

Two-level model: a loan's asset value is
    X = sqrt(rho_g) G + sqrt(rho_i - rho_g) F_issue + sqrt(1 - rho_i) eps,
so two loans share correlation rho_i (``issue_correlation``) within an issue and rho_g
(``correlation``) across issues.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import special

from finmodel.engine.distribution import LossDistribution
from finmodel.engine.pool import FloatArray, Pool

#: Paths simulated at once; bounds the working memory at about chunk x segments x 8
#: bytes x 3, whatever the number of paths (each chunk is reduced to its losses).
CHUNK_PATHS = 65_536


def _conditional_pd(pool: Pool, rng: np.random.Generator, paths: int) -> FloatArray:
    threshold = special.ndtri(pool.pd)
    rho = pool.correlation
    global_factor = rng.standard_normal(paths)
    if pool.issue_correlation is None:
        shift = np.sqrt(rho) * global_factor[:, None]
        scale = np.sqrt(1.0 - rho)
    else:
        rho_i = pool.issue_correlation
        issue_factor = rng.standard_normal((paths, len(pool.issues)))
        shift = (np.sqrt(rho) * global_factor[:, None]
                 + np.sqrt(rho_i - rho) * issue_factor[:, pool.issue_index])
        scale = np.sqrt(1.0 - rho_i)
    return np.asarray(special.ndtr((threshold[None, :] - shift) / scale))


def default_chunks(pool: Pool, rng: np.random.Generator,
                   paths: int) -> Iterator[np.ndarray]:
    """Default counts per path (rows) and segment (columns), :data:`CHUNK_PATHS` paths at
    a time: a stream, so no more than one chunk is ever held."""
    for start in range(0, paths, CHUNK_PATHS):
        n = min(CHUNK_PATHS, paths - start)
        p = _conditional_pd(pool, rng, n)
        yield rng.binomial(pool.count[None, :], p)


def simulate_defaults(pool: Pool, rng: np.random.Generator, paths: int) -> np.ndarray:
    """Default counts per path (rows) and segment (columns), all paths at once."""
    return np.concatenate(list(default_chunks(pool, rng, paths)), axis=0)


def monte_carlo_loss_distribution(
    pool: Pool, rng: np.random.Generator, paths: int
) -> LossDistribution:
    """Equally likely simulated pool losses (``sampled``, so standard errors are reported).

    Args:
        pool: the pool; two-level when ``issue_correlation`` is set.
        rng: the run's generator (seeded from the scenario).
        paths: number of paths.
    """
    # Each chunk of default counts is reduced to its paths' losses as it is drawn: memory
    # O(paths), not O(paths x segments). Plain products and numpy sums, not BLAS: the same
    # bits in any process (BLAS threads change the order of additions).
    loss = np.empty(paths)
    start = 0
    for defaults in default_chunks(pool, rng, paths):
        stop = start + defaults.shape[0]
        loss[start:stop] = (defaults * pool.loss_per_default[None, :]).sum(axis=1)
        start = stop
    prob = np.full(paths, 1.0 / paths)
    return LossDistribution(loss, prob, pool.total_exposure, "monte_carlo", sampled=True)

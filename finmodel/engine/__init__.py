"""Loss models of a vehicle's pool: exact, Monte Carlo and large homogeneous pool."""

from __future__ import annotations

import numpy as np

from finmodel.engine.distribution import LossDistribution
from finmodel.engine.exact import exact_loss_distribution
from finmodel.engine.lhp import lhp_loss_distribution
from finmodel.engine.monte_carlo import monte_carlo_loss_distribution
from finmodel.engine.pool import Pool
from finmodel.engine.spec import PoolSpec
from finmodel.vocabulary import Engine


def loss_distribution(spec: PoolSpec, rng: np.random.Generator,
                      engine: Engine | None = None) -> LossDistribution:
    """The pool loss distribution with the vehicle's configured (or the given) engine."""
    chosen = engine or spec.engine
    if chosen is Engine.exact:
        return exact_loss_distribution(spec.pool, spec.quadrature_nodes, spec.lattice_points)
    if chosen is Engine.monte_carlo:
        return monte_carlo_loss_distribution(spec.pool, rng, spec.paths)
    return lhp_loss_distribution(spec.pool)


__all__ = ["LossDistribution", "Pool", "PoolSpec", "loss_distribution"]

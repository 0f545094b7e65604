"""Loss models of a vehicle's pool: exact, Monte Carlo and large homogeneous pool."""

from __future__ import annotations

import numpy as np

from finmodel.engine.distribution import LossDistribution
from finmodel.engine.exact import exact_loss_distribution
from finmodel.engine.lhp import lhp_loss_distribution
from finmodel.engine.monte_carlo import monte_carlo_loss_distribution
from finmodel.engine.pool import Pool
from finmodel.scenario.model import Vehicle
from finmodel.vocabulary import Engine


def loss_distribution(
    vehicle: Vehicle, rng: np.random.Generator, pd_multiplier: float = 1.0,
    engine: Engine | None = None,
) -> LossDistribution:
    """The pool loss distribution of ``vehicle`` with its configured (or given) engine."""
    pool = Pool.from_vehicle(vehicle, pd_multiplier)
    chosen = engine or vehicle.engine
    if chosen is Engine.exact:
        return exact_loss_distribution(pool, vehicle.quadrature_nodes, vehicle.lattice_points)
    if chosen is Engine.monte_carlo:
        return monte_carlo_loss_distribution(pool, rng, vehicle.paths)
    return lhp_loss_distribution(pool)


__all__ = ["LossDistribution", "Pool", "loss_distribution"]

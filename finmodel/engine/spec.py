"""What the engines read of a vehicle's pool: plain numbers and arrays, no scenario models.

A :class:`PoolSpec` is built once per vehicle when a scenario is compiled
(:func:`finmodel.compiled.compile_scenario`); every engine takes it (or its
:class:`~finmodel.engine.pool.Pool`), so an engine never reads the file's models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from finmodel.engine.pool import FloatArray, Pool
from finmodel.vocabulary import Amortisation, Engine


@dataclass(frozen=True)
class PoolSpec:
    """A vehicle's pool and the settings of its engines.

    Attributes:
        vehicle_id: the vehicle's id (with ``seed``, it fixes every draw).
        seed: the scenario's seed.
        pool: the segment arrays and dependence parameters.
        annual_pd: each segment's annual PD (the cash-flow engine's hazard curve).
        amortisation: each segment's amortisation profile.
        periods: payment periods to the horizon.
        payment_frequency: payments per year.
        recovery_lag_years: years from a default to its recovery.
        engine: the one-period engine (exact, Monte Carlo or LHP).
        paths: Monte Carlo paths (both the cash-flow engine and the one-period one).
        quadrature_nodes: the exact engine's nodes over the factor.
        lattice_points: the exact engine's most lattice points.
    """

    vehicle_id: str
    seed: int
    pool: Pool
    annual_pd: FloatArray
    amortisation: tuple[Amortisation, ...]
    periods: int
    payment_frequency: int
    recovery_lag_years: float
    engine: Engine
    paths: int
    quadrature_nodes: int
    lattice_points: int

    @property
    def recovery_lag_periods(self) -> int:
        """Whole periods from a default to its recovery (the lag rounded up)."""
        return math.ceil(self.recovery_lag_years * self.payment_frequency - 1e-9)

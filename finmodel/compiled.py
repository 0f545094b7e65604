"""A scenario compiled once: everything the engines, the stack, the bundle and the
portfolios derive from the file, built a single time and never changed.

:func:`compile_scenario` turns a validated :class:`~finmodel.scenario.model.Scenario` into
a :class:`Compiled`: each vehicle's pool arrays and engine settings
(:class:`~finmodel.engine.spec.PoolSpec`) and its stack's terms
(:class:`~finmodel.stack.waterfall.StackTerms`), the bundle's lending plan
(:class:`~finmodel.bundle.plan.BundlePlan`) and the portfolios' indicator catalogue and
logic-model weights (:class:`~finmodel.impact.logic.ImpactBasis`). Engines take these,
not the file's models. ``Compiled.key`` hashes the whole scenario, so two equal
scenarios compile to equal keys (a cache key for results).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np

from finmodel.bundle.plan import BundlePlan, bundle_plan
from finmodel.engine.pool import Pool, cumulative_pd
from finmodel.engine.spec import PoolSpec
from finmodel.impact.logic import ImpactBasis, impact_basis
from finmodel.scenario.model import Scenario, Vehicle
from finmodel.stack.waterfall import StackTerms, stack_terms
from finmodel.vocabulary import FactorModel

#: Vehicle fields the pool simulation never reads: a change to them keeps the pool.
STACK_ONLY = frozenset({"name", "tranches", "guarantees", "waterfall", "management_fee",
                        "discount_rate"})


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of a scenario's resolved content (defaults included): equal scenarios, equal
    hashes. The key of compiled scenarios and of the app's cached results."""
    return _digest(scenario.model_dump(mode="json", by_alias=True))


def pool_of(vehicle: Vehicle) -> Pool:
    """The arrays of a vehicle's pool (cumulative PDs over its horizon)."""
    segments = vehicle.pool
    issues = tuple(dict.fromkeys(s.issue.value for s in segments))
    two_level = vehicle.factor_model is FactorModel.two_level
    return Pool(
        count=np.array([s.count for s in segments], dtype=np.int64),
        exposure=np.array([s.exposure for s in segments], dtype=float),
        pd=np.minimum(cumulative_pd(np.array([s.annual_pd for s in segments]),
                                    vehicle.horizon_years), 1.0),
        lgd=np.array([s.lgd for s in segments], dtype=float),
        rate=np.array([s.rate for s in segments], dtype=float),
        issue_index=np.array([issues.index(s.issue.value) for s in segments], dtype=np.int64),
        issues=issues,
        horizon_years=vehicle.horizon_years,
        correlation=vehicle.correlation,
        issue_correlation=vehicle.issue_correlation if two_level else None,
        default_timing=vehicle.default_timing,
    )


def pool_spec(seed: int, vehicle: Vehicle) -> PoolSpec:
    """What the engines read of a vehicle (its pool, settings, and the seed)."""
    return PoolSpec(
        vehicle_id=vehicle.id, seed=seed, pool=pool_of(vehicle),
        annual_pd=np.array([s.annual_pd for s in vehicle.pool], dtype=float),
        amortisation=tuple(s.amortisation for s in vehicle.pool),
        periods=vehicle.periods, payment_frequency=vehicle.payment_frequency,
        recovery_lag_years=vehicle.recovery_lag_years, engine=vehicle.engine,
        paths=vehicle.paths, quadrature_nodes=vehicle.quadrature_nodes,
        lattice_points=vehicle.lattice_points)


def pool_key(seed: int, vehicle: Vehicle) -> str:
    """What a vehicle's simulated pool depends on (the seed and every vehicle field but
    the stack's), hashed: equal keys, equal pools."""
    return _digest({"seed": seed,
                    "vehicle": vehicle.model_dump(mode="json", exclude=set(STACK_ONLY))})


@dataclass(frozen=True)
class CompiledVehicle:
    """One vehicle, compiled: its file terms, pool, engine settings and stack terms."""

    vehicle: Vehicle
    spec: PoolSpec
    pool_key: str
    terms: StackTerms

    @property
    def id(self) -> str:
        return self.vehicle.id

    @property
    def pool(self) -> Pool:
        return self.spec.pool


@dataclass(frozen=True)
class Compiled:
    """A scenario and everything derived from it, built once (see module docstring).

    Attributes:
        key: sha256 of the scenario's data: equal scenarios, equal keys.
        scenario: the validated scenario (its configuration, immutable).
        vehicles: each vehicle compiled, in file order.
        bundle: the bundle's lending plan, or None without a bundle.
        impact: the indicator catalogue and logic weights, or None without a portfolio.
    """

    key: str
    scenario: Scenario
    vehicles: tuple[CompiledVehicle, ...]
    bundle: BundlePlan | None
    impact: ImpactBasis | None

    def vehicle(self, vehicle_id: str) -> CompiledVehicle:
        """The compiled vehicle ``vehicle_id``.

        Raises:
            ValueError: no such vehicle (the known ones are listed).
        """
        for compiled in self.vehicles:
            if compiled.id == vehicle_id:
                return compiled
        known = ", ".join(v.id for v in self.vehicles)
        raise ValueError(f"no vehicle {vehicle_id!r} in the scenario (vehicles: {known})")


def compile_vehicle(scenario: Scenario, vehicle: Vehicle) -> CompiledVehicle:
    """One vehicle of ``scenario`` compiled."""
    spec = pool_spec(scenario.seed, vehicle)
    return CompiledVehicle(vehicle, spec, pool_key(scenario.seed, vehicle),
                           stack_terms(scenario, vehicle, pool=spec.pool))


def compile_scenario(scenario: Scenario) -> Compiled:
    """Compile a validated scenario (pure: the scenario is not changed)."""
    return Compiled(
        key=scenario_hash(scenario),
        scenario=scenario,
        vehicles=tuple(compile_vehicle(scenario, v) for v in scenario.vehicles),
        bundle=bundle_plan(scenario) if scenario.has_bundle else None,
        impact=impact_basis(scenario) if scenario.portfolio is not None else None,
    )


__all__ = ["Compiled", "CompiledVehicle", "STACK_ONLY", "compile_scenario", "compile_vehicle",
           "pool_key", "pool_of", "pool_spec", "scenario_hash"]

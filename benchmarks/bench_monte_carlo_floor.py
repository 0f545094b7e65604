"""Monte Carlo engine vs the bare cost of drawing its random numbers with numpy.

The engine draws, per path, one normal for the factor (plus one per issue in the
two-level model) and one binomial default count per segment. The floor is numpy drawing
exactly those numbers (the binomials with the engine's own conditional probabilities,
computed outside the timing),
with nothing computed around them. Also shown: the whole vehicle run (engine, waterfall
and every tranche figure) and, for context, the floor of the textbook per-loan
simulation (one normal per loan per path).

Run: ``python -m benchmarks.bench_monte_carlo_floor``
"""

from __future__ import annotations

import numpy as np

from benchmarks._common import BENCH_GUARANTEES, BENCH_TRANCHES, best_time
from finmodel.engine.monte_carlo import _conditional_pd, monte_carlo_loss_distribution
from finmodel.engine.pool import Pool
from finmodel.run import run
from finmodel.scenario.model import Scenario

PATHS = 200_000
SEGMENTS, PER_SEGMENT = 25, 40


def make_pool(two_level: bool) -> Pool:
    rng = np.random.default_rng(1)
    issues = ("environment", "health", "people_and_work", "education")
    return Pool(
        count=np.full(SEGMENTS, PER_SEGMENT, dtype=np.int64),
        exposure=rng.uniform(5, 50, SEGMENTS), pd=rng.uniform(0.02, 0.25, SEGMENTS),
        lgd=rng.uniform(0.4, 0.9, SEGMENTS), rate=rng.uniform(0.01, 0.04, SEGMENTS),
        issue_index=rng.integers(0, len(issues), SEGMENTS), issues=issues,
        horizon_years=5.0, correlation=0.15, issue_correlation=0.3 if two_level else None)


def floor(pool: Pool, paths: int, p: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    rng.standard_normal(paths)
    if pool.issue_correlation is not None:
        rng.standard_normal((paths, len(pool.issues)))
    rng.binomial(pool.count[None, :], p)


def scenario(two_level: bool) -> Scenario:
    pool = make_pool(two_level)
    segments = [{"segment": f"s{i}", "count": int(pool.count[i]),
                 "exposure": float(pool.exposure[i]), "annual_pd": 0.03, "lgd": float(pool.lgd[i]),
                 "rate": float(pool.rate[i]), "issue": pool.issues[pool.issue_index[i]]}
                for i in range(SEGMENTS)]
    vehicle = {"id": "v", "horizon_years": 5, "correlation": 0.15, "engine": "monte_carlo",
               "paths": PATHS, "pool": segments,
               "tranches": BENCH_TRANCHES, "guarantees": BENCH_GUARANTEES}
    if two_level:
        vehicle.update(factor_model="two_level", issue_correlation=0.3)
    return Scenario.model_validate({
        "name": "bench", "seed": 1,
        "providers": [{"id": "pub", "type": "municipality"}, {"id": "bank", "type": "regional_bank"}],
        "vehicles": [vehicle]})


def main() -> None:
    print(f"{PATHS:,} paths, {SEGMENTS * PER_SEGMENT:,} loans in {SEGMENTS} segments")
    for two_level in (False, True):
        pool = make_pool(two_level)
        label = "two-level" if two_level else "one-factor"
        # The same conditional default probabilities the engine draws with, made untimed.
        p = _conditional_pd(pool, np.random.default_rng(0), PATHS)
        bare = best_time(lambda pool=pool, p=p: floor(pool, PATHS, p))
        engine = best_time(lambda pool=pool: monte_carlo_loss_distribution(
            pool, np.random.default_rng(0), PATHS))
        whole = best_time(lambda two_level=two_level: run(scenario(two_level)), repeat=3)
        print(f"\n{label}:")
        print(f"  floor (numpy draws only):        {bare * 1e3:8.1f} ms")
        print(f"  engine (loss distribution):      {engine * 1e3:8.1f} ms  "
              f"ratio {engine / bare:.2f}x (goal: <= 2x)")
        print(f"  whole vehicle run (+ waterfall): {whole * 1e3:8.1f} ms  "
              f"ratio {whole / bare:.2f}x")
    loans = SEGMENTS * PER_SEGMENT
    per_loan_paths = 20_000
    rng = np.random.default_rng(0)
    per_loan = best_time(lambda: rng.standard_normal((per_loan_paths, loans)), repeat=3)
    print(f"\ncontext: per-loan normals alone ({loans:,} per path) would take "
          f"{per_loan * PATHS / per_loan_paths * 1e3:,.0f} ms for {PATHS:,} paths")


if __name__ == "__main__":
    main()

"""Period (cash-flow) engine vs the bare cost of drawing its random numbers with numpy.

The engine (:func:`finmodel.engine.periods.simulate_pool_cashflows`) simulates paths in
blocks of ``BLOCK_PATHS``, each from its own generator; per block it draws one standard
normal per path for the factor, then, for each segment and each period, one binomial
default count per path. The floor is numpy drawing exactly that many numbers with the
same generator type, seeds and block structure: per block ``standard_normal(n)``, then
per segment and period ``binomial(counts, p)`` on arrays of the engine's shapes, with
nothing computed around them.

The floor's probabilities are fixed (made outside the timing) but differ from path to
path, as the engine's conditional hazards do: each segment's one-period default
probability given a fixed sample of factor values. This matters: numpy's binomial keeps
its set-up (a log, an exp, a sqrt) while consecutive (n, p) are equal, so a floor with
one constant p per segment is about half as costly as any draw with path-dependent p can
be. That floor is shown for information.

Measured in the same run:

* 1,000 loans (25 segments x 40 loans, annual PDs 1-8%) x 10 years (annual payments) x
  100,000 paths: engine vs floor (best of 3, measured alternately; goal <= 3x), the
  full vehicle evaluation (pool cash flows, one-period loss distribution, waterfall and
  every figure) and the waterfall alone;
* peak memory of the engine and of the full evaluation, each in a fresh subprocess:
  its peak resident set minus that of a subprocess that only imports finmodel and builds
  the scenario, and the peak of memory traced by tracemalloc during the call (numpy
  reports its arrays to tracemalloc); goal < 1 GB;
* for information, a loan tape: 1,000 distinct loans (1,000 segments of 1 loan) x 10
  years x 20,000 paths, engine vs floor.

Run: ``python -m benchmarks.bench_cashflow_engine``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

from benchmarks._common import BENCH_GUARANTEES, BENCH_TRANCHES, best_time
from finmodel.compiled import compile_vehicle, pool_spec
from finmodel.engine.periods import BLOCK_PATHS, _block_rng, simulate_pool_cashflows
from finmodel.scenario.model import Scenario, Vehicle
from finmodel.stack.vehicle import PoolModel, evaluate
from finmodel.stack.waterfall import StackTerms

PATHS = 100_000
SEGMENTS, PER_SEGMENT = 25, 40
TAPE_LOANS, TAPE_PATHS = 1_000, 20_000
YEARS = 10
SEED = 1
RATIO_GOAL = 3.0
MEMORY_GOAL = 1e9  # bytes (1 GB)
ROOT = Path(__file__).resolve().parent.parent


def scenario(segments: int, per_segment: int, paths: int) -> Scenario:
    """``segments`` segments of ``per_segment`` loans each, annual payments, 3-tranche stack."""
    rng = np.random.default_rng(1)
    amortisations = ("bullet", "linear", "annuity")
    pool = [{"segment": f"s{i}", "count": per_segment, "exposure": float(rng.uniform(5, 50)),
             "annual_pd": float(rng.uniform(0.01, 0.08)), "lgd": float(rng.uniform(0.4, 0.9)),
             "rate": float(rng.uniform(0.01, 0.04)),
             "amortisation": amortisations[i % len(amortisations)]}
            for i in range(segments)]
    vehicle = {"id": "v", "horizon_years": YEARS, "payment_frequency": 1, "correlation": 0.15,
               "recovery_lag_years": 1, "paths": paths, "pool": pool,
               "tranches": BENCH_TRANCHES, "guarantees": BENCH_GUARANTEES}
    return Scenario.model_validate({
        "name": "bench", "seed": SEED,
        "providers": [{"id": "pub", "type": "municipality"}, {"id": "bank", "type": "regional_bank"}],
        "vehicles": [vehicle]})


def _built(data: Scenario, vehicle: Vehicle) -> tuple[PoolModel, StackTerms]:
    """The vehicle compiled and its pool simulated, with its stack's terms."""
    compiled = compile_vehicle(data, vehicle)
    return PoolModel.build(compiled.spec), compiled.terms


def floor_arrays(vehicle: Vehicle, constant: bool = False) -> tuple[list[np.ndarray], np.ndarray]:
    """Per segment: the counts (int64) and default probabilities (float) of one block.

    The probabilities are each segment's one-period default probability given a fixed
    sample of factor values (so they differ from path to path), or with ``constant`` the
    annual PD on every path.
    """
    annual_pd = np.array([s.annual_pd for s in vehicle.pool])
    if constant:
        p = np.repeat(annual_pd[:, None], BLOCK_PATHS, axis=1)
    else:
        rho = vehicle.correlation
        factor = np.random.default_rng(2).standard_normal(BLOCK_PATHS)
        p = special.ndtr((special.ndtri(annual_pd)[:, None] - np.sqrt(rho) * factor[None, :])
                         / np.sqrt(1.0 - rho))
    by_count: dict[int, np.ndarray] = {}
    counts = [by_count.setdefault(s.count, np.full(BLOCK_PATHS, s.count, dtype=np.int64))
              for s in vehicle.pool]
    return counts, p


def floor(vehicle: Vehicle, paths: int, counts: list[np.ndarray], p: np.ndarray) -> None:
    """The engine's draws and nothing else: same generators, blocks, calls and shapes."""
    for block, start in enumerate(range(0, paths, BLOCK_PATHS)):
        n = min(BLOCK_PATHS, paths - start)
        rng = _block_rng(SEED, vehicle.id, block)
        rng.standard_normal(n)
        for s in range(len(vehicle.pool)):
            count, prob = counts[s][:n], p[s, :n]
            for _ in range(vehicle.periods):
                rng.binomial(count, prob)


def best_pair(first: Callable[[], Any], second: Callable[[], Any], repeat: int = 3,
              warm_up: bool = True) -> tuple[float, float]:
    """Best wall times of two calls, measured alternately so both see the same machine load."""
    if warm_up:
        first()
        second()
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for i, fn in enumerate((first, second)):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best[0], best[1]


def child(mode: str) -> None:
    """Run one measured call in this (fresh) process and print its memory figures as JSON."""
    data = scenario(SEGMENTS, PER_SEGMENT, PATHS)
    vehicle = data.vehicles[0]
    tracemalloc.start()
    if mode == "simulate":
        simulate_pool_cashflows(pool_spec(data.seed, vehicle))
    elif mode == "evaluate":
        evaluate(*_built(data, vehicle))
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"rss": peak_resident(), "traced": traced}))


def peak_resident() -> int:
    """This process's peak resident set, in bytes.

    On Linux, ``VmHWM`` of the process's own address space: ``ru_maxrss`` would not do, as
    it keeps the peak of the process that spawned it (the benchmark, hundreds of MB by then).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss) * (1 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB elsewhere


def measure(mode: str) -> dict[str, int]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_cashflow_engine", "--child", mode],
                          cwd=ROOT, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    data = scenario(SEGMENTS, PER_SEGMENT, PATHS)
    vehicle = data.vehicles[0]
    print(f"{PATHS:,} paths, {SEGMENTS * PER_SEGMENT:,} loans in {SEGMENTS} segments of "
          f"{PER_SEGMENT}, {YEARS} years x {vehicle.payment_frequency} payment a year = "
          f"{vehicle.periods} periods; blocks of {BLOCK_PATHS:,} paths")
    print(f"draws per run: {PATHS:,} normals + {PATHS * SEGMENTS * vehicle.periods:,} binomials")

    counts, p = floor_arrays(vehicle)
    bare, engine = best_pair(lambda: floor(vehicle, PATHS, counts, p),
                             lambda: simulate_pool_cashflows(pool_spec(data.seed, vehicle)))
    const_counts, const_p = floor_arrays(vehicle, constant=True)
    bare_const = best_time(lambda: floor(vehicle, PATHS, const_counts, const_p), repeat=3)
    model, terms = _built(data, vehicle)
    waterfall, whole = best_pair(lambda: model.run(terms),
                                 lambda: evaluate(*_built(data, vehicle)))
    ratio = engine / bare
    print("\nspeed (best of 3):")
    print(f"  floor (numpy draws only):              {bare * 1e3:8.1f} ms")
    print(f"  engine (simulate_pool_cashflows):      {engine * 1e3:8.1f} ms  "
          f"ratio {ratio:.2f}x (goal: <= {RATIO_GOAL:g}x: {verdict(ratio <= RATIO_GOAL)})")
    print(f"  waterfall alone (PoolModel.run):       {waterfall * 1e3:8.1f} ms")
    print(f"  full evaluation (build + evaluate):    {whole * 1e3:8.1f} ms  "
          f"ratio {whole / bare:.2f}x")
    print(f"  info: floor with one constant p per segment {bare_const * 1e3:.1f} ms "
          f"(engine / it = {engine / bare_const:.2f}x); numpy skips the binomial's set-up "
          "while (n, p) repeat")

    base, simulated, evaluated = measure("baseline"), measure("simulate"), measure("evaluate")
    print("\npeak memory (fresh subprocess each; resident peak minus a subprocess that only "
          "imports finmodel and builds the scenario, and the tracemalloc peak of the call):")
    print(f"  baseline (import + scenario):          {base['rss'] / 1e6:8.1f} MB resident")
    for label, got in (("engine (simulate_pool_cashflows):", simulated),
                       ("full evaluation (build + evaluate):", evaluated)):
        extra = got["rss"] - base["rss"]
        print(f"  {label:38s} {extra / 1e6:8.1f} MB resident, {got['traced'] / 1e6:8.1f} MB traced  "
              f"(goal: < 1 GB: {verdict(max(extra, got['traced']) < MEMORY_GOAL)})")

    tape = scenario(TAPE_LOANS, 1, TAPE_PATHS).vehicles[0]
    tape_counts, tape_p = floor_arrays(tape)
    tape_bare, tape_engine = best_pair(lambda: floor(tape, TAPE_PATHS, tape_counts, tape_p),
                                       lambda: simulate_pool_cashflows(pool_spec(SEED, tape)), warm_up=False)
    print(f"\ninfo: loan tape, {TAPE_LOANS:,} distinct loans (segments of 1) x {YEARS} years x "
          f"{TAPE_PATHS:,} paths ({TAPE_PATHS * TAPE_LOANS * tape.periods:,} binomials), best of 3:")
    print(f"  floor (numpy draws only):              {tape_bare * 1e3:8.1f} ms")
    print(f"  engine (simulate_pool_cashflows):      {tape_engine * 1e3:8.1f} ms  "
          f"ratio {tape_engine / tape_bare:.2f}x")
    rng = np.random.default_rng(0)
    per_loan = best_time(lambda: rng.standard_normal((BLOCK_PATHS, TAPE_LOANS)), repeat=3)
    print(f"  context: one normal per loan per path (a default time by threshold) would draw "
          f"{per_loan * TAPE_PATHS / BLOCK_PATHS * 1e3:,.0f} ms of numbers")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=("baseline", "simulate", "evaluate"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
    else:
        main()

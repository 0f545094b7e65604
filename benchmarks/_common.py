"""Helpers shared by the benchmark scripts (timing, printing)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_time(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Best wall time of ``repeat`` calls, in seconds (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


#: The stack both stack benchmarks fund their pools with: first loss, mezzanine, senior
#: with a guarantee on the senior.
BENCH_TRANCHES = [
    {"name": "fl", "provider": "pub", "kind": "first_loss", "size": 0.1},
    {"name": "mz", "provider": "bank", "kind": "mezzanine", "size": 0.15, "coupon": 0.03},
    {"name": "sr", "provider": "bank", "kind": "senior", "size": 0.75, "coupon": 0.015,
     "hurdle_return": 0.01},
]
BENCH_GUARANTEES = [{"provider": "pub", "covers": "sr", "rate": 0.8, "cap": 0.1}]

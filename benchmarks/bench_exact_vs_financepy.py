"""Exact engine vs FinancePy's ``loss_dbn_recursion_gcd`` on a 1,000-loan pool.

Both build the full loss distribution of the same heterogeneous pool under the one-factor
Gaussian copula, on the same integer loss lattice (so neither rounds losses). They differ
in how they integrate over the factor (finmodel: trapezoid on [-7, 7]; FinancePy:
rectangle rule on [-6, 6]) and in how they build each conditional distribution. "Equal accuracy": against a reference (finmodel with 512
nodes, cross-checked by FinancePy with 4,000 steps) we give FinancePy the fewest steps at
which its worst error over the tranche expected losses and the CDF is no larger than
finmodel's at its default of 96 nodes, and time both.

Two pools of 1,000 loans: 25 segments of 40 identical loans (how scenario files describe
pools), and 1,000 distinct loans (segments of one loan, the worst case for finmodel).

Run: ``pip install -e '.[bench]' && python -m benchmarks.bench_exact_vs_financepy``
"""

from __future__ import annotations

import sys

import numpy as np

from benchmarks._common import best_time
from finmodel.engine.exact import exact_loss_distribution
from finmodel.engine.pool import Pool

try:
    from financepy.models.gauss_copula_onefactor import loss_dbn_recursion_gcd
except ImportError:  # pragma: no cover
    sys.exit("this benchmark needs FinancePy: pip install -e '.[bench]'")

RHO = 0.2
NODES = 96  # finmodel's default
TRANCHES = [(0.0, 0.03), (0.03, 0.07), (0.07, 0.15), (0.15, 0.3), (0.3, 1.0)]


def make_pool(segments: int, per_segment: int, seed: int = 1) -> Pool:
    rng = np.random.default_rng(seed)
    units = rng.integers(1, 9, segments).astype(float)  # loss per default, in lattice units
    lgd = rng.uniform(0.4, 0.9, segments)
    annual = rng.uniform(0.005, 0.06, segments)
    return Pool(
        count=np.full(segments, per_segment, dtype=np.int64), exposure=units / lgd,
        pd=1 - (1 - annual) ** 5, lgd=lgd, rate=np.zeros(segments),
        issue_index=np.zeros(segments, dtype=np.int64), issues=("other",),
        horizon_years=5.0, correlation=RHO)


def financepy_distribution(pool: Pool, steps: int) -> np.ndarray:
    pd = np.repeat(pool.pd, pool.count)
    units = np.repeat(np.rint(pool.loss_per_default), pool.count)
    beta = np.full(pd.shape[0], np.sqrt(RHO))
    return np.asarray(loss_dbn_recursion_gcd(int(pd.shape[0]), pd, units, beta, steps))


def ours(pool: Pool, nodes: int) -> np.ndarray:
    size = int(np.sum(pool.count * np.rint(pool.loss_per_default))) + 1
    return exact_loss_distribution(pool, nodes=nodes, max_points=size).prob


def error(prob: np.ndarray, reference: np.ndarray) -> float:
    """Worst relative error over tranche expected losses, and absolute error of the CDF."""
    n = min(prob.shape[0], reference.shape[0])
    p, r = prob[:n] / prob[:n].sum(), reference[:n]
    loss = np.arange(n) / (n - 1)
    worst = float(np.max(np.abs(np.cumsum(p) - np.cumsum(r))))
    for a, d in TRANCHES:
        tranche = np.clip(loss - a, 0.0, d - a)
        worst = max(worst, abs(p @ tranche - r @ tranche) / (r @ tranche))
    return worst


def compare(label: str, pool: Pool) -> float:
    reference = ours(pool, 512)
    check = financepy_distribution(pool, 4000)
    print(f"\n{label}: {int(pool.count.sum())} loans in {pool.count.shape[0]} segments, "
          f"{reference.shape[0]} lattice points")
    print(f"  reference agreement (finmodel 512 nodes vs FinancePy 4,000 steps): "
          f"{error(check, reference):.1e}")
    our_error = error(ours(pool, NODES), reference)
    steps = 20
    while error(financepy_distribution(pool, steps), reference) > our_error and steps < 4000:
        steps = int(steps * 1.25) + 1
    their_error = error(financepy_distribution(pool, steps), reference)
    ours_s = best_time(lambda: ours(pool, NODES))
    theirs_s = best_time(lambda: financepy_distribution(pool, steps), repeat=3)
    print(f"  finmodel exact, {NODES} nodes:            error {our_error:.1e}, {ours_s * 1e3:8.1f} ms")
    print(f"  FinancePy recursion, {steps} steps:      error {their_error:.1e}, "
          f"{theirs_s * 1e3:8.1f} ms")
    ratio = theirs_s / ours_s
    print(f"  speed-up at equal accuracy: {ratio:.1f}x (goal: >= 20x)")
    return ratio


def main() -> None:
    compare("segmented pool", make_pool(25, 40))
    compare("fully heterogeneous pool", make_pool(1000, 1))


if __name__ == "__main__":
    main()

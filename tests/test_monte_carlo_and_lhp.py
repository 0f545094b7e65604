"""Monte Carlo (seeded, one- and two-level factors) and the Vasicek LHP closed form."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from finmodel import run
from finmodel.engine.lhp import lhp_loss_distribution, lhp_loss_quantile
from finmodel.engine.monte_carlo import monte_carlo_loss_distribution
from finmodel.engine.pool import Pool
from tests.conftest import make_scenario
from tests.test_exact_engine import make_pool


def two_level_pool(rho: float, rho_issue: float) -> Pool:
    return Pool(
        count=np.array([30, 30], dtype=np.int64), exposure=np.array([10.0, 10.0]),
        pd=np.array([0.1, 0.1]), lgd=np.array([1.0, 1.0]), rate=np.zeros(2),
        issue_index=np.array([0, 1], dtype=np.int64), issues=("health", "environment"),
        horizon_years=1.0, correlation=rho, issue_correlation=rho_issue)


def test_same_seed_same_numbers_different_seed_different() -> None:
    pool = make_pool([40], [10.0], [0.1], [0.5], 0.2)
    a = monte_carlo_loss_distribution(pool, np.random.default_rng(5), 10_000)
    b = monte_carlo_loss_distribution(pool, np.random.default_rng(5), 10_000)
    c = monte_carlo_loss_distribution(pool, np.random.default_rng(6), 10_000)
    assert np.array_equal(a.loss, b.loss)
    assert not np.array_equal(a.loss, c.loss)


def test_run_is_deterministic_for_a_scenario() -> None:
    scenario = make_scenario(engine="monte_carlo", paths=5_000)
    first = run(scenario).tranches
    second = run(scenario).tranches
    assert first.equals(second)


def test_monte_carlo_mean_within_error_bars() -> None:
    pool = make_pool([40, 25], [10.0, 30.0], [0.2, 0.05], [0.5, 0.8], 0.3)
    mc = monte_carlo_loss_distribution(pool, np.random.default_rng(1), 100_000)
    assert abs(mc.mean() - pool.expected_loss) < 4 * mc.standard_error()


def test_two_level_pair_default_correlation() -> None:
    # Joint default probability of two loans: bivariate normal at the asset correlation.
    rho, rho_issue = 0.1, 0.4
    pool = two_level_pool(rho, rho_issue)
    from finmodel.engine.monte_carlo import simulate_defaults
    counts = simulate_defaults(pool, np.random.default_rng(3), 200_000)
    c = stats.norm.ppf(0.1)

    def joint(r: float) -> float:
        return float(stats.multivariate_normal([0, 0], [[1, r], [r, 1]]).cdf([c, c]))

    # E[D(D-1)] / (n(n-1)) estimates the within-segment pair default probability.
    within = (counts[:, 0] * (counts[:, 0] - 1)).mean() / (30 * 29)
    across = (counts[:, 0] * counts[:, 1]).mean() / (30 * 30)
    assert within == pytest.approx(joint(rho_issue), rel=0.03)
    assert across == pytest.approx(joint(rho), rel=0.03)


def test_two_level_with_equal_correlations_is_one_factor() -> None:
    one = make_pool([30, 30], [10.0, 10.0], [0.1, 0.1], [1.0, 1.0], 0.2)
    two = two_level_pool(0.2, 0.2)
    a = monte_carlo_loss_distribution(one, np.random.default_rng(2), 100_000)
    b = monte_carlo_loss_distribution(two, np.random.default_rng(2), 100_000)
    for q in [0.5, 0.9, 0.99]:
        assert a.quantile(q) == pytest.approx(b.quantile(q), rel=0.06)


def test_lhp_quantile_is_vasicek() -> None:
    pd, rho, lgd = 0.04, 0.2, 0.6
    pool = make_pool([1000], [1.0], [pd], [lgd], rho)
    q = np.array([0.5, 0.9, 0.99, 0.999])
    got = lhp_loss_quantile(pool, q) / 1000.0
    expected = lgd * stats.norm.cdf((stats.norm.ppf(pd) + np.sqrt(rho) * stats.norm.ppf(q))
                                    / np.sqrt(1 - rho))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_lhp_tranche_loss_matches_integral_over_factor() -> None:
    pd, rho, lgd, a, d = 0.05, 0.15, 1.0, 0.05, 0.15
    pool = make_pool([1000], [1.0], [pd], [lgd], rho)
    dist = lhp_loss_distribution(pool, points=200_000)
    tranche = np.clip(dist.loss / 1000.0 - a, 0, d - a)

    def integrand(z: float) -> float:
        x = lgd * stats.norm.cdf((stats.norm.ppf(pd) - np.sqrt(rho) * z) / np.sqrt(1 - rho))
        return float(np.clip(x - a, 0, d - a) * stats.norm.pdf(z))

    expected, _ = integrate.quad(integrand, -10, 10, epsabs=1e-13, limit=200)
    assert dist.mean(tranche) == pytest.approx(expected, rel=1e-3)
    assert dist.mean() / 1000.0 == pytest.approx(pd * lgd, rel=1e-3)


def test_monte_carlo_streams_its_paths_memory_grows_with_paths_not_segments() -> None:
    """Each chunk of default counts is reduced to losses as it is drawn: the peak is the
    loss and probability vectors (16 bytes a path) plus one chunk, not paths x segments."""
    import tracemalloc

    from finmodel.engine.monte_carlo import CHUNK_PATHS

    segments, paths = 60, 12 * CHUNK_PATHS
    pool = make_pool([20] * segments, [1.0] * segments, [0.02] * segments, [0.5] * segments,
                     0.2)
    tracemalloc.start()
    try:
        monte_carlo_loss_distribution(pool, np.random.default_rng(5), paths)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    held = paths * segments * 8  # what all default counts at once would take
    chunk = CHUNK_PATHS * segments * 8 * 4
    assert peak <= 16 * paths + chunk
    assert peak < held / 2


def test_monte_carlo_losses_are_those_of_the_default_counts() -> None:
    pool = make_pool([40, 25, 7], [10.0, 30.0, 3.0], [0.2, 0.05, 0.1], [0.5, 0.8, 1.0], 0.3)
    from finmodel.engine.monte_carlo import CHUNK_PATHS, simulate_defaults
    paths = CHUNK_PATHS + 1234  # a part chunk at the end
    counts = simulate_defaults(pool, np.random.default_rng(9), paths)
    dist = monte_carlo_loss_distribution(pool, np.random.default_rng(9), paths)
    by_hand = np.array([sum(int(c) * float(lpd)
                            for c, lpd in zip(row, pool.loss_per_default, strict=True))
                        for row in counts[:2000]])
    np.testing.assert_allclose(dist.loss[:2000], by_hand, rtol=1e-12)
    assert dist.loss.shape == (paths,)

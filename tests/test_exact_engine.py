"""The exact engine against independent calculations.

* brute force: every default pattern of a tiny pool, integrated over the factor by quad;
* the binomial mixture of a homogeneous pool;
* Vasicek's closed form in the large-pool limit;
* Monte Carlo within its error bars for a heterogeneous pool.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate, stats

from finmodel.engine.exact import conditional_pd, exact_loss_distribution
from finmodel.engine.monte_carlo import monte_carlo_loss_distribution
from finmodel.engine.pool import Pool, cumulative_pd


def make_pool(count, exposure, pd, lgd, rho, rate=None, horizon=1.0) -> Pool:
    n = len(count)
    return Pool(
        count=np.asarray(count, dtype=np.int64),
        exposure=np.asarray(exposure, dtype=float),
        pd=np.asarray(pd, dtype=float),
        lgd=np.asarray(lgd, dtype=float),
        rate=np.zeros(n) if rate is None else np.asarray(rate, dtype=float),
        issue_index=np.zeros(n, dtype=np.int64),
        issues=("other",),
        horizon_years=horizon,
        correlation=rho,
    )


def brute_force(pool: Pool) -> dict[float, float]:
    """P(loss) by enumerating every default pattern, integrating the factor with quad."""
    loans = [(pool.pd[s], pool.loss_per_default[s]) for s in range(len(pool.count))
             for _ in range(pool.count[s])]
    result: dict[float, float] = {}
    for pattern in itertools.product([0, 1], repeat=len(loans)):
        def density(z: float, pattern=pattern) -> float:
            p = conditional_pd(np.array([pd for pd, _ in loans]), pool.correlation,
                               np.array([z]))[0]
            like = np.prod(np.where(np.array(pattern) == 1, p, 1 - p))
            return float(like * stats.norm.pdf(z))
        prob, _ = integrate.quad(density, -12, 12, epsabs=1e-13, limit=200)
        loss = round(sum(a for (_, a), d in zip(loans, pattern, strict=True) if d), 9)
        result[loss] = result.get(loss, 0.0) + prob
    return result


def test_cumulative_pd() -> None:
    assert cumulative_pd(0.06, 5) == pytest.approx(1 - 0.94**5)


def test_tiny_heterogeneous_pool_matches_brute_force() -> None:
    pool = make_pool([1, 2, 1], [10.0, 6.0, 4.0], [0.1, 0.25, 0.05], [0.5, 1.0, 0.75], 0.3)
    dist = exact_loss_distribution(pool, nodes=96)
    expected = brute_force(pool)
    got: dict[float, float] = {}
    for loss, prob in zip(dist.loss, dist.prob, strict=True):
        if prob > 1e-15:
            got[round(float(loss), 9)] = got.get(round(float(loss), 9), 0.0) + float(prob)
    assert set(got) <= set(expected)
    for loss, prob in expected.items():
        assert got.get(loss, 0.0) == pytest.approx(prob, abs=1e-9), loss


def test_homogeneous_pool_matches_binomial_mixture() -> None:
    n, pd, rho = 50, 0.08, 0.2
    pool = make_pool([n], [10.0], [pd], [0.6], rho)
    dist = exact_loss_distribution(pool, nodes=128)
    for k in [0, 1, 4, 10, 25]:
        def integrand(z: float, k: int = k) -> float:
            p = stats.norm.cdf((stats.norm.ppf(pd) - np.sqrt(rho) * z) / np.sqrt(1 - rho))
            return float(stats.binom.pmf(k, n, p) * stats.norm.pdf(z))
        expected, _ = integrate.quad(integrand, -10, 10, epsabs=1e-14, limit=200)
        got = dist.prob[np.isclose(dist.loss, k * 6.0)].sum()
        assert got == pytest.approx(expected, rel=1e-6, abs=1e-12), k


def test_zero_correlation_is_a_poisson_binomial_convolution() -> None:
    pool = make_pool([3, 2], [5.0, 7.0], [0.1, 0.3], [1.0, 1.0], 0.0)
    dist = exact_loss_distribution(pool)
    a = stats.binom.pmf(np.arange(4), 3, 0.1)
    b = stats.binom.pmf(np.arange(3), 2, 0.3)
    for i, j in itertools.product(range(4), range(3)):
        got = dist.prob[np.isclose(dist.loss, 5.0 * i + 7.0 * j)].sum()
        assert got == pytest.approx(a[i] * b[j], abs=1e-12)


def test_large_homogeneous_pool_approaches_vasicek() -> None:
    pd, rho, lgd, n = 0.05, 0.15, 1.0, 5000
    pool = make_pool([n], [1.0], [pd], [lgd], rho)
    dist = exact_loss_distribution(pool, nodes=128, max_points=n + 1)
    cdf = np.cumsum(dist.prob)
    for x in [0.02, 0.05, 0.1, 0.2]:
        vasicek = stats.norm.cdf((np.sqrt(1 - rho) * stats.norm.ppf(x) - stats.norm.ppf(pd))
                                 / np.sqrt(rho))
        got = cdf[int(round(x * n))]
        assert got == pytest.approx(vasicek, abs=0.01), x


def test_mean_is_exact_even_on_a_split_lattice() -> None:
    # Loss amounts with no common unit at this lattice size: mass is split, mean kept.
    pool = make_pool([7, 11, 13], [3.1416, 2.7183, 1.4142], [0.2, 0.1, 0.3], [0.7, 0.9, 0.45],
                     0.25)
    dist = exact_loss_distribution(pool, nodes=64, max_points=200)
    assert dist.loss.shape[0] <= 200 + 31
    assert dist.mean() == pytest.approx(pool.expected_loss, rel=1e-10)
    assert dist.prob.sum() == pytest.approx(1.0)


def test_heterogeneous_pool_matches_monte_carlo_within_error_bars() -> None:
    pool = make_pool([40, 20, 15], [25.0, 50.0, 12.0], cumulative_pd([0.06, 0.03, 0.1], 5),
                     [0.7, 0.6, 0.9], 0.15)
    exact = exact_loss_distribution(pool)
    mc = monte_carlo_loss_distribution(pool, np.random.default_rng(11), 200_000)
    assert exact.mean() == pytest.approx(pool.expected_loss, rel=1e-9)
    assert abs(mc.mean() - exact.mean()) < 4 * mc.standard_error()
    for threshold in [100.0, 300.0, 600.0, 900.0]:
        indicator = (mc.loss > threshold).astype(float)
        p_exact = exact.probability(exact.loss > threshold)
        assert abs(mc.mean(indicator) - p_exact) < 4 * mc.standard_error(indicator) + 1e-4


@pytest.mark.parametrize("max_points", [10_000, 300])
def test_small_segment_recursion_agrees_with_closed_form_power(
        monkeypatch: pytest.MonkeyPatch, max_points: int) -> None:
    import finmodel.engine.exact as exact

    pool = make_pool([20, 17, 30], [3.0, 5.5, 2.25], [0.05, 0.2, 0.1], [0.8, 0.4, 1.0], 0.2)
    monkeypatch.setattr(exact, "LARGE_SEGMENT", 1)
    power = exact.exact_loss_distribution(pool, max_points=max_points)
    monkeypatch.setattr(exact, "LARGE_SEGMENT", 10**9)
    recursion = exact.exact_loss_distribution(pool, max_points=max_points)
    np.testing.assert_allclose(power.prob, recursion.prob, atol=1e-13)
    np.testing.assert_allclose(power.loss, recursion.loss)


@pytest.mark.parametrize("rho", [0.0, 0.05, 0.3, 0.8])
def test_windowed_evaluation_equals_whole_lattice(rho: float) -> None:
    pool = make_pool([400, 300, 7, 1], [2.0, 3.0, 5.0, 40.0], [0.02, 0.1, 0.3, 0.05],
                     [1.0, 1.0, 0.6, 0.5], rho)
    windowed = exact_loss_distribution(pool, windowed=True)
    whole = exact_loss_distribution(pool, windowed=False)
    np.testing.assert_allclose(windowed.prob, whole.prob, atol=1e-14)


def test_more_nodes_change_nothing_visible() -> None:
    # The trapezoid rule has converged at the default node count for a typical pool.
    pool = make_pool([40, 20], [25.0, 50.0], cumulative_pd([0.06, 0.03], 5), [0.7, 0.6], 0.15)
    a = exact_loss_distribution(pool)
    b = exact_loss_distribution(pool, nodes=400)
    assert np.max(np.abs(np.cumsum(a.prob) - np.cumsum(b.prob))) < 1e-8

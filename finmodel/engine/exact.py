"""Exact loss distribution of a finite heterogeneous pool under the one-factor copula.

Conditional on the common factor Z, loans default independently, each with
p(z) = Phi((Phi^-1(pd) - sqrt(rho) z) / sqrt(1 - rho)). On a loss lattice with unit u the
conditional loss of a segment of n identical loans has the probability generating
function (1 - p + p x^k)^n, so the whole pool's conditional PGF is a product over
segments. We evaluate that product at the roots of unity (a DFT of the lattice
distribution) in closed form, invert it with one real FFT per factor node, and integrate
over Z with Gauss-Hermite quadrature.

Work per node is (number of segments) x (lattice size), not (number of loans) x (lattice
size) as in the loan-by-loan recursion: a pool described by segments of identical
loans, as scenario files describe them, costs the same whether a segment has 4 loans
or 4,000.

Lattice: when every loss per default is a multiple of a common unit with at most
``lattice_points`` lattice points, the lattice is exact. Otherwise the unit is
total loss / ``lattice_points`` and a loss of k + f units (0 < f < 1) is placed on k and
k + 1 with weights 1 - f and f, which keeps every loan's expected loss, and so the pool's,
exact.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd

import numpy as np
from scipy import fft, special

from finmodel.engine.distribution import LossDistribution
from finmodel.engine.pool import FloatArray, IntArray, Pool


def gauss_hermite(nodes: int) -> tuple[FloatArray, FloatArray]:
    """Nodes and weights integrating against the standard normal density."""
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / np.sqrt(2.0 * np.pi)
    keep = w > 1e-300
    return z[keep], w[keep] / w[keep].sum()


def conditional_pd(pd: FloatArray, correlation: float, z: FloatArray) -> FloatArray:
    """P(default | Z = z) for each node (rows) and segment (columns)."""
    threshold = special.ndtri(np.clip(pd, 0.0, 1.0))
    if correlation == 0.0:
        return np.broadcast_to(pd, (z.shape[0], pd.shape[0])).copy()
    scale = np.sqrt(1.0 - correlation)
    return np.asarray(special.ndtr((threshold[None, :] - np.sqrt(correlation) * z[:, None]) / scale))


def _exact_unit(losses: FloatArray, counts: IntArray, max_points: int) -> float | None:
    """A common unit of all losses giving at most ``max_points`` lattice points, if any."""
    fractions = []
    for a in losses:
        frac = Fraction(float(a)).limit_denominator(10**6)
        if abs(float(frac) - a) > 1e-12 * max(1.0, abs(a)):
            return None
        fractions.append(frac)
    numerator = 0
    denominator = 1
    for frac in fractions:
        denominator = denominator * frac.denominator // gcd(denominator, frac.denominator)
    for frac in fractions:
        numerator = gcd(numerator, frac.numerator * (denominator // frac.denominator))
    if numerator == 0:
        return None
    unit = numerator / denominator
    points = float(np.sum(counts * np.rint(losses / unit))) + 1
    return unit if points <= max_points else None



def lattice(pool: Pool, max_points: int) -> tuple[float, FloatArray]:
    """The lattice unit and each segment's loss per default in units (may be fractional)."""
    losses = pool.loss_per_default
    active = (losses > 0) & (pool.pd > 0)
    if not np.any(active):
        return 1.0, np.zeros_like(losses)
    unit = _exact_unit(losses[active], pool.count[active], max_points)
    if unit is not None:
        units = np.where(active, np.rint(losses / unit), 0.0)
    else:
        unit = float(np.sum(pool.count[active] * losses[active])) / (max_points - 1)
        units = np.where(active, losses / unit, 0.0)
    return unit, units


def exact_loss_distribution(pool: Pool, nodes: int = 64, max_points: int = 4096) -> LossDistribution:
    """Loss distribution of the pool by conditional independence (see module docstring).

    Args:
        pool: the pool (one-factor dependence; ``issue_correlation`` must be None).
        nodes: Gauss-Hermite nodes over the factor.
        max_points: most lattice points when no exact common unit exists.

    Returns:
        Probabilities on the lattice 0, u, 2u, ... up to the largest possible loss.
    """
    if pool.issue_correlation is not None:
        raise ValueError("the exact engine supports the one-factor model only")
    unit, units = lattice(pool, max_points)
    active = units > 0
    count = pool.count[active]
    whole = np.floor(units[active] + 1e-9)
    frac = np.clip(units[active] - whole, 0.0, 1.0)
    frac[frac < 1e-9] = 0.0
    top = int(np.sum(count * (whole + (frac > 0))))
    if top == 0:
        return LossDistribution(np.zeros(1), np.ones(1), pool.total_exposure, "exact")
    size = fft.next_fast_len(top + 1, real=True)
    z, weights = gauss_hermite(nodes)
    p = conditional_pd(pool.pd[active], pool.correlation, z)  # (nodes, segments)
    frequency = np.arange(size // 2 + 1, dtype=np.int64)
    omega = np.exp(-2j * np.pi * frequency / size)  # rfft frequencies
    log_pgf = np.zeros((z.shape[0], omega.shape[0]), dtype=complex)
    with np.errstate(divide="ignore", invalid="ignore"):
        for s in range(count.shape[0]):
            # omega ** k, reduced modulo the FFT size first so large k lose no accuracy
            step = np.exp(-2j * np.pi * ((frequency * int(whole[s])) % size) / size)
            if frac[s] > 0:
                step = step * ((1.0 - frac[s]) + frac[s] * omega)
            base = 1.0 - p[:, s : s + 1] + p[:, s : s + 1] * step[None, :]
            log_pgf += count[s] * np.log(base)
        conditional = fft.irfft(np.exp(log_pgf), n=size, axis=1)[:, : top + 1]
    prob = np.clip(weights @ conditional, 0.0, None)
    prob /= prob.sum()
    loss = np.arange(top + 1) * unit
    return LossDistribution(loss, prob, pool.total_exposure, "exact")

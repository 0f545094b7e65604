"""External anchor: Hull & White (2004) Table 7 CDO tranche spreads from the cash-flow engine.

The reference is the Gaussian-copula part of Table 7 as QuantLib's ``CdoTest::testHW`` checks
it (``tests/data/hull_white_2004_table7.json``; the setup and the pricing recipe are in
``tests/data/README_hull_white.md``). 100 names of 100 each, hazard 1 % (annual_pd =
1 - e^-0.01), recovery 40 % (lgd 0.6), 5 years, quarterly premiums, flat 5 % continuous
discounting, one-factor Gaussian copula with asset correlation 0.1 and 0.3.

The period engine simulates the pool's write-downs quarter by quarter; the cumulative loss
L(t_k) gives each tranche's expected loss E_k on the grid t_k = k/4, and the fair spread is
the recipe's variant (b), Hull-White's own convention with accrual on default at mid-period:

    Prot = sum_k D(t_k - tau/2) (E_k - E_{k-1})
    Prem = sum_k tau D(t_k) [(1 - E_k) + (E_k - E_{k-1}) / 2]
    s    = 1e4 Prot / Prem  (bp)

A tranche passes on QuantLib's rule: relative error < 4 % or absolute error < 1 bp. Each
spread's Monte Carlo standard error comes from the delta method for a ratio of means and is
asserted to be a small part of the tolerance, and the spreads are also checked against the
same recipe computed without simulation (exact finite pool, Gauss-Hermite over the factor),
within a few standard errors.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import special, stats

from finmodel.compiled import pool_spec
from finmodel.engine.periods import simulate_pool_cashflows
from finmodel.scenario.checks import check_scenario
from finmodel.scenario.model import Scenario

DATA = json.loads((Path(__file__).resolve().parent / "data" / "hull_white_2004_table7.json")
                  .read_text(encoding="utf-8"))

NAMES: int = DATA["names"]
NOMINAL: float = DATA["nominal_per_name"]
HAZARD: float = DATA["hazard_rate"]
LGD: float = 1.0 - DATA["recovery"]
YEARS: int = DATA["maturity_years"]
PER_YEAR: int = DATA["payments_per_year"]
RATE: float = DATA["flat_rate"]
TRANCHES: list[tuple[float, float]] = [(a, b) for a, b in DATA["tranches"]]
CORRELATIONS: list[float] = DATA["correlations"]
TOL_REL: float = DATA["tolerance_relative"]
TOL_ABS_BP: float = DATA["tolerance_absolute_bp"]
POOL_NOTIONAL = NAMES * NOMINAL  # 10 000

SEED = 20040101
#: 1e6 paths x 20 quarters = 2e7 path-periods, the most one vehicle may simulate.
PATHS = 1_000_000
#: A spread's standard error may use at most this share of its tolerance band.
SE_SHARE_OF_TOLERANCE = 0.25
#: Standard errors allowed between a simulated and a non-simulated quantity.
Z_LIMIT = 5.0
#: Gauss-Hermite nodes over the factor for the non-simulated reference.
HERMITE_NODES = 120

FloatArray = NDArray[np.float64]


def scenario_for(rho: float) -> Scenario:
    """The Hull-White pool as a one-vehicle scenario (one tranche; losses read off the pool)."""
    return Scenario.model_validate({
        "name": "Hull & White (2004) Table 7 pool",
        "seed": SEED,
        "unit": "notional",
        "providers": [{"id": "investor", "type": "regional_bank"}],
        "vehicles": [{
            "id": "hull_white_2004",
            "horizon_years": YEARS,
            "payment_frequency": PER_YEAR,
            "correlation": rho,
            "pool": [{"segment": "names", "count": NAMES, "exposure": NOMINAL,
                      "annual_pd": -math.expm1(-HAZARD), "lgd": LGD, "rate": 0.0}],
            "tranches": [{"name": "pool", "provider": "investor", "kind": "senior",
                          "size": 1.0}],
            "paths": PATHS,
        }],
    })


def grid_weights(times: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-period weights of the protection leg (D at mid-period) and premium leg (tau D(t_k))."""
    tau = np.diff(np.concatenate([[0.0], times]))
    return np.exp(-RATE * (times - tau / 2)), tau * np.exp(-RATE * times)


def legs(e: FloatArray, times: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Protection and premium legs (per unit spread) of normalised tranche losses ``e``.

    ``e`` has the periods on its last axis: one path's losses, or expected losses E_k.
    Both legs are linear in ``e``, so the legs of the mean are the mean of the legs.
    """
    protection_weight, premium_weight = grid_weights(times)
    step = np.diff(e, axis=-1, prepend=0.0)
    outstanding = 1.0 - e + 0.5 * step  # accrual on default at mid-period
    return step @ protection_weight, outstanding @ premium_weight


def tranche_losses(cumulative_loss: FloatArray, attach: float, detach: float) -> FloatArray:
    """Tranche loss as a share of its notional, from the pool's cumulative loss (amounts)."""
    a, b = attach * POOL_NOTIONAL, detach * POOL_NOTIONAL
    return np.clip(cumulative_loss - a, 0.0, b - a) / (b - a)


@dataclass(frozen=True)
class Simulated:
    """What the tests need from one run of the engine (the paths themselves are dropped)."""

    times: FloatArray
    mean_loss: FloatArray  # E[L(t_k)], amounts
    mean_loss_se: FloatArray
    spread_bp: FloatArray  # one per tranche
    spread_se_bp: FloatArray


@cache
def simulate(rho: float) -> Simulated:
    scenario = scenario_for(rho)
    assert check_scenario(scenario) == []
    vehicle = scenario.vehicles[0]
    flows = simulate_pool_cashflows(pool_spec(scenario.seed, vehicle))
    times = flows.times
    loss = np.cumsum(flows.loss, axis=1)
    n = loss.shape[0]
    del flows
    spreads, errors = [], []
    for attach, detach in TRANCHES:
        protection, premium = legs(tranche_losses(loss, attach, detach), times)
        ratio = protection.mean() / premium.mean()
        # Delta method for a ratio of means: Var(P/Q) ~ Var(P - r Q) / (n mean(Q)^2).
        se = np.std(protection - ratio * premium, ddof=1) / math.sqrt(n) / premium.mean()
        spreads.append(1e4 * ratio)
        errors.append(1e4 * se)
    return Simulated(times, loss.mean(axis=0), loss.std(axis=0, ddof=1) / math.sqrt(n),
                     np.array(spreads), np.array(errors))


def exact_spreads_bp(rho: float, times: FloatArray) -> FloatArray:
    """The same recipe without simulation: conditional binomial defaults, Gauss-Hermite factor."""
    nodes, weights = special.roots_hermitenorm(HERMITE_NODES)
    weights = weights / weights.sum()
    threshold = special.ndtri(-np.expm1(-HAZARD * times))
    p = special.ndtr((threshold[None, :] - math.sqrt(rho) * nodes[:, None]) / math.sqrt(1 - rho))
    defaults = np.arange(NAMES + 1)
    pmf = stats.binom.pmf(defaults, NAMES, p[..., None])  # (nodes, periods, defaults)
    distribution = np.einsum("m,mkd->kd", weights, pmf)
    loss = defaults * NOMINAL * LGD
    out = []
    for attach, detach in TRANCHES:
        expected = distribution @ tranche_losses(loss, attach, detach)
        protection, premium = legs(expected, times)
        out.append(1e4 * protection / premium)
    return np.array(out)


def allowed_bp(expected: float) -> float:
    """Half-width of QuantLib's pass band: 4 % of the published spread or 1 bp."""
    return max(TOL_REL * expected, TOL_ABS_BP)


def label(attach: float, detach: float) -> str:
    return f"{attach:.0%}-{detach:.0%}"


@pytest.mark.parametrize("rho", CORRELATIONS)
def test_expected_pool_loss_matches_closed_form(rho: float) -> None:
    sim = simulate(rho)
    np.testing.assert_allclose(sim.times, np.arange(1, YEARS * PER_YEAR + 1) / PER_YEAR)
    closed = POOL_NOTIONAL * LGD * -np.expm1(-HAZARD * sim.times)
    z = (sim.mean_loss - closed) / sim.mean_loss_se
    bad = [f"t={t:g}: engine {m:.3f} +/- {s:.3f}, closed form {c:.3f} (z={zz:+.1f})"
           for t, m, s, c, zz in zip(sim.times, sim.mean_loss, sim.mean_loss_se, closed, z, strict=False)
           if abs(zz) > Z_LIMIT]
    assert not bad, f"rho={rho}: E[L(t)] off 6000 (1 - e^-0.01t):\n" + "\n".join(bad)


@pytest.mark.parametrize("rho", CORRELATIONS)
def test_table7_spreads(rho: float) -> None:
    sim = simulate(rho)
    published = DATA["spreads_bp"][str(rho)]
    failures, noisy = [], []
    for (attach, detach), expected, found, se in zip(TRANCHES, published, sim.spread_bp,
                                                     sim.spread_se_bp, strict=False):
        diff = found - expected
        line = (f"{label(attach, detach)}: expected {expected} bp, computed {found:.2f} bp "
                f"(se {se:.3f}; diff {diff:+.2f} bp, {diff / expected:+.2%})")
        if not (abs(diff) / expected < TOL_REL or abs(diff) < TOL_ABS_BP):
            failures.append(line)
        if se > SE_SHARE_OF_TOLERANCE * allowed_bp(expected):
            noisy.append(f"{line}; se above {SE_SHARE_OF_TOLERANCE:.0%} of the "
                         f"{allowed_bp(expected):.2f} bp tolerance")
    assert not failures, (f"rho={rho}: Hull-White Table 7 spreads outside "
                          f"{TOL_REL:.0%} / {TOL_ABS_BP:g} bp:\n" + "\n".join(failures))
    assert not noisy, f"rho={rho}: Monte Carlo error too large:\n" + "\n".join(noisy)


@pytest.mark.parametrize("rho", CORRELATIONS)
def test_spreads_match_exact_finite_pool(rho: float) -> None:
    sim = simulate(rho)
    exact = exact_spreads_bp(rho, sim.times)
    z = (sim.spread_bp - exact) / sim.spread_se_bp
    bad = [f"{label(a, b)}: exact {e:.2f} bp, computed {f:.2f} +/- {s:.3f} bp (z={zz:+.1f})"
           for (a, b), e, f, s, zz in zip(TRANCHES, exact, sim.spread_bp, sim.spread_se_bp, z, strict=False)
           if abs(zz) > Z_LIMIT]
    assert not bad, f"rho={rho}: engine vs exact finite-pool spreads:\n" + "\n".join(bad)

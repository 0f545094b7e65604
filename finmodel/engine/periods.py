"""The pool's cash flows period by period: Monte Carlo over correlated default times.

Each loan's default time follows its cumulative PD curve ``1 - (1 - annual_pd)^t`` under
the vehicle's one-factor (or two-level) Gaussian copula: loan i defaults by time t when its
asset value ``X_i <= ndtri(PD(t))``, so default times are correlated exactly as default
events by the horizon are in the one-period engines (the same copula, the same marginals).

Conditional on the factors, the loans of a segment are independent, and the number that
default in period k among the survivors is Binomial(survivors, h_k) with the conditional
hazard ``h_k = (P_k - P_{k-1}) / (1 - P_{k-1})``. A path therefore draws one binomial per
segment and period, not one number per loan.

Per period a surviving loan pays interest ``rate / payment_frequency`` on its scheduled
balance at the start of the period, and its scheduled principal; a loan that defaults in
the period pays ``default_timing`` of that period's interest, nothing else, loses ``lgd``
of its balance (written down at once) and recovers the rest ``recovery_lag_years`` later
(rounded up to whole periods, and collected at the latest in the last period).

Paths are simulated in blocks of :data:`BLOCK_PATHS`; block b draws from its own generator
``SeedSequence(seed, spawn_key=(crc32(vehicle id), PERIODS_KEY, b))``, so the numbers do
not depend on how many blocks run or in what order, and every variant of a run (a
what-if, a design trial, the subsidy's re-run at market terms) that keeps the pool sees
the same defaults: common random numbers. Memory is O(paths x periods), not x loans.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from finmodel.engine.pool import FloatArray, Pool, cumulative_pd
from finmodel.engine.spec import PoolSpec
from finmodel.vocabulary import Amortisation

#: Paths simulated at once: bounds the working memory to ~BLOCK_PATHS x periods x 8 x 12 bytes.
BLOCK_PATHS = 16_384
#: Part of every block's seed, so these draws never coincide with another stream's.
PERIODS_KEY = 0x9E71_0D5


def balance_schedule(amortisation: Amortisation, rate_per_period: float,
                     periods: int) -> FloatArray:
    """Scheduled balance of a surviving loan of 1 at the end of periods 0..periods.

    Args:
        amortisation: bullet, linear or annuity.
        rate_per_period: the loan's rate divided by the payments per year (annuity only).
        periods: number of periods.

    Returns:
        Array of length ``periods + 1``; starts at 1 and ends at 0.
    """
    k = np.arange(periods + 1, dtype=float)
    if amortisation is Amortisation.bullet:
        out = np.ones(periods + 1)
    else:
        log_growth = np.log1p(rate_per_period)
        total = np.expm1(periods * log_growth)  # (1 + r)^n - 1, accurate for tiny r
        if amortisation is Amortisation.linear or total <= 1e-12:  # annuity at r -> 0: linear
            out = 1.0 - k / periods
        else:
            out = (total - np.expm1(k * log_growth)) / total
    out[-1] = 0.0
    return np.asarray(out)


@dataclass(frozen=True)
class PoolCashflows:
    """What the pool pays and loses in each period of each path.

    Arrays are (paths, periods); amounts in the file's unit.

    Attributes:
        times: end of each period, in years.
        interest: interest collected.
        principal: scheduled principal collected from surviving loans.
        recoveries: recoveries collected on earlier (or this period's) defaults.
        loss: principal lost and written down (lgd x the defaulted balance).
        defaults: loans that defaulted in the period.
        exposure: the pool's balance at the start.
    """

    times: FloatArray
    interest: FloatArray
    principal: FloatArray
    recoveries: FloatArray
    loss: FloatArray
    defaults: NDArray[np.int64]
    exposure: float

    @property
    def paths(self) -> int:
        return int(self.interest.shape[0])

    @property
    def weights(self) -> FloatArray:
        """Probability of each path (equally likely)."""
        return np.full(self.paths, 1.0 / self.paths)

    @property
    def principal_collected(self) -> FloatArray:
        """Scheduled principal plus recoveries: the principal cash of each period."""
        return np.asarray(self.principal + self.recoveries)


def _block_rng(seed: int, vehicle_id: str, block: int) -> np.random.Generator:
    key = zlib.crc32(vehicle_id.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key, PERIODS_KEY, block)))


def _factor_shift(pool: Pool, rng: np.random.Generator, paths: int) -> tuple[FloatArray, float]:
    """Each path's systematic shift of the asset values (one column in the one-factor model,
    one per segment in the two-level model), and the idiosyncratic scale."""
    rho = pool.correlation
    global_factor = rng.standard_normal(paths)
    if pool.issue_correlation is None:  # one column, shared by every segment
        return np.sqrt(rho) * global_factor[:, None], float(np.sqrt(1.0 - rho))
    rho_i = pool.issue_correlation
    issue_factor = rng.standard_normal((paths, len(pool.issues)))
    shift = (np.sqrt(rho) * global_factor[:, None]
             + np.sqrt(rho_i - rho) * issue_factor[:, pool.issue_index])
    return shift, float(np.sqrt(1.0 - rho_i))


def _simulate_block(spec: PoolSpec, rng: np.random.Generator, out: tuple[FloatArray, ...],
                    schedules: FloatArray, thresholds: FloatArray, lag: int) -> None:
    """Fill one block's rows of ``out`` = (interest, principal, recoveries, loss, defaults)."""
    pool = spec.pool
    periods = spec.periods
    per_year = spec.payment_frequency
    interest, principal, recoveries, loss, defaults = out
    paths = interest.shape[0]
    shift, scale = _factor_shift(pool, rng, paths)
    timing = pool.default_timing
    for s in range(pool.count.shape[0]):
        segment_shift = shift[:, s if shift.shape[1] > 1 else 0]
        exposure = pool.exposure[s]
        coupon = pool.rate[s] / per_year
        schedule = schedules[s]
        alive = np.full(paths, pool.count[s], dtype=np.int64)
        previous = np.zeros(paths)
        for k in range(periods):
            cumulative = special.ndtr((thresholds[s, k] - segment_shift) / scale)
            survival = 1.0 - previous
            hazard = np.where(survival > 0.0,
                              (cumulative - previous) / np.where(survival > 0.0, survival, 1.0),
                              1.0)
            died = rng.binomial(alive, np.clip(hazard, 0.0, 1.0))
            previous = cumulative
            start_balance = exposure * schedule[k]
            survivors = alive - died
            interest[:, k] += coupon * start_balance * (survivors + timing * died)
            principal[:, k] += exposure * (schedule[k] - schedule[k + 1]) * survivors
            defaulted_balance = start_balance * died
            loss[:, k] += pool.lgd[s] * defaulted_balance
            recoveries[:, min(k + lag, periods - 1)] += (1.0 - pool.lgd[s]) * defaulted_balance
            defaults[:, k] += died
            alive = survivors


def simulate_pool_cashflows(spec: PoolSpec, paths: int | None = None) -> PoolCashflows:
    """Simulate ``paths`` paths of the pool's cash flows, period by period.

    Args:
        spec: the vehicle's pool (its segments, horizon, frequency, copula, recovery lag),
            seed and vehicle id (which fix every draw).
        paths: number of paths (default: the vehicle's ``paths``).

    Returns:
        The pool's cash flows; equally likely paths.
    """
    paths = spec.paths if paths is None else paths
    pool = spec.pool
    periods = spec.periods
    per_year = spec.payment_frequency
    times = np.arange(1, periods + 1, dtype=float) / per_year
    cumulative = np.minimum(cumulative_pd(spec.annual_pd[:, None], times[None, :]), 1.0)
    thresholds = special.ndtri(cumulative)
    schedules = np.stack([balance_schedule(kind, float(rate) / per_year, periods)
                          for kind, rate in zip(spec.amortisation, pool.rate, strict=True)])
    lag = spec.recovery_lag_periods
    columns = tuple(np.zeros((paths, periods)) for _ in range(5))
    for block, start in enumerate(range(0, paths, BLOCK_PATHS)):
        rows = slice(start, min(start + BLOCK_PATHS, paths))
        _simulate_block(spec, _block_rng(spec.seed, spec.vehicle_id, block),
                        tuple(c[rows] for c in columns), schedules, thresholds, lag)
    return PoolCashflows(times, columns[0], columns[1], columns[2], columns[3],
                         columns[4].astype(np.int64), pool.total_exposure)

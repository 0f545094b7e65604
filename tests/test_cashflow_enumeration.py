"""Independent check of the cash-flow engine by exhaustive enumeration.

A 2-loan, 3-year, annual-pay deal has only 16 default outcomes (each loan defaults in
year 1, 2, 3 or survives). This module computes each outcome's probability under the
one-factor Gaussian copula (integrating over the common factor with Gauss-Hermite
quadrature), runs the `notes` priority of payments by hand on every outcome (plain
scalars and loops, written from the rules, not from finmodel's code) and compares the
expected cash per tranche per period, the expected final write-down per tranche and the
expected vehicle residual with what finmodel's Monte Carlo engine reports, within
4 standard errors (sd across outcomes / sqrt(paths), plus 1e-9).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pytest
from scipy.stats import norm

from finmodel.run import run
from finmodel.scenario.model import Scenario

PERIODS = 3
PATHS = 400_000
NEVER = PERIODS + 1  # "default period" of a loan that survives the horizon
EPS = 1e-9  # numerical zero for write-downs, arrears and cash


# --------------------------------------------------------------------------- deals

@dataclass(frozen=True)
class Loan:
    exposure: float
    rate: float
    lgd: float
    annual_pd: float


@dataclass(frozen=True)
class Tranche:
    name: str
    provider: str
    kind: str
    size: float
    coupon: float
    residual: bool = False


@dataclass(frozen=True)
class Deal:
    key: str
    loans: tuple[Loan, ...]
    tranches: tuple[Tranche, ...]  # bottom (first loss) to top (senior)
    correlation: float = 0.3


LOANS = (
    Loan(exposure=50.0, rate=0.10, lgd=0.9, annual_pd=0.15),
    Loan(exposure=50.0, rate=0.08, lgd=0.6, annual_pd=0.20),
)

DEALS = {
    "two_tranche": Deal(
        key="two_tranche",
        loans=LOANS,
        tranches=(
            Tranche("first_loss", "investor", "first_loss", 0.30, 0.0, residual=True),
            Tranche("senior", "bank", "senior", 0.70, 0.03),
        ),
    ),
    # Low-LGD, high-rate loans and a thin mezzanine: a default writes the senior down by
    # a little, the senior is cured within the same period with cash to spare, and the
    # mezzanine coupon blocked in the first pass is paid in the second.
    "second_pass": Deal(
        key="second_pass",
        loans=(
            Loan(exposure=50.0, rate=0.20, lgd=0.05, annual_pd=0.15),
            Loan(exposure=50.0, rate=0.15, lgd=0.10, annual_pd=0.20),
        ),
        tranches=(
            Tranche("first_loss", "investor", "first_loss", 0.01, 0.0, residual=True),
            Tranche("mezzanine", "bank2", "mezzanine", 0.02, 0.10),
            Tranche("senior", "bank", "senior", 0.97, 0.02),
        ),
    ),
    "three_tranche": Deal(
        key="three_tranche",
        loans=LOANS,
        tranches=(
            Tranche("first_loss", "investor", "first_loss", 0.20, 0.0, residual=True),
            Tranche("mezzanine", "bank2", "mezzanine", 0.30, 0.05),
            Tranche("senior", "bank", "senior", 0.50, 0.02),
        ),
    ),
    "three_tranche_no_residual": Deal(
        key="three_tranche_no_residual",
        loans=LOANS,
        tranches=(
            Tranche("first_loss", "investor", "first_loss", 0.20, 0.0),
            Tranche("mezzanine", "bank2", "mezzanine", 0.30, 0.05),
            Tranche("senior", "bank", "senior", 0.50, 0.02),
        ),
    ),
    # One default wipes the junior and writes the senior down while the other loan keeps
    # paying a high rate: the junior's coupon must wait for the senior's cure.
    "blocked_coupon": Deal(
        key="blocked_coupon",
        loans=(
            Loan(exposure=50.0, rate=0.10, lgd=0.9, annual_pd=0.15),
            Loan(exposure=50.0, rate=0.20, lgd=0.1, annual_pd=0.10),
        ),
        tranches=(
            Tranche("junior", "investor", "subordinated", 0.30, 0.08),
            Tranche("senior", "bank", "senior", 0.70, 0.02),
        ),
    ),
}


def scenario_data(deal: Deal) -> dict[str, Any]:
    providers = sorted({t.provider for t in deal.tranches})
    ptype = {"investor": "private_investor", "bank": "regional_bank", "bank2": "regional_bank"}
    return {
        "name": f"enumeration check {deal.key}",
        "seed": 20250917,
        "unit": "JPY_million",
        "providers": [{"id": p, "type": ptype[p]} for p in providers],
        "vehicles": [{
            "id": "deal",
            "horizon_years": PERIODS,
            "payment_frequency": 1,
            "correlation": deal.correlation,
            "default_timing": 0.0,
            "recovery_lag_years": 0,
            "paths": PATHS,
            "engine": "exact",
            "pool": [
                {"segment": f"loan{i + 1}", "count": 1, "exposure": ln.exposure,
                 "annual_pd": ln.annual_pd, "lgd": ln.lgd, "rate": ln.rate}
                for i, ln in enumerate(deal.loans)
            ],
            "tranches": [
                {"name": t.name, "provider": t.provider, "kind": t.kind, "size": t.size,
                 "coupon": t.coupon, "residual": t.residual}
                for t in deal.tranches
            ],
        }],
    }


# ------------------------------------------------------------ outcome probabilities

def outcome_probabilities(deal: Deal, nodes: int = 200) -> dict[tuple[int, int], float]:
    """P(loan 1 defaults in period a, loan 2 in period b), a, b in 1..3 or NEVER."""
    rho = deal.correlation
    z, w = np.polynomial.hermite_e.hermegauss(nodes)  # weight exp(-z^2 / 2)
    w = w / math.sqrt(2.0 * math.pi)
    per_loan = []
    for ln in deal.loans:
        cond_cum = [np.zeros_like(z)]
        for t in range(1, PERIODS + 1):
            threshold = norm.ppf(1.0 - (1.0 - ln.annual_pd) ** t)
            cond_cum.append(norm.cdf((threshold - math.sqrt(rho) * z) / math.sqrt(1.0 - rho)))
        probs = {k: cond_cum[k] - cond_cum[k - 1] for k in range(1, PERIODS + 1)}
        probs[NEVER] = 1.0 - cond_cum[PERIODS]
        per_loan.append(probs)
    return {
        (a, b): float(np.sum(w * per_loan[0][a] * per_loan[1][b]))
        for a in per_loan[0] for b in per_loan[1]
    }


# --------------------------------------------------------- priority of payments

@dataclass
class OutcomeResult:
    cash: dict[str, list[float]] = field(default_factory=dict)  # tranche -> per period
    final_w: dict[str, float] = field(default_factory=dict)
    vehicle_residual: float = 0.0


def write_down_junior_first(bal: list[float], wd: list[float], excess: float) -> None:
    for j in range(len(bal)):  # index 0 = bottom tranche
        if excess <= EPS:
            return
        cut = min(bal[j], excess)
        bal[j] -= cut
        wd[j] += cut
        excess -= cut


def run_waterfall(deal: Deal, default_period: tuple[int, ...], passes: int = 2,
                  block_coupons: bool = True) -> OutcomeResult:
    """The `notes` priority of payments on one outcome (`passes`, `block_coupons` exist
    only to show that the chosen deals are sensitive to those rules)."""
    total = sum(ln.exposure for ln in deal.loans)
    tr = deal.tranches
    n = len(tr)
    bal = [t.size * total for t in tr]
    wd = [0.0] * n
    arr = [0.0] * n
    holder = next((j for j, t in enumerate(tr) if t.residual), None)
    cash_out = {t.name: [0.0] * PERIODS for t in tr}
    retained = 0.0

    for k in range(1, PERIODS + 1):
        paid = [0.0] * n
        # pool events of period k
        interest = 0.0
        pc = 0.0
        assets = 0.0
        for ln, d in zip(deal.loans, default_period, strict=False):
            if d < k:
                continue  # already gone
            if d == k:  # defaults now: default_timing 0 -> no interest; immediate recovery
                pc += (1.0 - ln.lgd) * ln.exposure
                continue
            interest += ln.rate * ln.exposure
            if k == PERIODS:
                pc += ln.exposure  # bullet
            else:
                assets += ln.exposure
        # 1. accrue coupons on start-of-period outstanding
        for j in range(n):
            arr[j] += tr[j].coupon * (bal[j] + wd[j])
        # 3. write-down at start: the notes are backed by the pool's balance, the principal
        #    collected and the reserve held from before
        write_down_junior_first(bal, wd, sum(bal) - (assets + pc + retained))
        # 4. passes of coupons, principal, cures, residual until a pass pays nothing
        cash = interest + pc + retained
        retained = 0.0
        # principal due: what the pool repaid; at maturity every balance
        principal_left = pc if k < PERIODS else float("inf")

        def free(j: int, cash: float = 0.0) -> float:
            """Cash a non-principal payment to tranche j (-1: the residual) may use: never
            what more senior balances still need (principal collected for them, and the
            part of them the remaining pool no longer backs)."""
            above = sum(bal[j + 1:]) if j >= 0 else sum(bal)
            # reads this period's principal_left and assets at call time, on purpose
            protected = max(min(principal_left, above), above - assets)  # noqa: B023
            return max(cash - protected, 0.0)
        for _pass in range(passes if passes < 2 else n + 2):
            cash_before = cash
            # a. coupons, senior first, blocked while a more senior tranche is short, and
            #    never out of principal collected that a more senior balance still needs
            blocked = False
            for j in reversed(range(n)):
                if not blocked:
                    x = min(free(j, cash), arr[j])
                    arr[j] -= x
                    cash -= x
                    paid[j] += x
                if block_coupons and (arr[j] > EPS or wd[j] > EPS):
                    blocked = True
            # b. principal, senior first
            for j in reversed(range(n)):
                x = min(cash, bal[j], principal_left)
                bal[j] -= x
                cash -= x
                principal_left -= x
                paid[j] += x
            # c. cures, senior first; a cure waits while a more senior coupon is in arrears
            blocked = False
            for j in reversed(range(n)):
                if not blocked:
                    x = min(free(j, cash), wd[j])
                    wd[j] -= x
                    cash -= x
                    paid[j] += x
                if block_coupons and (arr[j] > EPS or wd[j] > EPS):
                    blocked = True
            # d. residual
            short = any(a > EPS for a in arr) or any(w > EPS for w in wd)
            if holder is not None and not short:
                x = free(-1, cash)
                paid[holder] += x
                cash -= x
            if abs(cash - cash_before) <= EPS:
                break
        retained = cash
        # 5. write-down at end: backed by the pool's balance and the reserve (nothing at the end)
        write_down_junior_first(bal, wd, sum(bal) - (assets + (retained if k < PERIODS else 0.0)))
        for j in range(n):
            cash_out[tr[j].name][k - 1] = paid[j]

    return OutcomeResult(
        cash=cash_out,
        final_w={t.name: wd[j] for j, t in enumerate(tr)},
        vehicle_residual=retained,  # 6. left in hand after the last period
    )


# ------------------------------------------------------------------ expectations

@dataclass
class Stat:
    mean: float
    se: float  # Monte Carlo standard error for PATHS paths


def moments(values: list[float], probs: list[float]) -> Stat:
    v = np.asarray(values)
    p = np.asarray(probs)
    mean = float(np.sum(p * v))
    var = float(np.sum(p * (v - mean) ** 2))
    return Stat(mean, math.sqrt(max(var, 0.0) / PATHS))


@cache
def enumeration(key: str, passes: int = 2, block_coupons: bool = True) -> dict[str, Any]:
    deal = DEALS[key]
    probs = outcome_probabilities(deal)
    outcomes = sorted(probs)
    p = [probs[o] for o in outcomes]
    results = [run_waterfall(deal, o, passes, block_coupons) for o in outcomes]
    cash = {
        (t.name, k): moments([r.cash[t.name][k - 1] for r in results], p)
        for t in deal.tranches for k in range(1, PERIODS + 1)
    }
    loss = {t.name: moments([r.final_w[t.name] for r in results], p) for t in deal.tranches}
    total_cash = {
        t.name: moments([sum(r.cash[t.name]) for r in results], p) for t in deal.tranches
    }
    residual = moments([r.vehicle_residual for r in results], p)
    return {"probs": probs, "results": dict(zip(outcomes, results, strict=False)), "cash": cash,
            "loss": loss, "total_cash": total_cash, "residual": residual}


@cache
def finmodel_results(key: str):
    return run(Scenario.model_validate(scenario_data(DEALS[key])))


def within(got: float, stat: Stat) -> bool:
    return abs(got - stat.mean) <= 4.0 * stat.se + 1e-9


# ------------------------------------------------------------------------- tests

@pytest.mark.parametrize("key", sorted(DEALS))
def test_outcome_probabilities_sum_to_one_and_match_marginals(key: str) -> None:
    deal = DEALS[key]
    probs = outcome_probabilities(deal)
    assert len(probs) == 16
    assert all(v >= 0.0 for v in probs.values())
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-12)
    # marginal of each loan must be the unconditional cumulative-PD increment
    for i, ln in enumerate(deal.loans):
        for k in range(1, PERIODS + 1):
            marginal = sum(v for o, v in probs.items() if o[i] == k)
            expected = (1 - ln.annual_pd) ** (k - 1) - (1 - ln.annual_pd) ** k
            assert marginal == pytest.approx(expected, abs=1e-10)
    # quadrature is converged
    coarse = outcome_probabilities(deal, nodes=120)
    for o in probs:
        assert probs[o] == pytest.approx(coarse[o], abs=1e-12)


def test_hand_waterfall_conserves_cash() -> None:
    """Sanity of the enumeration itself: every unit collected is paid or retained."""
    for key in DEALS:
        deal = DEALS[key]
        for outcome, res in enumeration(key)["results"].items():
            collected = 0.0
            for ln, d in zip(deal.loans, outcome, strict=False):
                if d <= PERIODS:
                    collected += (1 - ln.lgd) * ln.exposure + ln.rate * ln.exposure * (d - 1)
                else:
                    collected += ln.exposure * (1 + ln.rate * PERIODS)
            distributed = sum(sum(c) for c in res.cash.values()) + res.vehicle_residual
            assert distributed == pytest.approx(collected, abs=1e-9), (key, outcome)


def test_hand_waterfall_known_outcomes() -> None:
    """Two outcomes worked on paper for the two-tranche deal."""
    res = enumeration("two_tranche")["results"]
    # no defaults: senior 2.1 coupon a year and 70 at the end; first loss takes the rest
    nd = res[(NEVER, NEVER)]
    assert nd.cash["senior"] == pytest.approx([2.1, 2.1, 72.1])
    assert nd.cash["first_loss"] == pytest.approx([6.9, 6.9, 36.9])
    assert nd.vehicle_residual == pytest.approx(0.0)
    # loan 1 defaults in year 1: loss 45, recovery 5; senior written down 15 in year 1
    # (assets 50 + PC 5 vs 100), cured later from loan 2's interest and the bullet.
    d1 = res[(1, NEVER)]
    # year 1: accrue 2.1, excess 45 -> FL 30, senior 15 (B 55, W 15); cash 4 + 5 = 9:
    # coupon 2.1, principal 5, cure 1.9 -> W 13.1; end: B 50 = assets, nothing more.
    assert d1.cash["senior"][0] == pytest.approx(9.0)
    # year 2: accrue 0.03 * 63.1 = 1.893, cash 4: coupon 1.893, cure 2.107 -> W 10.993
    assert d1.cash["senior"][1] == pytest.approx(4.0)
    # year 3: accrue 0.03 * 60.993 = 1.82979; cash 54: coupon, principal 50, then cure:
    # cash after coupon and principal = 54 - 1.82979 - 50 = 2.17021 < 10.993 -> all to senior
    assert d1.cash["senior"][2] == pytest.approx(54.0)
    assert d1.final_w["senior"] == pytest.approx(10.993 - 2.17021)
    assert d1.final_w["first_loss"] == pytest.approx(30.0)
    assert sum(d1.cash["first_loss"]) == pytest.approx(0.0)


@pytest.mark.parametrize(("key", "variant"), [
    ("second_pass", {"passes": 1}),
    ("blocked_coupon", {"block_coupons": False}),
])
def test_deals_are_sensitive_to_the_rules(key: str, variant: dict[str, Any]) -> None:
    """The deals must be able to tell the rules apart: dropping the second pass or the
    coupon block moves some expected cash by far more than the Monte Carlo tolerance."""
    right = enumeration(key)["cash"]
    wrong = enumeration(key, **variant)["cash"]
    worst = max(abs(right[c].mean - wrong[c].mean) / (right[c].se + 1e-12) for c in right)
    assert worst > 5.0


@pytest.mark.parametrize("key", sorted(DEALS))
def test_expected_cash_per_tranche_per_period(key: str) -> None:
    enum = enumeration(key)
    cf = finmodel_results(key).cashflows
    failures = []
    for (name, k), stat in enum["cash"].items():
        row = cf[(cf["holder_type"] == "tranche") & (cf["holder"] == name) & (cf["period"] == k)]
        assert len(row) == 1, (name, k)
        got = float(row["cash"].iloc[0])
        if not within(got, stat):
            failures.append(f"{name} period {k}: enumeration {stat.mean:.6f}, finmodel "
                            f"{got:.6f}, se {stat.se:.6f}, z {(got - stat.mean) / stat.se:.2f}")
    assert not failures, f"{key}: " + "; ".join(failures)


@pytest.mark.parametrize("key", sorted(DEALS))
def test_expected_loss_and_cash_per_tranche(key: str) -> None:
    enum = enumeration(key)
    tr = finmodel_results(key).tranches.set_index("tranche")
    failures = []
    for name, stat in enum["loss"].items():
        got = float(tr.loc[name, "expected_loss"])
        if not within(got, stat):
            failures.append(f"{name} expected_loss: enumeration {stat.mean:.6f}, finmodel "
                            f"{got:.6f}, se {stat.se:.6f}")
    for name, stat in enum["total_cash"].items():
        got = float(tr.loc[name, "expected_cash"])
        if not within(got, stat):
            failures.append(f"{name} expected_cash: enumeration {stat.mean:.6f}, finmodel "
                            f"{got:.6f}, se {stat.se:.6f}")
    assert not failures, f"{key}: " + "; ".join(failures)


@pytest.mark.parametrize("key", sorted(DEALS))
def test_vehicle_residual(key: str) -> None:
    enum = enumeration(key)
    cf = finmodel_results(key).cashflows
    veh = cf[cf["holder_type"] == "vehicle"].set_index("period")
    stat = enum["residual"]
    got_last = float(veh.loc[PERIODS, "residual"])
    got_total = float(veh["residual"].sum())
    assert within(got_last, stat), (
        f"{key} vehicle residual: enumeration {stat.mean:.6f}, finmodel {got_last:.6f}, "
        f"se {stat.se:.6f}")
    assert got_total == pytest.approx(got_last, abs=1e-9)
    if not any(t.residual for t in DEALS[key].tranches):
        assert stat.mean > 0.0  # the no-holder variant must actually leave an excess

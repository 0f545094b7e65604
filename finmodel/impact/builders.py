"""The two portfolio builders and the impact-risk frontier.

* **Firm by firm** (positive-impact finance one company at a time): each firm is judged
  alone. It is eligible when its own expected-loss rate is within the limit and its own
  impact (every indicator it moves, at its scale, whatever the issue) reaches
  ``min_own_impact``; eligible firms are taken best own impact per unit of money first
  while the budget and the per-issue concentration limit allow.
* **Core-issue driven**: firms and non-financial support options are chosen together to
  maximise the contribution to the core issue through the logic model, as an integer
  programme solved exactly by ``scipy.optimize.milp`` (HiGHS), under the same budget
  (less the backbone's coordination cost), the same expected-loss limit on the whole
  portfolio and the same concentration limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, sparse

from finmodel.impact.candidates import Candidates
from finmodel.scenario.impact_model import PortfolioSpec
from finmodel.vocabulary import Issue

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SupportValues:
    """Non-financial support options as arrays: cost and core value over the horizon."""

    ids: tuple[str, ...]
    cost: FloatArray
    core: FloatArray
    public: BoolArray

    @classmethod
    def empty(cls) -> SupportValues:
        return cls((), np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool))


@dataclass(frozen=True)
class Selection:
    """A portfolio: which candidates and support options were chosen, and how."""

    name: str
    firms: BoolArray
    support: BoolArray
    objective: float  # core-issue impact of the selection
    budget: float  # money available to this builder
    status: str
    mip_gap: float = 0.0


def _issue_index(candidates: Candidates) -> tuple[list[Issue], NDArray[np.int64]]:
    issues = sorted(set(candidates.issue), key=list(Issue).index)
    return issues, np.array([issues.index(i) for i in candidates.issue], dtype=np.int64)


def firm_by_firm(candidates: Candidates, brief: PortfolioSpec) -> Selection:
    """Each firm judged alone on its own risk and own impact (see module docstring)."""
    money = candidates.money
    rate = candidates.expected_loss / money
    eligible = (rate <= brief.max_expected_loss + 1e-12) & (candidates.own > 0) & (
        candidates.own >= brief.min_own_impact)
    order = np.argsort(-(candidates.own / money), kind="stable")
    issues, index = _issue_index(candidates)
    per_issue = np.zeros(len(issues))
    cap = brief.max_share_per_issue * brief.budget
    spent = 0.0
    chosen = np.zeros(len(candidates), dtype=bool)
    for f in order:
        if not eligible[f]:
            continue
        if spent + money[f] > brief.budget + 1e-9 or per_issue[index[f]] + money[f] > cap + 1e-9:
            continue
        chosen[f] = True
        spent += money[f]
        per_issue[index[f]] += money[f]
    no_support = np.zeros(len(brief.support_options), dtype=bool)
    return Selection("firm_by_firm", chosen, no_support,
                     float(candidates.core[chosen].sum()), brief.budget, "rule-based")


def core_issue(candidates: Candidates, brief: PortfolioSpec, support: SupportValues,
               budget: float, max_expected_loss: float | None = None,
               time_limit: float | None = None) -> Selection:
    """The core-issue portfolio as an exact integer programme.

    maximise   sum_f core_f x_f + sum_o core_o y_o
    subject to sum_f money_f x_f + sum_o cost_o y_o <= budget
               sum_f (EL_f - limit x money_f) x_f <= 0          (portfolio EL rate)
               sum_{f in issue} money_f x_f <= share x brief.budget, for every issue
               x, y binary
    """
    limit = brief.max_expected_loss if max_expected_loss is None else max_expected_loss
    n, m = len(candidates), support.cost.shape[0]
    money = candidates.money
    objective = -np.concatenate([candidates.core, support.core])
    rows = [np.concatenate([money, support.cost]),
            np.concatenate([candidates.expected_loss - limit * money, np.zeros(m)])]
    upper = [budget, 0.0]
    issues, index = _issue_index(candidates)
    for k in range(len(issues)):
        rows.append(np.concatenate([np.where(index == k, money, 0.0), np.zeros(m)]))
        upper.append(brief.max_share_per_issue * brief.budget)
    matrix = sparse.csr_array(np.vstack(rows))
    with native_stdout_silenced():
        result = optimize.milp(
            objective, integrality=np.ones(n + m),
            bounds=optimize.Bounds(0, 1),
            constraints=optimize.LinearConstraint(matrix, -np.inf, np.array(upper)),
            options={"time_limit": time_limit or brief.time_limit, "disp": False})
    if result.x is None:
        return Selection("core_issue", np.zeros(n, dtype=bool), np.zeros(m, dtype=bool), 0.0,
                         budget, f"no solution: {result.message}", float("nan"))
    x = result.x > 0.5
    gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
    status = "optimal" if result.status == 0 else f"stopped early: {result.message}"
    return Selection("core_issue", x[:n], x[n:], float(-result.fun), budget, status, gap)


@contextmanager
def native_stdout_silenced() -> Iterator[None]:
    """Send what native code writes to standard output to /dev/null for the block.

    HiGHS (inside ``scipy.optimize.milp``) prints debug lines such as
    "HighsMipSolverData::transformNewIntegerFeasibleSolution" from C++ even with
    ``disp: False``; they would land in the user's terminal and in CSV piped from the CLI.
    The file descriptor is redirected (Python's own ``sys.stdout`` is flushed first, and C's
    buffers before it is restored). While the block runs, other threads' output to fd 1 is
    lost too; the solve is short and the app logs to stderr.
    """
    import ctypes
    import os
    import sys

    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output at all: nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def greedy_core(candidates: Candidates, brief: PortfolioSpec, budget: float,
                support: SupportValues | None = None) -> Selection:
    """Baseline for the benchmark: firms and support options taken best core value per unit
    of money first, skipping any that would break a limit."""
    support = support or SupportValues.empty()
    n = len(candidates)
    money = np.concatenate([candidates.money, support.cost])
    value = np.concatenate([candidates.core, support.core])
    el = np.concatenate([candidates.expected_loss, np.zeros(support.cost.shape[0])])
    issues, index = _issue_index(candidates)
    per_issue = np.zeros(len(issues))
    cap = brief.max_share_per_issue * brief.budget
    spent = firm_money = loss = 0.0
    chosen = np.zeros(money.shape[0], dtype=bool)
    for k in np.argsort(-(value / money), kind="stable"):
        if value[k] <= 0:
            break
        if spent + money[k] > budget + 1e-9:
            continue
        if k < n:
            if per_issue[index[k]] + money[k] > cap + 1e-9:
                continue
            if loss + el[k] > brief.max_expected_loss * (firm_money + money[k]) + 1e-9:
                continue
            per_issue[index[k]] += money[k]
            firm_money += money[k]
            loss += el[k]
        chosen[k] = True
        spent += money[k]
    return Selection("greedy", chosen[:n], chosen[n:], float(value[chosen].sum()), budget,
                     "greedy")


def frontier_limits(candidates: Candidates, brief: PortfolioSpec) -> FloatArray:
    """Expected-loss limits from the safest useful firm's rate to the brief's limit."""
    rate = candidates.expected_loss / candidates.money
    useful = rate[candidates.core > 0]
    low = float(useful.min()) if useful.size else 0.0
    high = max(float(brief.max_expected_loss), low)
    return np.linspace(low, high, brief.frontier_points)


def frontier(candidates: Candidates, brief: PortfolioSpec, support: SupportValues,
             budget: float, solved: Callable[[], None] | None = None
             ) -> list[tuple[float, Selection]]:
    """The best core-issue impact at each expected-loss limit (non-decreasing in the limit);
    ``solved()`` is called after each limit's solve (for a progress bar)."""
    points = []
    for limit in frontier_limits(candidates, brief):
        points.append((float(limit), core_issue(candidates, brief, support, budget, float(limit))))
        if solved is not None:
            solved()
    return points

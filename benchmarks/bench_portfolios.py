"""Portfolio builders at scale: 2,000 candidate firms, both portfolios and a 20-point frontier.

The shipped core-issue scenario with 2,000 candidates (budget scaled with them). Times
the firm-by-firm builder, the exact core-issue integer programme, the greedy baseline
(firms and support options, best core value per unit of money first, within the
same limits) and the 20-point
impact-risk frontier, and reports how much core-issue impact the exact solve adds over
greedy and what it costs in time.

Run: ``python -m benchmarks.bench_portfolios``
"""

from __future__ import annotations

import time

import yaml

from finmodel.impact.builders import core_issue, firm_by_firm, frontier, greedy_core
from finmodel.impact.candidates import draw_candidates
from finmodel.impact.catalogue import catalogue
from finmodel.impact.logic import logic_weights
from finmodel.impact.results import support_values
from finmodel.scenario.model import Scenario
from tests.conftest import ROOT

CANDIDATES = 2000


def scenario() -> Scenario:
    data = yaml.safe_load((ROOT / "scenarios" / "core_issue_vs_firm_by_firm.yaml").read_text())
    scale = CANDIDATES / data["portfolio"]["candidates"]
    data["portfolio"]["candidates"] = CANDIDATES
    data["portfolio"]["budget"] *= scale
    data["portfolio"]["max_share_per_firm"] /= scale
    return Scenario.model_validate(data)


def clock(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    s = scenario()
    brief = s.portfolio
    assert brief is not None
    (c, support), t_draw = clock(lambda: (draw_candidates(s), support_values(
        s, logic_weights(s, catalogue(s)))))
    budget = brief.budget - s.coordination_cost * brief.horizon_years
    fbf, t_fbf = clock(lambda: firm_by_firm(c, brief))
    exact, t_exact = clock(lambda: core_issue(c, brief, support, budget))
    greedy, t_greedy = clock(lambda: greedy_core(c, brief, budget, support))
    points, t_frontier = clock(lambda: frontier(c, brief, support, budget))
    print(f"{CANDIDATES:,} candidates, budget {brief.budget:,.0f}, "
          f"{len(brief.support_options)} support options")
    print(f"  drawing candidates:        {t_draw * 1e3:8.1f} ms")
    print(f"  firm-by-firm builder:      {t_fbf * 1e3:8.1f} ms  core impact {fbf.objective:.3f}")
    print(f"  greedy core-issue:         {t_greedy * 1e3:8.1f} ms  core impact {greedy.objective:.3f}")
    print(f"  exact core-issue (MILP):   {t_exact * 1e3:8.1f} ms  core impact {exact.objective:.3f}"
          f"  ({exact.status}, gap {exact.mip_gap:.1e})")
    print(f"  exact adds {100 * (exact.objective / greedy.objective - 1):.2f}% core impact over "
          f"greedy, at {t_exact / t_greedy:,.0f}x its time")
    statuses = {sel.status for _, sel in points}
    print(f"  frontier, {len(points)} points:     {t_frontier:8.2f} s  "
          f"({t_frontier / len(points) * 1e3:.0f} ms a point; {', '.join(statuses)})")
    print(f"  both portfolios + frontier: {t_fbf + t_exact + t_frontier:.2f} s")


if __name__ == "__main__":
    main()

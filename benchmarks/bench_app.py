"""Web app speed: a slider change on the default scenario, and board-paper export.

* Server time from a slider change to the updated figures: what the capital-stack
  what-if callback does for a new first-loss size (scenario change, engine run with a
  cache miss, five figures serialised to JSON), median over 20 slider positions.
* The smallest first loss meeting the senior target: the page computes it in a
  background callback (when the target, the vehicle, the coupon or a guarantee changes,
  not on every slider move), cached by scenario; timed here on a cache miss.
* Board-paper export: the first chart of a fresh renderer (which starts Chromium), a
  single chart on a warm renderer, and the whole board paper per page, all in one run.

Run: ``python -m benchmarks.bench_app``
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from io import BytesIO

import diskcache
import numpy as np
from plotly.utils import PlotlyJSONEncoder
from pypdf import PdfReader

from finmodel import run
from finmodel.scenario.loader import load_scenario
from finmodel.stack.design import SeniorTarget
from finmodel.ui.export import Renderer, board_paper
from finmodel.ui.figures import make_stack
from finmodel.ui.pages.stack import stack_view
from finmodel.ui.state import ResultsCache, stack_what_if
from tests.conftest import ROOT

DEFAULT = ROOT / "scenarios" / "dormant_deposit_fund.yaml"


def slider_change(cache: ResultsCache, base, first_loss: float) -> None:  # type: ignore[no-untyped-def]
    """What the stack page's callback does for a slider move, and the response's JSON."""
    scenario = stack_what_if(base, "subordinated_fund", first_loss, None, None, 0.0)
    figures, rows = stack_view(cache, scenario, "subordinated_fund", "ja")
    json.dumps([figures, rows], cls=PlotlyJSONEncoder)


def smallest_first_loss(cache: ResultsCache, base, target: float) -> None:  # type: ignore[no-untyped-def]
    scenario = stack_what_if(base, "subordinated_fund", None, None, None, 0.0)
    cache.get_or_design(scenario, "subordinated_fund", SeniorTarget.max_expected_loss_pct, target)


def main() -> None:
    base = load_scenario(DEFAULT)
    with tempfile.TemporaryDirectory() as folder:
        cache = ResultsCache(diskcache.Cache(folder))
        times = []
        for first_loss in np.linspace(0.05, 0.3, 20):
            start = time.perf_counter()
            slider_change(cache, base, float(first_loss))
            times.append(time.perf_counter() - start)
        cached_times = []
        for first_loss in np.linspace(0.05, 0.3, 20):  # back over the same positions
            start = time.perf_counter()
            slider_change(cache, base, float(first_loss))
            cached_times.append(time.perf_counter() - start)
        cached = statistics.median(cached_times)
        designs = []
        for target in (0.005, 0.002, 0.001):
            start = time.perf_counter()
            smallest_first_loss(cache, base, target)
            designs.append(time.perf_counter() - start)
        start = time.perf_counter()
        smallest_first_loss(cache, base, 0.005)
        design_cached = time.perf_counter() - start
    print("slider change on the default scenario (server side, what-if callback):")
    print(f"  median {statistics.median(times) * 1e3:.0f} ms, max {max(times) * 1e3:.0f} ms "
          f"(cache miss); median {cached * 1e3:.1f} ms when the scenario is cached (goal <= 30 ms)")
    print("smallest first loss meeting the senior target (background callback):")
    print(f"  median {statistics.median(designs):.2f} s (cache miss); "
          f"{design_cached * 1e3:.0f} ms when cached")

    results = run(load_scenario(ROOT / "scenarios" / "bundle_policy_shock.yaml"))
    renderer = Renderer()
    fig = make_stack(run(base), "ja")
    start = time.perf_counter()
    renderer.render(fig, "pdf")
    first = time.perf_counter() - start
    start = time.perf_counter()
    renderer.render(fig, "pdf")
    single = time.perf_counter() - start
    start = time.perf_counter()
    pdf = board_paper(results, "ja", renderer)
    paper = time.perf_counter() - start
    renderer.close()
    pages = len(PdfReader(BytesIO(pdf)).pages)
    print("board paper export (bundle_policy_shock, Japanese):")
    print(f"  first chart of a fresh renderer (starts Chromium): {first:.2f} s")
    print(f"  one chart on a warm renderer:                      {single:.2f} s")
    print(f"  board paper, {pages} pages: {paper:.2f} s = {paper / pages:.2f} s a page "
          f"({paper / pages / single:.1f}x a single warm chart; the browser start is "
          f"{first / single:.0f}x a warm chart)")


if __name__ == "__main__":
    main()

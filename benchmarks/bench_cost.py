"""The cost estimates against what runs cost: time and peak memory per unit of estimate.

``finmodel.cost`` refuses a request from its fields alone, before any work. This script
runs shipped scenarios at two sizes each and prints, for each figure the estimate counts
(a vehicle's binomial draws and memory, a bundle's firm-years), the measured seconds
per unit and the measured peak memory against the estimate; then what the app's and the
CLI's limits mean in minutes of one core at the measured rate. The baseline is the run
itself (``finmodel.run``): the estimate is judged by what a user's run costs.

Run: ``python -m benchmarks.bench_cost``
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

from finmodel import run
from finmodel.cost import APP_LIMITS, CLI_LIMITS, bundle_firm_years, vehicle_bytes, vehicle_work
from finmodel.scenario.loader import load_scenario
from finmodel.scenario.model import Scenario
from tests.conftest import ROOT

SCENARIOS = ROOT / "finmodel" / "scenarios"


def measure(scenario: Scenario) -> tuple[float, int]:
    """Seconds and traced peak bytes of one run."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        run(scenario)
        return time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def sized(scenario: Scenario, paths: int | None = None,
          replications: int | None = None) -> Scenario:
    update: dict[str, object] = {}
    if paths is not None:
        update["vehicles"] = [v.model_copy(update={"paths": paths}) for v in scenario.vehicles]
    if replications is not None and scenario.simulation is not None:
        update["simulation"] = scenario.simulation.model_copy(
            update={"replications": replications})
    return scenario.model_copy(update=update)


def rate(name: str, sizes: list[Scenario], units: Callable[[Scenario], float],
         label: str) -> float:
    """Marginal seconds per unit between the two sizes (the fixed start-up cost cancels)."""
    (t0, m0), (t1, m1) = measure(sizes[0]), measure(sizes[1])
    u0, u1 = units(sizes[0]), units(sizes[1])
    per_unit = (t1 - t0) / (u1 - u0)
    print(f"{name}: {u0:,.3g} -> {u1:,.3g} {label}: {t0:.2f} s -> {t1:.2f} s, "
          f"{per_unit * 1e6:.2f} us per {label.rstrip('s')}; peak {m0 / 2**20:,.0f} -> "
          f"{m1 / 2**20:,.0f} MiB")
    return per_unit


def main() -> None:
    print("cost estimates against measured runs (one core)")
    draw_rates = []
    for name in ("dormant_deposit_fund", "amortising_guaranteed_loans"):
        base = load_scenario(SCENARIOS / f"{name}.yaml")
        sizes = [sized(base, paths=20_000), sized(base, paths=200_000)]
        draw_rates.append(rate(name, sizes, lambda s: sum(map(vehicle_work, s.vehicles)),
                               "draws"))
        _, peak = measure(sizes[1])
        estimate = max(map(vehicle_bytes, sizes[1].vehicles))
        print(f"  memory at 200,000 paths: estimate {estimate / 2**20:,.0f} MiB, measured "
              f"peak {peak / 2**20:,.0f} MiB (ratio {estimate / peak:.2f}, >= 1 is safe)")
    fy_rates = []
    for name in ("bundle_policy_shock", "bundle_seed_accelerator"):
        base = load_scenario(SCENARIOS / f"{name}.yaml")
        sizes = [sized(base, replications=20), sized(base, replications=200)]
        fy_rates.append(rate(name, sizes, bundle_firm_years, "firm-years"))
    draws, fy = max(draw_rates), max(fy_rates)
    for who, limits in (("app", APP_LIMITS), ("CLI", CLI_LIMITS)):
        print(f"{who} limits at the slowest measured rates: vehicle "
              f"{limits.path_work:,.3g} draws = {limits.path_work * draws / 60:,.1f} min, "
              f"memory {limits.memory_bytes / 2**30:,.0f} GiB; bundle "
              f"{limits.firm_years:,.3g} firm-years = {limits.firm_years * fy / 60:,.1f} min")


if __name__ == "__main__":
    main()

"""Batch throughput: 200 small scenarios serially, on 2 local workers and on Dask.

A sweep of 200 points over a small Monte Carlo stack scenario (each run about as heavy
as a quick what-if). Measured in the same run:

* ``run`` called in a plain loop (the floor: no planning, no storage);
* the batch in this process (1 worker), on a 2-worker process pool, and on a 2-worker
  Dask LocalCluster (cluster start-up included);
* runs per second, parallel efficiency = serial time / (2 x parallel time) (against
  the 1-worker batch and against the plain loop), and the per-run overhead of each
  backend against the plain loop.

Run: ``python -m benchmarks.bench_batch``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from finmodel.batch.runner import run_batch, silent_progress
from finmodel.batch.sweep import expand
from finmodel.run import run
from finmodel.scenario.loader import load_scenario

RUNS = 200


def scenario_file(folder: Path) -> Path:
    data = {
        "name": "batch benchmark", "seed": 3,
        "providers": [{"id": "pub", "type": "municipality"}, {"id": "bank", "type": "regional_bank"}],
        "vehicles": [{
            "id": "fund", "horizon_years": 5, "correlation": 0.15, "engine": "monte_carlo",
            "paths": 40_000,
            "pool": [{"segment": f"s{i}", "count": 20, "exposure": 10 + i, "annual_pd": 0.02 + 0.005 * i,
                      "lgd": 0.6, "rate": 0.03} for i in range(8)],
            "tranches": [{"name": "first_loss", "provider": "pub", "kind": "first_loss", "size": 0.1},
                         {"name": "senior", "provider": "bank", "kind": "senior", "size": 0.9,
                          "coupon": 0.015, "hurdle_return": 0.01}]}],
        "sweep": {"grid": {
            "vehicles.fund.tranches.first_loss.size": [float(x) for x in np.linspace(0.02, 0.3, 20)],
            "vehicles.fund.correlation": [float(x) for x in np.linspace(0.05, 0.5, RUNS // 20)]}},
    }
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = scenario_file(folder)
        points = expand(load_scenario(path))
        start = time.perf_counter()
        for point in points:
            run(point.scenario)
        loop = time.perf_counter() - start
        timings = {}
        for label, kwargs in [("batch, 1 worker", {"workers": 1}),
                              ("process pool, 2 workers", {"workers": 2}),
                              ("dask LocalCluster, 2 workers", {"workers": 2, "backend": "dask"})]:
            start = time.perf_counter()
            report = run_batch([path], folder / label.replace(" ", "_"), progress=silent_progress, **kwargs)
            timings[label] = time.perf_counter() - start
            assert report.count("ok") == RUNS, report.failures
        print(f"{RUNS} runs of a small Monte Carlo stack scenario")
        print(f"  plain loop over run():          {loop:6.2f} s  {RUNS / loop:6.1f} runs/s")
        serial = timings["batch, 1 worker"]
        for label, seconds in timings.items():
            line = f"  {label + ':':<32}{seconds:6.2f} s  {RUNS / seconds:6.1f} runs/s"
            workers = 1 if label.startswith("batch") else 2
            overhead = (seconds * workers - loop) / RUNS
            line += f"  overhead {overhead * 1e3:6.1f} ms/run"
            if workers == 2:
                line += (f"  parallel efficiency {serial / (2 * seconds):.0%} vs the 1-worker "
                         f"batch, {loop / (2 * seconds):.0%} vs the plain loop (goal >= 85%)")
            print(line)


if __name__ == "__main__":
    main()

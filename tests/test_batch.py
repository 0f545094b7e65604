"""Batch runs: sweeps, seeds, the results store, resume, failures, and both backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from finmodel import ScenarioError, load_scenario, parse_scenario
from finmodel.batch.runner import Progress, run_batch, silent_progress
from finmodel.batch.store import read_store, write_parquet_atomic
from finmodel.batch.sweep import expand, run_seeds
from finmodel.cli import main
from tests.conftest import ROOT

GRID = ROOT / "scenarios" / "sweep_first_loss.yaml"
LHS = ROOT / "scenarios" / "sweep_guarantee_lhs.yaml"


quiet = silent_progress


def sweep_file(tmp_path: Path, grid: dict[str, Any], name: str = "s.yaml") -> Path:
    data = yaml.safe_load(GRID.read_text(encoding="utf-8"))
    data["sweep"] = {"grid": grid}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_grid_sweep_expands_every_combination_and_rebalances_the_stack() -> None:
    points = expand(load_scenario(GRID))
    assert len(points) == 8
    sizes = {(p.parameters["vehicles.impact_fund.tranches.first_loss.size"],
              p.parameters["vehicles.impact_fund.correlation"]) for p in points}
    assert len(sizes) == 8
    for point in points:
        tranches = point.scenario.vehicles[0].tranches
        assert tranches[0].size == point.parameters["vehicles.impact_fund.tranches.first_loss.size"]
        assert tranches[0].size + tranches[1].size == pytest.approx(1.0)
        assert point.scenario.sweep is None
    assert [p.scenario.seed for p in points] == run_seeds(20250401, 8)


def test_common_random_numbers_give_every_point_the_scenarios_seed() -> None:
    from finmodel import run
    from finmodel.scenario.changes import with_changes

    base = load_scenario(GRID)
    assert base.sweep is not None
    crn = base.model_copy(update={"sweep": base.sweep.model_copy(
        update={"common_random_numbers": True})})
    points = expand(crn)
    assert [p.scenario.seed for p in points] == [base.seed] * len(points)
    # the same paths at every point: two points differing only in the first-loss size have
    # the same pool loss on every path (the Monte Carlo noise cancels in the difference)
    a, b = (p for p in points if p.parameters["vehicles.impact_fund.correlation"] == 0.1
            and p.parameters["vehicles.impact_fund.tranches.first_loss.size"] in (0.05, 0.1))
    pool_a = run(a.scenario).vehicles["pool_expected_loss"].iloc[0]
    pool_b = run(b.scenario).vehicles["pool_expected_loss"].iloc[0]
    assert pool_a == pool_b
    again = with_changes(crn, {"sweep.common_random_numbers": False})
    assert [p.scenario.seed for p in expand(again)] == run_seeds(base.seed, len(points))


def test_run_seeds_come_from_seedsequence_spawn() -> None:
    seeds = run_seeds(7, 3)
    children = np.random.SeedSequence(7).spawn(3)
    assert seeds == [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
    assert len(set(seeds)) == 3 and all(0 <= s < 2**63 for s in seeds)


def test_latin_hypercube_design_is_stratified_within_ranges() -> None:
    points = expand(load_scenario(LHS))
    assert len(points) == 6
    rates = np.array([p.parameters["facilities.transition_guarantee.rate"] for p in points])
    budgets = np.array([p.parameters["facilities.transition_guarantee.budget"] for p in points])
    assert np.all((rates >= 0.5) & (rates <= 0.9)) and np.all((budgets >= 500) & (budgets <= 4000))
    # One point in each sixth of each range.
    assert sorted(np.floor((rates - 0.5) / 0.4 * 6).astype(int)) == list(range(6))
    assert sorted(np.floor((budgets - 500) / 3500 * 6).astype(int)) == list(range(6))
    assert all(p.scenario.facilities[0].rate == r for p, r in zip(points, rates, strict=True))


def test_bad_sweep_paths_and_values_are_refused_before_running(tmp_path: Path) -> None:
    bad_path = sweep_file(tmp_path, {"vehicles.impact_fund.tranches.frist_loss.size": [0.1]})
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad_path)
    message = str(info.value)
    assert f"{bad_path}:" in message
    assert "sweep.grid.vehicles.impact_fund.tranches.frist_loss.size: no item 'frist_loss'" in message
    bad_value = sweep_file(tmp_path, {"vehicles.impact_fund.correlation": [0.2, 1.5]}, "v.yaml")
    out = tmp_path / "out"
    report = run_batch([bad_value], out, progress=quiet)
    assert report.count("invalid") == 1 and report.count("ok") == 0
    assert "run 1 (vehicles.impact_fund.correlation=1.5) is invalid" in report.records[0].error
    assert not (out / "runs").exists()  # nothing ran


def test_batch_goes_on_past_bad_files_and_exit_codes(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.yaml").write_text((ROOT / "scenarios" / "credit_guarantee.yaml").read_text())
    (folder / "broken.yaml").write_text("name: [unclosed\n")
    code = main(["batch", str(folder), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "broken (invalid)" in err and "YAML syntax error" in err
    manifest, tables = read_store(tmp_path / "out")
    assert set(manifest["status"]) == {"ok", "invalid"}
    assert set(tables["tranches"]["run_id"]) == {"good"}
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert list(failures["run_id"]) == ["broken"]


def test_a_run_that_fails_is_reported_and_others_go_on(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    run_module = importlib.import_module("finmodel.run")  # the module, not the function
    real = run_module.run

    def flaky(scenario):  # type: ignore[no-untyped-def]
        if scenario.vehicles and scenario.vehicles[0].correlation == 0.25:
            raise RuntimeError("solver exploded")
        return real(scenario)

    monkeypatch.setattr(run_module, "run", flaky)
    report = run_batch([GRID], tmp_path / "out", progress=quiet)
    assert report.count("failed") == 4 and report.count("ok") == 4
    assert all("RuntimeError: solver exploded" in r.error for r in report.records
               if r.status == "failed")


def test_store_is_tidy_and_resume_skips_complete_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_batch([GRID], out, progress=quiet)
    assert first.count("ok") == 8
    manifest, tables = read_store(out)
    tranches = tables["tranches"]
    assert {"run_id", "source", "vehicles.impact_fund.tranches.first_loss.size",
            "vehicles.impact_fund.correlation", "tranche", "expected_loss"} <= set(tranches.columns)
    assert len(tranches) == 16
    assert {"hash", "seed", "parameters", "seconds", "status", "version_finmodel",
            "version_numpy"} <= set(manifest.columns)
    assert json.loads(manifest["parameters"].iloc[0])
    assert not list(out.rglob("*.tmp"))
    # Resume: everything is complete, nothing runs again; lose one marker, one run again.
    again = run_batch([GRID], out, resume=True, progress=quiet)
    assert again.count("skipped") == 8
    victim = manifest["hash"].iloc[3]
    (out / "runs" / victim / "done.json").unlink()
    third = run_batch([GRID], out, resume=True, progress=quiet)
    assert third.count("skipped") == 7 and third.count("ok") == 1
    pd.testing.assert_frame_equal(read_store(out)[1]["tranches"], tranches)


def test_atomic_write_leaves_nothing_when_interrupted(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self, path, **kwargs):  # type: ignore[no-untyped-def]
        Path(path).write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", explode)
    target = tmp_path / "t.parquet"
    with pytest.raises(KeyboardInterrupt):
        write_parquet_atomic(pd.DataFrame({"a": [1]}), target)
    assert list(tmp_path.iterdir()) == []


def test_results_command_prints_and_exports(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    run_batch([GRID], tmp_path / "out", progress=quiet)
    assert main(["results", str(tmp_path / "out"), "--csv", str(tmp_path / "csv")]) == 0
    out = capsys.readouterr().out
    assert "8 run(s): 8 ok" in out and "tranches" in out
    assert (tmp_path / "csv" / "tranches.csv").exists()
    assert main(["results", str(tmp_path)]) == 2


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {k: v.sort_values(list(v.columns[:3])).reset_index(drop=True)
            for k, v in read_store(out)[1].items()}


def test_results_identical_on_every_backend_and_worker_count(tmp_path: Path) -> None:
    paths = [GRID, LHS, ROOT / "scenarios" / "dormant_deposit_fund.yaml"]
    serial = run_batch(paths, tmp_path / "serial", progress=quiet)
    pool = run_batch(paths, tmp_path / "pool", workers=2, progress=quiet)
    dask = run_batch(paths, tmp_path / "dask", workers=2, backend="dask", progress=quiet)
    for report in (serial, pool, dask):
        assert report.count("ok") == 15, report.failures
    reference = _tables(tmp_path / "serial")
    for other in ("pool", "dask"):
        tables = _tables(tmp_path / other)
        assert tables.keys() == reference.keys()
        for kind in reference:
            pd.testing.assert_frame_equal(tables[kind], reference[kind], check_exact=True)


def test_sweep_file_runs_its_base_case_with_finmodel_run() -> None:
    scenario = parse_scenario(GRID.read_text(), str(GRID))
    assert scenario.sweep is not None and scenario.vehicles[0].tranches[0].size == 0.15


def test_progress_draws_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    from finmodel.batch.runner import Outcome

    class Screen:
        def __init__(self, tty: bool) -> None:
            self.text, self.tty = "", tty
        def write(self, text: str) -> None:
            self.text += text
        def flush(self) -> None: ...
        def isatty(self) -> bool:
            return self.tty

    for tty in (True, False):
        screen = Screen(tty)
        progress = Progress(2, screen)  # type: ignore[arg-type]
        progress.update(Outcome("a", "h", "ok"))
        progress.update(Outcome("b", "h", "failed", "boom"))
        if tty:
            assert screen.text.startswith("\r[") and "2/2 runs, 1 failed" in screen.text
            assert screen.text.endswith("\n") and screen.text.count("\n") == 1
        else:
            lines = screen.text.splitlines()
            assert lines[0].startswith("run 1/2 ok a") and lines[1].startswith("run 2/2 failed b")


def test_a_batch_worker_needs_none_of_the_apps_dependencies(tmp_path: Path) -> None:
    """A batch (CLI, run, store) imports nothing of the web app's: with dash, Kaleido,
    pypdf, plotly and diskcache made unimportable, a batch still runs to the end."""
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "one.yaml").write_text((ROOT / "scenarios" / "credit_guarantee.yaml").read_text())
    blocked = ("dash", "dash_bootstrap_components", "kaleido", "pypdf", "plotly", "diskcache")
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {blocked!r}:\n"
        "            raise ImportError(f'{name} is not installed on this worker')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from finmodel.cli import main\n"
        f"sys.exit(main(['batch', {str(folder)!r}, '--out', {str(tmp_path / 'out')!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "out" / "tables" / "tranches.parquet").exists()

"""Hardening of batches and files: modes, bounded sweeps, a consistent store, workers that
end with their batch, and a local Dask cluster of processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import pytest
import yaml

from finmodel.batch import runner as runner_module
from finmodel.batch import store as store_module
from finmodel.batch.runner import local_cluster, plan, run_batch, silent_progress
from finmodel.batch.store import (
    GENERATION_FILE,
    GENERATION_KEY,
    StoreError,
    check_store,
    read_store,
)
from finmodel.batch.sweep import TooManyRuns, describe_count, expand, run_count
from finmodel.cli import main
from finmodel.io import (
    parquet_metadata,
    write_bytes_atomic,
    write_parquet_atomic,
    write_table_atomic,
    write_text_atomic,
)
from finmodel.scenario.loader import load_scenario, parse_document
from tests.conftest import ROOT, scenario_dict

GRID = ROOT / "scenarios" / "sweep_first_loss.yaml"
LHS = ROOT / "scenarios" / "sweep_guarantee_lhs.yaml"
CORRELATION = "vehicles.fund.correlation"


def tiny_sweep(folder: Path, values: list[float] | None = None, name: str = "tiny.yaml",
               **vehicle: Any) -> Path:
    """A sweep of small, fast runs (about 0.1 s each) over the vehicle's correlation."""
    data = scenario_dict(**({"paths": 2000} | vehicle))
    data["sweep"] = {"grid": {CORRELATION: values or [0.1, 0.2, 0.3]}}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def umask() -> Iterator[Any]:
    """Set the process umask for a test, and put the old one back."""
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


def modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode)
            for p in folder.rglob("*") if p.is_file()}


# 1. Files get the user's umask -------------------------------------------------------

@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664),
                                            (0o077, 0o600)])
def test_atomic_writes_get_the_users_umask(tmp_path: Path, umask: Any, mask: int,
                                           mode: int) -> None:
    umask(mask)
    frame = pd.DataFrame({"a": [1.5, 2.5]})
    written = [write_text_atomic("x", tmp_path / "a.txt"),
               write_bytes_atomic(b"x", tmp_path / "b.bin"),
               write_table_atomic(frame, tmp_path / "c.csv"),
               write_parquet_atomic(frame, tmp_path / "d.parquet"),
               write_parquet_atomic(frame, tmp_path / "e.parquet", {"k": "v"}),
               write_text_atomic("y", tmp_path / "a.txt")]  # replacing keeps the mode rule
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == {
        p.name: mode for p in written}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin", "c.csv",
                                                          "d.parquet", "e.parquet"]


def test_run_tables_and_the_batch_store_are_readable_by_colleagues(
        tmp_path: Path, umask: Any, capsys: pytest.CaptureFixture[str]) -> None:
    umask(0o022)
    source = tiny_sweep(tmp_path / "in")
    assert main(["run", str(source), "--out", str(tmp_path / "run")]) == 0
    report = run_batch([source], tmp_path / "batch", progress=silent_progress)
    assert report.count("ok") == 3
    found = modes(tmp_path / "run") | modes(tmp_path / "batch")
    assert "manifest.parquet" in found and "tables/tranches.parquet" in found
    assert GENERATION_FILE in found and "tranches.csv" in found
    assert {name: mode for name, mode in found.items() if mode != 0o644} == {}


# 2. Sweeps are counted before they are expanded ---------------------------------------

def test_run_count_is_the_grid_size_times_the_design_count() -> None:
    grid = load_scenario(GRID)
    assert run_count(grid) == 8 == len(expand(grid))
    assert describe_count(grid) == "grid 4 x 2"
    lhs = load_scenario(LHS)
    assert run_count(lhs) == 6 == len(expand(lhs))
    assert describe_count(lhs) == "6 latin_hypercube points"
    assert run_count(load_scenario(ROOT / "scenarios" / "credit_guarantee.yaml")) == 1
    assert lhs.sweep is not None
    crossed = lhs.model_copy(update={"sweep": lhs.sweep.model_copy(update={
        "grid": {"providers.chiho_bank.rate": [0.01, 0.02, 0.03]}})})
    assert run_count(crossed) == 18 == len(expand(crossed))
    assert describe_count(crossed) == "grid 3, x 6 latin_hypercube points"


def test_a_million_run_grid_is_refused_before_anything_is_expanded_or_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # 20 swept correlations of two values each: 2**20 = 1,048,576 runs from a tiny file
    data = scenario_dict()
    data["sweep"] = {"grid": {f"vehicles.fund.{field}": [a, b] for field, a, b in [
        ("correlation", 0.1, 0.2)]} | {
        f"vehicles.fund.pool.{seg}.{field}": [a, b]
        for seg in ("early_people", "middle_env")
        for field, a, b in [("annual_pd", 0.02, 0.03), ("lgd", 0.5, 0.6), ("rate", 0.02, 0.03),
                            ("exposure", 20, 30), ("count", 10, 20)]}
        | {f"vehicles.fund.tranches.senior.{field}": [a, b] for field, a, b in [
            ("coupon", 0.01, 0.02), ("hurdle_return", 0.0, 0.01)]}
        | {"vehicles.fund.tranches.first_loss.coupon": [0.0, 0.01],
           "vehicles.fund.guarantees.0.rate": [0.5, 0.8],
           "vehicles.fund.guarantees.0.cap": [0.1, 0.2],
           "vehicles.fund.tranches.first_loss.size": [0.1, 0.15],
           "vehicles.fund.horizon_years": [4, 5],
           "vehicles.fund.paths": [1000, 2000],
           "seed": [1, 2]}}
    assert len(data["sweep"]["grid"]) == 20
    source = tmp_path / "huge.yaml"
    source.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert run_count(load_scenario(source)) == 2**20

    def no_expanding(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a sweep over the limit was expanded")

    monkeypatch.setattr(runner_module, "expand", no_expanding)
    out = tmp_path / "out"
    start = time.perf_counter()
    with pytest.raises(TooManyRuns) as info:
        run_batch([source], out, progress=silent_progress)
    assert time.perf_counter() - start < 30  # it used to plan for minutes at 12 MB/s
    assert info.value.runs == 1_048_576 and info.value.limit == 10_000
    assert "1,048,576 runs" in str(info.value) and "grid 2 x 2 x" in str(info.value)
    assert not out.exists()
    # the command: exit 2, the count in the message, nothing written
    assert main(["batch", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "1,048,576" in err and "--max-runs" in err and "10,000" in err
    assert not out.exists()


def test_max_runs_counts_the_whole_batch(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    tasks, _ = plan([GRID, LHS], "v", max_runs=14)
    assert len(tasks) == 14
    with pytest.raises(TooManyRuns) as info:
        plan([GRID, LHS], "v", max_runs=13)
    assert info.value.runs == 14 and f"{GRID}: 8 run(s) (grid 4 x 2)" in str(info.value)
    with pytest.raises(TooManyRuns):
        expand(load_scenario(GRID), max_runs=7)
    assert len(expand(load_scenario(GRID), max_runs=8)) == 8
    source = tiny_sweep(tmp_path / "in")
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--max-runs", "2"]) == 2
    err = capsys.readouterr().err
    assert "the batch has 3 runs, more than the limit of 2" in err and not out.exists()
    assert main(["batch", str(source), "--out", str(out), "--max-runs", "3"]) == 0
    assert "planning 3 run(s) from 1 file(s)" in capsys.readouterr().err
    assert len(read_store(out)[0]) == 3


def test_each_sweep_error_names_its_own_paths_line(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        name: two bad sweeps
        seed: 1
        providers:
          - {id: dormant_fund, type: dormant_deposit_fund}
          - {id: chiho_bank, type: regional_bank}
        vehicles:
          - id: fund
            horizon_years: 5
            correlation: 0.15
            pool:
              - {segment: a, count: 30, exposure: 20, annual_pd: 0.03, lgd: 0.7, rate: 0.035}
            tranches:
              - {name: first_loss, provider: dormant_fund, kind: subordinated, size: 0.15, coupon: 0.0}
              - {name: senior, provider: chiho_bank, kind: senior, size: 0.85, coupon: 0.02}
        sweep:
          grid:
            vehicles.fund.pool.a.annual_pd: [0.03, 1.5]
            vehicles.fund.correlation: [0.2, 1.2]
            vehicles.fund.tranches.first_loss.size: [0.1, 1.5]
        """)
    source = tmp_path / "bad.yaml"
    source.write_text(text, encoding="utf-8")
    scenario, lines = parse_document(text, str(source))
    with pytest.raises(Exception) as info:
        expand(scenario, str(source), lines)
    problems = info.value.problems  # type: ignore[attr-defined]
    line_of = {path: n for n, line in enumerate(text.splitlines(), start=1)
               for path in scenario.sweep.grid if line.strip().startswith(path)}  # type: ignore[union-attr]
    seen = set()
    for problem in problems:
        swept = problem.path[-1]
        assert problem.line == line_of[swept], str(problem)
        # the field the message blames is the one the swept path names
        blamed = str(problem).split(" is invalid: ")[1]
        assert blamed.startswith({"vehicles.fund.pool.a.annual_pd": "vehicles.0.pool.0",
                                  "vehicles.fund.correlation": "vehicles.0.correlation",
                                  "vehicles.fund.tranches.first_loss.size":
                                      "vehicles.0.tranches"}[swept]), str(problem)
        seen.add(swept)
    assert seen == set(line_of)
    report = run_batch([source], tmp_path / "out", progress=silent_progress)
    error = report.records[0].error
    assert f"{source}:{line_of['vehicles.fund.correlation']}: sweep.grid.vehicles.fund" \
           ".correlation: run 2" in error


# 6. The store's tables and manifest are one set ---------------------------------------

def test_every_table_and_the_manifest_carry_the_markers_generation(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_batch([tiny_sweep(tmp_path / "in")], out, progress=silent_progress)
    marker = json.loads((out / GENERATION_FILE).read_text())
    generation = marker["generation"]
    assert marker["runs"] == 3 and marker["manifest"] == generation
    tables = sorted(p.stem for p in (out / "tables").glob("*.parquet"))
    assert sorted(marker["tables"]) == tables and "tranches" in tables
    for kind in tables:
        path = out / "tables" / f"{kind}.parquet"
        assert parquet_metadata(path)[GENERATION_KEY] == generation
        assert marker["tables"][kind] == {"generation": generation,
                                          "rows": len(pd.read_parquet(path))}
    assert parquet_metadata(out / "manifest.parquet")[GENERATION_KEY] == generation
    assert check_store(out)["generation"] == generation


def test_an_earlier_batchs_tables_do_not_survive_in_the_same_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_batch([LHS], out, progress=silent_progress)  # bundle runs: gaps, providers, ...
    assert "gaps" in read_store(out)[1]
    run_batch([tiny_sweep(tmp_path / "in")], out, progress=silent_progress)
    manifest, tables = read_store(out)
    assert "gaps" not in tables and not (out / "tables" / "gaps.parquet").exists()
    assert {t["run_id"].nunique() for t in tables.values() if len(t)} == {3} == {len(manifest)}


def test_a_batch_killed_while_combining_is_refused_until_resumed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    big = tiny_sweep(tmp_path / "in", [0.1, 0.15, 0.2, 0.25, 0.3, 0.35], "big.yaml")
    run_batch([big], out, progress=silent_progress)  # an earlier batch of 6 runs
    small = tiny_sweep(tmp_path / "in2", [0.05, 0.45], "small.yaml", correlation=0.2)
    real = store_module.write_parquet_atomic
    writes: list[Path] = []

    def killed_at_the_second_table(table: pd.DataFrame, path: Path, *args: Any,
                                   **kwargs: Any) -> Path:
        if path.parent.name == "tables":
            writes.append(path)
            if len(writes) == 2:
                raise KeyboardInterrupt  # what a kill leaves: nothing after this runs
        return real(table, path, *args, **kwargs)

    monkeypatch.setattr(store_module, "write_parquet_atomic", killed_at_the_second_table)
    with pytest.raises(KeyboardInterrupt):
        run_batch([small], out, progress=silent_progress)
    monkeypatch.setattr(store_module, "write_parquet_atomic", real)
    # one table of the new batch (2 runs) beside the old manifest and tables (6 runs)
    assert pd.read_parquet(writes[0])["run_id"].nunique() == 2
    assert len(pd.read_parquet(out / "manifest.parquet")) == 6
    with pytest.raises(StoreError, match="not one batch's set"):
        read_store(out)
    assert main(["results", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"tables/{writes[0].stem}.parquet is of generation" in err and "--resume" in err
    assert "Traceback" not in err
    # the same batch again with --resume rebuilds a consistent set without rerunning
    again = run_batch([small], out, resume=True, progress=silent_progress)
    assert again.count("skipped") == 2
    manifest, tables = read_store(out)
    assert len(manifest) == 2 and tables["tranches"]["run_id"].nunique() == 2
    assert main(["results", str(out)]) == 0


def test_results_refuses_a_store_without_marker_or_with_a_damaged_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    run_batch([tiny_sweep(tmp_path / "in")], out, progress=silent_progress)
    good = (out / "manifest.parquet").read_bytes()
    (out / "manifest.parquet").write_bytes(good[:300])  # a torn or damaged manifest
    assert main(["results", str(out)]) == 2
    err = capsys.readouterr().err
    assert "manifest.parquet cannot be read" in err and "ArrowInvalid" in err
    assert "Traceback" not in err
    (out / "manifest.parquet").write_bytes(good)
    (out / "tables" / "vehicles.parquet").write_bytes(b"not parquet")
    assert main(["results", str(out)]) == 2
    assert "vehicles.parquet cannot be read" in capsys.readouterr().err
    (out / GENERATION_FILE).unlink()
    assert main(["results", str(out)]) == 2
    assert f"no {GENERATION_FILE}" in capsys.readouterr().err
    with pytest.raises(OSError):  # what the app's compare page catches
        read_store(out)


def test_a_batch_removes_temporary_files_a_killed_batch_left(tmp_path: Path) -> None:
    out = tmp_path / "out"
    source = tiny_sweep(tmp_path / "in")
    first = run_batch([source], out, progress=silent_progress)
    run_folder = out / "runs" / first.records[0].hash
    left = [out / "tables" / ".tranches.parquet.3f9a0c1b2d4e.tmp",
            out / ".manifest.parquet.0a1b2c3d4e5f.tmp",
            run_folder / ".cashflows.parquet.a1b2c3d4e5f6.tmp"]
    for path in left:
        path.write_bytes(b"half a table")
    keep = out / "notes.tmp"  # not one of ours (no leading dot): left alone
    keep.write_text("mine")
    again = run_batch([source], out, resume=True, progress=silent_progress)
    assert again.count("skipped") == 3
    assert not [p for p in left if p.exists()] and keep.exists()
    assert not list(out.rglob(".*.tmp"))


# 7. Pool workers end with the batch process --------------------------------------------

def _alive(processes: list[psutil.Process]) -> list[int]:
    alive = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process.pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _workers(processes: list[psutil.Process]) -> list[int]:
    """The live worker processes among a batch's descendants (not multiprocessing's
    resource tracker, which every descendant's check below includes all the same)."""
    found = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE and not any(
                    "resource_tracker" in part for part in process.cmdline()):
                found.append(process.pid)
        except psutil.NoSuchProcess:
            pass
    return found


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _wait_gone(processes: list[psutil.Process], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while _alive(processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _alive(processes)


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and fork are POSIX")
@pytest.mark.parametrize("backend", ["local", "dask"])
def test_pool_workers_die_when_the_batch_is_killed(tmp_path: Path, backend: str) -> None:
    # four runs of a few seconds each on two workers: the workers are busy when it is
    # killed (dask: each worker a process spawned by a nanny living in the batch process)
    source = tiny_sweep(tmp_path / "in", [0.1, 0.15, 0.2, 0.25], paths=400_000)
    batch = subprocess.Popen([sys.executable, "-m", "finmodel", "batch", str(source),
                              "--out", str(tmp_path / "out"), "--workers", "2",
                              "--backend", backend],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    parent = psutil.Process(batch.pid)
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while len(_workers(workers)) < 2 and time.monotonic() < deadline \
                and batch.poll() is None:
            workers = parent.children(recursive=True)
            time.sleep(0.05)
        assert len(_workers(workers)) == 2, f"the workers did not start: {workers}"
        time.sleep(0.5)  # the workers are running
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait(timeout=10)
        left = _wait_gone(workers, 3.0)
        assert left == [], f"workers {left} outlived the batch"
    finally:
        _kill_all([batch.pid, *_alive(workers)])
        batch.wait(timeout=10)


def test_a_pooled_batch_runs_from_a_thread_other_than_the_main_one(tmp_path: Path) -> None:
    """The parent-death signal follows the forking thread: a batch started on a short-lived
    thread (as a server might) keeps its workers until it is done."""
    import threading

    reports: list[Any] = []
    source = tiny_sweep(tmp_path / "in", [0.1, 0.2, 0.3, 0.4])
    thread = threading.Thread(target=lambda: reports.append(run_batch(
        [source], tmp_path / "out", workers=2, progress=silent_progress)))
    thread.start()
    thread.join(120)
    assert reports and reports[0].count("ok") == 4, reports and reports[0].failures


@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX")
def test_the_parent_watch_alone_ends_a_worker(tmp_path: Path) -> None:
    """The parent watch (polling os.getppid) ends a worker whose parent is killed."""
    code = textwrap.dedent("""\
        import multiprocessing, os, sys, time

        from finmodel.processes import die_with_parent

        def worker(parent, ready):
            die_with_parent(parent)
            ready.set()
            time.sleep(120)

        if __name__ == "__main__":
            context = multiprocessing.get_context("fork")
            ready = context.Event()
            child = context.Process(target=worker, args=(os.getpid(), ready))
            child.start()
            if not ready.wait(60):
                sys.exit("the worker did not start")
            print(child.pid, flush=True)
            time.sleep(120)
        """)
    script = tmp_path / "watch.py"
    script.write_text(code)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    child: list[psutil.Process] = []
    try:
        assert parent.stdout is not None
        child = [psutil.Process(int(parent.stdout.readline()))]
        time.sleep(0.2)
        assert _alive(child) == [child[0].pid]  # armed, and waiting
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        assert _wait_gone(child, 3.0) == []
    finally:
        _kill_all([parent.pid, *_alive(child)])
        parent.wait(timeout=10)


# 8. A local Dask cluster runs its workers as processes ------------------------------------

def test_the_local_dask_cluster_has_one_single_threaded_process_per_worker() -> None:
    from contextlib import ExitStack

    from dask.distributed import Client

    with ExitStack() as stack:
        client = stack.enter_context(Client(local_cluster(2, stack)))
        pids = client.run(os.getpid)
        assert len(pids) == 2 and len(set(pids.values())) == 2
        assert os.getpid() not in pids.values()
        assert set(client.nthreads().values()) == {1}


# -- bugs found by the generated scenarios (tests/test_generated_scenarios.py) -------------
SWEEPS = Path(__file__).parent / "data" / "sweeps"


def test_a_portfolio_without_arrivals_is_refused_at_validation() -> None:
    from finmodel import load_scenario
    from finmodel.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"pipeline\.arrivals: a portfolio draws its "
                                            "candidates from the pipeline's arrivals"):
        load_scenario(SWEEPS / "portfolio_without_arrivals.yaml")


def test_swept_values_are_stored_whatever_their_name_or_shape(tmp_path: Path) -> None:
    from finmodel.batch.runner import run_batch
    from finmodel.batch.store import read_store

    run_batch([SWEEPS / "swept_like_a_column.yaml", SWEEPS / "mixed_grid.yaml"],
              tmp_path / "out")
    _, tables = read_store(tmp_path / "out")
    portfolios = tables["portfolios"]  # coordination_cost is a column of its own there
    assert "swept.coordination_cost" in portfolios.columns
    assert sorted(set(portfolios["swept.coordination_cost"])) == [0, 5]
    styles = set(tables["tranches"]["vehicles.v.waterfall"])  # a name, and a list as JSON
    assert styles == {"notes", '["fees", "principal", "coupons", "cures", "residual"]'}


def test_a_swept_seed_is_each_points_own_under_common_random_numbers() -> None:
    from finmodel import load_scenario
    from finmodel.batch.sweep import expand

    points = expand(load_scenario(SWEEPS / "seed_sweep.yaml"))
    assert [p.scenario.seed for p in points] == [11, 22, 33]

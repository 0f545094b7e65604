"""Batch runs: plan runs from files and folders, execute them on a backend, store results.

Workers get each run as its resolved scenario content (plain data), never a path, and
send back its tables; only this process writes files. Backends: in-process (one
worker), a local process pool, or a ``dask.distributed`` cluster. Every run's seed is
fixed when the batch is planned, so the results are the same on any backend, with any
number of workers, in any order of completion.

A batch is bounded before it starts: every file is read and its runs counted (without
expanding any sweep), and a batch of more than ``max_runs`` runs is refused with nothing
written. Pool workers end when the batch process ends, however it ends (``kill -9``
included): each watches its parent.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from finmodel.batch.store import KINDS, RunRecord, Store, package_versions, scenario_hash
from finmodel.batch.sweep import TooManyRuns, describe_count, expand, run_count
from finmodel.cost import Limits, check_cost
from finmodel.processes import die_with_parent
from finmodel.scenario.errors import ScenarioError
from finmodel.scenario.loader import parse_document, read_text

SUFFIXES = (".yaml", ".yml")
#: The most runs a batch plans unless told otherwise (``finmodel batch --max-runs``).
DEFAULT_MAX_RUNS = 10_000
#: How often a pool worker checks that the batch process is still there (seconds).


@dataclass(frozen=True)
class Task:
    """One run as it travels to a worker: an id and the resolved scenario content."""

    run_id: str
    hash: str
    content: dict[str, Any]


@dataclass
class Outcome:
    """What a worker sends back."""

    run_id: str
    hash: str
    status: str
    error: str = ""
    seconds: float = 0.0
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    saved: bool = False  # the worker already wrote the run into the store


def execute(task: Task, root: str | None = None) -> Outcome:
    """Run one scenario (in a worker); errors become a failed outcome, never an exception.

    With ``root`` (workers on this machine), the worker also writes the run into the
    store itself, so the parent process is not the bottleneck.
    """
    from finmodel.run import run
    from finmodel.scenario.model import Scenario

    start = time.perf_counter()
    try:
        results = run(Scenario.model_validate(task.content))
        tables = {kind: table for kind, table in results.tables().items() if kind in KINDS}
    except Exception as exc:  # noqa: BLE001 - a bad run must not stop the batch
        return Outcome(task.run_id, task.hash, "failed", f"{type(exc).__name__}: {exc}",
                       time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if root is not None:
        Store(root).save_run(task.run_id, task.hash, seconds, tables)
    return Outcome(task.run_id, task.hash, "ok", "", seconds, tables, saved=root is not None)


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """The scenario files named, and those found (recursively) in the folders named."""
    files: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            files += sorted(p for p in item.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            files.append(item)
    return files


def plan(paths: Iterable[str | Path], version: str, max_runs: int | None = None,
         announce: Callable[[str], None] | None = None,
         limits: Limits | None = None) -> tuple[list[Task], list[RunRecord]]:
    """Every run of every file; files that cannot be read or validated become invalid records.

    Every file is read and validated and its runs counted before any sweep is expanded;
    more than ``max_runs`` runs in all raises :class:`TooManyRuns` (nothing is expanded).
    ``announce`` is told how many runs are being planned. With ``limits``, a file any of
    whose runs would cost more (:mod:`finmodel.cost`) is invalid too.
    """
    read: list[tuple[str, Path, Any, Any] | RunRecord] = []
    used: set[str] = set()
    for file in scenario_files(paths):
        stem = file.stem
        while stem in used:
            stem = f"{file.parent.name}-{stem}" if not stem.startswith(file.parent.name) \
                else f"{stem}-dup"
        used.add(stem)
        try:
            scenario, lines = parse_document(read_text(file), str(file))
        except ScenarioError as exc:
            read.append(RunRecord(stem, str(file), 0, "", None, {}, "invalid", str(exc)))
            continue
        read.append((stem, file, scenario, lines))
    counts = [(item[1], run_count(item[2]), item[2]) for item in read
              if not isinstance(item, RunRecord)]
    total = sum(count for _, count, _ in counts)
    if max_runs is not None and total > max_runs:
        largest = sorted(counts, key=lambda c: -c[1])[:10]
        detail = "".join(f"\n  {file}: {count:,} run(s) ({describe_count(scenario)})"
                         for file, count, scenario in largest)
        raise TooManyRuns(f"the batch has {total:,} runs, more than the limit of "
                          f"{max_runs:,} (--max-runs); nothing was run or written{detail}",
                          total, max_runs)
    if announce is not None:
        announce(f"planning {total:,} run(s) from {len(counts):,} file(s)")
    tasks: list[Task] = []
    records: list[RunRecord] = []
    for item in read:
        if isinstance(item, RunRecord):
            records.append(item)
            continue
        stem, file, scenario, lines = item
        try:
            points = expand(scenario, str(file), lines)
            if limits is not None:
                for point in points:
                    check_cost(point.scenario, limits, str(file))
        except ScenarioError as exc:
            records.append(RunRecord(stem, str(file), 0, "", None, {}, "invalid", str(exc)))
            continue
        for point in points:
            run_id = stem if len(points) == 1 else f"{stem}-{point.index:04d}"
            content = point.scenario.model_dump(mode="json", by_alias=True)
            content["sweep"] = None
            key = scenario_hash(content, version)
            tasks.append(Task(run_id, key, content))
            records.append(RunRecord(run_id, str(file), point.index, key,
                                     point.scenario.seed, point.parameters))
    return tasks, records


class Progress:
    """A live bar on a terminal, one plain line per run otherwise."""

    def __init__(self, total: int, out: TextIO | None = None) -> None:
        self.total = total
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self.done = 0
        self.failed = 0
        self.start = time.perf_counter()

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.status != "ok"
        elapsed = time.perf_counter() - self.start
        left = elapsed / self.done * (self.total - self.done)
        if self.tty:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
                           f" runs, {self.failed} failed, {elapsed:5.1f} s elapsed, "
                           f"~{left:5.1f} s left ")
            if self.done == self.total:
                self.out.write("\n")
        else:
            self.out.write(f"run {self.done}/{self.total} {outcome.status} {outcome.run_id} "
                           f"({outcome.seconds:.2f} s; {self.failed} failed; "
                           f"{elapsed:.1f} s elapsed, ~{left:.1f} s left)\n")
        self.out.flush()


class _Silent:
    def write(self, text: str) -> None: ...
    def flush(self) -> None: ...
    def isatty(self) -> bool:
        return False


def silent_progress(total: int) -> Progress:
    """A progress reporter that shows nothing (for library use, tests and benchmarks)."""
    return Progress(total, _Silent())  # type: ignore[arg-type]


def _serial(tasks: list[Task]) -> Iterator[Outcome]:
    for task in tasks:
        yield execute(task)


def _process_pool(tasks: list[Task], workers: int, root: Path) -> Iterator[Outcome]:
    # fork where the platform has it: workers start with finmodel already imported
    # (a fresh interpreter per worker costs about a second of imports each).
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(execute, task, str(root)) for task in tasks]
        for future in as_completed(futures):
            yield future.result()


def local_cluster(workers: int, stack: ExitStack) -> Any:
    """A dask ``LocalCluster`` of ``workers`` worker processes of one thread each on
    127.0.0.1, entered on ``stack``.

    Each worker is its own process (started by a nanny, which ends it when this process
    ends): ``worker_class=Worker`` would put every worker in this process as threads
    even with ``processes=True``.
    """
    import dask
    from dask.distributed import LocalCluster

    # The workers' statistical profiler samples the running task every few ms for
    # dashboards a batch does not open; the nannies' memory monitor (memory_limit=0:
    # none) polls for a limit a batch does not set. Neither is needed on a local cluster.
    stack.enter_context(dask.config.set({"distributed.worker.profile.enabled": False}))
    return stack.enter_context(LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, memory_limit=0,
        dashboard_address=None, host="127.0.0.1"))


def _dask(tasks: list[Task], workers: int, scheduler: str | None,
          root: Path) -> Iterator[Outcome]:
    """On a cluster given by ``scheduler`` (results come back here to be written), or on
    a local cluster whose workers share this machine's disk (they write runs themselves)."""
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("the dask backend needs dask[distributed]: pip install "
                           "'finmodel[dask]'") from exc
    with ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            client = stack.enter_context(Client(local_cluster(workers, stack)))
        shared = None if scheduler else str(root)
        futures = client.map(execute, tasks, root=shared, pure=False)
        for future in dask_completed(futures):
            yield future.result()


@dataclass
class BatchReport:
    """What a batch did."""

    records: list[RunRecord]
    out: Path
    seconds: float

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.records)

    @property
    def failures(self) -> pd.DataFrame:
        rows = [{"run_id": r.run_id, "source": r.source, "status": r.status, "error": r.error}
                for r in self.records if r.status in ("failed", "invalid")]
        return pd.DataFrame(rows, columns=["run_id", "source", "status", "error"])


def run_batch(paths: Iterable[str | Path], out: str | Path, workers: int = 1,
              backend: str = "local", scheduler: str | None = None, resume: bool = False,
              progress: Callable[[int], Progress] | None = None,
              max_runs: int | None = DEFAULT_MAX_RUNS,
              announce: Callable[[str], None] | None = None,
              limits: Limits | None = None) -> BatchReport:
    """Plan, execute and store a batch.

    Args:
        paths: scenario files and folders of them.
        out: the results folder.
        workers: parallel workers (1 runs in this process on the local backend).
        backend: ``local`` (process pool) or ``dask``.
        scheduler: a dask scheduler address; without it a local cluster is started.
        resume: skip runs already complete in ``out`` (same scenario hash and version).
        progress: makes the progress reporter for a number of runs (default: stderr).
        max_runs: refuse a batch of more runs than this (None: no limit).
        announce: told how many runs are being planned (e.g. printed to stderr).
        limits: refuse, as invalid, a file any of whose runs would cost more than these
            (the CLI passes its limits unless --allow-large; None: no limit).

    Raises:
        TooManyRuns: more than ``max_runs`` runs; nothing was expanded or written.
    """
    start = time.perf_counter()
    versions = package_versions()
    tasks, records = plan(paths, versions["finmodel"], max_runs, announce, limits)
    store = Store(out)
    store.remove_temporary()  # what a killed batch left half-written
    generation = uuid.uuid4().hex
    by_id = {r.run_id: r for r in records}
    todo = []
    for task in tasks:
        if resume and store.is_complete(task.hash):
            by_id[task.run_id].status = "skipped"
        else:
            todo.append(task)
    reporter = (progress or Progress)(len(todo))
    if backend == "dask":
        outcomes = _dask(todo, workers, scheduler, store.root)
    elif workers > 1 and len(todo) > 1:
        outcomes = _process_pool(todo, workers, store.root)
    else:
        outcomes = _serial(todo)
    done: dict[str, dict[str, pd.DataFrame]] = {}
    for outcome in outcomes:
        record = by_id[outcome.run_id]
        record.status, record.error, record.seconds = outcome.status, outcome.error, outcome.seconds
        if outcome.status == "ok":
            if not outcome.saved:
                store.save_run(record.run_id, record.hash, record.seconds, outcome.tables)
            done[record.run_id] = outcome.tables
        reporter.update(outcome)
    # The tables, then the manifest, then the marker naming their generation (last): a
    # batch killed in between leaves a set that read_store refuses as inconsistent.
    written = store.combine(records, done, generation)
    store.write_manifest(records, versions, generation)
    store.write_generation(generation, written, len(records))
    return BatchReport(records, Path(out), time.perf_counter() - start)

"""The results store of a batch: a manifest and one tidy Parquet table per result kind.

Layout of ``OUT``::

    manifest.parquet            one row per run: id, source, index, hash, seed,
                                parameters, status, error, seconds, versions
    runs/<hash>/<kind>.parquet  one run's tables, written atomically
    runs/<hash>/done.json       written last: the run is complete (what --resume checks)
    tables/<kind>.parquet       every run's rows of a kind, keyed by run_id and the
                                swept parameters
    failures.csv                the runs that failed and why
    generation.json             written last: the batch's generation id, the tables it
                                wrote and their row counts

Everything is written to a temporary name and renamed, so a batch killed midway leaves
no half-written file; a batch starting in the folder removes the temporary files a
killed one left. The manifest and tables form one set: each carries its batch's
generation id in its Parquet metadata (``finmodel.generation``) and ``generation.json``,
written after them, names the generation of each. :func:`read_store` refuses a set whose
files are not all of the marker's generation (a batch killed while writing them), or
that has no marker. Plain pandas reads every file (``pandas.read_parquet``).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from finmodel.bundle.records import (
    BundleSummaryRecord,
    CoverageRecord,
    FacilityRecord,
    FlowRecord,
    GapRecord,
    GapYearRecord,
    HandoffRecord,
    ProviderRecord,
)
from finmodel.impact.records import (
    CaseMapRecord,
    CollectiveImpactRecord,
    FrontierPointRecord,
    ImpactRecord,
    KpiRecord,
    LogicHoleRecord,
    PortfolioRecord,
    PortfolioStageRecord,
    SpilloverRecord,
)
from finmodel.io import (
    TEMPORARY_SUFFIX,
    parquet_metadata,
    write_parquet_atomic,
    write_text_atomic,
)
from finmodel.records import TableRows
from finmodel.stack.records import (
    CashflowRecord,
    GuaranteeRecord,
    HorizonLossRecord,
    OnePeriodRecord,
    TrancheRecord,
    VehicleRecord,
)

_VEHICLE = ("vehicle",)
#: The result tables kept in the store (the loss distributions and candidate lists are
#: not), by name, and what a row of each is: the key columns, then the record's fields.
TABLES: dict[str, TableRows] = {
    "tranches": TableRows(TrancheRecord, keys=_VEHICLE),
    "vehicles": TableRows(VehicleRecord, then=(HorizonLossRecord,), keys=_VEHICLE),
    "guarantees": TableRows(GuaranteeRecord, keys=_VEHICLE),
    "cashflows": TableRows(CashflowRecord, keys=_VEHICLE),
    "one_period": TableRows(OnePeriodRecord, keys=_VEHICLE),
    "gaps": TableRows(GapRecord),
    "handoffs": TableRows(HandoffRecord),
    "providers": TableRows(ProviderRecord),
    "facilities": TableRows(FacilityRecord),
    "coverage": TableRows(CoverageRecord),
    "bundle_summary": TableRows(BundleSummaryRecord),
    "flows": TableRows(FlowRecord),
    "gap_years": TableRows(GapYearRecord),
    "portfolios": TableRows(PortfolioRecord),
    "case_map": TableRows(CaseMapRecord),
    "portfolio_stages": TableRows(PortfolioStageRecord),
    "impact": TableRows(ImpactRecord),
    "spillover": TableRows(SpilloverRecord),
    "frontier": TableRows(FrontierPointRecord),
    "kpis": TableRows(KpiRecord),
    "collective_impact": TableRows(CollectiveImpactRecord),
    "logic_holes": TableRows(LogicHoleRecord),
}
#: Result kinds kept in the store.
KINDS = tuple(TABLES)
#: The marker written last, naming the generation of the manifest and every table.
GENERATION_FILE = "generation.json"
#: The Parquet metadata key holding the generation of a manifest or combined table.
GENERATION_KEY = "finmodel.generation"
_REBUILD = "run the same batch again with --resume to rebuild them (complete runs are not rerun)"


def parameter_column(path: str, columns: Any) -> str:
    """The column of a swept path in a stored table: the path itself, or ``swept.<path>``
    when the table already has a column of that name (``coordination_cost``, ``unit``)."""
    return f"swept.{path}" if path in columns else path


def parameter_value(value: Any) -> Any:
    """A swept value as a table cell: numbers, text and booleans as they are; a list or a
    mapping (``waterfall: [fees, ...]``) as its JSON text, so one column holds one type."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, default=str)


class StoreError(OSError):
    """A batch results folder that cannot be read as a whole: a file is unreadable, or
    the manifest and tables are not one batch's set. (An ``OSError``, so callers that
    handle unreadable folders, such as the app's compare page, handle it too.)"""


def package_versions() -> dict[str, str]:
    """Versions of finmodel, Python and the libraries that shape results."""
    out = {"python": platform.python_version()}
    for name in ("finmodel", "numpy", "scipy", "pandas", "simpy", "pydantic"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def scenario_hash(content: dict[str, Any], version: str) -> str:
    """Key of a run: the resolved scenario's canonical JSON and the finmodel version."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()[:24]


@dataclass
class RunRecord:
    """One row of the manifest."""

    run_id: str
    source: str
    index: int
    hash: str
    seed: int | None
    parameters: dict[str, Any] = field(default_factory=dict)
    status: str = "pending"  # ok, failed, invalid, skipped (complete from an earlier batch)
    error: str = ""
    seconds: float = 0.0


class Store:
    """A batch's output folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def run_dir(self, key: str) -> Path:
        return self.root / "runs" / key

    def is_complete(self, key: str) -> bool:
        return (self.run_dir(key) / "done.json").exists()

    def save_run(self, run_id: str, key: str, seconds: float,
                 tables: dict[str, pd.DataFrame]) -> None:
        """Write one run's tables, then its completion marker (both atomically)."""
        folder = self.run_dir(key)
        for kind, table in tables.items():
            write_parquet_atomic(table, folder / f"{kind}.parquet")
        write_text_atomic(json.dumps({"run_id": run_id, "seconds": seconds,
                                      "kinds": sorted(tables)}), folder / "done.json")

    def remove_temporary(self) -> list[Path]:
        """Remove the temporary files (``.<name>.<random>.tmp``) a killed batch left in
        the folder, its tables and its runs; call it before this batch writes anything."""
        folders = [self.root, self.root / "tables"]
        runs = self.root / "runs"
        if runs.is_dir():
            folders += [p for p in runs.iterdir() if p.is_dir()]
        removed = []
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in folder.glob(f".*{TEMPORARY_SUFFIX}"):
                if path.is_file():
                    path.unlink(missing_ok=True)
                    removed.append(path)
        return removed

    def load_run(self, key: str) -> dict[str, pd.DataFrame]:
        """A complete run's tables, read back from its folder."""
        folder = self.run_dir(key)
        return {kind: pd.read_parquet(folder / f"{kind}.parquet") for kind in KINDS
                if (folder / f"{kind}.parquet").exists()}

    def combine(self, records: Iterable[RunRecord],
                in_memory: dict[str, dict[str, pd.DataFrame]] | None = None,
                generation: str | None = None) -> dict[str, Path]:
        """Gather every complete run's tables into ``tables/<kind>.parquet``.

        ``in_memory`` holds the tables of runs done in this batch (by run id), which need
        not be read back; runs skipped as already complete are read from their folders.
        ``generation`` is written into each table's metadata.
        """
        frames: dict[str, list[pd.DataFrame]] = {}
        records = [r for r in records if r.status in ("ok", "skipped")]
        params = sorted({k for r in records for k in r.parameters})
        cached = in_memory or {}
        for record in records:
            tables = cached.get(record.run_id)
            if tables is None:
                tables = self.load_run(record.hash)
            for kind, table in tables.items():
                table = table.copy()
                table.insert(0, "run_id", record.run_id)
                frames.setdefault(kind, []).append(table)
        by_run = {r.run_id: r for r in records}
        written = {}
        for kind, parts in frames.items():
            filled = [p for p in parts if len(p)]
            combined = pd.concat(filled, ignore_index=True) if filled else parts[0]
            # Keys after run_id: where each run came from and the values it was swept at.
            combined.insert(1, "source", combined["run_id"].map(lambda r: by_run[r].source))
            for position, name in enumerate(params, start=2):
                combined.insert(position, parameter_column(name, combined.columns),
                                combined["run_id"].map(lambda r, name=name: parameter_value(
                                    by_run[r].parameters.get(name))))
            written[kind] = write_parquet_atomic(
                combined, self.root / "tables" / f"{kind}.parquet",
                {GENERATION_KEY: generation} if generation else None)
        return written

    def write_manifest(self, records: list[RunRecord], versions: dict[str, str],
                       generation: str | None = None) -> Path:
        rows = [{**record.__dict__, "parameters": json.dumps(record.parameters, default=str),
                 **{f"version_{k}": v for k, v in versions.items()}} for record in records]
        manifest = pd.DataFrame(rows)
        failures = manifest[manifest["status"].isin(["failed", "invalid"])]
        write_text_atomic(failures[["run_id", "source", "status", "error"]].to_csv(index=False),
                          self.root / "failures.csv")
        return write_parquet_atomic(manifest, self.root / "manifest.parquet",
                                    {GENERATION_KEY: generation} if generation else None)

    def write_generation(self, generation: str, tables: dict[str, Path], runs: int) -> Path:
        """Remove the tables of kinds this generation did not write (left by an earlier
        batch into the same folder), then write the marker naming the generation of the
        manifest and of every table: the last file a batch writes."""
        for path in (self.root / "tables").glob("*.parquet"):
            if path.stem not in tables:
                path.unlink(missing_ok=True)
        marker = {"generation": generation, "runs": runs, "manifest": generation,
                  "tables": {kind: {"generation": generation,
                                    "rows": _rows(path)} for kind, path in sorted(tables.items())}}
        return write_text_atomic(json.dumps(marker, indent=1) + "\n",
                                 self.root / GENERATION_FILE)


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows)


def _generation_of(path: Path) -> str | None:
    try:
        return parquet_metadata(path).get(GENERATION_KEY)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError, ...
        raise StoreError(f"{path} cannot be read ({type(exc).__name__}: {exc}); the file "
                         "is damaged: " + _REBUILD) from exc


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError, ...
        raise StoreError(f"{path} cannot be read ({type(exc).__name__}: {exc}); the file "
                         "is damaged: " + _REBUILD) from exc


def check_store(root: str | Path) -> dict[str, Any]:
    """Check that a batch folder's manifest and tables are one batch's set; its marker.

    Raises:
        FileNotFoundError: not a batch results folder (no manifest).
        StoreError: no or unreadable marker, or a manifest or table of another generation
            than the marker's (a batch killed while writing them), or one missing.
    """
    folder = Path(root)
    manifest_path = folder / "manifest.parquet"
    if not manifest_path.exists():
        raise FileNotFoundError(f"{folder} is not a batch results folder (no manifest.parquet)")
    marker_path = folder / GENERATION_FILE
    if not marker_path.exists():
        raise StoreError(f"{folder} has no {GENERATION_FILE}: the batch that wrote it did "
                         "not finish writing its tables and manifest (or an older finmodel "
                         "wrote it), so they may not belong together; " + _REBUILD)
    try:
        marker = json.loads(marker_path.read_text(encoding="utf-8"))
        expected = str(marker["generation"])
        listed = {str(kind): str(entry["generation"])
                  for kind, entry in dict(marker["tables"]).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(f"{marker_path} cannot be read ({type(exc).__name__}: {exc}); "
                         + _REBUILD) from exc
    wrong = []
    found = _generation_of(manifest_path)
    if found != expected:
        wrong.append(f"manifest.parquet is of generation {found or 'none'}")
    present = {p.stem: p for p in sorted((folder / "tables").glob("*.parquet"))}
    for kind, generation in listed.items():
        if kind not in present:
            wrong.append(f"tables/{kind}.parquet is missing")
            continue
        found = _generation_of(present[kind])
        if found != generation:
            wrong.append(f"tables/{kind}.parquet is of generation {found or 'none'}")
    wrong += [f"tables/{kind}.parquet is not in the marker (of generation "
              f"{_generation_of(path) or 'none'})"
              for kind, path in present.items() if kind not in listed]
    if wrong:
        raise StoreError(f"{folder}: the tables and manifest are not one batch's set "
                         f"({GENERATION_FILE} names generation {expected}; "
                         + "; ".join(wrong) + "): a batch was interrupted while writing "
                         "them; " + _REBUILD)
    return dict(marker)


def read_store(root: str | Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The manifest and every combined table of a batch folder, checked to be one set.

    Raises:
        FileNotFoundError: not a batch results folder (no manifest).
        StoreError: a damaged file, or tables and manifest of different batches (see
            :func:`check_store`).
    """
    folder = Path(root)
    marker = check_store(folder)
    tables = {kind: _read(folder / "tables" / f"{kind}.parquet") for kind in sorted(marker["tables"])}
    return _read(folder / "manifest.parquet"), tables

"""The results store of a batch: a manifest and one tidy Parquet table per result kind.

Layout of ``OUT``::

    manifest.parquet            one row per run: id, source, index, hash, seed,
                                parameters, status, error, seconds, versions
    runs/<hash>/<kind>.parquet  one run's tables, written atomically
    runs/<hash>/done.json       written last: the run is complete (what --resume checks)
    tables/<kind>.parquet       every run's rows of a kind, keyed by run_id and the
                                swept parameters
    failures.csv                the runs that failed and why

Everything is written to a temporary name and renamed, so a batch killed midway leaves
no half-written file. Plain pandas reads it all (``pandas.read_parquet``).
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
from finmodel.io import write_parquet_atomic, write_text_atomic
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

    def load_run(self, key: str) -> dict[str, pd.DataFrame]:
        """A complete run's tables, read back from its folder."""
        folder = self.run_dir(key)
        return {kind: pd.read_parquet(folder / f"{kind}.parquet") for kind in KINDS
                if (folder / f"{kind}.parquet").exists()}

    def combine(self, records: Iterable[RunRecord],
                in_memory: dict[str, dict[str, pd.DataFrame]] | None = None) -> dict[str, Path]:
        """Gather every complete run's tables into ``tables/<kind>.parquet``.

        ``in_memory`` holds the tables of runs done in this batch (by run id), which need
        not be read back; runs skipped as already complete are read from their folders.
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
                combined.insert(position, name, combined["run_id"].map(
                    lambda r, name=name: by_run[r].parameters.get(name)))
            written[kind] = write_parquet_atomic(combined, self.root / "tables" / f"{kind}.parquet")
        return written

    def write_manifest(self, records: list[RunRecord], versions: dict[str, str]) -> Path:
        rows = [{**record.__dict__, "parameters": json.dumps(record.parameters, default=str),
                 **{f"version_{k}": v for k, v in versions.items()}} for record in records]
        manifest = pd.DataFrame(rows)
        failures = manifest[manifest["status"].isin(["failed", "invalid"])]
        write_text_atomic(failures[["run_id", "source", "status", "error"]].to_csv(index=False),
                          self.root / "failures.csv")
        return write_parquet_atomic(manifest, self.root / "manifest.parquet")


def read_store(root: str | Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The manifest and every combined table of a batch folder."""
    folder = Path(root)
    manifest_path = folder / "manifest.parquet"
    if not manifest_path.exists():
        raise FileNotFoundError(f"{folder} is not a batch results folder (no manifest.parquet)")
    tables = {p.stem: pd.read_parquet(p) for p in sorted((folder / "tables").glob("*.parquet"))}
    return pd.read_parquet(manifest_path), tables

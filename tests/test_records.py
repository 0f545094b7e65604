"""Every result table's rows are typed records: the table's columns are the record's fields,
in order, with the dtypes the fields say; the batch store's kinds come from one registry."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from finmodel import load_scenario, run
from finmodel.batch.store import KINDS, TABLES
from finmodel.compiled import compile_scenario
from finmodel.impact.records import CandidateRecord
from finmodel.records import TableRows, columns, conform, frame, table
from finmodel.stack.records import (
    CashflowRecord,
    GuaranteeRecord,
    HorizonLossRecord,
    OnePeriodRecord,
    VehicleRecord,
)
from finmodel.stack.vehicle import PoolModel, evaluate
from tests.conftest import ROOT, make_scenario

#: A vehicle with a guarantee, a bundle with a facility, and the two portfolios.
SCENARIOS = ["credit_guarantee", "bundle_founding_gap", "core_issue_vs_firm_by_firm"]
#: Tables written by a run but not kept in the batch store, and their row types.
NOT_STORED = {"candidates": TableRows(CandidateRecord), "loss_distribution": None}

DTYPES = {"float": pd.api.types.is_float_dtype, "int": pd.api.types.is_integer_dtype,
          "bool": pd.api.types.is_bool_dtype, "str": pd.api.types.is_string_dtype}


def _record_types() -> list[type]:
    rows = [*TABLES.values(), *(r for r in NOT_STORED.values() if r is not None)]
    return list(dict.fromkeys(r for spec in rows for r in (spec.record, *spec.then)))


def test_the_store_keeps_the_registry_s_tables_in_the_same_order() -> None:
    assert tuple(TABLES) == KINDS
    assert KINDS == ("tranches", "vehicles", "guarantees", "cashflows", "one_period", "gaps",
                     "handoffs", "providers", "facilities", "coverage", "bundle_summary", "flows",
                     "gap_years", "portfolios", "case_map", "portfolio_stages", "impact",
                     "spillover", "frontier", "kpis", "collective_impact", "logic_holes")


@pytest.mark.parametrize("record", _record_types(), ids=lambda r: r.__name__)
def test_records_are_frozen_slotted_documented_and_plainly_typed(record: type) -> None:
    params = record.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen and hasattr(record, "__slots__")
    doc = record.__doc__ or ""
    assert doc and not doc.startswith(f"{record.__name__}("), "a row needs its docstring"
    assert {f.type for f in dataclasses.fields(record)} <= set(DTYPES)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_table_has_its_record_s_columns_and_dtypes(name: str) -> None:
    tables = run(load_scenario(ROOT / "scenarios" / f"{name}.yaml")).tables()
    registry: dict[str, TableRows | None] = {**TABLES, **NOT_STORED}
    assert set(tables) <= set(registry)
    for kind, data in tables.items():
        spec = registry[kind]
        if spec is None:
            continue
        assert list(data.columns) == spec.column_names, kind
        if data.empty:
            continue
        types = {f.name: f.type for r in (spec.record, *spec.then) for f in dataclasses.fields(r)}
        for column, annotation in types.items():
            assert DTYPES[str(annotation)](data[column].dtype), (kind, column, data[column].dtype)


def test_tables_of_no_rows_keep_their_columns() -> None:
    assert list(table([], CandidateRecord).columns) == columns(CandidateRecord)
    assert list(frame([], GuaranteeRecord).columns) == ["vehicle", *columns(GuaranteeRecord)]
    assert list(frame([], GuaranteeRecord, keys=()).columns) == columns(GuaranteeRecord)
    assert (list(frame([], VehicleRecord, then=(HorizonLossRecord,)).columns)
            == TABLES["vehicles"].column_names)


@dataclasses.dataclass(frozen=True, slots=True)
class _Left:
    """A test row."""

    a: int
    b: str


@dataclasses.dataclass(frozen=True, slots=True)
class _Right:
    """Another test row."""

    c: float


def test_frame_puts_a_row_s_records_side_by_side_after_its_keys() -> None:
    rows = [({"vehicle": "v"}, (_Left(1, "x"), _Right(0.5))),
            ({"vehicle": "w"}, (_Left(2, "y"), _Right(1.5)))]
    data = frame(rows, _Left, then=(_Right,))
    assert list(data.columns) == TableRows(_Left, then=(_Right,), keys=("vehicle",)).column_names
    assert data.to_dict("records") == [{"vehicle": "v", "a": 1, "b": "x", "c": 0.5},
                                       {"vehicle": "w", "a": 2, "b": "y", "c": 1.5}]
    with pytest.raises(ValueError):
        frame([({"vehicle": "v"}, (_Left(1, "x"),))], _Left, then=(_Right,))


def test_the_stack_hands_typed_rows() -> None:
    vehicle = compile_scenario(make_scenario(paths=500)).vehicles[0]
    result = evaluate(PoolModel.build(vehicle.spec), vehicle.terms)
    assert result.cashflows and all(isinstance(r, CashflowRecord) for r in result.cashflows)
    assert [r.tranche for r in result.one_period] == [r.tranche for r in result.tranches]
    assert all(isinstance(r, OnePeriodRecord) for r in result.one_period)
    assert evaluate(PoolModel.build(vehicle.spec), vehicle.terms, details=False).cashflows == []


def test_a_run_without_vehicles_keeps_the_stack_tables_columns() -> None:
    results = run(load_scenario(ROOT / "scenarios" / "bundle_founding_gap.yaml"))
    for kind in ("tranches", "vehicles", "guarantees", "cashflows", "one_period"):
        data = getattr(results, kind)
        assert data.empty and list(data.columns) == TABLES[kind].column_names, kind


def test_conform_orders_a_vectorised_table_and_refuses_other_columns() -> None:
    names = columns(CandidateRecord)
    data = pd.DataFrame({name: [0.0] for name in reversed(names)})
    assert list(conform(data, CandidateRecord).columns) == names
    with pytest.raises(ValueError, match="lacks"):
        conform(data.drop(columns="core"), CandidateRecord)
    with pytest.raises(ValueError, match="extra"):
        conform(data.assign(other=1.0), CandidateRecord)


def test_records_modules_import_on_their_own() -> None:
    import subprocess
    import sys

    for module in ("finmodel.stack.records", "finmodel.bundle.records",
                   "finmodel.impact.records", "finmodel.records"):
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True,
                       cwd=Path(ROOT))

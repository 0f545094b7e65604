"""The run's tables as one Excel workbook: a sheet per table, headers in the reader's
language with units, the numbers unchanged (compared cell by cell with the tables)."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from finmodel import load_scenario, run
from finmodel.results import RunResults
from tests.conftest import ROOT, quick_run

SHIPPED = ROOT / "finmodel" / "scenarios"


@pytest.fixture(scope="module")
def fund() -> RunResults:
    return quick_run("dormant_deposit_fund")


@pytest.fixture(scope="module")
def shock() -> RunResults:
    return quick_run("bundle_policy_shock")


def _same(a: Any, b: Any) -> bool:
    empty_a = a is None or (isinstance(a, float) and math.isnan(a))
    empty_b = b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA or b == ""
    if empty_a or empty_b:
        return empty_a and empty_b
    if hasattr(b, "item"):
        b = b.item()
    if isinstance(b, bool) or isinstance(a, bool):
        return bool(a) == bool(b)
    if isinstance(b, (int, float)) and isinstance(a, (int, float)):
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)
    return str(a) == str(b)


def _check(results: RunResults, lang: str) -> None:
    from openpyxl import load_workbook

    from finmodel.ui.workbook import column_header, sheet_name, tables_workbook

    book = load_workbook(io.BytesIO(tables_workbook(results, lang)))
    tables = results.tables()
    assert book.sheetnames == [sheet_name(t, lang) for t in tables]
    unit = results.scenario.unit
    for table, data in tables.items():
        sheet = book[sheet_name(table, lang)]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == [column_header(c, unit, lang) for c in data.columns], table
        assert len(rows) - 1 == len(data), table
        for got, want in zip(rows[1:], data.itertuples(index=False, name=None), strict=True):
            for k, (a, b) in enumerate(zip(got, want, strict=True)):
                assert _same(a, b), (table, data.columns[k], a, b)


def test_every_sheet_holds_the_runs_numbers(fund: RunResults, shock: RunResults) -> None:
    _check(fund, "ja")
    _check(shock, "en")


def test_headers_are_translated_with_units() -> None:
    from finmodel.ui.workbook import COLUMNS, column_header

    assert column_header("expected_loss", "JPY_million", "ja") == "期待損失（百万円）"
    assert column_header("expected_loss", "JPY_million", "en") == "Expected loss (¥ million)"
    assert column_header("total_gap_p90", "JPY_million", "ja") == "資金ギャップ総額（P90・百万円）"
    assert column_header("prob_loss", "JPY_million", "en") == "Probability of loss (%)"
    assert column_header("wal_years", "JPY_million", "ja") == "加重平均残存期間（年）"
    assert column_header("firms", "JPY_million", "ja") == "企業数"
    # every column of every shipped kind of run has words (no raw id as a header)
    assert all(ja and en for _, en, ja in COLUMNS.values())


def test_every_column_of_the_shipped_runs_is_translated(fund: RunResults, shock: RunResults) -> None:
    from finmodel.ui.workbook import column_header

    for results in (fund, shock):
        for table, data in results.tables().items():
            for column in data.columns:
                header = column_header(column, results.scenario.unit, "ja")
                assert header != column, (table, column)


def test_pandas_reads_the_cli_workbook(tmp_path: Path) -> None:
    out = tmp_path / "tables.xlsx"
    done = subprocess.run([sys.executable, "-m", "finmodel", "export", "credit_guarantee",
                           "--xlsx", str(out), "--lang", "en"], capture_output=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    sheets = pd.read_excel(out, sheet_name=None)
    results = run(load_scenario(SHIPPED / "credit_guarantee.yaml"))
    tranches = sheets["Tranches"]
    assert list(tranches["Vehicle"]) == list(results.tranches["vehicle"])
    assert tranches["Expected loss (¥ million)"].to_numpy() == pytest.approx(
        results.tranches["expected_loss"].to_numpy())
    assert [p.name for p in tmp_path.iterdir()] == ["tables.xlsx"]  # no temporary left

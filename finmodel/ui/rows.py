"""The result tables the charts and the board paper read row by row, as their records.

pandas-stubs types a field of an ``itertuples()`` row as any pandas scalar, so arithmetic
and formatting on it do not type-check; the charts read rows back as the typed records
the tables were made from (:func:`finmodel.records.read`).
"""

from __future__ import annotations

import pandas as pd

from finmodel.impact.records import KpiRecord, PortfolioRecord
from finmodel.records import read
from finmodel.stack.records import TrancheRecord


def tranche_rows(tranches: pd.DataFrame) -> list[TrancheRecord]:
    """The rows of (a selection of) ``RunResults.tranches``, in order."""
    return read(tranches, TrancheRecord)


def portfolio_rows(summary: pd.DataFrame) -> list[PortfolioRecord]:
    """The rows of ``PortfolioResults.summary``, in order."""
    return read(summary, PortfolioRecord)


def kpi_rows(kpis: pd.DataFrame) -> list[KpiRecord]:
    """The rows of (a selection of) ``PortfolioResults.kpis``, in order."""
    return read(kpis, KpiRecord)

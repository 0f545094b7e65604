"""Typed rows of the result tables the charts and the board paper read row by row.

pandas-stubs types a field of an ``itertuples()`` row as any pandas scalar (``str``,
``Timedelta``, ...), so arithmetic and formatting on it do not type-check. The charts read
the few columns they need into these frozen records instead: names as ``str`` and
amounts and rates as ``float``, the values ``itertuples()`` gives for the tables' text and
float64 columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True, slots=True)
class TrancheRow:
    """A tranche as the charts draw it: part of a row of ``RunResults.tranches``."""

    tranche: str
    kind: str
    provider: str
    attach: float
    detach: float
    notional: float
    expected_loss_pct: float
    hurdle_return: float  # NaN: no hurdle
    prob_hurdle_met: float  # NaN: no hurdle


def tranche_rows(tranches: pd.DataFrame) -> list[TrancheRow]:
    """The rows of (a selection of) ``RunResults.tranches``, in order."""
    return [TrancheRow(tranche=str(r["tranche"]), kind=str(r["kind"]),
                       provider=str(r["provider"]), attach=float(r["attach"]),
                       detach=float(r["detach"]), notional=float(r["notional"]),
                       expected_loss_pct=float(r["expected_loss_pct"]),
                       hurdle_return=float(r["hurdle_return"]),
                       prob_hurdle_met=float(r["prob_hurdle_met"]))
            for r in tranches.to_dict("records")]


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    """A portfolio's headline figures: part of a row of ``PortfolioResults.summary``."""

    portfolio: str
    expected_loss_rate: float
    core_impact: float
    total_cost: float


def portfolio_rows(summary: pd.DataFrame) -> list[PortfolioRow]:
    """The rows of ``PortfolioResults.summary``, in order."""
    return [PortfolioRow(portfolio=str(r["portfolio"]),
                         expected_loss_rate=float(r["expected_loss_rate"]),
                         core_impact=float(r["core_impact"]), total_cost=float(r["total_cost"]))
            for r in summary.to_dict("records")]


@dataclass(frozen=True, slots=True)
class KpiRow:
    """A KPI's names and unit: part of a row of ``PortfolioResults.kpis``."""

    kpi: str
    name_en: str
    name_ja: str
    unit: str

    def name(self, lang: str) -> str:
        """The KPI's name in ``lang`` (``ja``, else English)."""
        return self.name_ja if lang == "ja" else self.name_en


def kpi_rows(kpis: pd.DataFrame) -> list[KpiRow]:
    """The rows of (a selection of) ``PortfolioResults.kpis``, in order."""
    return [KpiRow(kpi=str(r["kpi"]), name_en=str(r["name_en"]), name_ja=str(r["name_ja"]),
                   unit=str(r["unit"]))
            for r in kpis.to_dict("records")]

"""The results of a run: tidy tables, and writing them to a folder safely."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from finmodel.bundle import BundleResults
from finmodel.engine.distribution import LossDistribution
from finmodel.impact.results import PortfolioResults
from finmodel.io import write_table_atomic
from finmodel.scenario.model import Scenario


@dataclass(frozen=True)
class RunResults:
    """Everything one run of a scenario produced.

    Attributes:
        scenario: the scenario that was run.
        tranches: one row per vehicle and tranche (bottom to top).
        vehicles: one row per vehicle.
        guarantees: one row per vehicle and guarantee.
        cashflows: expected cash flows by vehicle, holder (each tranche, the pool, each
            guarantor, the manager, the vehicle) and period, with P10/P90 of cash.
        one_period: the one-period view (exact, Monte Carlo or LHP engine, bullet, one
            payment at the horizon) of each tranche under the same priority of payments.
        loss_distributions: each vehicle's pool loss distribution, by vehicle id.
        bundle: the bundle simulation's tables (``gaps``, ``handoffs``, ...), if any.
        portfolios: the firm-by-firm and core-issue portfolios' tables, if any.
    """

    scenario: Scenario
    tranches: pd.DataFrame
    vehicles: pd.DataFrame
    guarantees: pd.DataFrame
    cashflows: pd.DataFrame = field(default_factory=pd.DataFrame)
    one_period: pd.DataFrame = field(default_factory=pd.DataFrame)
    loss_distributions: dict[str, LossDistribution] = field(default_factory=dict)
    bundle: BundleResults | None = None
    portfolios: PortfolioResults | None = None

    def _bundle_table(self, name: str) -> pd.DataFrame:
        return getattr(self.bundle, name) if self.bundle is not None else pd.DataFrame()

    @property
    def gaps(self) -> pd.DataFrame:
        """Funding gap by year x stage x issue (empty when the scenario has no bundle)."""
        return self._bundle_table("gaps")

    @property
    def handoffs(self) -> pd.DataFrame:
        """Graduates per stage transition and the share funded at the next stage."""
        return self._bundle_table("handoffs")

    @property
    def providers(self) -> pd.DataFrame:
        """Per provider and year: lent, budget used, losses, facility spending."""
        return self._bundle_table("providers")

    @property
    def facilities(self) -> pd.DataFrame:
        """Per facility: budget, committed, paid out."""
        return self._bundle_table("facilities")

    @property
    def coverage(self) -> pd.DataFrame:
        """Stage x issue: who can serve each cell; holes and overlaps."""
        return self._bundle_table("coverage")

    @property
    def bundle_summary(self) -> pd.DataFrame:
        """Public expected cost, private money mobilised, mobilisation ratio, total gap."""
        return self._bundle_table("summary")

    def loss_table(self, vehicle: str) -> pd.DataFrame:
        """A vehicle's pool loss distribution as a table (loss, probability, cdf)."""
        dist = self.loss_distributions[vehicle]
        raw = pd.DataFrame({"loss": dist.loss, "probability": dist.prob})
        table = raw.groupby("loss", as_index=False).agg(probability=("probability", "sum"))
        table = table[table["probability"] > 0].reset_index(drop=True)
        table["cdf"] = table["probability"].cumsum()
        table.insert(0, "vehicle", vehicle)
        return table

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table written by ``finmodel run``, by file stem."""
        losses = [self.loss_table(v) for v in self.loss_distributions]
        bundle = {} if self.bundle is None else {
            "gaps": self.gaps, "handoffs": self.handoffs, "providers": self.providers,
            "facilities": self.facilities, "coverage": self.coverage,
            "bundle_summary": self.bundle_summary, "flows": self._bundle_table("flows"),
            "gap_years": self._bundle_table("gap_years")}
        if self.portfolios is not None:
            bundle = bundle | self.portfolios.tables()
        if not self.scenario.vehicles:
            return bundle
        return bundle | {
            "tranches": self.tranches,
            "vehicles": self.vehicles,
            "guarantees": self.guarantees,
            "cashflows": self.cashflows,
            "one_period": self.one_period,
            "loss_distribution": pd.concat(losses, ignore_index=True) if losses
            else pd.DataFrame(columns=["vehicle", "loss", "probability", "cdf"]),
        }

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write every table as CSV into ``out_dir``, each file atomically."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        return [write_table_atomic(table, out / f"{stem}.csv")
                for stem, table in self.tables().items()]

"""The results of a run: tidy tables, and writing them to a folder safely."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from finmodel.engine.distribution import LossDistribution
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
        loss_distributions: each vehicle's pool loss distribution, by vehicle id.
    """

    scenario: Scenario
    tranches: pd.DataFrame
    vehicles: pd.DataFrame
    guarantees: pd.DataFrame
    loss_distributions: dict[str, LossDistribution] = field(default_factory=dict)

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
        return {
            "tranches": self.tranches,
            "vehicles": self.vehicles,
            "guarantees": self.guarantees,
            "loss_distribution": pd.concat(losses, ignore_index=True) if losses
            else pd.DataFrame(columns=["vehicle", "loss", "probability", "cdf"]),
        }

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write every table as CSV into ``out_dir``, each file atomically."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        return [write_table_atomic(table, out / f"{stem}.csv")
                for stem, table in self.tables().items()]

"""The headline numbers of a run, defined once.

Which figures are the headline numbers, and which row and column of the result tables
each comes from, is decided here; the app's stack and compare pages, the board paper
and the command line format these records (labels, units, languages and rounding stay
with them). The records hold plain numbers and names, no text for a reader:

* :class:`VehicleHeadline` per vehicle: the pool's expected loss, its senior (top)
  tranche (:class:`TrancheHeadline`), the public expected cost, the concession's
  transfer and the mobilisation ratio;
* :class:`BundleHeadline` for a bundle: the total funding gap, its parts and the money;
* :class:`PortfolioHeadline` per portfolio: its core impact and total cost.

A figure that does not apply is NaN, as in the tables (a tranche without a hurdle has no
chance of meeting one; a vehicle without public money has no mobilisation ratio).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from finmodel.results import RunResults

__all__ = ["BundleHeadline", "PortfolioHeadline", "TrancheHeadline", "VehicleHeadline",
           "bundle_headline", "portfolio_headlines", "vehicle_headline", "vehicle_headlines"]

Row = Mapping[Hashable, Any]


@dataclass(frozen=True, slots=True)
class TrancheHeadline:
    """A tranche's headline figures (rates as fractions): part of a row of
    ``RunResults.tranches``."""

    tranche: str
    expected_loss_pct: float  # of notional
    prob_loss: float
    irr_mean: float
    irr_p10: float
    irr_p50: float
    irr_p90: float
    hurdle_return: float  # NaN: no hurdle
    prob_hurdle_met: float  # P(IRR >= hurdle); NaN: no hurdle

    @property
    def has_hurdle(self) -> bool:
        """Whether the tranche has a hurdle (its chance of meeting it is a number)."""
        return not math.isnan(self.prob_hurdle_met)


@dataclass(frozen=True, slots=True)
class VehicleHeadline:
    """A vehicle's headline figures (amounts in the scenario's unit): part of its row of
    ``RunResults.vehicles`` and its senior tranche."""

    vehicle: str
    expected_loss: float  # the pool's expected loss at the horizon (one-period engine)
    senior: TrancheHeadline  # the top tranche: the last of the vehicle's tranche rows
    public_expected_cost: float  # PV
    subsidy: float  # PV the conceding tranches give up
    subsidy_to_private: float  # PV the private tranches gain from it
    mobilisation_ratio: float  # private money per unit of public money; NaN: no public money


@dataclass(frozen=True, slots=True)
class BundleHeadline:
    """A bundle's headline figures (amounts in the scenario's unit, summed over the
    simulated years, means over replications): the row of ``RunResults.bundle_summary``."""

    total_gap: float  # potential demand - supplied = direct gap + lost pipeline
    gap_share: float  # total gap / potential demand; NaN: no potential demand
    total_gap_p10: float
    total_gap_p90: float
    direct_gap: float
    lost_pipeline: float
    potential_demand: float
    public_expected_cost: float
    private_mobilised: float
    mobilisation_ratio: float  # NaN: no public money


@dataclass(frozen=True, slots=True)
class PortfolioHeadline:
    """A portfolio's headline figures: part of a row of ``PortfolioResults.summary``."""

    portfolio: str
    core_impact: float
    total_cost: float


def _tranche_headline(row: Row) -> TrancheHeadline:
    return TrancheHeadline(
        tranche=str(row["tranche"]), expected_loss_pct=float(row["expected_loss_pct"]),
        prob_loss=float(row["prob_loss"]), irr_mean=float(row["irr_mean"]),
        irr_p10=float(row["irr_p10"]), irr_p50=float(row["irr_p50"]),
        irr_p90=float(row["irr_p90"]), hurdle_return=float(row["hurdle_return"]),
        prob_hurdle_met=float(row["prob_hurdle_met"]))


def _vehicle_headline(tranches: pd.DataFrame, row: Row) -> VehicleHeadline:
    vehicle = str(row["vehicle"])
    own = tranches[tranches["vehicle"] == vehicle].to_dict("records")
    if not own:
        raise ValueError(f"vehicle {vehicle!r} has no tranche rows")
    return VehicleHeadline(
        vehicle=vehicle, expected_loss=float(row["expected_loss"]),
        senior=_tranche_headline(own[-1]),  # tranches run bottom to top
        public_expected_cost=float(row["public_expected_cost"]),
        subsidy=float(row["subsidy"]), subsidy_to_private=float(row["subsidy_to_private"]),
        mobilisation_ratio=float(row["mobilisation_ratio"]))


def vehicle_headlines(results: RunResults) -> list[VehicleHeadline]:
    """Every vehicle's headline figures, in the order of ``results.vehicles``."""
    return [_vehicle_headline(results.tranches, row)
            for row in results.vehicles.to_dict("records")]


def vehicle_headline(results: RunResults, vehicle: str) -> VehicleHeadline:
    """One vehicle's headline figures (``KeyError`` when the results have no such vehicle)."""
    vehicles = results.vehicles
    rows = vehicles[vehicles["vehicle"] == vehicle].to_dict("records") if len(vehicles) else []
    if not rows:
        raise KeyError(vehicle)
    return _vehicle_headline(results.tranches, rows[0])


def bundle_headline(results: RunResults) -> BundleHeadline | None:
    """The bundle's headline figures, or None when the scenario has no bundle."""
    if results.bundle is None:
        return None
    row = results.bundle_summary.to_dict("records")[0]  # the summary has one row
    return BundleHeadline(
        total_gap=float(row["total_gap"]), gap_share=float(row["gap_share"]),
        total_gap_p10=float(row["total_gap_p10"]), total_gap_p90=float(row["total_gap_p90"]),
        direct_gap=float(row["direct_gap"]), lost_pipeline=float(row["lost_pipeline"]),
        potential_demand=float(row["potential_demand"]),
        public_expected_cost=float(row["public_expected_cost"]),
        private_mobilised=float(row["private_mobilised"]),
        mobilisation_ratio=float(row["mobilisation_ratio"]))


def portfolio_headlines(results: RunResults) -> list[PortfolioHeadline]:
    """Each portfolio's headline figures, in the order of the portfolios' summary (none
    when the scenario compares no portfolios)."""
    if results.portfolios is None:
        return []
    return [PortfolioHeadline(portfolio=str(row["portfolio"]),
                              core_impact=float(row["core_impact"]),
                              total_cost=float(row["total_cost"]))
            for row in results.portfolios.summary.to_dict("records")]

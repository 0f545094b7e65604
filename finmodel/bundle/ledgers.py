"""What a replication of the bundle records: its ledgers, and the run's fast tallies.

:class:`Ledgers` is what tables are built from (numpy arrays, declared with their axes).
While a run goes, the amounts booked most often live in :class:`Books` as plain Python
numbers (a scalar update of a numpy array costs ~8 times as much) and are handed to the
ledgers when it ends, in the same order of additions, so the sums are the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from finmodel.vocabulary import STAGE_ORDER, Issue, Stage

ISSUES: tuple[Issue, ...] = tuple(Issue)
STAGE_INDEX: dict[Stage, int] = {stage: i for i, stage in enumerate(STAGE_ORDER)}
ISSUE_INDEX: dict[Issue, int] = {issue: i for i, issue in enumerate(ISSUES)}
FloatArray = NDArray[np.float64]
STATUS = ("served", "partly_served", "rejected", "discouraged", "pending")
SERVED, PARTLY_SERVED, REJECTED, DISCOURAGED, PENDING = range(len(STATUS))


def _array(shape: str, doc: str, fill: float = 0.0) -> Any:
    """A ledger array: ``shape`` names its axes (see :class:`Ledgers`)."""
    return field(init=False, metadata={"shape": shape, "fill": fill, "doc": doc})


@dataclass
class Ledgers:
    """Everything a replication records (years are 0-based).

    Axes: ``cell`` = year x stage x issue; ``status`` = status x cell; ``year``;
    ``stage``; ``provider`` and ``provider_year`` = provider x year; ``provider_cell`` =
    provider x stage x issue; ``facility_year``; ``facility_cell``.
    """

    years: int
    providers: int
    facilities: int
    demand: FloatArray = _array("cell", "money asked, booked in the year a round first asks")
    supplied: FloatArray = _array("cell", "money the round finally got")
    rounds: FloatArray = _array("cell", "rounds of funding (a firm's need at a stage)")
    status: FloatArray = _array("status", "rounds served / partly served / discouraged / "
                                "pending, and rejected asks (STATUS order)")
    potential_demand: FloatArray = _array("cell", "the counterfactual's demand (set by "
                                          "simulate_ledgers): every round funded in full")
    potential_rounds: FloatArray = _array("cell", "the counterfactual's rounds")
    potential_graduates: FloatArray = _array("stage", "the counterfactual's graduates")
    defaults: FloatArray = _array("year", "firms failing in each year")
    at_risk: FloatArray = _array("year", "firm-years exposed to failure in each year")
    factor: FloatArray = _array("year", "the regional factor Z_t")
    lent: FloatArray = _array("provider_year", "money lent or granted")
    budget: FloatArray = _array("provider_year", "the year's budget (shocks and cycle applied)")
    losses: FloatArray = _array("provider_year", "credit losses after facilities")
    repaid: FloatArray = _array("provider_year", "principal repaid")
    interest: FloatArray = _array("provider_year", "interest received, net of guarantee fees")
    granted: FloatArray = _array("provider_year", "grants given")
    support_cost: FloatArray = _array("provider_year", "cost of non-financial support")
    supported: FloatArray = _array("provider_year", "firms supported")
    subsidy: FloatArray = _array("provider_year", "interest forgone on concessional lines")
    facility_lent: FloatArray = _array("provider_year", "lent through concessional lines it funds")
    covered: FloatArray = _array("provider_year", "losses on its positions facilities paid")
    outstanding: FloatArray = _array("provider", "still lent when the simulation ends")
    lent_cell: FloatArray = _array("provider_cell", "money lent, by stage and issue")
    largest_position: FloatArray = _array("provider", "largest position taken")
    smallest_position: FloatArray = _array("provider", "smallest position taken", np.inf)
    committed: FloatArray = _array("facility_year", "budget committed (liability, reserve, line)")
    paid: FloatArray = _array("facility_year", "losses paid")
    fees: FloatArray = _array("facility_year", "guarantee fees received")
    committed_cell: FloatArray = _array("facility_cell", "budget committed, by stage and issue")
    graduates: FloatArray = _array("stage", "graduates from each stage (later: exits)")
    funded_next: FloatArray = _array("stage", "graduates funded at the next stage")
    firms: int = 0  # firms that arrived
    firm_years: int = 0  # yearly steps taken by firms

    def __post_init__(self) -> None:
        cells = (self.years, len(STAGE_ORDER), len(ISSUES))
        shapes = {"cell": cells, "status": (len(STATUS), *cells), "year": (self.years,),
                  "stage": (len(STAGE_ORDER),), "provider": (self.providers,),
                  "provider_year": (self.providers, self.years),
                  "provider_cell": (self.providers, *cells[1:]),
                  "facility_year": (self.facilities, self.years),
                  "facility_cell": (self.facilities, *cells[1:])}
        for spec in fields(self):
            if "shape" in spec.metadata:
                setattr(self, spec.name, np.full(shapes[spec.metadata["shape"]],
                                                 spec.metadata["fill"]))


def cell_index(year: int, stage: Stage, issue: Issue) -> int:
    """The flat index of a year x stage x issue cell (the tallies' layout)."""
    return (year * len(STAGE_ORDER) + STAGE_INDEX[stage]) * len(ISSUES) + ISSUE_INDEX[issue]


class Books:
    """A run's ledgers and its running tallies (one owner: the run)."""

    def __init__(self, years: int, providers: int, facilities: int) -> None:
        self.ledgers = Ledgers(years, providers, facilities)
        cells = years * len(STAGE_ORDER) * len(ISSUES)
        # by flat year x stage x issue cell
        self.demand = [0.0] * cells
        self.supplied = [0.0] * cells
        self.rounds = [0] * cells
        self.status = [[0] * cells for _ in STATUS]
        # by year
        self.at_risk = [0] * years
        self.defaults = [0] * years
        # by provider (and year, or stage and issue)
        self.lent = [[0.0] * years for _ in range(providers)]
        self.interest = [[0.0] * years for _ in range(providers)]
        self.repaid = [[0.0] * years for _ in range(providers)]
        self.lent_cell = [[[0.0] * len(ISSUES) for _ in STAGE_ORDER] for _ in range(providers)]
        self.largest = [0.0] * providers
        self.smallest = [math.inf] * providers

    def close(self) -> Ledgers:
        """Hand the tallies to the ledgers (as arrays) and return them."""
        ledgers = self.ledgers
        cells = ledgers.demand.shape

        def array(values: Any, shape: tuple[int, ...]) -> FloatArray:
            return np.array(values, dtype=float).reshape(shape)

        ledgers.demand = array(self.demand, cells)
        ledgers.supplied = array(self.supplied, cells)
        ledgers.rounds = array(self.rounds, cells)
        ledgers.status = array(self.status, ledgers.status.shape)
        ledgers.at_risk = array(self.at_risk, ledgers.at_risk.shape)
        ledgers.defaults = array(self.defaults, ledgers.defaults.shape)
        ledgers.lent = array(self.lent, ledgers.lent.shape)
        ledgers.interest = array(self.interest, ledgers.interest.shape)
        ledgers.repaid = array(self.repaid, ledgers.repaid.shape)
        ledgers.lent_cell = array(self.lent_cell, ledgers.lent_cell.shape)
        ledgers.largest_position = array(self.largest, ledgers.largest_position.shape)
        ledgers.smallest_position = array(self.smallest, ledgers.smallest_position.shape)
        return ledgers

"""The region's bundle simulated with simpy: firms move through stages and ask for money.

One :class:`BundleRun` owns everything of one replication: its simpy environment, its
random generators (seeded from the scenario seed and the replication number), what is
left of the providers' yearly budgets and of the facilities' programme budgets, and the
ledgers. Nothing is shared between runs. Firms are simpy processes that wait a year at a
time; budgets are plain numbers (a request is answered at once, nobody queues for money).

A year, in the order events happen at each whole time t (year t + 1):
budgets are reset (shocks applied), new firms arrive and ask for money, then firms
already in the pipeline take their yearly step, in the order they arrived. A firm's
yearly step: it may fail (stage PD, times support and concessional multipliers), else
graduate (stage graduation chance, times support), else stay; after ``max_years`` in a
stage it leaves. A graduate asks for money at the next stage at once; from ``later``
graduation is an exit (IPO, M&A, local IPO). A firm nobody funds asks again the next
year, up to ``retries`` times, then is discouraged and leaves.

Gap accounting: each round of funding (a firm's need at a stage) counts once, in the
year x stage x issue cell of the year the firm first asked: its need is the demand,
what it finally got (perhaps a year later) the supply. Counts: ``rounds``; ``served``,
``partly_served``, ``discouraged`` (gave up) and ``pending`` (still waiting at the
horizon) rounds, which add up to ``rounds``; ``rejected`` asks.

The counterfactual (``counterfactual=True``) runs the same firms with the same random
draws, every round funded in full (by no provider in particular): its demand is the
*potential demand*, what would have been asked had no firm been lost for want of money.
Common random numbers: arrivals come from their own stream, each firm draws from its own
block of uniforms (taken in arrival order from the firms' stream: one need per stage and
a default and a graduation draw per year), and the regional factor from the economy's
stream, so a firm's fate is the same in both runs for as long as it lives in both.

The regional credit cycle (``economy``): a yearly factor Z_t moves every firm's PD,
Phi((Phi^-1(pd) - sqrt(rho) Z_t) / sqrt(1 - rho)), and each provider's budget by
max(0, 1 + procyclicality x Z_t).

Money: positions are repaid in full when a firm leaves its stage alive; interest is paid
yearly; when a firm fails each position loses its LGD, a guarantee pays its rate of the
loss up to its cap and a first-loss facility takes losses up to its share. Facility
budgets are programme limits that commitments use up (they do not revolve).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from statistics import NormalDist
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from finmodel.bundle.policy import (
    EPSILON,
    LenderTerms,
    Offer,
    facility_order,
    facility_use_per_unit,
    lender_offer,
    lender_order,
    lender_terms,
    out_of_facilities,
)
from finmodel.scenario.model import Facility, Provider, Scenario, StageTerms
from finmodel.seeding import stream
from finmodel.vocabulary import (
    STAGE_ORDER,
    ArrivalProcess,
    FacilityKind,
    Issue,
    Stage,
)

ISSUES: tuple[Issue, ...] = tuple(Issue)
FloatArray = NDArray[np.float64]
STAGE_INDEX: dict[Stage, int] = {stage: i for i, stage in enumerate(STAGE_ORDER)}
ISSUE_INDEX: dict[Issue, int] = {issue: i for i, issue in enumerate(ISSUES)}
NORMAL = NormalDist()
STATUS = ("served", "partly_served", "rejected", "discouraged", "pending")
SERVED, PARTLY_SERVED, REJECTED, DISCOURAGED, PENDING = range(len(STATUS))
# what became of a firm in its yearly step
STAYED, FAILED, GRADUATED, EXITED, LEFT = range(5)


@dataclass(slots=True)
class Position:
    """Money one provider has in one firm."""

    provider: int
    amount: float
    rate: float
    lgd: float
    facility: int | None = None
    facility_amount: float = 0.0  # guarantee liability or first-loss reserve
    concessional: bool = False  # lent by a concessional facility (provider = its funder)
    reference_rate: float = 0.0  # the rate private money charged alongside (for subsidies)
    grant: bool = False  # money that is not repaid


@dataclass(slots=True)
class Firm:
    """A firm in the pipeline."""

    number: int
    stage: Stage
    issue: Issue
    uniforms: tuple[float, ...]  # the firm's own random draws, used in order
    pd_multiplier: float = 1.0
    positions: list[Position] = field(default_factory=list)
    used: int = 0
    years_in_stage: int = 0
    alive: bool = True  # still in the pipeline (the counterfactual's loop)

    def uniform(self) -> float:
        """The firm's next U(0, 1) draw."""
        value = self.uniforms[self.used]
        self.used += 1
        return value


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


def draw(levels: list[float], index: int, amount: float) -> None:
    """Take ``amount`` (at most what is left) from one budget."""
    amount = min(amount, levels[index])
    if amount > 0:
        levels[index] -= amount


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one replication (as ``timeit`` does).

    A replication keeps thousands of small objects alive (firms, their positions, simpy
    processes and events); each automatic collection walks all of them, so collection
    time grows faster than the pipeline (time ~ firms^1.15 with it, ^1.04 without, on
    ``bench_bundle``'s region). Reference counting still frees everything acyclic; the
    few cycles a run leaves are collected after it. Only the caller that paused the
    collector switches it back on, so nested or concurrent runs never leave it off.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def economy_path(scenario: Scenario, replication: int, years: int) -> np.ndarray:
    """The regional factor Z_t of each year (zeros without an economy)."""
    economy = scenario.economy
    if economy is None:
        return np.zeros(years)
    if economy.path is not None:
        return np.asarray(economy.path[:years], dtype=float)
    shocks = stream(scenario.seed, f"bundle/{replication}/economy").standard_normal(years)
    z = np.empty(years)
    phi = economy.persistence
    for t in range(years):
        z[t] = shocks[t] if t == 0 else phi * z[t - 1] + math.sqrt(1.0 - phi * phi) * shocks[t]
    return z


def draws_per_firm(scenario: Scenario) -> int:
    """Most uniforms a firm can use: one need per stage, two draws a year in each."""
    assert scenario.pipeline is not None
    return sum(1 + 2 * terms.max_years for terms in scenario.pipeline.stages.values())


class BundleRun:
    """One replication of the bundle (owns its clock, generators, budgets and ledgers)."""

    def __init__(self, scenario: Scenario, replication: int,
                 counterfactual: bool = False) -> None:
        if scenario.pipeline is None or scenario.simulation is None:
            raise ValueError("the scenario has no bundle (pipeline and simulation)")
        self.scenario = scenario
        self.pipeline = scenario.pipeline
        self.years = scenario.simulation.years
        self.counterfactual = counterfactual
        self.arrival_rng = stream(scenario.seed, f"bundle/{replication}/arrivals")
        self.firm_rng = stream(scenario.seed, f"bundle/{replication}/firms")
        self.draws = draws_per_firm(scenario)
        self.factor = economy_path(scenario, replication, self.years)
        economy = scenario.economy
        self.rho = economy.correlation if economy is not None else 0.0
        self._conditional: dict[tuple[float, int], float] = {}
        self._open: dict[int, int] = {}  # firm -> (flat) cell of its open round
        self.env = simpy.Environment()
        self.providers: list[Provider] = list(scenario.providers)
        self.facilities: list[Facility] = list(scenario.facilities)
        self.ledgers = Ledgers(self.years, len(self.providers), len(self.facilities))
        self.budget_left = [0.0] * len(self.providers)  # this year's, reset by new_year
        self.facility_left = [float(f.budget) for f in self.facilities]  # programme limits
        self._year = 0
        # what the hot path needs of each stage and provider, looked up once
        self._sigma = {stage: terms.need.sigma for stage, terms in self.pipeline.stages.items()}
        self._lgd = [p.resolved_lgd for p in self.providers]
        self._grant = [p.grants for p in self.providers]
        self._plans: dict[tuple[Stage, Issue], list[LenderTerms]] = {}
        # Per-round tallies by flat year x stage x issue cell, kept as Python numbers while
        # the run goes (a scalar update of a numpy array costs ~8 times as much) and handed
        # to the ledgers when it ends, in the same order of additions.
        cells = self.years * len(STAGE_ORDER) * len(ISSUES)
        self._demand = [0.0] * cells
        self._supplied = [0.0] * cells
        self._rounds = [0] * cells
        self._status = [[0] * cells for _ in STATUS]
        self._at_risk = [0] * self.years
        self._defaults = [0] * self.years
        # the same for the money most often booked, by provider (and year or cell)
        self._lent = [[0.0] * self.years for _ in self.providers]
        self._interest = [[0.0] * self.years for _ in self.providers]
        self._repaid = [[0.0] * self.years for _ in self.providers]
        self._lent_cell = [[[0.0] * len(ISSUES) for _ in STAGE_ORDER] for _ in self.providers]
        self._largest = [0.0] * len(self.providers)
        self._smallest = [math.inf] * len(self.providers)
        self._supporters: dict[tuple[Stage, Issue], list[int]] = {}
        self.multiplier = np.ones(len(self.providers))
        self.support_left = np.zeros(len(self.providers))
        self._firms = 0
        self._index = {p.id: i for i, p in enumerate(self.providers)}
        self._alive: dict[int, Firm] = {}

    # -- random numbers --------------------------------------------------------------
    def need(self, firm: Firm, terms: StageTerms) -> float:
        """A lognormal need with the stage's median and 90th percentile (the firm's draw)."""
        u = min(max(firm.uniform(), 1e-12), 1 - 1e-12)
        return terms.need.median * math.exp(self._sigma[firm.stage] * NORMAL.inv_cdf(u))

    def conditional_pd(self, pd: float, year: int) -> float:
        """The year's PD given the regional factor (pd itself without an economy)."""
        if self.rho <= 0.0 or pd <= 0.0 or pd >= 1.0:
            return pd
        key = (pd, year)
        value = self._conditional.get(key)
        if value is None:
            shifted = (NORMAL.inv_cdf(pd) - math.sqrt(self.rho) * self.factor[year]) \
                / math.sqrt(1.0 - self.rho)
            value = NORMAL.cdf(shifted)
            self._conditional[key] = value
        return value

    # -- yearly processes --------------------------------------------------------------
    @property
    def year(self) -> int:
        """0-based index of the current year (set when the year starts: the treasury is the
        first process, so its yearly event comes first at every whole time)."""
        return self._year

    def new_year(self, year: int, budgets: bool = True) -> None:
        """Apply the year's shocks; reset providers' budgets (if asked) and support capacity."""
        self._year = year
        for shock in self.scenario.shocks:
            if shock.year == year + 1:
                self.multiplier[self._index[shock.provider]] *= shock.budget_multiplier
        self.ledgers.factor[year] = self.factor[year]
        for i, provider in enumerate(self.providers):
            cycle = max(0.0, 1.0 + provider.procyclicality * self.factor[year])
            budget = provider.annual_budget * self.multiplier[i] * cycle
            if budgets:
                self.budget_left[i] = budget if budget > 0 else 0.0
            self.ledgers.budget[i, year] = budget
            capacity = provider.support.capacity if provider.support else 0
            self.support_left[i] = math.floor(capacity * self.multiplier[i] + EPSILON)

    def treasury(self):
        """Each year: apply shocks, reset providers' budgets and support capacity."""
        for year in range(self.years):
            self.new_year(year)
            yield self.env.timeout(1)

    def new_firms(self, year: int) -> list[Firm]:
        """The firms arriving in ``year`` (0-based), in arrival order, with their draws."""
        fixed = self.pipeline.arrival_process is ArrivalProcess.fixed
        who: list[tuple[Stage, Issue]] = []
        for stage, by_issue in self.pipeline.arrivals.items():
            for issue, rate in by_issue.items():
                if fixed:
                    count = math.floor(rate * (year + 1) + EPSILON) - math.floor(
                        rate * year + EPSILON)
                else:
                    count = int(self.arrival_rng.poisson(rate))
                who.extend([(stage, issue)] * count)
        # one block of draws per firm, in arrival order (the same numbers as one call each);
        # tuples of floats, which the garbage collector stops tracking (fewer objects for
        # it to walk: collection time would otherwise grow faster than the pipeline)
        uniforms = list(map(tuple, self.firm_rng.random((len(who), self.draws)).tolist()))
        out = [Firm(self._firms + k + 1, stage, issue, draws)
               for k, ((stage, issue), draws) in enumerate(zip(who, uniforms, strict=True))]
        self._firms += len(out)
        self.ledgers.firms += len(out)
        return out

    def arrivals(self):
        """Each year: new firms enter at their stage, by issue."""
        for year in range(self.years):
            for firm in self.new_firms(year):
                self._alive[firm.number] = firm
                self.env.process(self.firm_life(firm))
            yield self.env.timeout(1)

    # -- a firm ------------------------------------------------------------------------
    def firm_life(self, firm: Firm):
        """A firm's whole story: ask, live through stages, fail, graduate or leave."""
        asked_after_graduating = False
        retries = self.pipeline.retries
        while True:
            cell, need = self.open_round(firm, self._year)
            self._open[firm.number] = cell  # pending until it is funded or gives up
            supplied = 0.0
            for attempt in range(retries + 1):
                supplied = need if self.counterfactual else self.ask(firm, need)
                if supplied > EPSILON:
                    break
                self._status[REJECTED][cell] += 1
                if attempt < retries:
                    yield self.env.timeout(1)
            del self._open[firm.number]
            self.close_round(cell, need, supplied)
            if supplied <= EPSILON:
                self._alive.pop(firm.number, None)
                return
            if asked_after_graduating:
                self.ledgers.funded_next[STAGE_INDEX[firm.stage] - 1] += 1
            firm.years_in_stage = 0
            while True:
                yield self.env.timeout(1)
                fate = self.year_step(firm, self._year)
                if fate == STAYED:
                    continue
                if fate != GRADUATED:
                    self._alive.pop(firm.number, None)
                    return
                asked_after_graduating = True
                break

    def open_round(self, firm: Firm, year: int) -> tuple[int, float]:
        """A round of funding at the firm's stage: its need, booked in the (flat) cell of the
        year the firm first asks."""
        need = self.need(firm, self.pipeline.stages[firm.stage])
        cell = (year * len(STAGE_ORDER) + STAGE_INDEX[firm.stage]) * len(ISSUES) \
            + ISSUE_INDEX[firm.issue]
        self._demand[cell] += need
        self._rounds[cell] += 1
        return cell, need

    def close_round(self, cell: int, need: float, supplied: float) -> None:
        """What the round finally got: served, partly served or (nothing) discouraged."""
        self._supplied[cell] += supplied
        if supplied <= EPSILON:
            self._status[DISCOURAGED][cell] += 1
        elif supplied >= need - EPSILON * max(need, 1.0):
            self._status[SERVED][cell] += 1
        else:
            self._status[PARTLY_SERVED][cell] += 1

    def year_step(self, firm: Firm, year: int) -> int:
        """A funded firm's year: it fails (its positions settle their losses), or pays
        interest and graduates (repaid; moves to the next stage or exits), or stays, or
        leaves after ``max_years`` (repaid). Returns what became of it."""
        terms = self.pipeline.stages[firm.stage]
        firm.years_in_stage += 1
        self.ledgers.firm_years += 1
        pd_factor, graduation_factor = self.support(firm, year) \
            if self.supporters(firm.stage, firm.issue) else (1.0, 1.0)
        pd = min(terms.annual_pd * firm.pd_multiplier * pd_factor, 1.0)
        if self.rho > 0.0:
            pd = self.conditional_pd(pd, year)
        self._at_risk[year] += 1
        if firm.uniform() < pd:
            self._defaults[year] += 1
            self.settle_default(firm)
            return FAILED
        self.collect_interest(firm, year)
        if firm.uniform() < min(terms.graduation * graduation_factor, 1.0):
            self.settle_repayment(firm)
            stage_index = STAGE_INDEX[firm.stage]
            self.ledgers.graduates[stage_index] += 1
            if firm.stage is Stage.later or stage_index + 1 >= len(STAGE_ORDER):
                return EXITED
            firm.stage = STAGE_ORDER[stage_index + 1]
            firm.pd_multiplier = 1.0
            return GRADUATED
        if firm.years_in_stage >= terms.max_years:
            self.settle_repayment(firm)
            return LEFT
        return STAYED

    def supporters(self, stage: Stage, issue: Issue) -> list[int]:
        """Providers whose non-financial support covers the stage and issue."""
        key = (stage, issue)
        found = self._supporters.get(key)
        if found is None:
            found = self._supporters[key] = [
                i for i, p in enumerate(self.providers)
                if p.support is not None and stage in p.support.stages
                and (p.support.issues is None or issue in p.support.issues)]
        return found

    def support(self, firm: Firm, year: int) -> tuple[float, float]:
        """Non-financial support for this year, while a provider has capacity left."""
        pd_factor = graduation_factor = 1.0
        for i in self.supporters(firm.stage, firm.issue):
            support = self.providers[i].support
            assert support is not None
            if self.support_left[i] < 1:
                continue
            self.support_left[i] -= 1
            self.ledgers.supported[i, year] += 1
            self.ledgers.support_cost[i, year] += support.cost_per_firm
            pd_factor *= support.pd_multiplier
            graduation_factor *= support.graduation_multiplier
        return pd_factor, graduation_factor

    # -- the bundle's answer to one request ----------------------------------------------
    def ask(self, firm: Firm, need: float) -> float:
        """Assemble funding for ``need`` under the allocation policy; returns what is supplied.

        Money is booked as it is lent; the caller books the round's demand and outcome.
        """
        key = (firm.stage, firm.issue)
        plan = self._plans.get(key)
        if plan is None:
            pd = self.pipeline.stages[firm.stage].annual_pd
            candidates = facility_order(self.facilities, firm.stage, firm.issue)
            plan = self._plans[key] = [
                lender_terms(i, self.providers[i], pd, self.facilities, candidates)
                for i in lender_order(self.providers, firm.stage, firm.issue)]
        remaining = need
        year = self._year
        budget_left = self.budget_left
        dropped = False
        for terms in plan:
            if remaining <= EPSILON:
                break
            left = budget_left[terms.provider]
            if left <= EPSILON or left < terms.ticket_min - EPSILON:
                continue  # spent for this year (what is left is below a ticket)
            offer = lender_offer(terms, remaining, left, self.facility_left)
            if offer is None:
                dropped = dropped or out_of_facilities(terms, self.facility_left)
                continue
            self.take(firm, offer, year)
            remaining -= offer.amount
        if dropped:  # lenders whose facilities have run out are not asked again
            self._plans[key] = [t for t in plan if not out_of_facilities(t, self.facility_left)]
        return need - remaining

    def take(self, firm: Firm, offer: Offer, year: int) -> None:
        """Book a lender's position (and its facility) in the firm."""
        provider = self.providers[offer.provider]
        lgd = self._lgd[offer.provider]
        facility = self.facilities[offer.facility] if offer.facility is not None else None
        own = offer.amount
        if offer.facility is not None and facility is not None \
                and facility.kind is FacilityKind.concessional:
            assert facility.share is not None and facility.rate is not None
            line = offer.amount * facility.share
            own = offer.amount - line
            funder = self._index[facility.provider]
            draw(self.facility_left, offer.facility, line)
            self.ledgers.committed[offer.facility, year] += line
            self.ledgers.committed_cell[(offer.facility, STAGE_INDEX[firm.stage],
                                         ISSUE_INDEX[firm.issue])] += line
            self._lent[funder][year] += line
            self.ledgers.facility_lent[funder, year] += line
            self._lent_cell[funder][STAGE_INDEX[firm.stage]][ISSUE_INDEX[firm.issue]] += line
            firm.positions.append(Position(funder, line, facility.rate, lgd, offer.facility,
                                           concessional=True, reference_rate=provider.rate))
            firm.pd_multiplier = min(firm.pd_multiplier, facility.pd_multiplier)
        p = offer.provider
        grant = self._grant[p]
        position = Position(p, own, 0.0 if grant else provider.rate, lgd, None, 0.0, False, 0.0,
                            grant)
        if grant:
            self.ledgers.granted[p, year] += own
        if offer.facility is not None and facility is not None \
                and facility.kind is not FacilityKind.concessional:
            use = own * facility_use_per_unit(facility, lgd)
            draw(self.facility_left, offer.facility, use)
            self.ledgers.committed[offer.facility, year] += use
            self.ledgers.committed_cell[(offer.facility, STAGE_INDEX[firm.stage],
                                         ISSUE_INDEX[firm.issue])] += use
            position.facility = offer.facility
            position.facility_amount = use
        draw(self.budget_left, p, own)
        self._lent[p][year] += own
        firm.positions.append(position)
        self._lent_cell[p][STAGE_INDEX[firm.stage]][ISSUE_INDEX[firm.issue]] += own
        if offer.amount > self._largest[p]:
            self._largest[p] = offer.amount
        if offer.amount < self._smallest[p]:
            self._smallest[p] = offer.amount

    # -- money flowing back ------------------------------------------------------------
    def collect_interest(self, firm: Firm, year: int) -> None:
        interest = self._interest
        for position in firm.positions:
            interest[position.provider][year] += position.rate * position.amount
            if position.concessional:
                forgone = max(position.reference_rate - position.rate, 0.0) * position.amount
                self.ledgers.subsidy[position.provider, year] += forgone
            elif position.facility is not None:
                facility = self.facilities[position.facility]
                if facility.kind is FacilityKind.guarantee and facility.fee > 0:
                    fee = facility.fee * position.amount
                    self.ledgers.fees[position.facility, year] += fee
                    interest[position.provider][year] -= fee

    def settle_repayment(self, firm: Firm) -> None:
        year = self._year
        for position in firm.positions:
            if not position.grant:
                self._repaid[position.provider][year] += position.amount
        firm.positions = []

    def settle_default(self, firm: Firm) -> None:
        """Each position loses its LGD; guarantees and first-loss shares pay their part."""
        year = self._year
        for position in firm.positions:
            if position.grant:
                continue  # given, not lent: nothing more to lose
            loss = position.lgd * position.amount
            cover = 0.0
            if position.facility is not None and not position.concessional:
                facility = self.facilities[position.facility]
                if facility.kind is FacilityKind.guarantee:
                    assert facility.rate is not None and facility.cap is not None
                    cover = min(facility.rate * loss, facility.cap * position.amount)
                elif facility.kind is FacilityKind.first_loss:
                    assert facility.share is not None
                    cover = min(loss, facility.share * position.amount)
                self.ledgers.paid[position.facility, year] += cover
                self.ledgers.covered[position.provider, year] += cover
            self.ledgers.losses[position.provider, year] += loss - cover
            self._repaid[position.provider][year] += position.amount - loss
        firm.positions = []

    # -- the counterfactual, without simpy --------------------------------------------------
    def run_counterfactual(self) -> Ledgers:
        """Every round funded in full, in the order the simpy run takes events, but as a
        plain loop (no lender to ask, so nothing waits): each year the budgets' year starts,
        the new firms ask, then the firms already there take their step, the latest
        arrivals first and each year's arrivals in arrival order (the order in which simpy
        fires their yearly timeouts). Same firms, same draws, same support queue as
        ``BundleRun(..., counterfactual=True).run()`` (a test checks they are identical).
        """
        cohorts: list[list[Firm]] = []
        with collector_paused():
            for year in range(self.years):
                self.new_year(year, budgets=False)
                arrived = self.new_firms(year)
                for firm in arrived:
                    self._fund_in_full(firm, year)
                for cohort in reversed(cohorts):
                    for firm in cohort:
                        if firm.alive:
                            self._step_in_full(firm, year)
                cohorts.append(arrived)
        return self._close_books()

    def _fund_in_full(self, firm: Firm, year: int) -> None:
        cell, need = self.open_round(firm, year)
        self.close_round(cell, need, need)
        firm.years_in_stage = 0

    def _step_in_full(self, firm: Firm, year: int) -> None:
        fate = self.year_step(firm, year)
        if fate == GRADUATED:
            self._fund_in_full(firm, year)
            self.ledgers.funded_next[STAGE_INDEX[firm.stage] - 1] += 1
        elif fate != STAYED:
            firm.alive = False

    def _close_books(self) -> Ledgers:
        """Hand the run's tallies to its ledgers (as arrays) and return them."""
        ledgers = self.ledgers
        shape = ledgers.demand.shape
        ledgers.demand = np.array(self._demand, dtype=float).reshape(shape)
        ledgers.supplied = np.array(self._supplied, dtype=float).reshape(shape)
        ledgers.rounds = np.array(self._rounds, dtype=float).reshape(shape)
        ledgers.status = np.array(self._status, dtype=float).reshape(ledgers.status.shape)
        ledgers.at_risk = np.array(self._at_risk, dtype=float)
        ledgers.defaults = np.array(self._defaults, dtype=float)
        ledgers.lent = np.array(self._lent, dtype=float).reshape(ledgers.lent.shape)
        ledgers.interest = np.array(self._interest, dtype=float).reshape(ledgers.interest.shape)
        ledgers.repaid = np.array(self._repaid, dtype=float).reshape(ledgers.repaid.shape)
        ledgers.lent_cell = np.array(self._lent_cell, dtype=float).reshape(ledgers.lent_cell.shape)
        ledgers.largest_position = np.array(self._largest, dtype=float)
        ledgers.smallest_position = np.array(self._smallest, dtype=float)
        return ledgers

    # -- the run -------------------------------------------------------------------------
    def run(self) -> Ledgers:
        """Simulate every year and return the ledgers."""
        self.env.process(self.treasury())
        self.env.process(self.arrivals())
        with collector_paused():
            self.env.run(until=self.years)
        for cell in self._open.values():  # rounds still waiting at the horizon
            self._status[PENDING][cell] += 1
        for firm in self._alive.values():
            for position in firm.positions:
                if not position.grant:
                    self.ledgers.outstanding[position.provider] += position.amount
        return self._close_books()


"""The region's bundle simulated with simpy: firms move through stages and ask for money.

One :class:`BundleRun` owns everything of one replication: its simpy environment, its
random generators (seeded from the scenario seed and the replication number), its
treasury (budgets: :mod:`finmodel.bundle.treasury`), its lenders
(:mod:`finmodel.bundle.lending`) and its books (:mod:`finmodel.bundle.ledgers`); money
flowing back is settled by :mod:`finmodel.bundle.settlement`. Nothing is shared between
runs. Firms are simpy processes that wait a year at a time; budgets are plain numbers (a
request is answered at once, nobody queues for money).

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
from statistics import NormalDist

import numpy as np
import simpy

from finmodel.bundle.firms import Firm
from finmodel.bundle.ledgers import (
    DISCOURAGED,
    ISSUES,
    PARTLY_SERVED,
    PENDING,
    REJECTED,
    SERVED,
    STAGE_INDEX,
    STATUS,
    Books,
    Ledgers,
    cell_index,
)
from finmodel.bundle.lending import Lending
from finmodel.bundle.plan import BundlePlan, bundle_plan
from finmodel.bundle.policy import EPSILON
from finmodel.bundle.settlement import collect_interest, settle_default, settle_repayment
from finmodel.bundle.treasury import Treasury
from finmodel.scenario.model import Scenario, StageTerms
from finmodel.seeding import stream
from finmodel.vocabulary import STAGE_ORDER, ArrivalProcess, Issue, Stage

__all__ = ["ISSUES", "STATUS", "BundleRun", "Ledgers", "collector_paused", "economy_path"]

NORMAL = NormalDist()
# what became of a firm in its yearly step
STAYED, FAILED, GRADUATED, EXITED, LEFT = range(5)


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


class BundleRun:
    """One replication of the bundle (owns its clock, generators, treasury, lenders, books)."""

    def __init__(self, scenario: Scenario, replication: int, counterfactual: bool = False,
                 plan: BundlePlan | None = None) -> None:
        if scenario.pipeline is None or scenario.simulation is None:
            raise ValueError("the scenario has no bundle (pipeline and simulation)")
        plan = plan if plan is not None else bundle_plan(scenario)
        self.scenario = scenario
        self.pipeline = scenario.pipeline
        self.years = scenario.simulation.years
        self.counterfactual = counterfactual
        self.arrival_rng = stream(scenario.seed, f"bundle/{replication}/arrivals")
        self.firm_rng = stream(scenario.seed, f"bundle/{replication}/firms")
        self.draws = plan.draws
        self.factor = economy_path(scenario, replication, self.years)
        economy = scenario.economy
        self.rho = economy.correlation if economy is not None else 0.0
        self._conditional: dict[tuple[float, int], float] = {}
        self._open: dict[int, int] = {}  # firm -> (flat) cell of its open round
        self.env = simpy.Environment()
        self.books = Books(self.years, len(scenario.providers), len(scenario.facilities))
        self.ledgers = self.books.ledgers
        self.treasury = Treasury(scenario, plan, self.factor, self.ledgers)
        self.lending = Lending(scenario, plan, self.treasury, self.books)
        self.facilities = list(scenario.facilities)
        self._year = 0
        self._sigma = plan.sigma
        self._firms = 0
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
        """The year starts: the treasury applies shocks and the cycle and resets budgets (if
        asked) and support capacity."""
        self._year = year
        self.treasury.start_year(year, budgets)

    def treasury_year(self):
        """The treasury's process: each year starts before anything else happens in it."""
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
                supplied = need if self.counterfactual else self.lending.ask(firm, need,
                                                                             self._year)
                if supplied > EPSILON:
                    break
                self.books.status[REJECTED][cell] += 1
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
        cell = cell_index(year, firm.stage, firm.issue)
        self.books.demand[cell] += need
        self.books.rounds[cell] += 1
        return cell, need

    def close_round(self, cell: int, need: float, supplied: float) -> None:
        """What the round finally got: served, partly served or (nothing) discouraged."""
        self.books.supplied[cell] += supplied
        if supplied <= EPSILON:
            self.books.status[DISCOURAGED][cell] += 1
        elif supplied >= need - EPSILON * max(need, 1.0):
            self.books.status[SERVED][cell] += 1
        else:
            self.books.status[PARTLY_SERVED][cell] += 1

    def year_step(self, firm: Firm, year: int) -> int:
        """A funded firm's year: it fails (its positions settle their losses), or pays
        interest and graduates (repaid; moves to the next stage or exits), or stays, or
        leaves after ``max_years`` (repaid). Returns what became of it."""
        terms = self.pipeline.stages[firm.stage]
        firm.years_in_stage += 1
        self.ledgers.firm_years += 1
        pd_factor, graduation_factor = self.treasury.support(firm, year) \
            if self.treasury.supporters(firm.stage, firm.issue) else (1.0, 1.0)
        pd = min(terms.annual_pd * firm.pd_multiplier * pd_factor, 1.0)
        if self.rho > 0.0:
            pd = self.conditional_pd(pd, year)
        self.books.at_risk[year] += 1
        if firm.uniform() < pd:
            self.books.defaults[year] += 1
            settle_default(firm, year, self.books, self.facilities)
            return FAILED
        collect_interest(firm, year, self.books, self.facilities)
        if firm.uniform() < min(terms.graduation * graduation_factor, 1.0):
            settle_repayment(firm, year, self.books)
            stage_index = STAGE_INDEX[firm.stage]
            self.ledgers.graduates[stage_index] += 1
            if firm.stage is Stage.later or stage_index + 1 >= len(STAGE_ORDER):
                return EXITED
            firm.stage = STAGE_ORDER[stage_index + 1]
            firm.pd_multiplier = 1.0
            return GRADUATED
        if firm.years_in_stage >= terms.max_years:
            settle_repayment(firm, year, self.books)
            return LEFT
        return STAYED

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
        return self.books.close()

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

    # -- the run -------------------------------------------------------------------------
    def run(self) -> Ledgers:
        """Simulate every year and return the ledgers."""
        self.env.process(self.treasury_year())
        self.env.process(self.arrivals())
        with collector_paused():
            self.env.run(until=self.years)
        for cell in self._open.values():  # rounds still waiting at the horizon
            self.books.status[PENDING][cell] += 1
        for firm in self._alive.values():
            for position in firm.positions:
                if not position.grant:
                    self.ledgers.outstanding[position.provider] += position.amount
        return self.books.close()


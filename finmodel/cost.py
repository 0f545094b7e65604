"""What a run will cost, estimated before it starts, and the limits a request must keep.

No request may exhaust the machine: a scenario's cost is estimated from its fields alone
(no work done) and compared with limits. The CLI's limits can be raised
(``--allow-large``); the web app's cannot. Each figure names the field that drives it,
so the message says what to lower.

The estimates (calibrated on the shipped scenarios: ``tests/test_cost.py`` checks the
memory estimate bounds the measured peak; ``benchmarks/bench_cost.py`` prints the
measured time per unit and what the limits mean in minutes):

* **memory of a vehicle**: its simulated paths x periods x bytes per path-period, which
  grow with the tranches and guarantees the waterfall keeps ledgers for (measured peak
  376-585 B per path-period with 2-3 of them; estimated 240 + 120 x (tranches +
  guarantees) B). Vehicles run one after another, so the largest one counts.
* **path work of a vehicle**: paths x periods x segments (the cash-flow engine draws one
  binomial per segment, period and path) plus, with the Monte Carlo one-period engine,
  paths x segments.
* **firm-years of a bundle**: replications x (firms arriving a year x years) x the
  years a firm is followed (at most the simulation's years), twice (the run and its
  counterfactual).
* **portfolio candidates**, and the solver's worst case: ``time_limit`` x (the frontier's
  points + 2 programmes).
"""

from __future__ import annotations

from dataclasses import dataclass

from finmodel.scenario.errors import FieldPath, Problem, ScenarioError
from finmodel.scenario.model import Scenario, Vehicle
from finmodel.vocabulary import Engine

GIB = 2**30


@dataclass(frozen=True)
class Limits:
    """The most a single run may ask for."""

    memory_bytes: float
    path_work: float
    firm_years: float
    candidates: int
    solver_seconds: float


#: The CLI's limits (``--allow-large`` lifts them): a quarter of a 24 GB machine's memory,
#: minutes of engine work, an hour of solver time at worst.
CLI_LIMITS = Limits(memory_bytes=6 * GIB, path_work=5e9, firm_years=2e8, candidates=20_000,
                    solver_seconds=3600.0)
#: The web app's limits (fixed): a request shares the server with other sessions, so each
#: is held to about three minutes of one core at the rates ``benchmarks/bench_cost.py``
#: measures (0.6-0.75 us a draw, 17-23 us a firm-year) and 2 GiB.
APP_LIMITS = Limits(memory_bytes=2 * GIB, path_work=2.5e8, firm_years=1e7, candidates=10_000,
                    solver_seconds=900.0)


@dataclass(frozen=True)
class CostItem:
    """One figure of a run's cost: what it is, how much, the limit and the field to lower."""

    path: FieldPath
    what: str
    amount: float
    limit: float
    detail: str
    unit: str = ""  # "bytes", "seconds", or "" (a count)

    @property
    def over(self) -> bool:
        return self.amount > self.limit


def vehicle_bytes(vehicle: Vehicle) -> float:
    """Estimated peak memory of running one vehicle (see module docstring)."""
    ledgers = len(vehicle.tranches) + len(vehicle.guarantees)
    return float(vehicle.paths) * vehicle.periods * (240.0 + 120.0 * ledgers)


def vehicle_work(vehicle: Vehicle) -> float:
    """Binomial draws of the cash-flow engine (and of the Monte Carlo one-period engine)."""
    segments = len(vehicle.pool)
    work = float(vehicle.paths) * vehicle.periods * segments
    if vehicle.engine is Engine.monte_carlo:
        work += float(vehicle.paths) * segments
    return work


def bundle_firm_years(scenario: Scenario) -> float:
    """Firm-years simulated by the bundle, run and counterfactual (see module docstring)."""
    if scenario.pipeline is None or scenario.simulation is None:
        return 0.0
    sim = scenario.simulation
    arriving = sum(sum(by_issue.values()) for by_issue in scenario.pipeline.arrivals.values())
    followed = min(sum(t.max_years for t in scenario.pipeline.stages.values()), sim.years)
    return 2.0 * sim.replications * arriving * sim.years * followed


def _amount(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / GIB:,.1f} GiB"
    if unit == "seconds":
        return f"{value / 60:,.0f} minutes"
    return f"{value:,.3g}"


def cost_items(scenario: Scenario, limits: Limits) -> list[CostItem]:
    """Every figure of the run's estimated cost against ``limits``."""
    items = []
    for index, vehicle in enumerate(scenario.vehicles):
        where: FieldPath = ("vehicles", index, "paths")
        shape = (f"{vehicle.paths:,} paths x {vehicle.periods} periods, "
                 f"{len(vehicle.pool)} segments, "
                 f"{len(vehicle.tranches) + len(vehicle.guarantees)} tranches and guarantees")
        items.append(CostItem(where, "memory", vehicle_bytes(vehicle), limits.memory_bytes,
                              shape, "bytes"))
        items.append(CostItem(where, "engine work (draws)", vehicle_work(vehicle),
                              limits.path_work, shape))
    if scenario.simulation is not None and scenario.pipeline is not None:
        sim = scenario.simulation
        items.append(CostItem(
            ("simulation", "replications"), "firm-years", bundle_firm_years(scenario),
            limits.firm_years, f"{sim.replications:,} replications x {sim.years} years"))
    if scenario.portfolio is not None:
        brief = scenario.portfolio
        items.append(CostItem(("portfolio", "candidates"), "portfolio candidates",
                              float(brief.candidates), float(limits.candidates),
                              f"{brief.candidates:,} candidates"))
        items.append(CostItem(
            ("portfolio", "time_limit"), "solver time at worst",
            brief.time_limit * (brief.frontier_points + 2), limits.solver_seconds,
            f"time_limit {brief.time_limit:g} s x ({brief.frontier_points} frontier points "
            "+ 2 portfolios)", "seconds"))
    return items


def check_cost(scenario: Scenario, limits: Limits, file: str = "<scenario>",
               raisable: bool = True) -> None:
    """Refuse a scenario whose estimated cost is over ``limits``.

    Raises:
        ScenarioError: every figure over its limit, with the field that drives it, the
            estimate and the limit (and, when ``raisable``, how to lift the limit).
    """
    problems = []
    for item in cost_items(scenario, limits):
        if not item.over:
            continue
        hint = "; lower it, or run with --allow-large" if raisable else "; lower it"
        problems.append(Problem(
            file, None, item.path,
            f"this run needs about {_amount(item.amount, item.unit)} of {item.what} "
            f"({item.detail}), more than the limit of {_amount(item.limit, item.unit)}{hint}"))
    if problems:
        raise ScenarioError(problems)

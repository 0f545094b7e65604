"""Scenario models of impact: own indicators, the logic model, KPIs, the portfolio brief."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from finmodel.scenario.base import Identifier, Strict
from finmodel.vocabulary import Instrument, Issue, Stage


class IndicatorSpec(Strict):
    """An indicator the scenario adds to the shipped catalogue."""

    id: Identifier = Field(description="unique indicator id")
    issue: Issue = Field(description="issue category")
    unit: str = Field(min_length=1, description="unit (t-CO2, persons, %, MWh, ...)")
    direction: Literal["higher", "lower"] = Field(default="higher",
                                                  description="which way is better")
    name_en: str = Field(min_length=1, description="name in English")
    name_ja: str | None = Field(default=None, description="name in Japanese")
    level: Literal["output", "outcome"] = Field(default="outcome", description="output or outcome")
    sdg_goal: int | None = Field(default=None, ge=1, le=17, description="SDG goal")
    sdg_target: str | None = Field(default=None, description="SDG target, e.g. 8.5")
    impact: str | None = Field(default=None, description="the impact it measures")
    example_activity: str | None = Field(default=None, description="an activity that moves it")


class LogicNode(Strict):
    """A step of the logic model (activity, output, outcome or the impact on the core issue)."""

    id: Identifier = Field(description="unique node id")
    level: Literal["activity", "output", "outcome", "impact"] = Field(description="its level")
    label: str | None = Field(default=None, description="what it is, in words")
    indicators: list[Identifier] = Field(default_factory=list,
                                         description="catalogue indicators that measure it")
    scale: dict[str, float] = Field(
        default_factory=dict,
        description="per indicator: the amount that counts as one unit of progress "
        "(default: the KPI's target - baseline, else 1)")


class LogicLink(Strict):
    """An arrow of the logic model: progress at `from` drives progress at `to`."""

    source: Identifier = Field(alias="from", description="upstream node")
    target: Identifier = Field(alias="to", description="downstream node")
    weight: float = Field(gt=0.0, le=1.0, description="share of a unit of progress passed on")


class LogicModel(Strict):
    """Activities -> outputs -> outcomes -> impact on the region's core issue."""

    nodes: list[LogicNode] = Field(min_length=1, description="the nodes")
    links: list[LogicLink] = Field(default_factory=list, description="the arrows")
    spillover: dict[Issue, float] = Field(
        default_factory=dict,
        description="impact on a related issue per unit of impact on the core issue (0..1)")


class KPI(Strict):
    """A key performance indicator of the region, SMART: baseline, target, target year."""

    indicator: Identifier = Field(description="catalogue indicator id")
    baseline: float = Field(description="value at year 0")
    target: float = Field(description="value to reach")
    target_year: int = Field(ge=1, le=100, description="year by which to reach it")
    unit: str | None = Field(default=None, description="if given, must be the indicator's unit")
    kind: Literal["cumulative", "level"] = Field(
        default="cumulative",
        description="cumulative (a count that adds up, e.g. jobs created) or level "
        "(a state held while firms run, e.g. childcare users)")


class Contribution(Strict):
    """What a firm of an issue (and stage) is expected to contribute to an indicator."""

    issue: Issue = Field(description="firms of this issue")
    stage: Stage | None = Field(default=None, description="only firms at this stage (all if absent)")
    indicator: Identifier = Field(description="indicator it moves")
    per: Literal["firm_year", "money"] = Field(
        default="firm_year", description="per firm and year alive, or per unit of money")
    mean: float = Field(ge=0.0, description="expected contribution")
    sd: float = Field(default=0.0, ge=0.0, description="spread across firms (normal, cut at 0)")
    unit: str | None = Field(default=None, description="if given, must be the indicator's unit")


class SupportOption(Strict):
    """Non-financial work (support, the municipality) that can cover a logic-model node."""

    id: Identifier = Field(description="unique id")
    node: Identifier = Field(description="logic-model node it covers")
    cost: float = Field(gt=0.0, description="cost over the horizon")
    indicator: Identifier = Field(description="indicator it moves")
    amount: float = Field(gt=0.0, description="contribution per year")
    unit: str | None = Field(default=None, description="if given, must be the indicator's unit")
    public: bool = Field(default=True, description="paid with public money")


DEFAULT_METHODS = {Stage.seed: Instrument.grant, Stage.early: Instrument.equity,
                   Stage.middle: Instrument.senior_loan, Stage.later: Instrument.bond,
                   Stage.other: Instrument.senior_loan}
DEFAULT_PUBLIC_SHARE = {Instrument.grant: 1.0, Instrument.equity: 0.5,
                        Instrument.senior_loan: 0.2, Instrument.bond: 0.0,
                        Instrument.subordinated_loan: 0.5, Instrument.capital_type_loan: 1.0,
                        Instrument.outcome_linked_loan: 0.3, Instrument.fund_investment: 0.5,
                        Instrument.guarantee: 1.0}


class PortfolioSpec(Strict):
    """The brief both portfolio builders work to: same candidates, budget and limits."""

    candidates: int = Field(gt=0, le=100_000, description="candidate firms drawn from the pipeline")
    budget: float = Field(gt=0.0, description="money to place")
    max_expected_loss: float = Field(default=1.0, gt=0.0, le=1.0,
                                     description="expected loss over the horizon per unit of money")
    max_share_per_issue: float = Field(default=1.0, gt=0.0, le=1.0,
                                       description="most of the budget in one issue")
    max_share_per_firm: float = Field(default=1.0, gt=0.0, le=1.0,
                                      description="most of the budget in one firm")
    min_own_impact: float = Field(default=0.0, ge=0.0,
                                  description="firm-by-firm: least own impact a firm needs")
    horizon_years: int = Field(default=5, ge=1, le=30, description="years the portfolio runs")
    correlation: float = Field(default=0.15, ge=0.0, lt=1.0,
                               description="asset correlation of the firms' defaults")
    methods: dict[Stage, Instrument] = Field(default_factory=lambda: dict(DEFAULT_METHODS),
                                             description="finance method used at each stage")
    public_share: dict[Instrument, float] = Field(
        default_factory=lambda: dict(DEFAULT_PUBLIC_SHARE),
        description="share of each method's money that is public")
    impact_scales: dict[str, float] = Field(
        default_factory=dict,
        description="amount of an indicator that counts as one unit of impact when no KPI or "
        "logic-model node sets it (how a firm is judged alone)")
    contributions: list[Contribution] = Field(min_length=1,
                                              description="expected contributions of firms")
    support_options: list[SupportOption] = Field(default_factory=list,
                                                 description="non-financial work on offer")
    frontier_points: int = Field(default=20, ge=2, le=200,
                                 description="points of the impact-risk frontier")
    time_limit: float = Field(default=30.0, gt=0.0, description="seconds per integer programme")

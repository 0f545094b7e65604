"""Scenario models of impact: own indicators, the logic model, KPIs, the portfolio brief."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from finmodel.scenario.base import AMOUNT_CAP, MAX_AMOUNT, MIN_SCALE, Identifier, Integer, Number, Strict
from finmodel.vocabulary import Instrument, Issue, Stage

#: Most nodes of a logic model (its weights are summed along chains of links).
MAX_NODES = 200
#: Longest time limit of one integer programme, in seconds.
MAX_TIME_LIMIT = 86_400.0


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
    sdg_goal: Integer | None = Field(default=None, ge=1, le=17, description="SDG goal")
    sdg_target: str | None = Field(default=None, description="SDG target, e.g. 8.5")
    impact: str | None = Field(default=None, description="the impact it measures")
    example_activity: str | None = Field(default=None, description="an activity that moves it")


class LogicNode(Strict):
    """A step of the logic model (activity, output, outcome or the impact on the core issue)."""

    id: Identifier = Field(description="unique node id")
    level: Literal["activity", "output", "outcome", "impact"] = Field(description="its level")
    label: str | None = Field(default=None, description="what it is, in words")
    label_ja: str | None = Field(
        default=None, description="what it is, in Japanese words (the label "
        "otherwise)")
    indicators: list[Identifier] = Field(default_factory=list,
                                         description="catalogue indicators that measure it")
    scale: dict[str, Number] = Field(
        default_factory=dict,
        description="per indicator: the amount that counts as one unit of progress "
        f"(default: the KPI's target - baseline, else 1); between {MIN_SCALE:g} and 1e12")


class LogicLink(Strict):
    """An arrow of the logic model: progress at `from` drives progress at `to`."""

    source: Identifier = Field(alias="from", description="upstream node")
    target: Identifier = Field(alias="to", description="downstream node")
    weight: Number = Field(gt=0.0, le=1.0, description="share of a unit of progress passed on")


class LogicModel(Strict):
    """Activities -> outputs -> outcomes -> impact on the region's core issue."""

    nodes: list[LogicNode] = Field(min_length=1, max_length=MAX_NODES,
                                   description=f"the nodes; at most {MAX_NODES}")
    links: list[LogicLink] = Field(default_factory=list, description="the arrows")
    spillover: dict[Issue, Number] = Field(
        default_factory=dict,
        description="impact on a related issue per unit of impact on the core issue (0..1)")


class KPI(Strict):
    """A key performance indicator of the region, SMART: baseline, target, target year."""

    indicator: Identifier = Field(description="catalogue indicator id")
    baseline: Number = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT,
                             description="value at year 0; between -1e12 and 1e12")
    target: Number = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT,
                           description="value to reach; between -1e12 and 1e12, and equal to "
                           f"the baseline or at least {MIN_SCALE:g} from it")
    target_year: Integer = Field(ge=1, le=100, description="year by which to reach it")
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
    mean: Number = Field(ge=0.0, le=MAX_AMOUNT, description=f"expected contribution; {AMOUNT_CAP}")
    sd: Number = Field(default=0.0, ge=0.0, le=MAX_AMOUNT,
                       description=f"spread across firms (normal, cut at 0); {AMOUNT_CAP}")
    unit: str | None = Field(default=None, description="if given, must be the indicator's unit")


class SupportOption(Strict):
    """Non-financial work (support, the municipality) that can cover a logic-model node."""

    id: Identifier = Field(description="unique id")
    node: Identifier = Field(description="logic-model node it covers")
    cost: Number = Field(gt=0.0, le=MAX_AMOUNT, description=f"cost over the horizon; {AMOUNT_CAP}")
    indicator: Identifier = Field(description="indicator it moves")
    amount: Number = Field(gt=0.0, le=MAX_AMOUNT, description=f"contribution per year; {AMOUNT_CAP}")
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

    candidates: Integer = Field(gt=0, le=100_000, description="candidate firms drawn from the pipeline")
    budget: Number = Field(gt=0.0, le=MAX_AMOUNT, description=f"money to place; {AMOUNT_CAP}")
    max_expected_loss: Number = Field(default=1.0, gt=0.0, le=1.0,
                                      description="expected loss over the horizon per unit of money")
    max_share_per_issue: Number = Field(default=1.0, gt=0.0, le=1.0,
                                        description="most of the budget in one issue")
    max_share_per_firm: Number = Field(default=1.0, gt=0.0, le=1.0,
                                       description="most of the budget in one firm")
    min_own_impact: Number = Field(default=0.0, ge=0.0, le=MAX_AMOUNT,
                                   description="firm-by-firm: least own impact a firm needs; "
                                   f"{AMOUNT_CAP}")
    horizon_years: Integer = Field(default=5, ge=1, le=30, description="years the portfolio runs")
    correlation: Number = Field(default=0.15, ge=0.0, lt=1.0,
                                description="asset correlation of the firms' defaults")
    methods: dict[Stage, Instrument] = Field(default_factory=lambda: dict(DEFAULT_METHODS),
                                             description="finance method used at each stage")
    public_share: dict[Instrument, Number] = Field(
        default_factory=lambda: dict(DEFAULT_PUBLIC_SHARE),
        description="share of each method's money that is public")
    impact_scales: dict[str, Number] = Field(
        default_factory=dict,
        description="amount of an indicator that counts as one unit of impact when no KPI or "
        f"logic-model node sets it (how a firm is judged alone); between {MIN_SCALE:g} and 1e12")
    contributions: list[Contribution] = Field(min_length=1,
                                              description="expected contributions of firms")
    support_options: list[SupportOption] = Field(default_factory=list,
                                                 description="non-financial work on offer")
    frontier_points: Integer = Field(default=20, ge=2, le=200,
                                     description="points of the impact-risk frontier")
    time_limit: Number = Field(default=30.0, gt=0.0, le=MAX_TIME_LIMIT,
                               description="seconds per integer programme; at most 86,400 (a day)")

"""Typed models of a scenario file: providers, vehicles, pools, tranches, guarantees.

A scenario reads like a term sheet. These pydantic models are the format's single
definition: validation, the JSON schema (``finmodel schema``) and the key reference in
``docs/scenario-format.md`` all come from them. Every amount is in the file's ``unit``.
Cross-references (provider ids, covered tranches, sizes summing to one) are checked in
``finmodel.scenario.checks`` so each problem can carry its own field path.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from finmodel.scenario.base import (
    AMOUNT_CAP,
    MAX_AMOUNT,
    Identifier,
    Integer,
    Number,
    Strict,
    strict_number,
)
from finmodel.scenario.impact_model import KPI, IndicatorSpec, LogicModel, PortfolioSpec
from finmodel.vocabulary import (
    DEFAULT_LGD,
    DEFAULT_SECTOR,
    WATERFALL_STEPS,
    Amortisation,
    ArrivalProcess,
    Engine,
    FacilityKind,
    FactorModel,
    Instrument,
    Issue,
    ProviderType,
    Sector,
    Stage,
    TrancheKind,
    WaterfallStep,
    WaterfallStyle,
)

Z90 = 1.2815515655446004  # the standard normal's 90th percentile (scipy.special.ndtri(0.9))
Probability = Annotated[Number, Field(ge=0.0, le=1.0)]
Rate = Annotated[Number, Field(ge=0.0, le=1.0)]
#: Most firms a year expected to enter at one stage with one issue (`pipeline.arrivals`).
MAX_ARRIVALS = 10_000
#: Largest ratio of a need's p90 to its median (a lognormal sigma of about 7.2).
MAX_NEED_SPREAD = 10_000
#: Largest |Z_t| of a fixed `economy.path`, in standard deviations.
MAX_FACTOR = 10.0


class Ticket(Strict):
    """Smallest and largest position a provider takes in one firm."""

    min: Number = Field(default=0.0, ge=0.0, le=MAX_AMOUNT,
                        description=f"smallest position; {AMOUNT_CAP}")
    max: Number = Field(gt=0.0, le=MAX_AMOUNT, description=f"largest position; {AMOUNT_CAP}")


class Support(Strict):
    """Non-financial support (mentoring, matching) that changes how firms fare."""

    stages: list[Stage] = Field(min_length=1, description="stages it supports")
    issues: list[Issue] | None = Field(default=None, description="issues it supports (all if absent)")
    pd_multiplier: Number = Field(default=1.0, gt=0.0, le=10.0,
                                  description="multiplies a supported firm's annual PD")
    graduation_multiplier: Number = Field(default=1.0, gt=0.0, le=10.0,
                                          description="multiplies its yearly graduation chance")
    cost_per_firm: Number = Field(default=0.0, ge=0.0, le=MAX_AMOUNT,
                                  description=f"cost per firm-year supported; {AMOUNT_CAP}")
    capacity: Integer = Field(gt=0, le=1_000_000,
                              description="most firms supported in a year; at most 1,000,000")


class Provider(Strict):
    """A source of money (or of a guarantee or of support) named in the scenario.

    Only ``id`` and ``type`` are needed for a vehicle's stack; the bundle simulation uses
    the mandate keys (instruments, stages, issues, budget, ticket, risk appetite).
    """

    id: Identifier = Field(description="unique id used to refer to this provider")
    type: ProviderType = Field(description="kind of provider; sets its default sector")
    name: str | None = Field(default=None, description="display name")
    name_ja: str | None = Field(
        default=None, description="display name in Japanese (the app and papers in Japanese "
        "show it; the name or id otherwise)")
    sector: Sector | None = Field(
        default=None,
        description="public, private or philanthropic; defaults from `type`",
    )
    instruments: list[Instrument] = Field(
        default_factory=list, description="bundle: instruments it uses (none: it does not lend; "
        "[grant]: it gives grants, which cannot be mixed with lending instruments; order does "
        "not matter)")
    stages: list[Stage] | None = Field(default=None, description="bundle: stages it serves (all if absent)")
    issues: list[Issue] | Literal["all"] = Field(default="all",
                                                 description="bundle: issues it serves, or `all`")
    annual_budget: Number = Field(default=0.0, ge=0.0, le=MAX_AMOUNT,
                                  description=f"bundle: money it can place a year; {AMOUNT_CAP}")
    ticket: Ticket | None = Field(default=None, description="bundle: position size limits")
    max_expected_loss: Number | None = Field(
        default=None, ge=0.0, le=1.0,
        description="bundle: refuses a position whose expected annual loss rate (PD x its LGD, "
        "after facilities) is above this; absent = no limit",
    )
    rate: Number = Field(default=0.0, ge=0.0, le=1.0, description="bundle: annual rate it charges")
    lgd: Number | None = Field(default=None, ge=0.0, le=1.0,
                              description="bundle: its loss given default; default: the largest "
                              "default LGD of its instruments")
    support: Support | None = Field(default=None, description="bundle: non-financial support it gives")
    procyclicality: Number = Field(
        default=0.0, ge=-5.0, le=5.0,
        description="bundle: k in yearly budget x max(0, 1 + k Z_t) with the regional factor "
        "Z_t (`economy`): a bank lends with the cycle (k > 0), policy finance against it (k < 0)")

    @property
    def resolved_sector(self) -> Sector:
        return self.sector if self.sector is not None else DEFAULT_SECTOR[self.type]

    @property
    def resolved_lgd(self) -> float:
        """``lgd``, else the largest default LGD of its lending instruments (of its
        instruments if it only guarantees): the order of ``instruments`` does not matter."""
        if self.lgd is not None:
            return self.lgd
        lending = [i for i in self.instruments if i is not Instrument.guarantee]
        return max((DEFAULT_LGD[i] for i in lending or self.instruments), default=1.0)

    @property
    def grants(self) -> bool:
        """Gives money that is not repaid: its lending instruments are grants (a provider
        that would both grant and lend is refused at validation)."""
        return Instrument.grant in self.instruments

    @property
    def lends(self) -> bool:
        return bool(self.instruments) and self.annual_budget > 0 and any(
            i is not Instrument.guarantee for i in self.instruments)

    def serves(self, stage: Stage, issue: Issue) -> bool:
        stage_ok = self.stages is None or stage in self.stages
        issue_ok = self.issues == "all" or issue in self.issues
        return stage_ok and issue_ok


class Segment(Strict):
    """A group of identical loans or investments in a vehicle's pool."""

    segment: Identifier = Field(description="segment name")
    count: Integer = Field(gt=0, le=1_000_000, description="number of loans in the segment")
    exposure: Number = Field(gt=0.0, le=MAX_AMOUNT,
                             description=f"amount of each loan, in the file's unit; {AMOUNT_CAP}")
    annual_pd: Probability = Field(description="annual probability of default of each loan")
    lgd: Probability = Field(description="loss given default, share of exposure")
    rate: Rate = Field(default=0.0, description="annual interest rate the loans pay, "
                       "on the outstanding balance, each period")
    amortisation: Amortisation = Field(
        default=Amortisation.bullet,
        description="how principal is repaid: bullet (at the horizon), linear (equal "
        "principal each period) or annuity (equal payments each period)")
    stage: Stage = Field(default=Stage.other, description="growth stage of the firms")
    issue: Issue = Field(default=Issue.other, description="social-issue category")


class Tranche(Strict):
    """One slice of the capital stack, listed bottom (first loss) to top (senior)."""

    name: Identifier = Field(description="tranche name, unique within the vehicle")
    label: str | None = Field(default=None, description="display name (the name otherwise)")
    name_ja: str | None = Field(
        default=None, description="display name in Japanese (the app and papers in Japanese "
        "show it; the label, or the kind's Japanese word, otherwise)")
    provider: Identifier = Field(description="id of the provider that funds it")
    kind: TrancheKind = Field(description="first_loss, subordinated, mezzanine, senior, grant")
    size: Number = Field(gt=0.0, le=1.0, description="share of pool exposure; sizes sum to 1")
    coupon: Rate = Field(default=0.0, description="annual coupon (fund style: preferred return), "
                         "accrued each period on the outstanding principal")
    market_coupon: Rate | None = Field(
        default=None,
        description="coupon the provider would ask at market terms; above `coupon` means "
        "concessional money (return enhancement). Defaults to `coupon`.",
    )
    hurdle_return: Number | None = Field(
        default=None, ge=-1.0, le=1.0,
        description="annual IRR the provider needs; gives `prob_hurdle_met` = P(IRR >= it)",
    )
    residual: bool = Field(
        default=False,
        description="notes waterfall: this tranche (the equity or sponsor position) takes what "
        "is left after fees, coupons, principal and cures; at most one per vehicle",
    )

    @property
    def reference_coupon(self) -> float:
        return self.coupon if self.market_coupon is None else self.market_coupon

    @property
    def concessional(self) -> bool:
        return self.reference_coupon > self.coupon


class Guarantee(Strict):
    """Credit enhancement, capped as in EU guarantee practice (InvestEU, EFSI).

    Pays `rate` of each loss written down on the covered tranche, until its payments reach
    the maximum payout = rate x cap x covered notional (`cap` is the cap rate: the share of
    the covered portfolio whose losses it covers). Multiplier = covered notional / maximum
    payout = 1 / (rate x cap).
    """

    provider: Identifier = Field(description="id of the guarantor")
    covers: Identifier = Field(description="name of the covered tranche")
    rate: Number = Field(gt=0.0, le=1.0, description="guarantee rate: share of each loss paid")
    cap: Number = Field(gt=0.0, le=1.0, description="cap rate: maximum payout = rate x cap x "
                       "covered notional")
    fee: Rate = Field(default=0.0, description="annual fee on the covered tranche's outstanding "
                      "principal, paid by the vehicle to the guarantor (first in the waterfall)")


class Vehicle(Strict):
    """A fund or deal: a pool of loans funded by a stack of tranches."""

    id: Identifier = Field(description="unique vehicle id")
    name: str | None = Field(default=None, description="display name")
    name_ja: str | None = Field(
        default=None, description="display name in Japanese (the app and papers in Japanese "
        "show it; the name or id otherwise)")
    horizon_years: Number = Field(gt=0.0, le=50.0, description="life of the vehicle and its loans")
    payment_frequency: Annotated[Literal[1, 2, 4, 12], BeforeValidator(strict_number)] = Field(
        default=1, description="payment periods a year; must divide the horizon into whole periods")
    recovery_lag_years: Number = Field(
        default=0.0, ge=0.0, le=50.0,
        description="years from a default to its recovery (rounded up to whole periods; "
        "recoveries due after the horizon are collected in the last period)")
    waterfall: WaterfallStyle | list[WaterfallStep] = Field(
        default=WaterfallStyle.notes,
        description="priority of payments: `notes` (loans, bonds), `fund` (investment funds) "
        "or an ordered list of steps (fees, coupons, principal, cures, capital, residual, "
        "residual_pro_rata)")
    management_fee: Rate = Field(default=0.0,
                                 description="annual fee on the pool's outstanding balance, paid "
                                 "first to the vehicle's manager")
    discount_rate: Number | None = Field(
        default=None, ge=0.0, le=1.0,
        description="annual rate for present values (NPV, PV loss, public cost, subsidy); "
        "default: each tranche's market coupon")
    correlation: Number = Field(
        ge=0.0, lt=1.0,
        description="asset correlation rho between any two loans (not the loading sqrt(rho))",
    )
    factor_model: FactorModel = Field(
        default=FactorModel.one_factor,
        description="one_factor, or two_level (global plus per-issue factor; monte_carlo only)",
    )
    issue_correlation: Number | None = Field(
        default=None, ge=0.0, lt=1.0,
        description="two_level: asset correlation of two loans in the same issue "
        "(>= correlation, which then applies across issues)",
    )
    pool: list[Segment] = Field(min_length=1, description="segments of the pool")
    tranches: list[Tranche] = Field(min_length=1, description="the stack, bottom to top")
    guarantees: list[Guarantee] = Field(default_factory=list, description="guarantees")
    engine: Engine = Field(default=Engine.exact,
                           description="exact, monte_carlo or lhp: the pool loss distribution at "
                           "the horizon (the one-period view); cash flows are always simulated")
    paths: Integer = Field(default=100_000, ge=100, le=50_000_000,
                       description="paths of the cash-flow engine (and of engine: monte_carlo)")
    quadrature_nodes: Integer = Field(default=96, ge=8, le=4096,
                                      description="exact: trapezoid nodes over the factor on [-7, 7]")
    lattice_points: Integer = Field(default=4096, ge=64, le=2**22,
                                    description="exact: most points of the loss lattice")
    default_timing: Number = Field(
        default=0.5, ge=0.0, le=1.0,
        description="share of its last period's interest a loan pays in the period it defaults",
    )

    @field_validator("waterfall", mode="before")
    @classmethod
    def _known_waterfall(cls, value: Any) -> Any:
        """One clear message for an unknown style or step (not one per union member)."""
        styles = [s.value for s in WaterfallStyle]
        steps = [s.value for s in WaterfallStep]
        if isinstance(value, str) and value not in styles:
            raise ValueError(f"unknown waterfall {value!r}: use {' or '.join(styles)}, or a "
                             f"list of steps ({', '.join(steps)})")
        if isinstance(value, list):
            for index, step in enumerate(value):
                if step not in steps:
                    raise ValueError(f"step {index} ({step!r}) is not a waterfall step: use "
                                     f"{', '.join(steps)}")
        return value

    @property
    def exposure(self) -> float:
        return sum(s.count * s.exposure for s in self.pool)

    @property
    def periods(self) -> int:
        """Number of payment periods over the horizon."""
        return max(1, round(self.horizon_years * self.payment_frequency))

    @property
    def steps(self) -> tuple[WaterfallStep, ...]:
        """The priority of payments as an ordered tuple of steps."""
        if isinstance(self.waterfall, WaterfallStyle):
            return WATERFALL_STEPS[self.waterfall]
        return tuple(self.waterfall)


class Region(Strict):
    """The region being modelled."""

    name: str = Field(min_length=1, description="region name")
    name_ja: str | None = Field(default=None,
                                description="region name in Japanese (the name otherwise)")
    core_issue: Issue = Field(description="the region's core issue")


class Economy(Strict):
    """The regional credit cycle: a yearly factor that moves every firm's default risk.

    Z_t is AR(1) with standard normal margins: Z_1 ~ N(0, 1), Z_t = persistence x Z_(t-1) +
    sqrt(1 - persistence^2) e_t. A firm's PD in year t is Phi((Phi^-1(pd) - sqrt(rho) Z_t) /
    sqrt(1 - rho)), so its long-run mean stays pd and a bad year (Z_t < 0) raises every
    PD at once, as the stack engine's copula does.
    """

    correlation: Number = Field(ge=0.0, lt=1.0, description="rho: how much of each firm's risk "
                               "the regional factor drives")
    persistence: Number = Field(default=0.0, gt=-1.0, lt=1.0,
                                description="AR(1) coefficient of the yearly factor")
    path: list[Annotated[Number, Field(ge=-MAX_FACTOR, le=MAX_FACTOR)]] | None = Field(
        default=None,
        description="fixed Z_t per year (year 1 first) for a stress test, e.g. a recession "
        "[-2, -1.5, -1, 0, ...]; at least one value per simulated year; each between -10 and 10")


class Simulation(Strict):
    """How long and how often the bundle is simulated."""

    years: Integer = Field(gt=0, le=100, description="simulated years")
    replications: Integer = Field(default=100, gt=0, le=100_000,
                                  description="independent replications (for P10-P90 bands)")


class Need(Strict):
    """A firm's money need at a stage: lognormal, given by its median and 90th percentile."""

    median: Number = Field(gt=0.0, le=MAX_AMOUNT, description=f"median need; {AMOUNT_CAP}")
    p90: Number = Field(gt=0.0, le=MAX_AMOUNT,
                        description="90th percentile of the need (>= median, and at most "
                        f"{MAX_NEED_SPREAD:,} x median); {AMOUNT_CAP}")

    @property
    def sigma(self) -> float:
        """The lognormal's sigma: log(p90 / median) / z_0.9."""
        return math.log(self.p90 / self.median) / Z90


class StageTerms(Strict):
    """What a firm at a stage needs and how it fares each year."""

    need: Need = Field(description="money needed to enter or stay in the stage")
    annual_pd: Probability = Field(description="yearly probability of failure")
    graduation: Probability = Field(description="yearly chance of moving to the next stage "
                                    "(from `later`: an exit - IPO, M&A, local IPO)")
    max_years: Integer = Field(gt=0, le=50, description="years in the stage before the firm leaves")


class Pipeline(Strict):
    """The firms that come to the bundle for money."""

    stages: dict[Stage, StageTerms] = Field(description="terms per stage")
    arrivals: dict[Stage, dict[Issue, Number]] = Field(
        description="expected new firms a year entering at a stage, by issue; each between 0 "
        f"and {MAX_ARRIVALS:,}")
    arrival_process: ArrivalProcess = Field(default=ArrivalProcess.poisson,
                                            description="poisson, or fixed (exact counts)")
    retries: Integer = Field(default=1, ge=0, le=10,
                             description="years a rejected firm asks again before it is discouraged")


class Facility(Strict):
    """Blended support the bundle can attach to a private lender's position."""

    id: Identifier = Field(description="unique facility id")
    name: str | None = Field(default=None, description="display name")
    name_ja: str | None = Field(
        default=None, description="display name in Japanese (the app and papers in Japanese "
        "show it; the name or id otherwise)")
    kind: FacilityKind = Field(description="guarantee, first_loss or concessional")
    provider: Identifier = Field(description="id of the provider that funds it")
    rate: Number | None = Field(default=None, ge=0.0, le=1.0,
                                description="guarantee: share of the loss it pays; "
                               "concessional: the annual rate it lends at")
    cap: Number | None = Field(default=None, gt=0.0, le=1.0,
                               description="guarantee: most it pays, as a share of the position")
    share: Number | None = Field(default=None, gt=0.0, le=1.0,
                                 description="first_loss: share of the position whose loss it "
                                "takes first; concessional: share of the deal it lends")
    pd_multiplier: Number = Field(default=1.0, gt=0.0, le=1.0,
                                  description="concessional: multiplies the firm's PD (cheaper money)")
    fee: Number = Field(default=0.0, ge=0.0, le=1.0, description="guarantee: annual fee")
    budget: Number = Field(gt=0.0, le=MAX_AMOUNT,
                           description="programme budget over the simulation (guarantee: "
                           "maximum liability; first_loss: loss reserve; concessional: lending); "
                           f"{AMOUNT_CAP}")
    stages: list[Stage] | None = Field(default=None, description="stages it serves (all if absent)")
    issues: list[Issue] | None = Field(default=None, description="issues it serves (all if absent)")

    def serves(self, stage: Stage, issue: Issue) -> bool:
        return ((self.stages is None or stage in self.stages)
                and (self.issues is None or issue in self.issues))


class Shock(Strict):
    """A policy change: a provider's budgets multiplied from a year on."""

    year: Integer = Field(ge=1, le=100, description="first simulated year (1-based) it applies to")
    provider: Identifier = Field(description="provider whose budgets change")
    budget_multiplier: Number = Field(ge=0.0, le=1000.0, description="multiplies its budgets from "
                                      "that year; at most 1000")


class Sweep(Strict):
    """Runs of this scenario with fields changed: a grid, and/or a sampled design over ranges.

    Fields are addressed by dotted path; list items by their id, name or segment (or
    index): ``vehicles.impact_fund.tranches.first_loss.size``. When a tranche size is
    swept, the top tranche absorbs the change so sizes still sum to 1.
    """

    grid: dict[str, list[Any]] = Field(default_factory=dict,
                                       description="path -> values; every combination is run")
    design: Literal["grid", "random", "latin_hypercube"] = Field(
        default="grid", description="how points are drawn over `ranges`")
    ranges: dict[str, list[Annotated[Number, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]]] = Field(
        default_factory=dict,
        description="path -> [low, high] for random designs; each between -1e12 and 1e12")
    count: Integer | None = Field(default=None, ge=1, le=100_000,
                              description="points of a random or latin_hypercube design")
    common_random_numbers: bool = Field(
        default=False,
        description="every point runs with the scenario's own seed (the same random numbers), "
        "so differences between points come from the changes alone; false: each point gets "
        "its own seed derived from the scenario seed and its index")


class Scenario(Strict):
    """A whole scenario file: YAML of at most 10 MB, nested at most 32 deep, without anchors or aliases.

    Every number is written as a number (``true``, ``false`` and quoted numbers are
    refused) and is finite (``.inf`` and ``.nan`` are refused); ``1e6`` is a number.
    """

    name: str = Field(min_length=1, description="title of the scenario")
    name_ja: str | None = Field(
        default=None, description="title in Japanese (the app and papers in Japanese show it; "
        "the name otherwise)")
    description: str | None = Field(default=None, description="what it shows")
    description_ja: str | None = Field(default=None,
                                       description="what it shows, in Japanese")
    illustrative: bool = Field(
        default=True, description="true when the numbers are illustrative, not real data"
    )
    seed: Integer = Field(ge=0, lt=2**63, description="seed of every random draw in the run")
    unit: str = Field(default="JPY_million", min_length=1,
                      description="unit of every amount in the file")
    providers: list[Provider] = Field(min_length=1, description="providers of money")
    vehicles: list[Vehicle] = Field(default_factory=list, description="blended vehicles")
    region: Region | None = Field(default=None, description="bundle: the region")
    simulation: Simulation | None = Field(default=None, description="bundle: years and replications")
    pipeline: Pipeline | None = Field(default=None, description="bundle: firms and their stages")
    facilities: list[Facility] = Field(default_factory=list, description="bundle: blended facilities")
    shocks: list[Shock] = Field(default_factory=list, description="bundle: policy shocks")
    coordination_cost: Number = Field(
        default=0.0, ge=0.0, le=MAX_AMOUNT,
        description=f"bundle: yearly cost of the backbone organisation; {AMOUNT_CAP}")
    economy: Economy | None = Field(default=None,
                                    description="bundle: the regional credit cycle (none: firms "
                                    "default independently): `correlation`, `persistence`, "
                                    "`path` (fixed Z_t, each between -10 and 10)")
    indicators: list[IndicatorSpec] = Field(default_factory=list,
                                            description="impact: indicators added to the catalogue")
    logic_model: LogicModel | None = Field(default=None,
                                           description="impact: logic model of the core issue")
    kpis: list[KPI] = Field(default_factory=list, description="impact: the region's KPIs")
    portfolio: PortfolioSpec | None = Field(default=None,
                                            description="impact: brief for the two portfolios")
    sweep: Sweep | None = Field(default=None, description="batch: runs with fields changed")

    @property
    def has_bundle(self) -> bool:
        return self.pipeline is not None and self.simulation is not None

    def provider(self, provider_id: str) -> Provider:
        for p in self.providers:
            if p.id == provider_id:
                return p
        raise KeyError(provider_id)

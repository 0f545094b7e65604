"""Typed models of a scenario file: providers, vehicles, pools, tranches, guarantees.

A scenario reads like a term sheet. These pydantic models are the format's single
definition: validation, the JSON schema (``finmodel schema``) and the key reference in
``docs/scenario-format.md`` all come from them. Every amount is in the file's ``unit``.
Cross-references (provider ids, covered tranches, sizes summing to one) are checked in
``finmodel.scenario.checks`` so each problem can carry its own field path.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from finmodel.vocabulary import (
    DEFAULT_SECTOR,
    Engine,
    FactorModel,
    Issue,
    ProviderType,
    Sector,
    Stage,
    TrancheKind,
)

Identifier = Annotated[
    str,
    Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64,
          description="a name made of letters, digits, '_' and '-', starting with a letter"),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Provider(Strict):
    """A source of money (or of a guarantee) named in the scenario."""

    id: Identifier = Field(description="unique id used to refer to this provider")
    type: ProviderType = Field(description="kind of provider; sets its default sector")
    name: str | None = Field(default=None, description="display name")
    sector: Sector | None = Field(
        default=None,
        description="public, private or philanthropic; defaults from `type`",
    )

    @property
    def resolved_sector(self) -> Sector:
        return self.sector if self.sector is not None else DEFAULT_SECTOR[self.type]


class Segment(Strict):
    """A group of identical loans or investments in a vehicle's pool."""

    segment: Identifier = Field(description="segment name")
    count: int = Field(gt=0, le=1_000_000, description="number of loans in the segment")
    exposure: float = Field(gt=0.0, description="amount of each loan, in the file's unit")
    annual_pd: Probability = Field(description="annual probability of default of each loan")
    lgd: Probability = Field(description="loss given default, share of exposure")
    rate: Rate = Field(default=0.0, description="annual interest rate the loans pay")
    stage: Stage = Field(default=Stage.other, description="growth stage of the firms")
    issue: Issue = Field(default=Issue.other, description="social-issue category")


class Tranche(Strict):
    """One slice of the capital stack, listed bottom (first loss) to top (senior)."""

    name: Identifier = Field(description="tranche name, unique within the vehicle")
    provider: Identifier = Field(description="id of the provider that funds it")
    kind: TrancheKind = Field(description="first_loss, subordinated, mezzanine, senior, grant")
    size: float = Field(gt=0.0, le=1.0, description="share of pool exposure; sizes sum to 1")
    coupon: Rate = Field(default=0.0, description="annual coupon, simple, paid at the horizon")
    market_coupon: Rate | None = Field(
        default=None,
        description="coupon the provider would ask at market terms; above `coupon` means "
        "concessional money (return enhancement). Defaults to `coupon`.",
    )
    hurdle_return: float | None = Field(
        default=None, ge=-1.0, le=1.0,
        description="annualised return the provider needs; gives `prob_hurdle_met`",
    )

    @property
    def reference_coupon(self) -> float:
        return self.coupon if self.market_coupon is None else self.market_coupon

    @property
    def concessional(self) -> bool:
        return self.reference_coupon > self.coupon


class Guarantee(Strict):
    """Credit enhancement: pays `rate` of the covered tranche's loss, up to `cap` x notional."""

    provider: Identifier = Field(description="id of the guarantor")
    covers: Identifier = Field(description="name of the covered tranche")
    rate: float = Field(gt=0.0, le=1.0, description="share of the covered tranche's loss paid")
    cap: float = Field(gt=0.0, le=1.0, description="maximum payout as a share of its notional")
    fee: Rate = Field(default=0.0, description="annual fee on the covered notional, "
                      "paid by the covered tranche to the guarantor")


class Vehicle(Strict):
    """A fund or deal: a pool of loans funded by a stack of tranches."""

    id: Identifier = Field(description="unique vehicle id")
    name: str | None = Field(default=None, description="display name")
    horizon_years: float = Field(gt=0.0, le=50.0, description="length of the single period")
    correlation: float = Field(
        ge=0.0, lt=1.0,
        description="asset correlation rho between any two loans (not the loading sqrt(rho))",
    )
    factor_model: FactorModel = Field(
        default=FactorModel.one_factor,
        description="one_factor, or two_level (global plus per-issue factor; monte_carlo only)",
    )
    issue_correlation: float | None = Field(
        default=None, ge=0.0, lt=1.0,
        description="two_level: asset correlation of two loans in the same issue "
        "(>= correlation, which then applies across issues)",
    )
    pool: list[Segment] = Field(min_length=1, description="segments of the pool")
    tranches: list[Tranche] = Field(min_length=1, description="the stack, bottom to top")
    guarantees: list[Guarantee] = Field(default_factory=list, description="guarantees")
    engine: Engine = Field(default=Engine.exact, description="exact, monte_carlo or lhp")
    paths: int = Field(default=100_000, ge=100, le=50_000_000,
                       description="monte_carlo: number of simulated paths")
    quadrature_nodes: int = Field(default=96, ge=8, le=4096,
                                  description="exact: trapezoid nodes over the factor on [-7, 7]")
    lattice_points: int = Field(default=4096, ge=64, le=2**22,
                                description="exact: most points of the loss lattice")
    default_timing: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="share of the horizon a defaulted loan still pays interest for",
    )

    @property
    def exposure(self) -> float:
        return sum(s.count * s.exposure for s in self.pool)


class Scenario(Strict):
    """A whole scenario file."""

    name: str = Field(min_length=1, description="title of the scenario")
    description: str | None = Field(default=None, description="what it shows")
    illustrative: bool = Field(
        default=True, description="true when the numbers are illustrative, not real data"
    )
    seed: int = Field(ge=0, lt=2**63, description="seed of every random draw in the run")
    unit: str = Field(default="JPY_million", min_length=1,
                      description="unit of every amount in the file")
    providers: list[Provider] = Field(min_length=1, description="providers of money")
    vehicles: list[Vehicle] = Field(default_factory=list, description="blended vehicles")

    def provider(self, provider_id: str) -> Provider:
        for p in self.providers:
            if p.id == provider_id:
                return p
        raise KeyError(provider_id)

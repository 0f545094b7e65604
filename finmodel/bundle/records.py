"""The typed rows of the bundle's tables: what the bundle simulation hands to the tables.

Each record is a frozen dataclass; a table's columns are its fields, in order
(:func:`finmodel.records.columns`). Figures are means over the replications, with
P10/P50/P90 bands (``_p10``, ``_p50``, ``_p90``) over them; amounts are in the
scenario's ``unit``, firms and rounds are counts (means over replications, so not
whole numbers). The gap's definitions (potential demand, direct gap, lost pipeline, total
gap): README and docs/methodology.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GapRecord:
    """One year x stage x issue cell that anyone asked money for: demand, supply, gaps.

    Amounts in the scenario's unit, over the year; counts are rounds of funding (a
    firm's need at a stage, counted in the year the firm first asked). Built vectorised
    (``finmodel.bundle.tables.gap_table``); this record fixes its columns.
    """

    year: int
    stage: str
    issue: str
    potential_demand: float  # had every round been funded (the counterfactual)
    demand: float  # asked
    supplied: float
    direct_gap: float  # demand - supplied
    lost_pipeline: float  # potential_demand - demand
    total_gap: float  # potential_demand - supplied: the headline
    firms_potential: float
    firms_reached: float
    firms_lost: float
    rounds: float  # served + partly_served + discouraged + pending
    served: float
    partly_served: float
    rejected: float  # asks
    discouraged: float  # firms that gave up after their last ask
    pending: float  # rounds still waiting for a retry at the horizon
    potential_demand_p10: float
    potential_demand_p50: float
    potential_demand_p90: float
    demand_p10: float
    demand_p50: float
    demand_p90: float
    supplied_p10: float
    supplied_p50: float
    supplied_p90: float
    direct_gap_p10: float
    direct_gap_p50: float
    direct_gap_p90: float
    lost_pipeline_p10: float
    lost_pipeline_p50: float
    lost_pipeline_p90: float
    total_gap_p10: float
    total_gap_p50: float
    total_gap_p90: float


@dataclass(frozen=True, slots=True)
class GapYearRecord:
    """One year of the region: demand, supply and gaps summed over stages and issues
    (amounts in the scenario's unit), the regional factor Z_t and the default rate.

    Built vectorised (``finmodel.bundle.tables.gap_year_table``); this record fixes its
    columns.
    """

    year: int
    potential_demand: float
    potential_demand_p10: float
    potential_demand_p50: float
    potential_demand_p90: float
    demand: float
    demand_p10: float
    demand_p50: float
    demand_p90: float
    supplied: float
    supplied_p10: float
    supplied_p50: float
    supplied_p90: float
    direct_gap: float
    direct_gap_p10: float
    direct_gap_p50: float
    direct_gap_p90: float
    total_gap: float
    total_gap_p10: float
    total_gap_p50: float
    total_gap_p90: float
    factor: float  # the regional factor Z_t
    factor_p10: float
    factor_p50: float
    factor_p90: float
    default_rate: float  # share of firms at risk that failed, pooled; NaN if none at risk
    default_rate_p10: float  # bands over the replications with a firm at risk
    default_rate_p50: float
    default_rate_p90: float


@dataclass(frozen=True, slots=True)
class HandoffRecord:
    """One stage transition: the firms that graduated and the share funded at the next
    stage (counts of firms, or of exits after the last stage; no amounts)."""

    from_stage: str
    to_stage: str  # "exit" after the last stage
    graduates: float
    graduates_p10: float
    graduates_p50: float
    graduates_p90: float
    funded_next: float  # NaN for the exit
    share_funded: float  # of graduates; NaN for the exit or when none graduated
    graduates_potential: float  # had every round been funded
    graduates_lost: float  # lost at this break: graduates_potential - graduates


@dataclass(frozen=True, slots=True)
class ProviderRecord:
    """One provider in one year: what it lent and its budget's use, losses, repayments,
    facility spending and support (amounts in the scenario's unit, over the year)."""

    provider: str
    type: str
    sector: str
    year: int
    lent: float
    lent_p10: float
    lent_p90: float
    budget: float
    budget_used: float  # lent / budget; NaN without a budget
    losses: float
    repaid: float
    interest: float
    granted: float
    facility_spending: float  # its facilities' payouts net of fees
    concessional_subsidy: float  # interest forgone on concessional lines
    support_cost: float
    firms_supported: float


@dataclass(frozen=True, slots=True)
class FacilityRecord:
    """One facility (a guarantee, a first-loss share or a concessional line) over the
    whole simulation: budget, committed, paid out (amounts in the scenario's unit)."""

    facility: str
    kind: str
    provider: str
    budget: float
    committed: float
    committed_p90: float
    paid: float
    paid_p90: float
    fees: float


@dataclass(frozen=True, slots=True)
class CoverageRecord:
    """One stage x issue cell: who can serve it, and whether it is a hole or an overlap
    (no amounts; lists are comma-separated ids)."""

    stage: str
    issue: str
    providers: str  # that can lend to it
    facilities: str
    support: str  # providers that offer non-financial support to it
    reached: bool  # the pipeline's firms get there
    n_providers: int
    hole: bool  # nobody lends
    overlap: bool  # several providers offer the same instrument
    overlapping_instruments: str


@dataclass(frozen=True, slots=True)
class BundleSummaryRecord:
    """The whole bundle: totals over the simulation, means over replications with P10/P90
    bands (amounts in the scenario's unit)."""

    region: str
    years: int
    replications: int
    potential_demand: float
    potential_demand_p10: float
    potential_demand_p90: float
    demand: float
    demand_p10: float
    demand_p90: float
    total_gap: float
    total_gap_p10: float
    total_gap_p90: float
    direct_gap: float
    direct_gap_p10: float
    direct_gap_p90: float
    lost_pipeline: float
    lost_pipeline_p10: float
    lost_pipeline_p90: float
    public_expected_cost: float
    public_expected_cost_p10: float
    public_expected_cost_p90: float
    private_mobilised: float
    private_mobilised_p10: float
    private_mobilised_p90: float
    public_money: float
    public_money_p10: float
    public_money_p90: float
    gap_share: float  # total gap / potential demand, pooled over replications
    mobilisation_ratio: float  # private money per unit of public money
    grants: float


@dataclass(frozen=True, slots=True)
class FlowRecord:
    """Money from one source (a provider's lending or a facility's commitments) to one
    stage x issue cell, over the simulation (amount in the scenario's unit, mean over
    replications; only cells that received money)."""

    origin_kind: str  # "provider" or "facility"
    origin: str
    stage: str
    issue: str
    amount: float

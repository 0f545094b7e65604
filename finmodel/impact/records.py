"""The typed rows of the portfolios' tables: the firm-by-firm and core-issue portfolios
compared on money, risk and impact, and their KPIs tracked.

Each record is a frozen dataclass; a table's columns are its fields, in order
(:func:`finmodel.records.columns`). Money is in the scenario's ``unit``; an indicator's
value is in that indicator's own ``unit``; core impact is progress on the core issue
through the logic model (one unit of progress on an indicator is its scale; README,
"Portfolios and impact"). ``portfolio`` is ``firm_by_firm`` or ``core_issue`` (or, in
the collective-impact table, ``bundle`` or ``both``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PortfolioRecord:
    """One portfolio: its solve, money, losses over the horizon, concentration and impact
    (amounts in the scenario's unit)."""

    portfolio: str
    status: str  # of the solve
    mip_gap: float
    firms: int
    money: float
    public_money: float
    mobilisation_ratio: float  # private money per unit of public money
    support_cost: float
    coordination_cost: float  # the backbone's, over the horizon (core_issue only)
    total_cost: float  # money + support_cost + coordination_cost
    budget: float
    expected_loss: float  # exact engine over the chosen non-grant positions
    loss_p50: float
    loss_p90: float
    loss_p99: float
    es_99: float
    expected_loss_rate: float  # expected_loss / money
    hhi_issue: float  # Herfindahl index of money across issues
    hhi_firm: float  # ... across firms
    core_impact: float
    spillover_impact: float  # core impact x the spill-over weights
    impact_per_money: float  # core impact / total cost
    impact_per_public_money: float  # core impact / (public money + support + coordination)
    support_chosen: str  # comma-separated support option ids


@dataclass(frozen=True, slots=True)
class CaseMapRecord:
    """Money one portfolio puts into one issue by one finance method: the case map
    (amounts in the scenario's unit).

    Built with a pandas group-by in ``finmodel.impact.results.build_portfolios``; this
    record fixes its columns.
    """

    issue: str
    method: str
    money: float
    public_money: float
    portfolio: str


@dataclass(frozen=True, slots=True)
class PortfolioStageRecord:
    """Money one portfolio puts into one stage (amounts in the scenario's unit).

    Built with a pandas group-by in ``finmodel.impact.results.build_portfolios``; this
    record fixes its columns.
    """

    stage: str
    money: float
    public_money: float
    portfolio: str


@dataclass(frozen=True, slots=True)
class ImpactRecord:
    """One portfolio's direct impact on one indicator over the horizon (firms plus chosen
    support; value in the indicator's ``unit``)."""

    portfolio: str
    indicator: str
    issue: str
    name_en: str
    name_ja: str
    unit: str
    value: float


@dataclass(frozen=True, slots=True)
class SpilloverRecord:
    """One portfolio's spill-over onto one related issue: core impact x the logic model's
    spill-over weight (in units of core impact)."""

    portfolio: str
    issue: str
    weight: float
    impact: float


@dataclass(frozen=True, slots=True)
class FrontierPointRecord:
    """The core-issue programme re-solved at one expected-loss limit (the limit per unit
    of money; money and expected loss in the scenario's unit)."""

    max_expected_loss: float
    core_impact: float
    money: float
    expected_loss: float
    firms: int
    status: str
    mip_gap: float


@dataclass(frozen=True, slots=True)
class KpiRecord:
    """One KPI of one portfolio in one year: plan, value and how it tracks (PDCA; values
    in the KPI indicator's ``unit``)."""

    portfolio: str
    kpi: str  # the indicator's id
    name_en: str
    name_ja: str
    unit: str
    year: int
    baseline: float
    target: float
    target_year: int
    plan: float  # straight line from baseline to target by the target year
    value: float
    yoy_change: float
    yoy_pct: float  # of last year's value; NaN from zero
    attainment: float  # progress / planned progress
    trend: str  # improving, worsening or flat
    on_track: bool  # attainment >= 1
    gap_to_target: float  # target - value

    def name(self, lang: str) -> str:
        """The KPI's name in ``lang`` (``ja``, else English)."""
        return self.name_ja if lang == "ja" else self.name_en


@dataclass(frozen=True, slots=True)
class CollectiveImpactRecord:
    """One measure of one of the five conditions of collective impact, as far as the model
    can measure it (a share, a count, or the coordination cost in the scenario's unit, as
    ``measure`` says)."""

    portfolio: str
    condition: str
    measure: str
    value: float


@dataclass(frozen=True, slots=True)
class LogicHoleRecord:
    """One logic-model node (below the impact) with indicators: whether candidate firms
    move it, else chosen support, else it is a hole left to others (no amounts)."""

    node: str
    level: str
    indicators: str  # comma-separated indicator ids
    covered_by_firms: bool
    support_available: str  # comma-separated support option ids for the node
    support_chosen: str
    status: str


@dataclass(frozen=True, slots=True)
class CandidateRecord:
    """One candidate firm drawn from the pipeline, and whether each builder chose it
    (money and expected loss in the scenario's unit, over the horizon).

    Built vectorised in ``finmodel.impact.results.build_portfolios``; this record fixes
    its columns.
    """

    issue: str
    method: str
    stage: str
    money: float
    public_money: float
    pd_horizon: float  # probability of default over the horizon
    expected_loss: float  # 0 for a grant
    core: float  # core-issue impact through the logic model
    own_impact: float  # every indicator at its scale (the firm-by-firm score)
    firm_by_firm: bool
    core_issue: bool

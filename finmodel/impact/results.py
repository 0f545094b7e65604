"""Tables that compare the two portfolios on money, risk and impact, and track KPIs.

Each table's rows are records of :mod:`finmodel.impact.records`, turned into a DataFrame
at the edge; the tables computed with pandas (the case map, the stages, the candidates)
are checked against their records' columns instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finmodel.economics import mobilisation_ratio
from finmodel.engine.exact import exact_loss_distribution
from finmodel.engine.pool import Pool
from finmodel.impact.builders import (
    Selection,
    SupportValues,
    core_issue,
    firm_by_firm,
    frontier,
)
from finmodel.impact.candidates import Candidates, draw_candidates
from finmodel.impact.catalogue import Indicator, add
from finmodel.impact.logic import ImpactBasis, LogicWeights, impact_basis
from finmodel.impact.records import (
    CandidateRecord,
    CaseMapRecord,
    CollectiveImpactRecord,
    FrontierPointRecord,
    ImpactRecord,
    KpiRecord,
    LogicHoleRecord,
    PortfolioRecord,
    PortfolioStageRecord,
    SpilloverRecord,
)
from finmodel.records import conform, table
from finmodel.scenario.model import Scenario
from finmodel.vocabulary import Instrument


@dataclass(frozen=True)
class PortfolioResults:
    """Both portfolios and their comparison (see README for the columns)."""

    summary: pd.DataFrame
    case_map: pd.DataFrame
    by_stage: pd.DataFrame
    impact: pd.DataFrame
    spillover: pd.DataFrame
    frontier: pd.DataFrame
    kpis: pd.DataFrame
    collective: pd.DataFrame
    holes: pd.DataFrame
    candidates: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"portfolios": self.summary, "case_map": self.case_map,
                "portfolio_stages": self.by_stage, "impact": self.impact,
                "spillover": self.spillover, "frontier": self.frontier, "kpis": self.kpis,
                "collective_impact": self.collective, "logic_holes": self.holes,
                "candidates": self.candidates}


def support_values(scenario: Scenario, weights: LogicWeights) -> SupportValues:
    brief = scenario.portfolio
    assert brief is not None
    if not brief.support_options:
        return SupportValues.empty()
    core = []
    for option in brief.support_options:
        node_weight = weights.node_weight.get(option.node, 0.0)
        scale = weights.scale.get(option.indicator, 1.0)
        if scenario.logic_model is not None:
            node = next(n for n in scenario.logic_model.nodes if n.id == option.node)
            scale = node.scale.get(option.indicator, scale)
        core.append(option.amount * brief.horizon_years * node_weight / scale)
    return SupportValues(tuple(o.id for o in brief.support_options),
                         np.array([o.cost for o in brief.support_options]), np.array(core),
                         np.array([o.public for o in brief.support_options]))


def _hhi(values: pd.Series) -> float:
    total = float(values.sum())
    return float(((values / total) ** 2).sum()) if total > 0 else float("nan")


def _loss_figures(c: Candidates, chosen: np.ndarray, horizon: int, rho: float) -> dict[str, float]:
    loans = chosen & np.array([m is not Instrument.grant for m in c.method])
    if not loans.any():
        return {"expected_loss": 0.0, "loss_p50": 0.0, "loss_p90": 0.0, "loss_p99": 0.0,
                "es_99": 0.0}
    k = int(loans.sum())
    pool = Pool(count=np.ones(k, dtype=np.int64), exposure=c.money[loans], pd=c.pd[loans],
                lgd=c.lgd[loans], rate=np.zeros(k), issue_index=np.zeros(k, dtype=np.int64),
                issues=("other",), horizon_years=float(horizon), correlation=rho)
    dist = exact_loss_distribution(pool, max_points=2048)
    return {"expected_loss": dist.mean(), "loss_p50": dist.quantile(0.5),
            "loss_p90": dist.quantile(0.9), "loss_p99": dist.quantile(0.99),
            "es_99": dist.expected_shortfall(0.99)}


def direct_impact(c: Candidates, selection: Selection, scenario: Scenario,
                  indicators: dict[str, Indicator]) -> dict[str, float]:
    """Total contribution over the horizon by indicator (firms plus chosen support)."""
    brief = scenario.portfolio
    assert brief is not None
    totals = {name: float(c.contribution[selection.firms, k].sum())
              for k, name in enumerate(c.indicators)}
    for option, chosen in zip(brief.support_options, selection.support, strict=True):
        if chosen:
            unit = indicators[option.indicator].unit
            amount = option.amount * brief.horizon_years
            totals[option.indicator] = add(unit, totals.get(option.indicator, 0.0), unit, amount)
    return totals


def summary_row(c: Candidates, selection: Selection, scenario: Scenario,
                support: SupportValues, coordination: float) -> PortfolioRecord:
    brief = scenario.portfolio
    assert brief is not None and scenario.logic_model is not None
    chosen = selection.firms
    money = float(c.money[chosen].sum())
    public = float((c.money * c.public_share)[chosen].sum())
    support_cost = float(support.cost[selection.support].sum()) if support.cost.size else 0.0
    public_support = float(support.cost[selection.support & support.public].sum()) \
        if support.cost.size else 0.0
    frame = pd.DataFrame({"issue": [i.value for i in c.issue], "money": c.money})[chosen]
    spill = sum(scenario.logic_model.spillover.values())
    core = selection.objective
    total_cost = money + support_cost + coordination
    public_total = public + public_support + coordination
    losses = _loss_figures(c, chosen, brief.horizon_years, brief.correlation)
    return PortfolioRecord(
        portfolio=selection.name, status=selection.status, mip_gap=selection.mip_gap,
        firms=int(chosen.sum()), money=money, public_money=public,
        mobilisation_ratio=mobilisation_ratio(money - public, public),
        support_cost=support_cost, coordination_cost=coordination,
        total_cost=total_cost, budget=brief.budget,
        **losses,
        expected_loss_rate=losses["expected_loss"] / money if money > 0 else float("nan"),
        hhi_issue=_hhi(frame.groupby("issue")["money"].sum()),
        hhi_firm=_hhi(frame["money"]),
        core_impact=core, spillover_impact=core * spill,
        impact_per_money=core / total_cost if total_cost > 0 else float("nan"),
        impact_per_public_money=core / public_total if public_total > 0 else float("nan"),
        support_chosen=", ".join(i for i, s in zip(support.ids, selection.support, strict=True)
                                 if s),
    )


def kpi_table(c: Candidates, selections: list[Selection], scenario: Scenario,
              indicators: dict[str, Indicator]) -> pd.DataFrame:
    """KPI tracking (PDCA): plan, value, year-on-year, attainment and trend, per year."""
    brief = scenario.portfolio
    assert brief is not None
    rows: list[KpiRecord] = []
    horizon = brief.horizon_years
    for kpi in scenario.kpis:
        indicator = indicators[kpi.indicator]
        k = c.indicators.index(kpi.indicator) if kpi.indicator in c.indicators else None
        years = max(kpi.target_year, horizon)
        for selection in selections:
            per_year = np.zeros(years)
            if k is not None:
                alive = c.survival[selection.firms]  # (firms, horizon)
                per_year[:horizon] = (c.yearly[selection.firms, k][:, None] * alive).sum(axis=0)
            for option, chosen in zip(brief.support_options, selection.support, strict=True):
                if chosen and option.indicator == kpi.indicator:
                    per_year[:horizon] += option.amount
            moved = np.cumsum(per_year) if kpi.kind == "cumulative" else per_year
            previous = kpi.baseline
            for t in range(1, years + 1):
                value = kpi.baseline + indicator.sign * moved[t - 1]
                plan = kpi.baseline + (kpi.target - kpi.baseline) * min(t / kpi.target_year, 1.0)
                change = value - previous
                planned = plan - kpi.baseline
                better = change * indicator.sign
                rows.append(KpiRecord(
                    portfolio=selection.name, kpi=kpi.indicator,
                    name_en=indicator.name_en, name_ja=indicator.name_ja,
                    unit=indicator.unit, year=t, baseline=kpi.baseline,
                    target=kpi.target, target_year=kpi.target_year, plan=plan,
                    value=value, yoy_change=change,
                    yoy_pct=change / abs(previous) if previous else float("nan"),
                    attainment=(value - kpi.baseline) / planned if planned else float("nan"),
                    trend="improving" if better > 1e-12 else
                          "worsening" if better < -1e-12 else "flat",
                    on_track=bool(planned and (value - kpi.baseline) / planned >= 1 - 1e-9),
                    gap_to_target=kpi.target - value,
                ))
                previous = value
    return table(rows, KpiRecord)


def holes_table(c: Candidates, scenario: Scenario, support: SupportValues,
                selection: Selection) -> pd.DataFrame:
    """Logic-model nodes no candidate firm moves: covered by support, or left to others."""
    assert scenario.logic_model is not None and scenario.portfolio is not None
    covered = {name for k, name in enumerate(c.indicators) if c.contribution[:, k].sum() > 0}
    rows: list[LogicHoleRecord] = []
    for node in scenario.logic_model.nodes:
        if node.level == "impact" or not node.indicators:
            continue
        by_firms = bool(covered & set(node.indicators))
        options = [o.id for o in scenario.portfolio.support_options if o.node == node.id]
        chosen = [i for i, s in zip(support.ids, selection.support, strict=True)
                  if s and i in options]
        status = ("covered by firms" if by_firms else "covered by support" if chosen
                  else "hole: needs the municipality, intermediaries and banks")
        rows.append(LogicHoleRecord(
            node=node.id, level=node.level, indicators=", ".join(node.indicators),
            covered_by_firms=by_firms, support_available=", ".join(options),
            support_chosen=", ".join(chosen), status=status))
    return table(rows, LogicHoleRecord)


def collective_table(c: Candidates, selections: list[Selection], scenario: Scenario,
                     holes: pd.DataFrame, coordination: float,
                     totals: dict[str, float]) -> pd.DataFrame:
    """The five conditions of collective impact, as far as the model can measure them."""
    from finmodel.bundle.coverage import coverage_records

    kpi_ids = {k.indicator for k in scenario.kpis}
    kpi_columns = [k for k, n in enumerate(c.indicators) if n in kpi_ids]
    rows: list[CollectiveImpactRecord] = []
    for s in selections:
        money = float(c.money[s.firms].sum())
        aligned = float(c.money[s.firms & (c.core > 0)].sum())
        measured = (c.contribution[s.firms][:, kpi_columns].sum(axis=1) > 0) if kpi_columns \
            else np.zeros(int(s.firms.sum()), dtype=bool)
        rows += [
            CollectiveImpactRecord(
                portfolio=s.name, condition="common agenda",
                measure="share of money in firms that move the core issue",
                value=aligned / money if money else float("nan")),
            CollectiveImpactRecord(
                portfolio=s.name, condition="shared measurement",
                measure="share of firms reporting on a regional KPI",
                value=float(measured.mean()) if measured.size else float("nan")),
        ]
    reached = [cell for cell in coverage_records(scenario) if cell.reached]
    rows += [
        CollectiveImpactRecord(
            portfolio="bundle", condition="mutually reinforcing activities",
            measure="stage x issue cells reached with no provider (holes)",
            value=float(sum(cell.hole for cell in reached))),
        CollectiveImpactRecord(
            portfolio="bundle", condition="mutually reinforcing activities",
            measure="cells where several providers offer the same instrument (overlaps)",
            value=float(sum(cell.overlap for cell in reached))),
        CollectiveImpactRecord(
            portfolio="core_issue", condition="mutually reinforcing activities",
            measure="logic-model nodes left to the municipality (holes)",
            value=float(holes["status"].str.startswith("hole").sum()) if len(holes) else 0.0),
        CollectiveImpactRecord(
            portfolio="core_issue", condition="backbone organisation",
            measure="coordination cost over the horizon, counted in the total cost",
            value=coordination),
        CollectiveImpactRecord(
            portfolio="core_issue", condition="backbone organisation",
            measure="share of the core-issue portfolio's total cost",
            value=coordination / totals["core_issue"] if totals["core_issue"] else float("nan")),
        CollectiveImpactRecord(
            portfolio="both", condition="shared measurement",
            measure="regional KPIs (SMART: baseline, target, target year)",
            value=float(len(scenario.kpis))),
    ]
    return table(rows, CollectiveImpactRecord)


def build_portfolios(scenario: Scenario, basis: ImpactBasis | None = None,
                     progress: Callable[[int, int], None] | None = None) -> PortfolioResults:
    """Draw candidates, build both portfolios and the frontier, and tabulate them
    (``basis``: the scenario's compiled catalogue and logic weights; ``progress(done,
    total)`` after each solve: the two portfolios, then each frontier point)."""
    brief = scenario.portfolio
    assert brief is not None and scenario.logic_model is not None
    basis = basis if basis is not None else impact_basis(scenario)
    indicators, weights = basis.indicators, basis.weights
    c = draw_candidates(scenario, basis)
    support = support_values(scenario, weights)
    coordination = scenario.coordination_cost * brief.horizon_years
    budget = max(brief.budget - coordination, 0.0)
    solves = [0, 2 + brief.frontier_points]

    def solved() -> None:
        solves[0] += 1
        if progress is not None:
            progress(solves[0], solves[1])

    selections = [firm_by_firm(c, brief)]
    solved()
    selections.append(core_issue(c, brief, support, budget))
    solved()
    summary = [summary_row(c, s, scenario, support,
                           coordination if s.name == "core_issue" else 0.0) for s in selections]
    frame = pd.DataFrame({"issue": [i.value for i in c.issue],
                          "method": [m.value for m in c.method],
                          "stage": [s.value for s in c.stage], "money": c.money,
                          "public_money": c.money * c.public_share})
    case_map, by_stage = [], []
    impact: list[ImpactRecord] = []
    spill: list[SpilloverRecord] = []
    for s in selections:
        chosen = frame[s.firms]
        case_map.append(chosen.groupby(["issue", "method"], as_index=False)[
            ["money", "public_money"]].sum().assign(portfolio=s.name))
        by_stage.append(chosen.groupby("stage", as_index=False)[["money", "public_money"]]
                        .sum().assign(portfolio=s.name))
        for iid, value in direct_impact(c, s, scenario, indicators).items():
            ind = indicators[iid]
            impact.append(ImpactRecord(portfolio=s.name, indicator=iid, issue=ind.issue.value,
                                       name_en=ind.name_en, name_ja=ind.name_ja, unit=ind.unit,
                                       value=value))
        for issue, weight in scenario.logic_model.spillover.items():
            spill.append(SpilloverRecord(portfolio=s.name, issue=issue.value, weight=weight,
                                         impact=s.objective * weight))
    points = frontier(c, brief, support, budget, solved)
    frontier_rows = [FrontierPointRecord(max_expected_loss=limit, core_impact=sel.objective,
                                         money=float(c.money[sel.firms].sum()),
                                         expected_loss=float(c.expected_loss[sel.firms].sum()),
                                         firms=int(sel.firms.sum()), status=sel.status,
                                         mip_gap=sel.mip_gap) for limit, sel in points]
    holes = holes_table(c, scenario, support, selections[1])
    totals = {row.portfolio: row.total_cost for row in summary}
    candidates = frame.assign(pd_horizon=c.pd, expected_loss=c.expected_loss, core=c.core,
                              own_impact=c.own, firm_by_firm=selections[0].firms,
                              core_issue=selections[1].firms)
    return PortfolioResults(
        summary=table(summary, PortfolioRecord),
        case_map=conform(pd.concat(case_map, ignore_index=True), CaseMapRecord),
        by_stage=conform(pd.concat(by_stage, ignore_index=True), PortfolioStageRecord),
        impact=table(impact, ImpactRecord), spillover=table(spill, SpilloverRecord),
        frontier=table(frontier_rows, FrontierPointRecord),
        kpis=kpi_table(c, selections, scenario, indicators),
        collective=collective_table(c, selections, scenario, holes, coordination, totals),
        holes=holes, candidates=conform(candidates, CandidateRecord))

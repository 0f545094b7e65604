"""Tidy tables from the ledgers of many replications: means with P10/P50/P90 bands.

Each table's rows are records of :mod:`finmodel.bundle.records`, turned into a DataFrame
at the edge; the two tables computed vectorised over cells and years (gaps, gap years)
are checked against their records' columns instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from finmodel.bundle.ledgers import ISSUES, STATUS, Ledgers
from finmodel.bundle.records import (
    BundleSummaryRecord,
    FacilityRecord,
    FlowRecord,
    GapRecord,
    GapYearRecord,
    HandoffRecord,
    ProviderRecord,
)
from finmodel.economics import is_public, mobilisation_ratio, public_expected_cost
from finmodel.records import conform, table
from finmodel.scenario.model import Scenario
from finmodel.vocabulary import EXIT, STAGE_ORDER, FacilityKind

BANDS = (10, 50, 90)


def _bands(prefix: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and P10/P50/P90 over the first axis (replications)."""
    out = {prefix: values.mean(axis=0)}
    for q, band in zip(BANDS, np.percentile(values, BANDS, axis=0), strict=True):
        out[f"{prefix}_p{q}"] = band
    return out


def gap_table(ledgers: list[Ledgers]) -> pd.DataFrame:
    """Potential demand, demand, supply and gaps by year x stage x issue, with round counts.

    total_gap = potential_demand - supplied = direct_gap (asked, not funded) + lost_pipeline
    (never asked: the firm was lost for want of money at an earlier stage).
    """
    potential = np.stack([lg.potential_demand for lg in ledgers])
    demand = np.stack([lg.demand for lg in ledgers])
    supplied = np.stack([lg.supplied for lg in ledgers])
    rounds = np.stack([lg.rounds for lg in ledgers])
    potential_rounds = np.stack([lg.potential_rounds for lg in ledgers])
    status = np.stack([lg.status for lg in ledgers])  # (reps, status, year, stage, issue)
    columns: dict[str, np.ndarray] = {}
    columns |= _bands("potential_demand", potential)
    columns |= _bands("demand", demand)
    columns |= _bands("supplied", supplied)
    columns |= _bands("direct_gap", demand - supplied)
    columns |= _bands("lost_pipeline", potential - demand)
    columns |= _bands("total_gap", potential - supplied)
    columns["firms_potential"] = potential_rounds.mean(axis=0)
    columns["firms_reached"] = rounds.mean(axis=0)
    columns["firms_lost"] = (potential_rounds - rounds).mean(axis=0)
    columns["rounds"] = rounds.mean(axis=0)
    for k, name in enumerate(STATUS):
        columns[name] = status[:, k].mean(axis=0)
    years, stages, issues = demand.shape[1:]
    index = np.array([(y, s, i) for y in range(years) for s in range(stages) for i in range(issues)])
    frame = pd.DataFrame({
        "year": index[:, 0] + 1,
        "stage": [STAGE_ORDER[s].value for s in index[:, 1]],
        "issue": [ISSUES[i].value for i in index[:, 2]],
        **{name: values.reshape(-1) for name, values in columns.items()},
    })
    asked = (frame["demand"] > 0) | (frame["potential_demand"] > 0)
    for name in STATUS:
        asked |= frame[name] > 0
    return conform(frame, GapRecord).loc[asked].reset_index(drop=True)


def gap_year_table(ledgers: list[Ledgers]) -> pd.DataFrame:
    """The region's potential demand, demand, supply and gaps per year, with bands; and the
    regional factor Z_t and the share of firms that failed (the credit cycle)."""
    potential = np.stack([lg.potential_demand.sum(axis=(1, 2)) for lg in ledgers])
    demand = np.stack([lg.demand.sum(axis=(1, 2)) for lg in ledgers])
    supplied = np.stack([lg.supplied.sum(axis=(1, 2)) for lg in ledgers])
    columns = (_bands("potential_demand", potential) | _bands("demand", demand)
               | _bands("supplied", supplied) | _bands("direct_gap", demand - supplied)
               | _bands("total_gap", potential - supplied))
    factor = np.stack([lg.factor for lg in ledgers])
    defaults = np.stack([lg.defaults for lg in ledgers])
    at_risk = np.stack([lg.at_risk for lg in ledgers])
    columns |= _bands("factor", factor)
    # The default rate: pooled over replications; its bands over the replications in which
    # some firm was at risk; NaN in a year no firm was at risk (not a 0% default rate).
    exposed = at_risk.sum(axis=0)
    pooled = np.divide(defaults.sum(axis=0), exposed, out=np.full(exposed.shape, np.nan),
                       where=exposed > 0)
    rate = np.where(at_risk > 0, defaults / np.where(at_risk > 0, at_risk, 1.0), np.nan)
    columns["default_rate"] = pooled
    for q in BANDS:
        columns[f"default_rate_p{q}"] = np.array(
            [np.percentile(col[~np.isnan(col)], q) if (~np.isnan(col)).any() else np.nan
             for col in rate.T])
    return conform(pd.DataFrame({"year": np.arange(1, demand.shape[1] + 1), **columns}),
                   GapYearRecord)


def handoff_table(ledgers: list[Ledgers]) -> pd.DataFrame:
    """For each stage transition: graduates and the share funded at the next stage."""
    graduates = np.stack([lg.graduates for lg in ledgers])
    potential = np.stack([lg.potential_graduates for lg in ledgers])
    funded = np.stack([lg.funded_next for lg in ledgers])
    rows: list[HandoffRecord] = []
    for s, stage in enumerate(STAGE_ORDER):
        target = STAGE_ORDER[s + 1].value if s + 1 < len(STAGE_ORDER) else EXIT
        total = graduates[:, s].sum()
        share = funded[:, s].sum() / total if target != EXIT and total > 0 else np.nan
        p10, p50, p90 = np.percentile(graduates[:, s], BANDS)
        rows.append(HandoffRecord(
            from_stage=stage.value, to_stage=target,
            graduates=graduates[:, s].mean(), graduates_p10=p10,
            graduates_p50=p50, graduates_p90=p90,
            funded_next=funded[:, s].mean() if target != EXIT else np.nan,
            share_funded=share,
            graduates_potential=potential[:, s].mean(),
            graduates_lost=(potential[:, s] - graduates[:, s]).mean()))
    return table(rows, HandoffRecord)


def provider_table(scenario: Scenario, ledgers: list[Ledgers]) -> pd.DataFrame:
    """Per provider and year: lent, budget and its use, losses, repayments, facility spending."""
    spending = np.zeros((len(ledgers), len(scenario.providers), ledgers[0].years))
    index = {p.id: i for i, p in enumerate(scenario.providers)}
    for r, lg in enumerate(ledgers):
        for f, facility in enumerate(scenario.facilities):
            spending[r, index[facility.provider]] += lg.paid[f] - lg.fees[f]
    stacked = {name: np.stack([getattr(lg, name) for lg in ledgers])
               for name in ("lent", "budget", "losses", "repaid", "interest", "granted",
                            "support_cost", "supported", "subsidy")}
    rows: list[ProviderRecord] = []
    for p, provider in enumerate(scenario.providers):
        for y in range(ledgers[0].years):
            lent = stacked["lent"][:, p, y]
            budget = float(stacked["budget"][:, p, y].mean())
            rows.append(ProviderRecord(
                provider=provider.id, type=provider.type.value,
                sector=provider.resolved_sector.value, year=y + 1,
                lent=lent.mean(), lent_p10=np.percentile(lent, 10),
                lent_p90=np.percentile(lent, 90), budget=budget,
                budget_used=lent.mean() / budget if budget > 0 else np.nan,
                losses=stacked["losses"][:, p, y].mean(),
                repaid=stacked["repaid"][:, p, y].mean(),
                interest=stacked["interest"][:, p, y].mean(),
                granted=stacked["granted"][:, p, y].mean(),
                facility_spending=spending[:, p, y].mean(),
                concessional_subsidy=stacked["subsidy"][:, p, y].mean(),
                support_cost=stacked["support_cost"][:, p, y].mean(),
                firms_supported=stacked["supported"][:, p, y].mean(),
            ))
    return table(rows, ProviderRecord)


def facility_table(scenario: Scenario, ledgers: list[Ledgers]) -> pd.DataFrame:
    """Per facility: budget, what was committed and paid out over the simulation."""
    rows: list[FacilityRecord] = []
    for f, facility in enumerate(scenario.facilities):
        committed = np.array([lg.committed[f].sum() for lg in ledgers])
        paid = np.array([lg.paid[f].sum() for lg in ledgers])
        rows.append(FacilityRecord(
            facility=facility.id, kind=facility.kind.value,
            provider=facility.provider, budget=facility.budget,
            committed=committed.mean(), committed_p90=np.percentile(committed, 90),
            paid=paid.mean(), paid_p90=np.percentile(paid, 90),
            fees=float(np.mean([lg.fees[f].sum() for lg in ledgers]))))
    return table(rows, FacilityRecord)


def flow_table(scenario: Scenario, ledgers: list[Ledgers]) -> pd.DataFrame:
    """Money by source (provider lending, facility commitments) to stage x issue."""
    lent = np.mean([lg.lent_cell for lg in ledgers], axis=0)
    committed = np.mean([lg.committed_cell for lg in ledgers], axis=0)
    rows: list[FlowRecord] = []
    for kind, names, values in (("provider", [p.id for p in scenario.providers], lent),
                                ("facility", [f.id for f in scenario.facilities], committed)):
        for k, name in enumerate(names):
            for s, stage in enumerate(STAGE_ORDER):
                for i, issue in enumerate(ISSUES):
                    if values[k, s, i] > 0:
                        rows.append(FlowRecord(origin_kind=kind, origin=name, stage=stage.value,
                                               issue=issue.value, amount=float(values[k, s, i])))
    return table(rows, FlowRecord)


@dataclass(frozen=True)
class Money:
    """Per replication: public cost, private money and public money committed."""

    public_cost: np.ndarray
    private_money: np.ndarray
    public_money: np.ndarray
    total_gap: np.ndarray
    direct_gap: np.ndarray
    demand: np.ndarray
    potential_demand: np.ndarray


def money(scenario: Scenario, ledgers: list[Ledgers]) -> Money:
    """Public cost and mobilisation per replication.

    Public cost: losses and grants of public and philanthropic providers, their
    facilities' payouts net of fees, the interest forgone on concessional lines, the cost
    of their non-financial support, and the backbone's coordination cost.
    Public money: what public and philanthropic providers lent or granted, plus their
    guarantee liabilities and first-loss reserves committed.
    """
    sectors = [p.resolved_sector for p in scenario.providers]
    public = np.array([is_public(s) for s in sectors])
    index = {p.id: i for i, p in enumerate(scenario.providers)}
    fac_public = np.array([is_public(sectors[index[f.provider]]) for f in scenario.facilities],
                          dtype=bool)
    fac_reserve = np.array([f.kind is not FacilityKind.concessional for f in scenario.facilities],
                           dtype=bool)
    years = ledgers[0].years
    cost, private, public_money, total, direct, demand, potential = [], [], [], [], [], [], []
    for lg in ledgers:
        c = public_expected_cost(
            losses=lg.losses[public].sum(), grants=lg.granted[public].sum(),
            forgone_return=lg.subsidy[public].sum(),
            guarantee_payments=lg.paid[fac_public].sum() if scenario.facilities else 0.0,
            guarantee_fees=lg.fees[fac_public].sum() if scenario.facilities else 0.0,
            support=lg.support_cost[public].sum(),
            coordination=scenario.coordination_cost * years)
        cost.append(c)
        private.append(lg.lent[~public].sum())
        committed = lg.committed[fac_public & fac_reserve].sum() if scenario.facilities else 0.0
        public_money.append(lg.lent[public].sum() + committed)
        total.append((lg.potential_demand - lg.supplied).sum())
        direct.append((lg.demand - lg.supplied).sum())
        demand.append(lg.demand.sum())
        potential.append(lg.potential_demand.sum())
    return Money(np.array(cost), np.array(private), np.array(public_money), np.array(total),
                 np.array(direct), np.array(demand), np.array(potential))


def summary_table(scenario: Scenario, ledgers: list[Ledgers]) -> pd.DataFrame:
    """One row: totals over the simulation, means over replications, with bands."""
    m = money(scenario, ledgers)
    bands: dict[str, float] = {}
    for name, values in [("potential_demand", m.potential_demand), ("demand", m.demand),
                         ("total_gap", m.total_gap), ("direct_gap", m.direct_gap),
                         ("lost_pipeline", m.potential_demand - m.demand),
                         ("public_expected_cost", m.public_cost),
                         ("private_mobilised", m.private_money),
                         ("public_money", m.public_money)]:
        bands[name] = float(values.mean())
        bands[f"{name}_p10"], bands[f"{name}_p90"] = (float(x) for x in
                                                      np.percentile(values, [10, 90]))
    row = BundleSummaryRecord(
        region=scenario.region.name if scenario.region else "",
        years=ledgers[0].years, replications=len(ledgers), **bands,
        gap_share=(float(m.total_gap.sum() / m.potential_demand.sum())
                   if m.potential_demand.sum() > 0 else np.nan),
        mobilisation_ratio=mobilisation_ratio(float(m.private_money.sum()),
                                              float(m.public_money.sum())),
        grants=float(np.mean([lg.granted.sum() for lg in ledgers])))
    return table([row], BundleSummaryRecord)


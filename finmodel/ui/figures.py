"""Every chart, as ``make_<figure>(results, lang)``: the app and every export use these.

Colours are fixed per tranche kind, stage and portfolio so a chart on screen, in a
download and in a board paper look the same. Functions return plotly figures and never
touch the app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from finmodel.headlines import bundle_headline, vehicle_headlines
from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from finmodel.ui.i18n import amount, text, unit_label, word
from finmodel.ui.rows import kpi_rows, portfolio_rows, tranche_rows
from finmodel.vocabulary import EXIT, STAGE_ORDER, Stage

# A Latin font first: Chromium embeds Noto CJK's digits without a text mapping, so numbers
# in an exported PDF could not be searched or copied; Japanese falls back to Noto CJK.
FONT = "DejaVu Sans, Noto Sans CJK JP, Noto Sans JP, Noto Sans, Arial, sans-serif"
TRANCHE_COLORS = {"first_loss": "#b2182b", "subordinated": "#ef8a62", "mezzanine": "#f4c542",
                  "senior": "#2166ac", "grant": "#1b7837"}
STAGE_COLORS = {Stage.seed.value: "#66c2a5", Stage.early.value: "#fc8d62",
                Stage.middle.value: "#8da0cb", Stage.later.value: "#e78ac3", EXIT: "#a6d854"}
PIPELINE = tuple(stage.value for stage in STAGE_ORDER)  # seed, early, middle, later
PORTFOLIO_COLORS = {"firm_by_firm": "#999999", "core_issue": "#d95f02"}
LEVEL_X = {"activity": 0, "output": 1, "outcome": 2, "impact": 3}


@cache
def _template() -> go.layout.Template:
    """plotly's white template, looked up once (by name it is resolved on every figure:
    twice the time of passing the object)."""
    import plotly.io as pio

    return pio.templates["plotly_white"]


def styled(fig: go.Figure, title: str, lang: str) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01}, template=_template(),
                      font={"family": FONT, "size": 13}, margin={"l": 70, "r": 30, "t": 70, "b": 60},
                      legend={"orientation": "h", "y": -0.18}, meta={"lang": lang})
    return fig


def empty_figure(title: str, message: str, lang: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, title, lang)


def _vehicle(results: RunResults, vehicle: str | None) -> str | None:
    ids = [v.id for v in results.scenario.vehicles]
    if not ids:
        return None
    return vehicle if vehicle in ids else ids[0]


# -- capital stack ------------------------------------------------------------------------
def make_stack(results: RunResults, lang: str, vehicle: str | None = None) -> go.Figure:
    """The stack of one vehicle drawn bottom (first loss) to top (senior)."""
    title = text("fig_stack", lang)
    vid = _vehicle(results, vehicle)
    if vid is None:
        return empty_figure(title, text("no_vehicle", lang), lang)
    rows = results.tranches[results.tranches["vehicle"] == vid]
    unit = results.scenario.unit
    fig = go.Figure()
    for row in tranche_rows(rows):
        label = (f"{row.tranche} ({word(row.kind, lang)}, {row.provider})<br>"
                 f"{amount(row.notional, unit, lang)} · EL {row.expected_loss_pct:.2%}")
        fig.add_trace(go.Bar(x=[vid], y=[row.detach - row.attach], name=row.tranche,
                             marker_color=TRANCHE_COLORS.get(row.kind, "#777777"),
                             text=[label], textposition="inside", insidetextanchor="middle",
                             hovertemplate=label + "<extra></extra>"))
    fig.update_layout(barmode="stack", showlegend=False)
    fig.update_yaxes(tickformat=".0%", range=[0, 1], title=text("tranches", lang))
    return styled(fig, f"{title}<br><sup>{vid}</sup>", lang)  # two lines: a narrow column


def make_loss_distribution(results: RunResults, lang: str, vehicle: str | None = None,
                           bins: int = 120) -> go.Figure:
    """Pool loss distribution (binned) with the tranche boundaries marked."""
    title = text("fig_loss", lang)
    vid = _vehicle(results, vehicle)
    if vid is None:
        return empty_figure(title, text("no_vehicle", lang), lang)
    dist = results.loss_distributions[vid]
    top = float(max(dist.loss.max(), 1e-9))
    edges = np.linspace(0.0, top, bins + 1)
    mass, _ = np.histogram(dist.loss, bins=edges, weights=dist.prob)
    centers = (edges[:-1] + edges[1:]) / 2
    unit = results.scenario.unit
    fig = go.Figure(go.Bar(x=centers, y=mass, marker_color="#4d4d4d",
                           name=text("probability", lang)))
    rows = results.tranches[results.tranches["vehicle"] == vid]
    exposure = dist.exposure
    for row in tranche_rows(rows):
        x = row.detach * exposure
        if x <= top * 1.05:
            fig.add_vline(x=x, line_dash="dash", line_color=TRANCHE_COLORS.get(row.kind, "#777"),
                          annotation_text=row.tranche, annotation_position="top")
    fig.update_xaxes(title=f"{text('pool_loss', lang)} ({unit_label(unit, lang)})")
    fig.update_yaxes(title=text("probability", lang))
    return styled(fig, f"{title}: {vid}", lang)


def make_tranche_metrics(results: RunResults, lang: str, vehicle: str | None = None) -> go.Figure:
    """Expected loss (% of notional, over the vehicle's life) and the IRR of each tranche's
    expected cash flows."""
    title = text("fig_tranches", lang)
    vid = _vehicle(results, vehicle)
    if vid is None:
        return empty_figure(title, text("no_vehicle", lang), lang)
    rows = results.tranches[results.tranches["vehicle"] == vid]
    fig = go.Figure([
        go.Bar(x=rows["tranche"], y=rows["expected_loss_pct"], name=text("expected_loss_pct", lang),
               marker_color="#b2182b", texttemplate="%{y:.2%}"),
        go.Bar(x=rows["tranche"], y=rows["expected_return"], name=text("expected_return", lang),
               marker_color="#2166ac", texttemplate="%{y:.2%}"),
    ])
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".1%")
    return styled(fig, f"{title}: {vid}", lang)


#: Colours of the holders that are not tranches in the cash-flow chart.
HOLDER_COLORS = {"guarantor": "#7570b3", "manager": "#999999", "vehicle": "#4d4d4d",
                 "pool": "#111111"}


def yearly_cashflows(results: RunResults, vehicle: str) -> pd.DataFrame:
    """A vehicle's expected cash flows summed by holder and year.

    Period ``k`` ending at ``time_years`` t falls in year ``ceil(t)`` (a period ending at
    1.0 is year 1, one ending at 1.25 year 2). Columns: ``holder``, ``holder_type``,
    ``year`` and the cash-flow table's amounts, summed.
    """
    cf = results.cashflows
    cf = cf[cf["vehicle"] == vehicle].copy()
    cf["year"] = np.ceil(cf["time_years"].to_numpy() - 1e-9).astype(int)
    amounts = ["cash", "interest", "principal", "recoveries", "loss_written_down", "loss_cured",
               "guarantee_received", "guarantee_paid", "fees", "residual"]
    return (cf.groupby(["holder", "holder_type", "year"], as_index=False, sort=False)[amounts]
            .sum())


def make_cashflows(results: RunResults, lang: str, vehicle: str | None = None) -> go.Figure:
    """Expected cash each holder receives per year, with the pool's collections as a line.

    Bars (stacked, bottom tranche first): each tranche's cash (coupons, principal, cures,
    guarantee payments received, residual); each guarantor's net cash (fees less payments,
    below zero when it pays more than it earns); management fees and what is left in the
    vehicle at wind-up, when not zero.
    """
    title = text("fig_cashflows", lang)
    vid = _vehicle(results, vehicle)
    if vid is None or results.cashflows.empty:
        return empty_figure(title, text("no_vehicle", lang), lang)
    years = yearly_cashflows(results, vid)
    unit = results.scenario.unit
    tranches = results.tranches[results.tranches["vehicle"] == vid]
    tolerance = 1e-9 * max(float(tranches["notional"].sum()), 1.0)
    fig = go.Figure()
    parts = "<br>".join(f"{text(key, lang)} %{{customdata[{k}]:,.1f}}" for k, key in enumerate(
        ("cf_coupons", "cf_principal", "cf_cures", "cf_guarantee", "cf_residual")))
    detail = (f"{text('year', lang)} %{{x}}: %{{y:,.1f}} {unit_label(unit, lang)}<br>{parts}"
              "<extra>%{fullData.name}</extra>")
    for row in tranche_rows(tranches):
        part = years[(years["holder_type"] == "tranche") & (years["holder"] == row.tranche)]
        custom = part[["interest", "principal", "loss_cured", "guarantee_received",
                       "residual"]].to_numpy()
        fig.add_trace(go.Bar(x=part["year"], y=part["cash"],
                             name=f"{row.tranche} ({word(row.kind, lang)})",
                             marker_color=TRANCHE_COLORS.get(row.kind, "#777777"),
                             customdata=custom, hovertemplate=detail))
    others = (("guarantor", "guarantor_net"), ("manager", "manager_fees"),
              ("vehicle", "vehicle_residual"))
    for holder_type, label in others:
        for holder, part in years[years["holder_type"] == holder_type].groupby("holder", sort=False):
            if np.abs(part["cash"]).max() <= tolerance:
                continue
            name = text(label, lang).format(holder=holder)
            fig.add_trace(go.Bar(x=part["year"], y=part["cash"], name=name,
                                 marker_color=HOLDER_COLORS[holder_type],
                                 hovertemplate=f"{text('year', lang)} %{{x}}: %{{y:,.1f}}"
                                 f"<extra>{name}</extra>"))
    pool = years[years["holder_type"] == "pool"]
    fig.add_trace(go.Scatter(x=pool["year"], y=pool["cash"], mode="lines+markers",
                             name=text("pool_collections", lang),
                             line={"color": HOLDER_COLORS["pool"], "width": 2, "dash": "dot"},
                             hovertemplate=f"{text('year', lang)} %{{x}}: %{{y:,.1f}}"
                             f"<extra>{text('pool_collections', lang)}</extra>"))
    fig.update_layout(barmode="relative")
    fig.update_xaxes(title=text("year", lang), dtick=1)
    fig.update_yaxes(title=f"{text('expected_cash', lang)} ({unit_label(unit, lang)})",
                     zeroline=True, zerolinecolor="#888888")
    return styled(fig, f"{title}: {vid}", lang)


BAND_WIDTH = 0.3  # of a category's width


def make_irr_bands(results: RunResults, lang: str, vehicle: str | None = None) -> go.Figure:
    """Each tranche's IRR over the simulated paths: the P10-P90 band, the median and the
    mean, and the hurdle (with the probability of meeting it) where the tranche has one.

    Grants have no IRR and are left out.
    """
    title = text("fig_irr", lang)
    vid = _vehicle(results, vehicle)
    if vid is None:
        return empty_figure(title, text("no_vehicle", lang), lang)
    rows = results.tranches[results.tranches["vehicle"] == vid]
    rows = rows[rows["irr_p10"].notna() & rows["irr_p90"].notna()]
    if rows.empty:
        return empty_figure(title, text("no_vehicle", lang), lang)
    labels = []
    for row in tranche_rows(rows):
        label = f"{row.tranche}<br>{word(row.kind, lang)}"
        if row.hurdle_return == row.hurdle_return and row.prob_hurdle_met == row.prob_hurdle_met:
            label += f"<br>{text('hurdle_met_short', lang)} {row.prob_hurdle_met:.0%}"
        labels.append(label)
    colors = [TRANCHE_COLORS.get(k, "#777777") for k in rows["kind"]]
    p10, p90 = rows["irr_p10"].to_numpy(), rows["irr_p90"].to_numpy()
    fig = go.Figure([
        go.Bar(x=labels, y=p90 - p10, base=p10, width=BAND_WIDTH, name=text("irr_range", lang),
               marker={"color": colors, "opacity": 0.45, "line": {"color": colors, "width": 1.5}},
               customdata=np.stack([p10, p90], axis=1),
               hovertemplate="P10 %{customdata[0]:.2%} – P90 %{customdata[1]:.2%}<extra></extra>"),
        go.Scatter(x=labels, y=rows["irr_p50"], mode="markers", name=text("irr_p50", lang),
                   marker={"symbol": "diamond", "size": 13, "color": "#111111"},
                   hovertemplate="P50 %{y:.2%}<extra></extra>"),
        go.Scatter(x=labels, y=rows["irr_mean"], mode="markers", name=text("irr_mean", lang),
                   marker={"symbol": "circle-open", "size": 14, "color": "#111111",
                           "line": {"width": 2.5}},
                   hovertemplate="%{y:.2%}<extra></extra>"),
    ])
    for k, mean in enumerate(rows["irr_mean"]):  # right of the band (categories sit at 0, 1, ...)
        fig.add_annotation(x=k + BAND_WIDTH / 2 + 0.03, y=mean, xanchor="left", showarrow=False,
                           text=f"{text('irr_mean', lang)} {mean:.2%}", font={"size": 12})
    hurdle = rows["hurdle_return"].notna().to_numpy()
    if hurdle.any():
        fig.add_trace(go.Scatter(
            x=[x for x, h in zip(labels, hurdle, strict=True) if h],
            y=rows.loc[hurdle, "hurdle_return"], mode="markers", name=text("hurdle", lang),
            marker={"symbol": "line-ew", "size": 40, "line": {"color": "#d95f02", "width": 3}},
            hovertemplate=text("hurdle", lang) + " %{y:.2%}<extra></extra>"))
    fig.update_layout(barmode="overlay", bargap=0.5)
    fig.update_xaxes(range=[-0.5, len(labels) - 0.2])  # room for the last mean's label
    fig.update_yaxes(title=text("irr", lang), tickformat=".1%", zeroline=True,
                     zerolinecolor="#888888")
    return styled(fig, f"{title}: {vid}", lang)


# -- bundle --------------------------------------------------------------------------------
def make_gap_heatmap(results: RunResults, lang: str) -> go.Figure:
    """Total funding gap over the years by stage (rows) and issue (columns)."""
    title = text("fig_gap_heatmap", lang)
    if results.bundle is None:
        return empty_figure(title, text("no_bundle", lang), lang)
    # fillna(0.0) rather than unstack(fill_value=0.0), whose type pandas-stubs gives as
    # int | str: the same table, as only cells no row reaches are NaN (a sum never is)
    gaps = results.gaps.groupby(["stage", "issue"])["total_gap"].sum().unstack().fillna(0.0)
    stages = [s for s in PIPELINE if s in gaps.index]
    gaps = gaps.loc[stages]
    unit = results.scenario.unit
    fig = go.Figure(go.Heatmap(
        z=gaps.to_numpy(), x=[word(c, lang) for c in gaps.columns],
        y=[word(s, lang) for s in gaps.index], colorscale="Reds",
        text=[[amount(v, unit, lang) for v in row] for row in gaps.to_numpy()],
        texttemplate="%{text}", colorbar={"title": unit_label(unit, lang)}))
    fig.update_yaxes(title=text("stage", lang), autorange="reversed")
    fig.update_xaxes(title=text("issue", lang))
    return styled(fig, title, lang)


def has_credit_cycle(results: RunResults) -> bool:
    """Whether the results have a regional credit cycle to draw (a scenario ``economy``)."""
    return (results.bundle is not None and results.scenario.economy is not None
            and "factor" in results.bundle.gap_years)


GAP_COLORS = {"total_gap": "#b2182b", "direct_gap": "#ef8a62", "demand": "#4d4d4d",
              "factor_bad": "#b2182b", "factor_good": "#2166ac", "default_rate": "#111111"}


def make_gap_years(results: RunResults, lang: str) -> go.Figure:
    """The region's total funding gap per year with its P10-P90 band, the direct gap, demand
    and potential demand; with a credit cycle (``economy``), a panel below with the
    regional factor Z_t (mean, P10-P90) and the default rate by year.

    The cycle gets its own panel on the shared year axis rather than a secondary axis of
    the gap panel: the gap is money, Z_t is in standard deviations and the default rate a
    share, and three scales on one plot would be read against the wrong axis. In the panel
    Z_t is bars (left axis) and the default rate a line (right axis), so each mark has one
    axis.
    """
    title = text("fig_gap_years", lang)
    if results.bundle is None:
        return empty_figure(title, text("no_bundle", lang), lang)
    years = results.bundle.gap_years
    x = years["year"]
    cycle = has_credit_cycle(results)
    unit = unit_label(results.scenario.unit, lang)
    if cycle:
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.66, 0.34],
                            vertical_spacing=0.13, specs=[[{}], [{"secondary_y": True}]],
                            subplot_titles=("", text("credit_cycle", lang)))
        title = text("fig_gap_years_cycle", lang)
    else:
        fig = make_subplots(rows=1, cols=1)
    money = f"{text('year', lang)} %{{x}}: %{{y:,.1f}} {unit}<extra>%{{fullData.name}}</extra>"
    band = (f"{text('year', lang)} %{{x}}: P10 %{{customdata[0]:,.1f}} – P90 "
            f"%{{customdata[1]:,.1f}} {unit}<extra>{text('legend_gap_band', lang)}</extra>")
    gap = [
        go.Scatter(x=x, y=years["total_gap_p90"], mode="lines", line={"width": 0},
                   showlegend=False, hoverinfo="skip"),
        go.Scatter(x=x, y=years["total_gap_p10"], mode="lines", fill="tonexty", line={"width": 0},
                   fillcolor="rgba(178,24,43,0.2)", name=text("legend_gap_band", lang),
                   legendrank=2,
                   customdata=np.stack([years["total_gap_p10"], years["total_gap_p90"]], axis=1),
                   hovertemplate=band),
        go.Scatter(x=x, y=years["total_gap"], line={"color": GAP_COLORS["total_gap"], "width": 3},
                   name=text("legend_total_gap", lang), legendrank=1, hovertemplate=money),
        go.Scatter(x=x, y=years["direct_gap"], line={"color": GAP_COLORS["direct_gap"], "width": 2},
                   name=text("legend_direct_gap", lang), legendrank=3, hovertemplate=money),
        go.Scatter(x=x, y=years["potential_demand"],
                   line={"color": GAP_COLORS["demand"], "dash": "dash"},
                   name=text("legend_potential", lang), legendrank=4, hovertemplate=money),
        go.Scatter(x=x, y=years["demand"], line={"color": GAP_COLORS["demand"], "dash": "dot"},
                   name=text("legend_demand", lang), legendrank=5, hovertemplate=money),
    ]
    for trace in gap:
        fig.add_trace(trace, row=1, col=1)
    fig.update_yaxes(title=unit, row=1, col=1, rangemode="tozero")
    if cycle:
        factor = years["factor"].to_numpy()
        fig.add_trace(go.Bar(
            x=x, y=factor, name=text("factor", lang), legendrank=6,
            marker={"color": [GAP_COLORS["factor_bad"] if z < 0 else GAP_COLORS["factor_good"]
                              for z in factor], "opacity": 0.55},
            error_y={"type": "data", "symmetric": False, "color": "#555555", "thickness": 1,
                     "array": years["factor_p90"].to_numpy() - factor,
                     "arrayminus": factor - years["factor_p10"].to_numpy()},
            customdata=np.stack([years["factor_p10"], years["factor_p90"]], axis=1),
            hovertemplate=f"{text('year', lang)} %{{x}}: Z_t %{{y:.2f}} (P10 %{{customdata[0]:.2f}}"
                          " – P90 %{customdata[1]:.2f})<extra></extra>"),
            row=2, col=1, secondary_y=False)
        fig.add_trace(go.Scatter(
            x=x, y=years["default_rate"], mode="lines+markers", legendrank=7,
            line={"color": GAP_COLORS["default_rate"], "width": 2}, marker={"size": 5},
            name=text("default_rate", lang),
            customdata=np.stack([years["default_rate_p10"], years["default_rate_p90"]], axis=1),
            hovertemplate=f"{text('year', lang)} %{{x}}: %{{y:.1%}} (P10 %{{customdata[0]:.1%}}"
                          " – P90 %{customdata[1]:.1%})<extra></extra>"),
            row=2, col=1, secondary_y=True)
        fig.update_yaxes(title={"text": text("factor_axis", lang), "font": {"size": 11}},
                         zeroline=True, zerolinecolor="#888888", row=2, col=1, secondary_y=False)
        fig.update_yaxes(title={"text": text("default_rate_axis", lang), "font": {"size": 11}},
                         tickformat=".0%", rangemode="tozero", showgrid=False, row=2, col=1,
                         secondary_y=True)
        fig.update_xaxes(title=text("year", lang), dtick=1, row=2, col=1)
        fig.update_xaxes(dtick=1, row=1, col=1)
        fig.update_annotations(font_size=12, x=0, xanchor="left")
    else:
        fig.update_xaxes(title=text("year", lang), dtick=1)
    styled(fig, f"{title}<br><sup>{text('gap_definition', lang)}</sup>", lang)
    # Two columns of legend entries: seven long entries in one row each would squeeze the plot.
    fig.update_layout(legend={"entrywidth": 0.5, "entrywidthmode": "fraction", "y": -0.16,
                              "font": {"size": 12}, "traceorder": "normal"})
    return fig


def make_handoffs(results: RunResults, lang: str) -> go.Figure:
    """At each stage transition: the firms that graduated (with the share funded at the
    next stage) and, beside them, the firms (or exits) lost at that break: those that would
    have graduated had every round been funded (``graduates_lost``). Transitions no firm
    reaches are left out."""
    title = text("fig_handoffs", lang)
    if results.bundle is None:
        return empty_figure(title, text("no_bundle", lang), lang)
    h = results.handoffs
    lost_column = h["graduates_lost"] if "graduates_lost" in h else pd.Series(0.0, index=h.index)
    # A transition no firm reaches, in the run or had every round been funded, says nothing.
    h = h[(h["graduates"].abs() + lost_column.abs()) > 1e-9]
    labels = [f"{word(a, lang)} → {word(b, lang)}" for a, b in zip(h["from_stage"], h["to_stage"],
                                                                     strict=True)]
    share = [("" if np.isnan(v) else f"{v:.0%}") for v in h["share_funded"]]
    colors = [STAGE_COLORS.get(s, "#777") for s in h["to_stage"]]
    lost = lost_column.loc[h.index].to_numpy()
    fig = go.Figure([
        go.Bar(x=labels, y=h["graduates"], name=text("graduates", lang), marker_color=colors,
               text=share, textposition="outside",
               hovertemplate="%{x}: %{y:.1f}<br>" + text("share_funded", lang)
               + " %{text}<extra>" + text("graduates", lang) + "</extra>"),
        go.Bar(x=labels, y=lost, name=text("graduates_lost", lang),
               marker={"color": "#ffffff", "line": {"color": colors, "width": 1.5},
                       "pattern": {"shape": "/", "fgcolor": colors, "solidity": 0.35}},
               text=[f"{v:.1f}" for v in lost], textposition="outside",
               hovertemplate="%{x}: %{y:.1f}<extra>" + text("graduates_lost", lang) + "</extra>"),
    ])
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.08)
    fig.update_yaxes(title=text("firms_total", lang), rangemode="tozero")
    return styled(fig, f"{title}<br><sup>{text('share_funded_note', lang)}</sup>", lang)


def make_sankey(results: RunResults, lang: str) -> go.Figure:
    """Money from providers (and facilities) to stages, then to issues."""
    title = text("fig_sankey", lang)
    if results.bundle is None or results.bundle.flows.empty:
        return empty_figure(title, text("no_bundle", lang), lang)
    flows = results.bundle.flows
    sources = list(dict.fromkeys(flows["origin"]))
    stages = [s for s in PIPELINE if s in set(flows["stage"])]
    issues = list(dict.fromkeys(flows["issue"]))
    labels = sources + [word(s, lang) for s in stages] + [word(i, lang) for i in issues]
    index = {name: k for k, name in enumerate(sources)}
    stage_at = {s: len(sources) + k for k, s in enumerate(stages)}
    issue_at = {i: len(sources) + len(stages) + k for k, i in enumerate(issues)}
    first = flows.groupby(["origin", "stage"], as_index=False)["amount"].sum()
    second = flows[flows["origin_kind"] == "provider"].groupby(
        ["stage", "issue"], as_index=False)["amount"].sum()
    colors = ([("#1b9e77" if k == "provider" else "#7570b3") for k in
               flows.drop_duplicates("origin")["origin_kind"]]
              + [STAGE_COLORS[s] for s in stages] + ["#bbbbbb"] * len(issues))
    fig = go.Figure(go.Sankey(
        node={"label": labels, "color": colors, "pad": 14},
        link={"source": [index[o] for o in first["origin"]] + [stage_at[s] for s in second["stage"]],
              "target": [stage_at[s] for s in first["stage"]] + [issue_at[i] for i in second["issue"]],
              "value": list(first["amount"]) + list(second["amount"])}))
    return styled(fig, f"{title} ({unit_label(results.scenario.unit, lang)})", lang)


def make_coverage(results: RunResults, lang: str) -> go.Figure:
    """Number of providers able to lend in each stage x issue cell; holes and overlaps."""
    title = text("fig_coverage", lang)
    if results.bundle is None:
        return empty_figure(title, text("no_bundle", lang), lang)
    cov = results.coverage
    grid = cov.pivot(index="stage", columns="issue", values="n_providers")
    grid = grid.loc[[s for s in PIPELINE if s in grid.index]]
    marks = cov.set_index(["stage", "issue"])
    labels = [[("✕ " + text("hole", lang) if marks.loc[(s, i), "hole"] and marks.loc[(s, i), "reached"]
                else ("＋ " + text("overlap", lang) if marks.loc[(s, i), "overlap"] else str(int(v))))
               for i, v in zip(grid.columns, row, strict=True)]
              for s, row in zip(grid.index, grid.to_numpy(), strict=True)]
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=[word(c, lang) for c in grid.columns],
                               y=[word(s, lang) for s in grid.index], text=labels,
                               texttemplate="%{text}", colorscale="Blues",
                               colorbar={"title": text("providers_count", lang)}))
    fig.update_yaxes(autorange="reversed")
    return styled(fig, title, lang)


# -- portfolios and impact ------------------------------------------------------------------
def make_portfolio_comparison(results: RunResults, lang: str) -> go.Figure:
    """Firm by firm vs core-issue driven on impact, money and risk."""
    title = text("fig_portfolios", lang)
    if results.portfolios is None:
        return empty_figure(title, text("no_portfolio", lang), lang)
    s = results.portfolios.summary.set_index("portfolio")
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        text("core_impact", lang), f"{text('money', lang)} ({unit_label(results.scenario.unit, lang)})"))
    for name in s.index:
        color = PORTFOLIO_COLORS.get(name, "#777")
        fig.add_trace(go.Bar(x=[text("core_impact", lang), text("spillover_impact", lang)],
                             y=[s.loc[name, "core_impact"], s.loc[name, "spillover_impact"]],
                             name=text(name, lang), marker_color=color, legendgroup=name), 1, 1)
        fig.add_trace(go.Bar(x=[text("money", lang), text("public_money", lang),
                                text("expected_loss", lang)],
                             y=[s.loc[name, "money"], s.loc[name, "public_money"],
                                s.loc[name, "expected_loss"]],
                             name=text(name, lang), marker_color=color, legendgroup=name,
                             showlegend=False), 1, 2)
    fig.update_layout(barmode="group")
    return styled(fig, title, lang)


def make_frontier(results: RunResults, lang: str) -> go.Figure:
    """Best core-issue impact at each expected-loss limit, with both portfolios marked."""
    title = text("fig_frontier", lang)
    if results.portfolios is None:
        return empty_figure(title, text("no_portfolio", lang), lang)
    f = results.portfolios.frontier
    s = results.portfolios.summary
    fig = go.Figure(go.Scatter(x=f["max_expected_loss"], y=f["core_impact"], mode="lines+markers",
                               line={"color": PORTFOLIO_COLORS["core_issue"]},
                               name=text("fig_frontier", lang)))
    for row in portfolio_rows(s):
        fig.add_trace(go.Scatter(x=[row.expected_loss_rate], y=[row.core_impact], mode="markers",
                                 marker={"size": 14, "color": PORTFOLIO_COLORS.get(row.portfolio)},
                                 name=text(row.portfolio, lang)))
    fig.update_xaxes(title=text("max_expected_loss", lang), tickformat=".0%")
    fig.update_yaxes(title=text("core_impact", lang))
    return styled(fig, title, lang)


def make_case_map(results: RunResults, lang: str) -> go.Figure:
    """Money by issue x finance method, one panel per portfolio."""
    title = text("fig_case_map", lang)
    if results.portfolios is None:
        return empty_figure(title, text("no_portfolio", lang), lang)
    cm = results.portfolios.case_map
    names = list(dict.fromkeys(cm["portfolio"]))
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[text(n, lang) for n in names],
                        shared_yaxes=True)
    unit = results.scenario.unit
    issues = sorted(set(cm["issue"]))
    methods = sorted(set(cm["method"]))
    for k, name in enumerate(names, start=1):
        grid = (cm[cm["portfolio"] == name].pivot_table(index="issue", columns="method",
                                                       values="money", aggfunc="sum")
                .reindex(index=issues, columns=methods).fillna(0.0))
        fig.add_trace(go.Heatmap(z=grid.to_numpy(), x=[word(m, lang) for m in methods],
                                 y=[word(i, lang) for i in issues], coloraxis="coloraxis",
                                 text=[[amount(v, unit, lang) if v else "" for v in r]
                                       for r in grid.to_numpy()], texttemplate="%{text}"), 1, k)
    fig.update_layout(coloraxis={"colorscale": "Oranges"})
    return styled(fig, title, lang)


def make_kpi_dashboard(results: RunResults, lang: str) -> go.Figure:
    """Each KPI: plan and value over the years, for both portfolios."""
    title = text("fig_kpis", lang)
    if results.portfolios is None or results.portfolios.kpis.empty:
        return empty_figure(title, text("no_portfolio", lang), lang)
    k = results.portfolios.kpis
    kpis = list(dict.fromkeys(k["kpi"]))
    cols = min(3, len(kpis))
    rows = int(np.ceil(len(kpis) / cols))
    last = k[k["portfolio"] == "core_issue"].sort_values("year").groupby("kpi").tail(1)
    attained = dict(zip(last["kpi"], last["attainment"], strict=True))
    names = {r.kpi: f"{r.name(lang)} ({r.unit})<br>"
             f"{text('attainment', lang)}: {attained.get(r.kpi, float('nan')):.0%}"
             for r in kpi_rows(k.drop_duplicates("kpi"))}
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[names[x] for x in kpis],
                        vertical_spacing=0.22 if rows > 1 else 0.1, horizontal_spacing=0.08)
    fig.update_annotations(font_size=11)
    for n, kpi in enumerate(kpis):
        r, c = n // cols + 1, n % cols + 1
        part = k[k["kpi"] == kpi]
        plan = part[part["portfolio"] == "core_issue"]
        fig.add_trace(go.Scatter(x=plan["year"], y=plan["plan"], name=text("plan", lang),
                                 line={"color": "#4d4d4d", "dash": "dash"}, showlegend=n == 0,
                                 legendgroup="plan"), r, c)
        for name in ("firm_by_firm", "core_issue"):
            p = part[part["portfolio"] == name]
            fig.add_trace(go.Scatter(x=p["year"], y=p["value"], name=text(name, lang),
                                     line={"color": PORTFOLIO_COLORS[name]}, showlegend=n == 0,
                                     legendgroup=name), r, c)
    fig.update_layout(height=320 * rows)
    return styled(fig, title, lang)


def make_logic_model(results: RunResults, lang: str) -> go.Figure:
    """The logic model as a graph: activities -> outputs -> outcomes -> impact."""
    title = text("fig_logic", lang)
    model = results.scenario.logic_model
    if model is None:
        return empty_figure(title, text("no_portfolio", lang), lang)
    columns: dict[str, list[str]] = {}
    for node in model.nodes:
        columns.setdefault(node.level, []).append(node.id)
    pos = {}
    for level, ids in columns.items():
        for k, nid in enumerate(ids):
            pos[nid] = (LEVEL_X[level], (k + 1) / (len(ids) + 1))
    fig = go.Figure()
    for link in model.links:
        (x0, y0), (x1, y1) = pos[link.source], pos[link.target]
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowwidth=1 + 2 * link.weight,
                           arrowcolor="#888888", standoff=18, startstandoff=18)
    holes = set()
    if results.portfolios is not None:
        h = results.portfolios.holes
        holes = set(h.loc[h["status"].str.startswith("hole"), "node"])
    labels = {n.id: (n.label or n.id) for n in model.nodes}
    fig.add_trace(go.Scatter(
        x=[pos[n][0] for n in pos], y=[pos[n][1] for n in pos], mode="markers+text",
        text=[labels[n] for n in pos], textposition="bottom center",
        marker={"size": 22, "color": ["#b2182b" if n in holes else "#d95f02" for n in pos]},
        hovertext=[", ".join(next(x.indicators for x in model.nodes if x.id == n)) for n in pos],
        showlegend=False))
    fig.update_xaxes(tickvals=list(LEVEL_X.values()), ticktext=[word(k, lang) for k in LEVEL_X],
                     range=[-0.5, 3.5])
    fig.update_yaxes(visible=False, range=[0, 1.05])
    return styled(fig, title, lang)


def make_compare(named: list[tuple[str, RunResults]], lang: str) -> go.Figure:
    """Headline numbers of several scenarios side by side."""
    title = text("fig_compare", lang)
    rows: list[dict[str, str | float]] = []
    for name, r in named:
        row: dict[str, str | float] = {"scenario": name}
        # a stack's public cost is a present value, a bundle's a sum over the simulated
        # years (docs/methodology.md): shown side by side, never added
        vehicles = vehicle_headlines(r)
        if vehicles:  # summed as pandas sums a column: NaN left out
            row["public_cost_stack"] = float(np.nansum([v.public_expected_cost for v in vehicles]))
            row["expected_loss"] = float(np.nansum([v.expected_loss for v in vehicles]))
        bundle = bundle_headline(r)
        if bundle is not None:
            row["total_gap"] = bundle.total_gap
            row["public_cost_bundle"] = bundle.public_expected_cost
            row["private_mobilised"] = bundle.private_mobilised
        rows.append(row)
    table = pd.DataFrame(rows).set_index("scenario")
    fig = go.Figure([go.Bar(x=[text(c, lang) for c in table.columns], y=table.loc[name].to_numpy(),
                            name=name) for name in table.index])
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=unit_label(named[0][1].scenario.unit if named else "", lang))
    return styled(fig, title, lang)


FIGURES: dict[str, Callable[..., go.Figure]] = {
    "stack": make_stack, "cashflows": make_cashflows, "irr_bands": make_irr_bands,
    "loss_distribution": make_loss_distribution,
    "tranche_metrics": make_tranche_metrics, "gap_heatmap": make_gap_heatmap,
    "gap_years": make_gap_years, "handoffs": make_handoffs, "sankey": make_sankey,
    "coverage": make_coverage, "portfolios": make_portfolio_comparison,
    "frontier": make_frontier, "case_map": make_case_map, "kpis": make_kpi_dashboard,
    "logic_model": make_logic_model,
}


#: The title (i18n key) of each figure, for menus.
TITLES = {"stack": "fig_stack", "cashflows": "fig_cashflows", "irr_bands": "fig_irr",
          "loss_distribution": "fig_loss", "tranche_metrics": "fig_tranches",
          "gap_heatmap": "fig_gap_heatmap", "gap_years": "fig_gap_years",
          "handoffs": "fig_handoffs", "sankey": "fig_sankey", "coverage": "fig_coverage",
          "portfolios": "fig_portfolios", "frontier": "fig_frontier", "case_map": "fig_case_map",
          "kpis": "fig_kpis", "logic_model": "fig_logic"}


def figure_names(scenario: Scenario) -> list[str]:
    """The figures a scenario's results can draw, in board-paper order."""
    names = []
    if scenario.vehicles:
        names += ["stack", "cashflows", "irr_bands", "loss_distribution", "tranche_metrics"]
    if scenario.has_bundle:
        names += ["gap_heatmap", "gap_years", "handoffs", "sankey", "coverage"]
    if scenario.portfolio is not None:
        names += ["portfolios", "frontier", "case_map", "kpis", "logic_model"]
    return names


def available_figures(results: RunResults) -> list[str]:
    """The figures these results can draw, in board-paper order."""
    return figure_names(results.scenario)

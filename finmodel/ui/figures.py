"""Every chart, as ``make_<figure>(results, lang)``: the app and every export use these.

Colours are fixed per tranche kind, stage and portfolio so a chart on screen, in a
download and in a board paper look the same. Functions return plotly figures and never
touch the app. Every name shown is a display name (:mod:`finmodel.names`), never an id;
every chart shows money in one unit (:func:`finmodel.ui.i18n.money_unit`), named in its
axis, colour bar or subtitle; the shared look lives in :mod:`finmodel.ui.chart_style`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from finmodel.names import named, node_label, tranche_named
from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from finmodel.ui.chart_style import (
    FONT,
    blank_figure,
    count_text,
    empty_figure,
    money_axis,
    money_hover,
    percent_text,
    styled,
    tick_lines,
    unit_word,
    waiting_figure,
    wrap,
)
from finmodel.ui.compare_chart import make_compare, make_compare_batch
from finmodel.ui.i18n import MoneyUnit, money_unit, text, word
from finmodel.ui.rows import kpi_rows, portfolio_rows, tranche_rows
from finmodel.vocabulary import EXIT, STAGE_ORDER, Stage

__all__ = ["FIGURES", "FONT", "TITLES", "available_figures", "blank_figure", "empty_figure",
           "figure_names", "make_compare", "make_compare_batch", "styled", "waiting_figure"]

TRANCHE_COLORS = {"first_loss": "#b2182b", "subordinated": "#ef8a62", "mezzanine": "#f4c542",
                  "senior": "#2166ac", "grant": "#1b7837"}
STAGE_COLORS = {Stage.seed.value: "#66c2a5", Stage.early.value: "#fc8d62",
                Stage.middle.value: "#8da0cb", Stage.later.value: "#e78ac3", EXIT: "#a6d854"}
PIPELINE = tuple(stage.value for stage in STAGE_ORDER)  # seed, early, middle, later
PORTFOLIO_COLORS = {"firm_by_firm": "#999999", "core_issue": "#d95f02"}
LEVEL_X = {"activity": 0, "output": 1, "outcome": 2, "impact": 3}


def _vehicle(results: RunResults, vehicle: str | None) -> str | None:
    ids = [v.id for v in results.scenario.vehicles]
    if not ids:
        return None
    return vehicle if vehicle in ids else ids[0]


def _no_vehicle(title: str, lang: str) -> go.Figure:
    return empty_figure(title, text("fig_hint_no_vehicle", lang), lang)


def _no_bundle(title: str, lang: str) -> go.Figure:
    return empty_figure(title, text("fig_hint_no_bundle", lang), lang)


def _no_portfolio(title: str, lang: str) -> go.Figure:
    return empty_figure(title, text("fig_hint_no_portfolio", lang), lang)


def _money(results: RunResults, values: Iterable[float], lang: str) -> MoneyUnit:
    """The one unit for these amounts (in the scenario's unit) in this chart."""
    return money_unit([float(v) for v in values], results.scenario.unit, lang)


def holder_name(scenario: Scenario, key: str, lang: str) -> str:
    """A provider's or facility's display name; a facility without one reads as its kind
    and its provider ("ファーストロス枠（県）")."""
    shown = named(scenario, key, lang)
    if shown != key:
        return shown
    for facility in scenario.facilities:
        if facility.id == key:
            return f"{word(facility.kind.value, lang)} ({named(scenario, facility.provider, lang)})"
    return shown


def _tranche_label(results: RunResults, vid: str, tranche: str, kind: str, lang: str) -> str:
    """A tranche's display name with its kind when the name does not already say it."""
    name = tranche_named(results.scenario, vid, tranche, lang)
    kind_word = word(kind, lang)
    return name if kind_word == name else f"{name} ({kind_word})"


# -- capital stack ------------------------------------------------------------------------
def make_stack(results: RunResults, lang: str, vehicle: str | None = None) -> go.Figure:
    """The stack of one vehicle drawn bottom (first loss) to top (senior)."""
    title = text("fig_stack_short", lang)
    vid = _vehicle(results, vehicle)
    if vid is None:
        return _no_vehicle(title, lang)
    rows = tranche_rows(results.tranches[results.tranches["vehicle"] == vid])
    money = _money(results, [row.notional for row in rows], lang)
    scenario = results.scenario
    vname = named(scenario, vid, lang)
    fig = go.Figure()
    for row in rows:
        name = _tranche_label(results, vid, row.tranche, row.kind, lang)
        label = (f"{name}<br>{holder_name(scenario, row.provider, lang)}<br>"
                 f"{money.format(row.notional, True)} · {text('fig_el_short', lang)} "
                 f"{percent_text(row.expected_loss_pct, 2)}")
        fig.add_trace(go.Bar(x=[wrap(vname, 24)], y=[row.detach - row.attach], name=name,
                             marker_color=TRANCHE_COLORS.get(row.kind, "#777777"),
                             text=[label], textposition="inside", insidetextanchor="middle",
                             hovertemplate=label + "<extra></extra>"))
    fig.update_layout(barmode="stack", showlegend=False)
    fig.update_yaxes(tickformat=".0%", range=[0, 1], title=text("tranches", lang))
    fig.update_xaxes(showticklabels=False)
    return styled(fig, title, lang, subtitle=f"{wrap(vname, 40)}<br>{text('fig_stack_sub', lang)}",
                  legend_rows=0)


def make_loss_distribution(results: RunResults, lang: str, vehicle: str | None = None,
                           bins: int = 120) -> go.Figure:
    """Pool loss distribution (binned) with the tranche boundaries marked."""
    title = text("fig_loss_short", lang)
    vid = _vehicle(results, vehicle)
    if vid is None:
        return _no_vehicle(title, lang)
    dist = results.loss_distributions[vid]
    top = float(max(dist.loss.max(), 1e-9))
    edges = np.linspace(0.0, top, bins + 1)
    mass, _ = np.histogram(dist.loss, bins=edges, weights=dist.prob)
    centers = (edges[:-1] + edges[1:]) / 2
    money = _money(results, [top], lang)
    fig = go.Figure(go.Bar(x=centers / money.divisor, y=mass, marker_color="#4d4d4d",
                           name=text("probability", lang),
                           hovertemplate=f"%{{x:{money_hover(money)}}} {money.label}: "
                                         "%{y:.2%}<extra></extra>"))
    rows = results.tranches[results.tranches["vehicle"] == vid]
    exposure = dist.exposure
    drawn = 0
    for row in tranche_rows(rows):
        x = row.detach * exposure
        if x <= top * 1.05:
            fig.add_vline(x=x / money.divisor, line_dash="dash",
                          line_color=TRANCHE_COLORS.get(row.kind, "#777"),
                          annotation_text=tranche_named(results.scenario, vid, row.tranche, lang),
                          annotation_position="top right" if drawn % 2 == 0 else "top left")
            drawn += 1
    fig.update_xaxes(title=f"{text('pool_loss', lang)} ({money.label})", **money_axis(money))
    fig.update_yaxes(title=text("probability", lang), tickformat=".0%")
    vname = named(results.scenario, vid, lang)
    return styled(fig, title, lang, subtitle=f"{vname} · {text('fig_loss_sub', lang)}",
                  legend_rows=0)


def make_tranche_metrics(results: RunResults, lang: str, vehicle: str | None = None) -> go.Figure:
    """Expected loss (% of notional, over the vehicle's life) and the IRR of each tranche's
    expected cash flows."""
    title = text("fig_tranches", lang)
    vid = _vehicle(results, vehicle)
    if vid is None:
        return _no_vehicle(title, lang)
    rows = results.tranches[results.tranches["vehicle"] == vid]
    labels = [wrap(tranche_named(results.scenario, vid, t, lang), 14) for t in rows["tranche"]]
    loss = rows["expected_loss_pct"].to_numpy(dtype=float)
    ret = rows["expected_return"].to_numpy(dtype=float)
    fig = go.Figure([
        go.Bar(x=labels, y=loss, name=text("expected_loss_pct", lang), marker_color="#b2182b",
               text=[percent_text(v, 2) for v in loss], textposition="outside",
               cliponaxis=False),
        go.Bar(x=labels, y=ret, name=text("expected_return", lang), marker_color="#2166ac",
               text=[percent_text(v, 2) for v in ret], textposition="outside", cliponaxis=False),
    ])
    fig.update_layout(barmode="group")
    values = np.concatenate([loss, ret])
    values = values[np.isfinite(values)]
    low, high = (min(float(values.min()), 0.0), max(float(values.max()), 0.0)) \
        if values.size else (0.0, 0.01)
    pad = 0.18 * max(high - low, 1e-4)  # room for the labels outside the bars
    fig.update_yaxes(tickformat=".1%", range=[low - (pad if low < 0 else 0), high + pad],
                     zeroline=True, zerolinecolor="#888888")
    return styled(fig, title, lang, subtitle=named(results.scenario, vid, lang),
                  lines=tick_lines(labels))


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


def _cash_holder(results: RunResults, vid: str, holder: str, lang: str) -> str:
    """A non-tranche holder of the cash-flow table for the reader: a guarantor is
    ``provider (covered tranche)``, both by their display names."""
    match = re.fullmatch(r"(\S+) \((\S+)\)", holder)
    if match is None:
        return holder_name(results.scenario, holder, lang)
    return (f"{holder_name(results.scenario, match.group(1), lang)} "
            f"({tranche_named(results.scenario, vid, match.group(2), lang)})")


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
        return _no_vehicle(title, lang)
    years = yearly_cashflows(results, vid)
    money = _money(results, years["cash"].abs(), lang)
    d = money.divisor
    fmt = money_hover(money)
    tranches = results.tranches[results.tranches["vehicle"] == vid]
    tolerance = 1e-9 * max(float(tranches["notional"].sum()), 1.0)
    fig = go.Figure()
    parts = "<br>".join(f"{text(key, lang)} %{{customdata[{k}]:{fmt}}}" for k, key in enumerate(
        ("cf_coupons", "cf_principal", "cf_cures", "cf_guarantee", "cf_residual")))
    detail = (f"{text('year', lang)} %{{x}}: %{{y:{fmt}}} {money.label}<br>{parts}"
              "<extra>%{fullData.name}</extra>")
    for row in tranche_rows(tranches):
        part = years[(years["holder_type"] == "tranche") & (years["holder"] == row.tranche)]
        custom = part[["interest", "principal", "loss_cured", "guarantee_received",
                       "residual"]].to_numpy() / d
        fig.add_trace(go.Bar(x=part["year"], y=part["cash"] / d,
                             name=_tranche_label(results, vid, row.tranche, row.kind, lang),
                             marker_color=TRANCHE_COLORS.get(row.kind, "#777777"),
                             customdata=custom, hovertemplate=detail))
    others = (("guarantor", "guarantor_net"), ("manager", "manager_fees"),
              ("vehicle", "vehicle_residual"))
    for holder_type, label in others:
        for holder, part in years[years["holder_type"] == holder_type].groupby("holder", sort=False):
            if np.abs(part["cash"]).max() <= tolerance:
                continue
            name = text(label, lang).format(holder=_cash_holder(results, vid, str(holder), lang))
            fig.add_trace(go.Bar(x=part["year"], y=part["cash"] / d, name=name,
                                 marker_color=HOLDER_COLORS[holder_type],
                                 hovertemplate=f"{text('year', lang)} %{{x}}: %{{y:{fmt}}}"
                                 f" {money.label}<extra>{name}</extra>"))
    pool = years[years["holder_type"] == "pool"]
    fig.add_trace(go.Scatter(x=pool["year"], y=pool["cash"] / d, mode="lines+markers",
                             name=text("pool_collections", lang),
                             line={"color": HOLDER_COLORS["pool"], "width": 2, "dash": "dot"},
                             hovertemplate=f"{text('year', lang)} %{{x}}: %{{y:{fmt}}} "
                             f"{money.label}<extra>{text('pool_collections', lang)}</extra>"))
    fig.update_layout(barmode="relative")
    fig.update_xaxes(title=text("year", lang), dtick=1)
    fig.update_yaxes(title=f"{text('expected_cash', lang)} ({money.label})",
                     zeroline=True, zerolinecolor="#888888", **money_axis(money))
    return styled(fig, title, lang, subtitle=named(results.scenario, vid, lang))


BAND_WIDTH = 0.3  # of a category's width


def make_irr_bands(results: RunResults, lang: str, vehicle: str | None = None) -> go.Figure:
    """Each tranche's IRR over the simulated paths: the P10-P90 band, the median and the
    mean, and the hurdle (with the probability of meeting it) where the tranche has one.

    Grants have no IRR and are left out.
    """
    title = text("fig_irr_short", lang)
    vid = _vehicle(results, vehicle)
    if vid is None:
        return _no_vehicle(title, lang)
    rows = results.tranches[results.tranches["vehicle"] == vid]
    rows = rows[rows["irr_p10"].notna() & rows["irr_p90"].notna()]
    if rows.empty:
        return empty_figure(title, text("fig_hint_no_irr", lang), lang)
    labels = []
    for row in tranche_rows(rows):
        name = tranche_named(results.scenario, vid, row.tranche, lang)
        kind = word(row.kind, lang)
        label = wrap(name, 16) + ("" if kind == name else f"<br>{kind}")
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
                           text=f"{text('irr_mean', lang)} {percent_text(mean, 2)}",
                           font={"size": 12})
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
    subtitle = f"{named(results.scenario, vid, lang)} · {text('fig_irr_sub', lang)}"
    return styled(fig, title, lang, subtitle=subtitle, lines=tick_lines(labels))


# -- bundle --------------------------------------------------------------------------------
def make_gap_heatmap(results: RunResults, lang: str) -> go.Figure:
    """Total funding gap over the years by stage (rows) and issue (columns)."""
    title = text("fig_gap_heatmap", lang)
    if results.bundle is None:
        return _no_bundle(title, lang)
    # fillna(0.0) rather than unstack(fill_value=0.0), whose type pandas-stubs gives as
    # int | str: the same table, as only cells no row reaches are NaN (a sum never is)
    gaps = results.gaps.groupby(["stage", "issue"])["total_gap"].sum().unstack().fillna(0.0)
    stages = [s for s in PIPELINE if s in gaps.index]
    gaps = gaps.loc[stages]
    grid = gaps.to_numpy(dtype=float)
    money = _money(results, grid.ravel(), lang)  # one unit for the cells and the colour bar
    issues = [wrap(word(c, lang), 10) for c in gaps.columns]
    fig = go.Figure(go.Heatmap(
        z=grid / money.divisor, x=issues, y=[word(s, lang) for s in gaps.index],
        colorscale="Reds", text=[[money.format(v) for v in row] for row in grid],
        texttemplate="%{text}",
        hovertemplate=f"%{{y}} × %{{x}}: %{{text}} {money.label}<extra></extra>",
        colorbar={"title": {"text": money.label}, **money_axis(money)}))
    fig.update_yaxes(title=text("stage", lang), autorange="reversed")
    fig.update_xaxes(title=text("issue", lang), tickangle=0)
    return styled(fig, title, lang, subtitle=text("fig_unit", lang).format(unit=money.label),
                  legend_rows=0, lines=tick_lines(issues))


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
        return _no_bundle(title, lang)
    years = results.bundle.gap_years
    x = years["year"]
    cycle = has_credit_cycle(results)
    series = ("total_gap", "total_gap_p10", "total_gap_p90", "direct_gap", "potential_demand",
              "demand")
    money = _money(results, np.concatenate([years[c].to_numpy(dtype=float) for c in series]),
                   lang)
    d, fmt, unit = money.divisor, money_hover(money), money.label
    if cycle:
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.66, 0.34],
                            vertical_spacing=0.13, specs=[[{}], [{"secondary_y": True}]],
                            subplot_titles=("", text("credit_cycle", lang)))
        title = text("fig_gap_years_cycle", lang)
    else:
        fig = make_subplots(rows=1, cols=1)
    amount_hover = (f"{text('year', lang)} %{{x}}: %{{y:{fmt}}} {unit}"
                    "<extra>%{fullData.name}</extra>")
    band = (f"{text('year', lang)} %{{x}}: P10 %{{customdata[0]:{fmt}}} – P90 "
            f"%{{customdata[1]:{fmt}}} {unit}<extra>{text('legend_gap_band', lang)}</extra>")
    gap = [
        go.Scatter(x=x, y=years["total_gap_p90"] / d, mode="lines", line={"width": 0},
                   showlegend=False, hoverinfo="skip"),
        go.Scatter(x=x, y=years["total_gap_p10"] / d, mode="lines", fill="tonexty",
                   line={"width": 0}, fillcolor="rgba(178,24,43,0.2)",
                   name=text("legend_gap_band", lang), legendrank=2,
                   customdata=np.stack([years["total_gap_p10"] / d,
                                        years["total_gap_p90"] / d], axis=1),
                   hovertemplate=band),
        go.Scatter(x=x, y=years["total_gap"] / d,
                   line={"color": GAP_COLORS["total_gap"], "width": 3},
                   name=text("legend_total_gap", lang), legendrank=1, hovertemplate=amount_hover),
        go.Scatter(x=x, y=years["direct_gap"] / d,
                   line={"color": GAP_COLORS["direct_gap"], "width": 2},
                   name=text("legend_direct_gap", lang), legendrank=3, hovertemplate=amount_hover),
        go.Scatter(x=x, y=years["potential_demand"] / d,
                   line={"color": GAP_COLORS["demand"], "dash": "dash"},
                   name=text("legend_potential", lang), legendrank=4, hovertemplate=amount_hover),
        go.Scatter(x=x, y=years["demand"] / d, line={"color": GAP_COLORS["demand"], "dash": "dot"},
                   name=text("legend_demand", lang), legendrank=5, hovertemplate=amount_hover),
    ]
    for trace in gap:
        fig.add_trace(trace, row=1, col=1)
    fig.update_yaxes(title=unit, row=1, col=1, rangemode="tozero", **money_axis(money))
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
    entries = 7 if cycle else 5
    styled(fig, title, lang, subtitle=text("gap_definition", lang),
           legend_rows=(entries + 1) // 2)
    # Two columns of legend entries: seven long entries in one row each would squeeze the plot.
    fig.update_layout(legend={"entrywidth": 0.5, "entrywidthmode": "fraction",
                              "font": {"size": 12}, "traceorder": "normal"})
    return fig


def make_handoffs(results: RunResults, lang: str) -> go.Figure:
    """At each stage transition: the firms that graduated (with the share funded at the
    next stage) and, beside them, the firms (or exits) lost at that break: those that would
    have graduated had every round been funded (``graduates_lost``). Transitions no firm
    reaches are left out. Counts are means over the replications, shown as whole firms."""
    title = text("fig_handoffs", lang)
    if results.bundle is None:
        return _no_bundle(title, lang)
    h = results.handoffs
    lost_column = h["graduates_lost"] if "graduates_lost" in h else pd.Series(0.0, index=h.index)
    # A transition no firm reaches, in the run or had every round been funded, says nothing.
    h = h[(h["graduates"].abs() + lost_column.abs()) > 1e-9]
    labels = [f"{word(a, lang)} → {word(b, lang)}" for a, b in zip(h["from_stage"], h["to_stage"],
                                                                     strict=True)]
    share = [("" if np.isnan(v) else f"{v:.0%}") for v in h["share_funded"]]
    colors = [STAGE_COLORS.get(s, "#777") for s in h["to_stage"]]
    lost = lost_column.loc[h.index].to_numpy(dtype=float)
    graduates = h["graduates"].to_numpy(dtype=float)
    fig = go.Figure([
        go.Bar(x=labels, y=graduates, name=text("graduates", lang), marker_color=colors,
               text=share, textposition="outside", cliponaxis=False,
               customdata=[count_text(float(v)) for v in graduates],
               hovertemplate="%{x}: %{customdata}<br>" + text("share_funded", lang)
               + " %{text}<extra>" + text("graduates", lang) + "</extra>"),
        go.Bar(x=labels, y=lost, name=text("graduates_lost", lang),
               marker={"color": "#ffffff", "line": {"color": colors, "width": 1.5},
                       "pattern": {"shape": "/", "fgcolor": colors, "solidity": 0.35}},
               text=[count_text(float(v)) for v in lost], textposition="outside", cliponaxis=False,
               hovertemplate="%{x}: %{text}<extra>" + text("graduates_lost", lang) + "</extra>"),
    ])
    top = float(np.nanmax(np.concatenate([graduates, lost]))) if len(labels) else 1.0
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.08)
    fig.update_yaxes(title=text("fig_firms", lang), range=[0, top * 1.15 + 1e-9],
                     tickformat=",d")
    return styled(fig, title, lang, subtitle=text("share_funded_note", lang), legend_rows=1)


def make_sankey(results: RunResults, lang: str) -> go.Figure:
    """Money from providers (and facilities) to stages, then to issues."""
    title = text("fig_sankey", lang)
    if results.bundle is None:
        return _no_bundle(title, lang)
    if results.bundle.flows.empty:
        return empty_figure(title, text("fig_hint_no_flows", lang), lang)
    flows = results.bundle.flows
    sources = list(dict.fromkeys(flows["origin"]))
    stages = [s for s in PIPELINE if s in set(flows["stage"])]
    issues = list(dict.fromkeys(flows["issue"]))
    labels = ([holder_name(results.scenario, str(s), lang) for s in sources]
              + [word(s, lang) for s in stages] + [word(i, lang) for i in issues])
    index = {name: k for k, name in enumerate(sources)}
    stage_at = {s: len(sources) + k for k, s in enumerate(stages)}
    issue_at = {i: len(sources) + len(stages) + k for k, i in enumerate(issues)}
    first = flows.groupby(["origin", "stage"], as_index=False)["amount"].sum()
    second = flows[flows["origin_kind"] == "provider"].groupby(
        ["stage", "issue"], as_index=False)["amount"].sum()
    money = _money(results, flows.groupby("origin")["amount"].sum(), lang)
    colors = ([("#1b9e77" if k == "provider" else "#7570b3") for k in
               flows.drop_duplicates("origin")["origin_kind"]]
              + [STAGE_COLORS[s] for s in stages] + ["#bbbbbb"] * len(issues))
    fig = go.Figure(go.Sankey(
        valueformat=money_hover(money), valuesuffix=f" {money.label}",
        node={"label": labels, "color": colors, "pad": 14},
        link={"source": [index[o] for o in first["origin"]] + [stage_at[s] for s in second["stage"]],
              "target": [stage_at[s] for s in first["stage"]] + [issue_at[i] for i in second["issue"]],
              "value": [v / money.divisor for v in list(first["amount"]) + list(second["amount"])]}))
    return styled(fig, title, lang, subtitle=text("fig_unit", lang).format(unit=money.label),
                  legend_rows=0)


def make_coverage(results: RunResults, lang: str) -> go.Figure:
    """Number of providers able to lend in each stage x issue cell; holes and overlaps."""
    title = text("fig_coverage", lang)
    if results.bundle is None:
        return _no_bundle(title, lang)
    cov = results.coverage
    grid = cov.pivot(index="stage", columns="issue", values="n_providers")
    grid = grid.loc[[s for s in PIPELINE if s in grid.index]]
    marks = cov.set_index(["stage", "issue"])
    labels = [[("✕ " + text("hole", lang) if marks.loc[(s, i), "hole"] and marks.loc[(s, i), "reached"]
                else ("＋ " + text("overlap", lang) if marks.loc[(s, i), "overlap"] else str(int(v))))
               for i, v in zip(grid.columns, row, strict=True)]
              for s, row in zip(grid.index, grid.to_numpy(), strict=True)]
    issues = [wrap(word(c, lang), 10) for c in grid.columns]
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=issues,
                               y=[word(s, lang) for s in grid.index], text=labels,
                               texttemplate="%{text}", colorscale="Blues",
                               hovertemplate="%{y} × %{x}: %{z:d}<extra></extra>",
                               colorbar={"title": {"text": text("providers_count", lang)},
                                         "dtick": 1, "tickformat": "d"}))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=0)
    return styled(fig, title, lang, legend_rows=0, lines=tick_lines(issues))


# -- portfolios and impact ------------------------------------------------------------------
def make_portfolio_comparison(results: RunResults, lang: str) -> go.Figure:
    """Firm by firm vs core-issue driven on impact, money and risk."""
    title = text("fig_portfolios", lang)
    if results.portfolios is None:
        return _no_portfolio(title, lang)
    s = results.portfolios.summary.set_index("portfolio")
    money = _money(results, np.concatenate([s[c].to_numpy(dtype=float) for c in
                                            ("money", "public_money", "expected_loss")]), lang)
    impact_x = [wrap(text(k, lang), 14) for k in ("core_impact", "spillover_impact")]
    money_x = [wrap(text(k, lang), 14) for k in ("money", "public_money", "expected_loss")]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14, subplot_titles=(
        text("fig_impact_score", lang), f"{text('money', lang)} ({money.label})"))
    for name in s.index:
        color = PORTFOLIO_COLORS.get(str(name), "#777")
        fig.add_trace(go.Bar(x=impact_x,
                             y=[s.loc[name, "core_impact"], s.loc[name, "spillover_impact"]],
                             name=text(str(name), lang), marker_color=color,
                             legendgroup=str(name),
                             hovertemplate="%{x}: %{y:,.1f}<extra>%{fullData.name}</extra>"), 1, 1)
        fig.add_trace(go.Bar(x=money_x,
                             y=[s.loc[name, c] / money.divisor for c in
                                ("money", "public_money", "expected_loss")],
                             name=text(str(name), lang), marker_color=color,
                             legendgroup=str(name), showlegend=False,
                             hovertemplate=f"%{{x}}: %{{y:{money_hover(money)}}} {money.label}"
                                           "<extra>%{fullData.name}</extra>"), 1, 2)
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickangle=0)
    fig.update_yaxes(**money_axis(money), row=1, col=2)
    return styled(fig, title, lang, legend_rows=1, lines=tick_lines(impact_x + money_x))


def make_frontier(results: RunResults, lang: str) -> go.Figure:
    """Best core-issue impact at each expected-loss limit, with both portfolios marked."""
    title = text("fig_frontier", lang)
    if results.portfolios is None:
        return _no_portfolio(title, lang)
    f = results.portfolios.frontier
    s = results.portfolios.summary
    fig = go.Figure(go.Scatter(x=f["max_expected_loss"], y=f["core_impact"], mode="lines+markers",
                               line={"color": PORTFOLIO_COLORS["core_issue"]},
                               name=text("fig_frontier", lang),
                               hovertemplate="%{x:.1%}: %{y:,.1f}<extra></extra>"))
    for row in portfolio_rows(s):
        fig.add_trace(go.Scatter(x=[row.expected_loss_rate], y=[row.core_impact], mode="markers",
                                 marker={"size": 14, "color": PORTFOLIO_COLORS.get(row.portfolio)},
                                 name=text(row.portfolio, lang),
                                 hovertemplate="%{x:.1%}: %{y:,.1f}<extra>%{fullData.name}"
                                               "</extra>"))
    fig.update_xaxes(title=text("max_expected_loss", lang), tickformat=".0%")
    fig.update_yaxes(title=text("core_impact", lang))
    return styled(fig, title, lang, legend_rows=1)


def make_case_map(results: RunResults, lang: str) -> go.Figure:
    """Money by issue x finance method, one panel per portfolio."""
    title = text("fig_case_map", lang)
    if results.portfolios is None:
        return _no_portfolio(title, lang)
    cm = results.portfolios.case_map
    names = list(dict.fromkeys(cm["portfolio"]))
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[text(n, lang) for n in names],
                        shared_yaxes=True, horizontal_spacing=0.06)
    issues = sorted(set(cm["issue"]))
    methods = sorted(set(cm["method"]))
    grids = [(cm[cm["portfolio"] == name].pivot_table(index="issue", columns="method",
                                                      values="money", aggfunc="sum")
              .reindex(index=issues, columns=methods).fillna(0.0)).to_numpy(dtype=float)
             for name in names]
    money = _money(results, np.concatenate([g.ravel() for g in grids]) if grids else [], lang)
    x = [wrap(word(m, lang), 12) for m in methods]
    for k, grid in enumerate(grids, start=1):
        fig.add_trace(go.Heatmap(z=grid / money.divisor, x=x,
                                 y=[word(i, lang) for i in issues], coloraxis="coloraxis",
                                 text=[[money.format(v) if v else "" for v in r] for r in grid],
                                 texttemplate="%{text}",
                                 hovertemplate=f"%{{y}} × %{{x}}: %{{z:{money_hover(money)}}} "
                                               f"{money.label}<extra></extra>"), 1, k)
    fig.update_layout(coloraxis={"colorscale": "Oranges",
                                 "colorbar": {"title": {"text": money.label},
                                              **money_axis(money)}})
    fig.update_xaxes(tickangle=0)
    return styled(fig, title, lang, subtitle=text("fig_unit", lang).format(unit=money.label),
                  legend_rows=0, lines=tick_lines(x))


def make_kpi_dashboard(results: RunResults, lang: str) -> go.Figure:
    """Each KPI: plan and value over the years, for both portfolios."""
    title = text("fig_kpis", lang)
    if results.portfolios is None:
        return _no_portfolio(title, lang)
    if results.portfolios.kpis.empty:
        return empty_figure(title, text("fig_hint_no_kpis", lang), lang)
    k = results.portfolios.kpis
    kpis = list(dict.fromkeys(k["kpi"]))
    cols = min(3, len(kpis))
    rows = int(np.ceil(len(kpis) / cols))
    last = k[k["portfolio"] == "core_issue"].sort_values("year").groupby("kpi").tail(1)
    attained = dict(zip(last["kpi"], last["attainment"], strict=True))
    names = {r.kpi: f"{wrap(r.name(lang), 34)} ({unit_word(r.unit, lang)})<br>"
             f"{text('attainment', lang)}: {percent_text(attained.get(r.kpi, float('nan')), 0)}"
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
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(tickformat=",~f")
    fig.update_layout(height=320 * rows)
    return styled(fig, title, lang, legend_rows=1)


def make_logic_model(results: RunResults, lang: str) -> go.Figure:
    """The logic model as a graph: activities -> outputs -> outcomes -> impact.

    Labels are the nodes' display names, wrapped to the column's width; the figure grows
    with the tallest column so labels do not overlap."""
    title = text("fig_logic", lang)
    model = results.scenario.logic_model
    if model is None:
        return _no_portfolio(title, lang)
    columns: dict[str, list[str]] = {}
    for node in model.nodes:
        columns.setdefault(node.level, []).append(node.id)
    tallest = max((len(ids) for ids in columns.values()), default=1)
    pos = {}
    for level, ids in columns.items():
        for k, nid in enumerate(ids):
            pos[nid] = (LEVEL_X[level], 1 - (k + 0.5) / len(ids))
    fig = go.Figure()
    for link in model.links:
        (x0, y0), (x1, y1) = pos[link.source], pos[link.target]
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowwidth=1 + 2 * link.weight,
                           arrowcolor="#bbbbbb", standoff=12, startstandoff=12)
    holes = set()
    if results.portfolios is not None:
        h = results.portfolios.holes
        holes = set(h.loc[h["status"].str.startswith("hole"), "node"])
    nodes = {n.id: n for n in model.nodes}
    width = 20 if lang == "ja" else 22
    labels = [wrap(node_label(nodes[n], lang), width) for n in pos]
    fig.add_trace(go.Scatter(
        x=[pos[n][0] for n in pos], y=[pos[n][1] for n in pos], mode="markers+text",
        text=labels, textposition="bottom center", textfont={"size": 11},
        marker={"size": 16, "color": ["#b2182b" if n in holes else "#d95f02" for n in pos],
                "line": {"color": "#ffffff", "width": 1}},
        hovertext=[", ".join(nodes[n].indicators) for n in pos], hoverinfo="text",
        showlegend=False, cliponaxis=False))
    fig.update_xaxes(tickvals=list(LEVEL_X.values()), ticktext=[word(k, lang) for k in LEVEL_X],
                     range=[-0.55, 3.55], side="top", showgrid=False, zeroline=False)
    fig.update_yaxes(visible=False, range=[-0.08, 1.02])
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    fig.update_layout(height=max(460, 70 + tallest * (42 + 15 * lines)))
    return styled(fig, title, lang, legend_rows=0)


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

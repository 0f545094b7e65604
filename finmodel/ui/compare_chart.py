"""The compare chart: runs side by side on the figures that differ between them.

A vehicle's pool loss is the same whoever holds which slice of it, so adding the
tranches' (or vehicles') expected losses of a run into one bar says nothing about the
structure, and in a sweep of the first-loss size it does not move at all. What a lender
compares is the senior (top) tranche: one bar per vehicle and run, its expected loss as a
share of its notional, one colour per vehicle. A bundle's total funding gap (mean, with
its P10-P90 range) goes in a second panel, in one money unit; a run with neither says so.

``make_compare`` draws runs the app has in memory; ``make_compare_batch`` draws the runs
of a batch results folder (its ``tranches`` and ``bundle_summary`` tables), so a sweep's
runs are compared on the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from finmodel.headlines import bundle_headline, vehicle_headlines
from finmodel.names import named, scenario_title, tranche_named
from finmodel.ui.chart_style import empty_figure, money_axis, percent_text, styled, tick_lines, wrap
from finmodel.ui.i18n import TEXT, money_unit, text, word

if TYPE_CHECKING:
    import pandas as pd

    from finmodel.results import RunResults
    from finmodel.scenario.model import Scenario

#: One colour per vehicle (in the order vehicles first appear), then around again.
VEHICLE_COLORS = ("#2166ac", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e",
                  "#a6761d", "#666666")
GAP_COLOR = "#b2182b"
#: Swept settings shown as percentages (the rest as plain numbers).
SHARES = {"size", "rate", "cap", "share", "coupon", "market_coupon", "hurdle_return"}


@dataclass(frozen=True, slots=True)
class SeniorFigure:
    """A vehicle's senior tranche in one run (rates as fractions, money in the unit)."""

    vehicle: str  # display name
    tranche: str  # display name
    expected_loss_pct: float
    public_expected_cost: float  # NaN: not known (batch tables hold it per vehicle)


@dataclass(frozen=True, slots=True)
class CompareRun:
    """What the compare chart shows of one run."""

    label: str
    seniors: tuple[SeniorFigure, ...]
    gap: tuple[float, float, float] | None  # mean, P10, P90; None: no bundle
    unit: str  # the scenario's money unit


def run_from_results(label: str, results: RunResults, lang: str) -> CompareRun:
    """A run the app holds, read through the headline records."""
    scenario = results.scenario
    seniors = tuple(
        SeniorFigure(named(scenario, v.vehicle, lang),
                     tranche_named(scenario, v.vehicle, v.senior.tranche, lang),
                     v.senior.expected_loss_pct, v.public_expected_cost)
        for v in vehicle_headlines(results))
    b = bundle_headline(results)
    gap = None if b is None else (b.total_gap, b.total_gap_p10, b.total_gap_p90)
    return CompareRun(label, seniors, gap, scenario.unit)


def _unique_labels(labels: list[str], fallbacks: list[str]) -> list[str]:
    """``labels``, with the fallback added to any that is not unique."""
    return [label if labels.count(label) == 1 else f"{label} ({fallback})"
            for label, fallback in zip(labels, fallbacks, strict=True)]


def make_compare(named_results: list[tuple[str, RunResults]], lang: str) -> go.Figure:
    """Several runs side by side: each vehicle's senior tranche expected loss, and each
    bundle's total funding gap (``named_results``: (name, results) pairs, the name shown
    only where two runs share a scenario title)."""
    titles = [scenario_title(r.scenario, lang) for _, r in named_results]
    labels = _unique_labels(titles, [Path(name).stem for name, _ in named_results])
    labels = [wrap(label, 24) for label in labels]
    runs = [run_from_results(label, r, lang)
            for label, (_, r) in zip(labels, named_results, strict=True)]
    return compare_figure(runs, lang)


def _parameter_label(path: str, value: object, scenario: Scenario | None, lang: str) -> str:
    """A swept setting for the reader: ``vehicles.fund.tranches.first_loss.size`` = 0.05
    reads "ファーストロス 比率 5%" (the display name of the thing it belongs to, the
    setting's word, the value)."""
    parts = path.removeprefix("swept.").split(".")
    leaf = parts[-1]
    key = f"fig_param_{leaf}"
    setting = text(key, lang) if key in TEXT else leaf.replace("_", " ")
    owner = ""
    if scenario is None and "tranches" in parts and parts.index("tranches") + 1 < len(parts) - 1:
        owner = word(parts[parts.index("tranches") + 1], lang)
    if scenario is not None and len(parts) >= 3:
        if "tranches" in parts and parts.index("tranches") + 1 < len(parts) - 1:
            k = parts.index("tranches")
            owner = tranche_named(scenario, parts[k - 1], parts[k + 1], lang)
        elif parts[0] in ("vehicles", "providers", "facilities") and len(parts) >= 3:
            owner = named(scenario, parts[1], lang)
    if isinstance(value, float) and math.isfinite(value) and leaf in SHARES:
        shown = f"{value * 100:g}%"
    elif isinstance(value, float) and math.isfinite(value):
        shown = f"{value:,g}"
    else:
        shown = str(value)
    sep = "" if lang == "ja" else " "
    return f"{owner}{sep}{setting} {shown}" if owner else f"{setting} {shown}"


def make_compare_batch(tables: Mapping[str, pd.DataFrame], lang: str,
                       scenarios: Mapping[str, Scenario] | None = None) -> go.Figure:
    """The runs of a batch results folder side by side, as :func:`make_compare` draws
    runs in memory: each vehicle's senior (last) tranche and each bundle's total gap.

    Args:
        tables: the folder's tables by kind (``read_store``); ``tranches`` and
            ``bundle_summary`` are read, keyed by ``run_id`` and ``source``.
        lang: ``en`` or ``ja``.
        scenarios: the scenarios by ``source`` (for display names and the money unit);
            without one, ids are shown and amounts are taken as ``JPY_million``.
    """
    scenarios = scenarios or {}
    tranches = tables.get("tranches")
    summary = tables.get("bundle_summary")
    frames = [f for f in (tranches, summary) if f is not None and not f.empty]
    if not frames:
        return empty_figure(text("fig_compare", lang), text("fig_cmp_nothing", lang), lang)
    order: dict[str, str] = {}  # run_id -> source, in order of appearance
    for frame in frames:
        for run_id, source in zip(frame["run_id"], frame["source"], strict=True):
            order.setdefault(str(run_id), str(source))
    per_source: dict[str, list[str]] = {}
    for run_id, source in order.items():
        per_source.setdefault(source, []).append(run_id)
    runs = []
    for run_id, source in order.items():
        scenario = scenarios.get(source)
        title = scenario_title(scenario, lang) if scenario is not None else Path(source).stem
        label = wrap(title, 24)
        seniors: list[SeniorFigure] = []
        if tranches is not None and not tranches.empty:
            own = tranches[tranches["run_id"] == run_id]
            params = [c for c in own.columns if "." in c and own[c].notna().any()]
            if len(per_source[source]) > 1:
                number = per_source[source].index(run_id) + 1
                label += f" {text('fig_run', lang).format(n=number)}"
                if params and len(own):
                    first = own.iloc[0]
                    label += "<br>" + "<br>".join(
                        _parameter_label(c, first[c], scenario, lang) for c in params)
            for vehicle, part in own.groupby("vehicle", sort=False):
                top = part.iloc[-1]  # tranches run bottom to top
                vid = str(vehicle)
                seniors.append(SeniorFigure(
                    named(scenario, vid, lang) if scenario is not None else vid,
                    tranche_named(scenario, vid, str(top["tranche"]), lang)
                    if scenario is not None else word(str(top["tranche"]), lang),
                    float(top["expected_loss_pct"]), float("nan")))
        gap = None
        if summary is not None and not summary.empty:
            row = summary[summary["run_id"] == run_id]
            if len(row):
                r = row.iloc[0]
                gap = (float(r["total_gap"]), float(r["total_gap_p10"]), float(r["total_gap_p90"]))
        unit = scenario.unit if scenario is not None else "JPY_million"
        runs.append(CompareRun(label, tuple(seniors), gap, unit))
    return compare_figure(runs, lang)


def compare_figure(runs: list[CompareRun], lang: str) -> go.Figure:
    """The compare chart of ``runs``: a panel of senior expected losses (one bar per
    vehicle, grouped by run) and a panel of total funding gaps, each only when some run
    has it; runs without a part are marked in its panel."""
    title = text("fig_compare", lang)
    if not runs:
        return empty_figure(title, text("fig_waiting_compare", lang), lang)
    stacks = any(r.seniors for r in runs)
    bundles = any(r.gap is not None for r in runs)
    neither = [r.label.split("<br>")[0] for r in runs if not r.seniors and r.gap is None]
    if not stacks and not bundles:
        return empty_figure(title, text("fig_cmp_nothing", lang), lang)
    money = money_unit([v for r in runs if r.gap is not None for v in r.gap],
                       runs[0].unit, lang)
    panels = [p for p, has in (("stack", stacks), ("bundle", bundles)) if has]
    panel_titles = {"stack": text("fig_cmp_senior", lang),
                    "bundle": text("fig_cmp_gap", lang).format(unit=money.label)}
    fig = make_subplots(rows=len(panels), cols=1, vertical_spacing=0.3,
                        subplot_titles=[panel_titles[p] for p in panels])
    x = [r.label for r in runs]
    row_of = {p: k for k, p in enumerate(panels, start=1)}
    if stacks:
        # one category per (run, vehicle) that exists: no empty slots for vehicles a run
        # does not have, as grouped bars would leave
        vehicles = list(dict.fromkeys(s.vehicle for r in runs for s in r.seniors))
        outer = [r.label for r in runs for _ in (r.seniors or [None])]
        inner = [wrap(s.vehicle, 16) if s is not None else " " for r in runs
                 for s in (r.seniors or [None])]
        for k, vehicle in enumerate(vehicles):
            at = [(r.label, wrap(s.vehicle, 16), s) for r in runs for s in r.seniors
                  if s.vehicle == vehicle]
            y = [s.expected_loss_pct for _, _, s in at]
            fig.add_trace(go.Bar(
                x=[[a for a, _, _ in at], [b for _, b, _ in at]], y=y, name=vehicle,
                marker_color=VEHICLE_COLORS[k % len(VEHICLE_COLORS)],
                text=[percent_text(v, 2) for v in y], textposition="outside", cliponaxis=False,
                legendgroup=vehicle, customdata=[s.tranche for _, _, s in at],
                hovertemplate="%{x}<br>%{customdata}: %{y:.2%}<extra>%{fullData.name}</extra>"),
                row=row_of["stack"], col=1)
        top = max((s.expected_loss_pct for r in runs for s in r.seniors
                   if math.isfinite(s.expected_loss_pct)), default=0.0)
        fig.update_yaxes(tickformat=".2%", range=[0, max(top, 1e-4) * 1.3],
                         row=row_of["stack"], col=1)
        fig.update_xaxes(type="multicategory", categoryorder="array",
                         categoryarray=[list(outer), list(inner)], row=row_of["stack"], col=1)
        for label in (r.label for r in runs if not r.seniors):
            # placed by position: a multicategory axis takes an index
            fig.add_annotation(x=outer.index(label), y=0, yanchor="bottom", showarrow=False,
                               text=text("fig_cmp_no_stack", lang), font={"color": "#777777"},
                               row=row_of["stack"], col=1)
    if bundles:
        gaps = [r.gap for r in runs]
        mean = np.array([g[0] if g is not None else np.nan for g in gaps]) / money.divisor
        p10 = np.array([g[1] if g is not None else np.nan for g in gaps]) / money.divisor
        p90 = np.array([g[2] if g is not None else np.nan for g in gaps]) / money.divisor
        fig.add_trace(go.Bar(
            x=x, y=[None if np.isnan(v) else v for v in mean], name=text("total_gap", lang),
            marker_color=GAP_COLOR,
            error_y={"type": "data", "symmetric": False, "color": "#444444",
                     "array": np.nan_to_num(p90 - mean), "arrayminus": np.nan_to_num(mean - p10)},
            text=[money.format(g[0]) if g is not None else "" for g in gaps],
            textposition="inside", insidetextanchor="start",
            customdata=np.stack([p10, p90], axis=1),
            hovertemplate=f"%{{x}}: %{{y:,.{money.decimals}f}} {money.label} (P10 "
                          f"%{{customdata[0]:,.{money.decimals}f}} – P90 "
                          f"%{{customdata[1]:,.{money.decimals}f}})<extra></extra>"),
            row=row_of["bundle"], col=1)
        fig.update_yaxes(title=money.label, rangemode="tozero", **money_axis(money),
                         row=row_of["bundle"], col=1)
        for label in (r.label for r in runs if r.gap is None):
            fig.add_annotation(x=label, y=0, yanchor="bottom", showarrow=False,
                               text=text("fig_cmp_no_bundle", lang), font={"color": "#777777"},
                               row=row_of["bundle"], col=1)
    fig.update_layout(barmode="relative", bargap=0.25, height=300 + 220 * len(panels))
    if bundles:
        fig.update_xaxes(categoryorder="array", categoryarray=x, row=row_of["bundle"], col=1)
    fig.update_xaxes(tickangle=0)
    subtitle = text("fig_cmp_sub", lang)
    if neither:
        subtitle += "<br>" + text("fig_cmp_neither", lang).format(runs="、".join(neither)
                                                                  if lang == "ja"
                                                                  else ", ".join(neither))
    return styled(fig, title, lang, subtitle=wrap(subtitle, 110), lines=tick_lines(x))

"""The board paper: what a board reads first, then the charts with captions, as A4 PDF.

The first page(s) hold the title, the executive summary (sentences generated from the
results: :mod:`finmodel.ui.paper_summary`), the key assumptions (what the scenario is, its
vehicles, tranches, providers, facilities, the policy shock, the budget; not the seed: the
scenario hash in every footer identifies the run) and the headline numbers, each table in one money unit
(:func:`finmodel.ui.i18n.money_unit`), named by display names. Then come the charts, two
to an A4 page, each with a caption that says what it shows and how to read it; charts of
one vehicle are drawn for every vehicle, after two that compare all vehicles. Every page
carries the date, the author (when given), finmodel's version, the scenario's hash and
"page n / N".

Pages are plotly figures drawn by one Chromium (:class:`finmodel.ui.renderer.Renderer`):
a chart page is an A4 background (header, captions, footer) with two charts laid onto it
by pypdf, so a chart in the paper is the chart on screen. The text layer is then fixed
(:mod:`finmodel.ui.pdf_text`) so that a search finds 資金 and 民間.
"""

from __future__ import annotations

import datetime
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from unicodedata import east_asian_width

import plotly.graph_objects as go

from finmodel.compiled import scenario_hash
from finmodel.headlines import (
    TrancheHeadline,
    VehicleHeadline,
    bundle_headline,
    portfolio_headlines,
    vehicle_headlines,
)
from finmodel.names import (
    display_name,
    named,
    region_name,
    scenario_description,
    scenario_title,
    tranche_name,
    tranche_named,
)
from finmodel.results import RunResults
from finmodel.ui.figures import FIGURES, FONT, available_figures
from finmodel.ui.i18n import MoneyUnit, amount, money_unit, percent, text, unit_label, word
from finmodel.ui.renderer import Renderer

A4 = (794, 1123)  # pixels at 96 dpi: 210 x 297 mm
PT_PER_PX = 0.75  # PDF points (1/72 in) per CSS pixel (1/96 in)

#: Below this (in the scenario's unit) a concession's transfer is not shown.
SUBSIDY_SHOWN = 1e-6

#: Figures drawn once per vehicle (the stack is drawn once, for all vehicles).
PER_VEHICLE = ("cashflows", "irr_bands", "loss_distribution", "tranche_metrics")


@dataclass(frozen=True)
class PaperInfo:
    """What every page prints in its footer."""

    date: str
    author: str
    version: str
    scenario_hash: str  # the first 12 hex digits

    @classmethod
    def of(cls, results: RunResults, author: str = "",
           date: datetime.date | None = None) -> PaperInfo:
        from finmodel import __version__

        return cls(date=(date or datetime.date.today()).isoformat(), author=author.strip(),
                   version=__version__, scenario_hash=scenario_hash(results.scenario)[:12])

    def footer(self, lang: str) -> str:
        parts = [self.date]
        if self.author:
            parts.append(f"{text('pap_author', lang)}: {self.author}")
        parts += [f"finmodel {self.version}", text("pap_hash", lang).format(hash=self.scenario_hash)]
        return " · ".join(parts)


# -- money and text helpers ----------------------------------------------------------------
def subsidy_text(vehicle: VehicleHeadline, unit: str, lang: str) -> str:
    """What a concession transfers to private investors (PV), and what the conceding
    tranche gives up when that differs (part of it stays in the vehicle or is lost)."""
    to_private, given = vehicle.subsidy_to_private, vehicle.subsidy
    shown = amount(to_private, unit, lang)
    if abs(given - to_private) > 0.01 * max(abs(given), SUBSIDY_SHOWN):
        shown += f" ({text('subsidy_given', lang)} {amount(given, unit, lang)})"
    return shown


def irr_band_text(tranche: TrancheHeadline) -> str:
    """A tranche's IRR band as "P10 / P50 / P90 (mean)"."""
    return (f"{percent(tranche.irr_p10)} / {percent(tranche.irr_p50)} / "
            f"{percent(tranche.irr_p90)} ({percent(tranche.irr_mean)})")


def ratio_text(ratio: float) -> str:
    """A mobilisation ratio, "-" when there is none (NaN: no public money)."""
    return "-" if math.isnan(ratio) else f"{ratio:.2f}"


def hurdle_label(tranche: TrancheHeadline, lang: str) -> str:
    """The label of a tranche's chance of meeting its hurdle, with the hurdle."""
    return f"{text('prob_hurdle_met', lang)} ({percent(tranche.hurdle_return)})"


def _after(label: str) -> str:
    """A label that follows a name mid-line: "senior expected loss", not "senior Expected
    loss" (an acronym such as IRR, and Japanese, unchanged)."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _sep(lang: str) -> str:
    return "、" if lang == "ja" else ", "


def _paren(inner: str, lang: str) -> str:
    return f"（{inner}）" if lang == "ja" else f" ({inner})"


# -- key assumptions ------------------------------------------------------------------------
def assumption_amounts(results: RunResults) -> list[float]:
    """Every amount the key assumptions show (to choose their money unit)."""
    s = results.scenario
    values = [v.exposure for v in s.vehicles]
    values += [f.budget for f in s.facilities if getattr(f, "budget", None) is not None]
    if s.portfolio is not None:
        values.append(s.portfolio.budget)
    return values


def shock_text(scenario: object, shock: object, lang: str) -> str:
    """A policy shock in words: from which year whose budgets are cut, raised or stopped."""
    m = float(shock.budget_multiplier)  # type: ignore[attr-defined]
    key = "pap_shock_stop" if m == 0 else "pap_shock_cut" if m < 1 else "pap_shock_raise"
    return text(key, lang).format(year=shock.year,  # type: ignore[attr-defined]
                                  provider=named(scenario, shock.provider, lang),  # type: ignore[arg-type, attr-defined]
                                  pct=f"{m:.0%}", m=m)


def assumptions(results: RunResults, lang: str) -> list[tuple[str, str]]:
    """The scenario's key assumptions as (label, value) rows, in the order a board reads
    them: what it is, where, the vehicles and tranches, the bundle's providers, facilities
    and shock, the portfolio's budget. No seed: the footer's scenario hash identifies the
    run."""
    s = results.scenario
    unit = s.unit
    money = money_unit(assumption_amounts(results), unit, lang, fine=True)
    sep = _sep(lang)
    rows: list[tuple[str, str]] = []
    description = scenario_description(s, lang)
    if description:
        rows.append((text("pap_description", lang), " ".join(description.split())))
    if s.region is not None:
        rows.append((text("pap_region", lang),
                     f"{region_name(s, lang)}{_paren(word(s.region.core_issue.value, lang), lang)}"))
    rows.append((text("pap_unit", lang), unit_label(unit, lang)))
    for v in s.vehicles:
        vname = display_name(v, lang)
        rows.append((text("pap_vehicle", lang).format(name=vname),
                     text("pap_vehicle_terms", lang).format(
                         size=money.format(v.exposure, with_label=True), years=v.horizon_years,
                         rho=v.correlation)))
        parts = []
        for t in v.tranches:
            provider = named(s, t.provider, lang) if getattr(t, "provider", None) else ""
            detail = money.format(v.exposure * t.size, with_label=True)
            if provider:
                detail += f"{sep}{provider}"
            parts.append(f"{tranche_name(t, lang)} {t.size:.0%}{_paren(detail, lang)}")
        rows.append((text("pap_tranches_of", lang).format(name=vname), " / ".join(parts)))
    if s.simulation is not None:
        rows.append((text("years", lang), str(s.simulation.years)))
        rows.append((text("replications", lang), f"{s.simulation.replications:,}"))
        if s.economy is not None:
            economy = s.economy
            if economy.path is None:
                cycle = text("economy_terms", lang).format(rho=economy.correlation,
                                                           persistence=economy.persistence)
            else:  # a fixed path: the persistence plays no part
                path = ", ".join(f"{z:g}" for z in economy.path[:s.simulation.years])
                cycle = (text("economy_rho", lang).format(rho=economy.correlation)
                         + ("、" if lang == "ja" else "; ")
                         + text("economy_path", lang).format(path=path))
            rows.append((text("economy", lang), cycle))
    if s.has_bundle or not s.vehicles:
        rows.append((text("pap_providers", lang).format(n=len(s.providers)),
                     sep.join(display_name(p, lang) for p in s.providers)))
    if s.facilities:
        rows.append((text("facilities", lang), sep.join(
            display_name(f, lang) + (_paren(money.format(f.budget, with_label=True), lang)
                                     if getattr(f, "budget", None) is not None else "")
            for f in s.facilities)))
    for shock in s.shocks:
        rows.append((text("pap_shock", lang), shock_text(s, shock, lang)))
    if s.portfolio is not None:
        rows.append((text("pap_portfolio_budget", lang),
                     money.format(s.portfolio.budget, with_label=True)))
        rows.append((text("candidates", lang), str(s.portfolio.candidates)))
    if s.illustrative:
        rows.append((text("illustrative", lang), "✓"))
    # no seed: the scenario hash and version in every page's footer identify the run
    return rows


# -- headline numbers -----------------------------------------------------------------------
def headline_amounts(results: RunResults) -> list[float]:
    """Every amount the headline numbers show (to choose their money unit)."""
    values: list[float] = []
    for v in vehicle_headlines(results):
        values += [v.expected_loss, v.public_expected_cost, v.subsidy_to_private]
    b = bundle_headline(results)
    if b is not None:
        values += [b.total_gap, b.total_gap_p10, b.total_gap_p90, b.direct_gap, b.lost_pipeline,
                   b.potential_demand, b.public_expected_cost, b.private_mobilised]
    values += [p.total_cost for p in portfolio_headlines(results)]
    return values


def headline_money(results: RunResults, lang: str) -> MoneyUnit:
    """The one money unit of the headline table."""
    return money_unit(headline_amounts(results), results.scenario.unit, lang, fine=True)


def headlines(results: RunResults, lang: str,
              money: MoneyUnit | None = None) -> list[tuple[str, str]]:
    """The headline numbers as (label, value) rows, every amount in one unit.

    Per vehicle: the pool's expected loss, the senior's expected loss and IRR band (and
    the chance it meets its hurdle), the public expected cost (PV), what a concession
    transfers to private investors (when it does) and the mobilisation ratio; then the
    bundle's (:func:`bundle_headlines`) and each portfolio's impact and total cost.
    """
    s = results.scenario
    money = money or headline_money(results, lang)
    rows = []
    for v in vehicle_headlines(results):
        vid, senior = display_name(next(x for x in s.vehicles if x.id == v.vehicle), lang), v.senior
        top = f"{vid}: {tranche_named(s, v.vehicle, senior.tranche, lang)}"
        rows += [(f"{vid}: {text('pool_expected_loss', lang)}",
                  money.format(v.expected_loss, with_label=True)),
                 (f"{top} {_after(text('expected_loss_pct', lang))}",
                  percent(senior.expected_loss_pct)),
                 (f"{top} {text('irr_band', lang)}", irr_band_text(senior))]
        if senior.has_hurdle:
            rows.append((f"{top} {hurdle_label(senior, lang)}", percent(senior.prob_hurdle_met)))
        rows.append((f"{vid}: {text('public_expected_cost_pv', lang)}",
                     money.format(v.public_expected_cost, with_label=True)))
        if v.subsidy_to_private > SUBSIDY_SHOWN:
            shown = money.format(v.subsidy_to_private, with_label=True)
            if abs(v.subsidy - v.subsidy_to_private) > 0.01 * max(abs(v.subsidy), SUBSIDY_SHOWN):
                shown += _paren(f"{text('subsidy_given', lang)} "
                                f"{money.format(v.subsidy, with_label=True)}", lang)
            rows.append((f"{vid}: {text('subsidy_to_private', lang)}", shown))
        rows.append((f"{vid}: {text('mobilisation_ratio', lang)}", ratio_text(v.mobilisation_ratio)))
    rows += bundle_headlines(results, lang, money)
    for p in portfolio_headlines(results):
        rows.append((f"{text(p.portfolio, lang)}: {text('core_impact', lang)}",
                     f"{p.core_impact:,.2f}"))
        rows.append((f"{text(p.portfolio, lang)}: {text('pap_total_cost', lang)}",
                     money.format(p.total_cost, with_label=True)))
    return rows


def bundle_headlines(results: RunResults, lang: str,
                     money: MoneyUnit | None = None) -> list[tuple[str, str]]:
    """The bundle's headline numbers: the total gap (the headline) with its share of the
    potential demand and its P10-P90, its two parts (direct gap, lost pipeline), the
    potential demand, and the money (none without a bundle); amounts in ``money`` (by
    default the headline table's unit)."""
    b = bundle_headline(results)
    if b is None:
        return []
    money = money or headline_money(results, lang)

    def fmt(value: float) -> str:
        return money.format(value, with_label=True)

    total = fmt(b.total_gap)
    if not math.isnan(b.gap_share):
        total += _paren(text("share_of_potential", lang).format(share=f"{b.gap_share:.1%}"), lang)
    return [(text("total_gap", lang), total),
            (text("legend_gap_band", lang), f"{fmt(b.total_gap_p10)} – {fmt(b.total_gap_p90)}"),
            (text("direct_gap", lang), fmt(b.direct_gap)),
            (text("lost_pipeline", lang), fmt(b.lost_pipeline)),
            (text("potential_demand", lang), fmt(b.potential_demand)),
            (text("public_expected_cost", lang), fmt(b.public_expected_cost)),
            (text("private_mobilised", lang), fmt(b.private_mobilised)),
            (text("mobilisation_ratio", lang), ratio_text(b.mobilisation_ratio))]


# -- layout ----------------------------------------------------------------------------------
#: Title-page table layout, in pixels of an A4 page (see :data:`A4`).
PAGE_MARGINS = {"l": 40, "r": 40, "t": 110, "b": 60}
HEADER_PX, ROW_PX, LINE_PX, GAP_PX = 30, 24, 21, 36
COLUMN_UNITS = 56  # characters (a Japanese character counts two) a table column holds
WIDE_UNITS = 114  # the same for the one column of the executive summary
#: The label column's share of a two-column title-page table: the key assumptions have long
#: values (descriptions, providers), the headline numbers long labels and short values.
ASSUMPTIONS_SPLIT, HEADLINES_SPLIT = 0.44, 0.62
FOOTER_FONT = {"size": 9, "color": "#555555", "family": FONT}


def _width(text_: str) -> int:
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text_)


def _units(split: float) -> tuple[int, int]:
    """Characters the label and value columns hold when the label column has ``split``."""
    left = round(2 * COLUMN_UNITS * split)
    return left, 2 * COLUMN_UNITS - left


def _lines(cell: str, units: int = COLUMN_UNITS) -> int:
    """Lines a title-page cell wraps to (see :func:`_cell`)."""
    return len(wrap(cell, units)) or 1


def _cell(value: str, units: int = COLUMN_UNITS) -> str:
    """A title-page cell broken into lines here: plotly breaks table text only at spaces,
    so a Japanese line would run out of its cell and be cut."""
    return "<br>".join(wrap(value, units))


def _row_px(row: tuple[str, str], split: float = 0.5) -> int:
    """A title-page row's height; ``split`` 1 is one column over the whole width."""
    if split >= 1:
        return ROW_PX + LINE_PX * (len(wrap(row[0], WIDE_UNITS)) - 1)
    left, right = _units(split)
    return ROW_PX + LINE_PX * (max(_lines(row[0], left), _lines(row[1], right)) - 1)


def wrap(text_: str, units: int) -> list[str]:
    """``text_`` in lines of at most ``units`` (a wide character counts two), broken at
    spaces in Latin text and between any two wide characters."""
    lines: list[str] = []
    line = ""
    for ch in text_:
        line += ch
        if _width(line) > units:
            cut = line.rfind(" ")
            wide_cut = max((i for i, c in enumerate(line[:-1]) if east_asian_width(c) in "WF"),
                           default=-1)
            at = max(cut, wide_cut)
            if at <= 0:
                at = len(line) - 1
            head, line = line[:at + 1].rstrip(), line[at + 1:].lstrip()
            lines.append(head)
    if line.strip():
        lines.append(line.strip())
    return lines


def _table(heading: str, rows: list[tuple[str, str]], y0: float, y1: float,
           split: float = 0.5) -> go.Table:
    if split >= 1:  # the executive summary: one sentence a row over the whole width
        return go.Table(
            domain={"x": [0, 1], "y": [max(y0, 0.0), y1]}, columnwidth=[1.0],
            header={"values": [heading], "fill_color": "#2166ac", "height": HEADER_PX - 4,
                    "font": {"color": "white", "size": 13, "family": FONT}, "align": "left"},
            cells={"values": [["<br>".join(wrap(r[0], WIDE_UNITS)) for r in rows]],
                   "align": "left", "font": {"size": 11, "family": FONT}, "height": ROW_PX,
                   "fill_color": [["#ffffff"] * len(rows)],
                   "line": {"color": "#ffffff"}})
    return go.Table(
        domain={"x": [0, 1], "y": [max(y0, 0.0), y1]}, columnwidth=[split, 1 - split],
        header={"values": [heading, ""], "fill_color": "#2166ac", "height": HEADER_PX - 4,
                "font": {"color": "white", "size": 13, "family": FONT}, "align": "left"},
        cells={"values": [[_cell(r[0], _units(split)[0]) for r in rows],
                          [_cell(r[1], _units(split)[1]) for r in rows]],
               "align": "left",
               "font": {"size": 11, "family": FONT}, "height": ROW_PX,
               "fill_color": [["#f7f7f7", "#ffffff"] * len(rows)]})


def _footer(fig: go.Figure, info: PaperInfo, lang: str, page: int, total: int) -> None:
    """The footer of a page: date, author, version and hash left; "page n / N" right."""
    y = -(PAGE_MARGINS["b"] - 24) / (A4[1] - PAGE_MARGINS["t"] - PAGE_MARGINS["b"])
    fig.add_annotation(text=info.footer(lang), x=0, y=y, xref="paper", yref="paper",
                       xanchor="left", yanchor="bottom", showarrow=False, font=FOOTER_FONT)
    fig.add_annotation(text=text("pap_page", lang).format(n=page, total=total), x=1, y=y,
                       xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                       showarrow=False, font=FOOTER_FONT)


def title_pages(results: RunResults, lang: str,
                summary: list[str] | None = None) -> list[go.Figure]:
    """The board paper's first page(s): title, executive summary, assumptions and
    headline numbers.

    Each table is as tall as its rows (a wrapped cell makes its row taller); a table that
    does not fit the rest of a page goes on to the next one, headed "(continued)".
    ``summary`` is the executive summary's sentences (by default generated here, with one
    more bundle run when the scenario has policy shocks: :func:`shock_baseline`).
    """
    from finmodel.ui.paper_summary import executive_summary, shock_baseline

    height = A4[1] - PAGE_MARGINS["t"] - PAGE_MARGINS["b"]
    money_a = money_unit(assumption_amounts(results), results.scenario.unit, lang, fine=True)
    money_h = headline_money(results, lang)
    if summary is None:
        summary = executive_summary(results, lang, money_h, shock_baseline(results))
    bullet = "・" if lang == "ja" else "• "
    sections = [
        (text("pap_summary", lang), [(bullet + line, "") for line in summary]),
        (text("assumptions", lang) + _paren(text("pap_money_in", lang).format(unit=money_a.label),
                                             lang), assumptions(results, lang)),
        (text("headlines", lang) + _paren(text("pap_money_in", lang).format(unit=money_h.label),
                                          lang), headlines(results, lang, money_h))]
    pages: list[list[tuple[str, list[tuple[str, str]], int, float]]] = [[]]
    used = 0
    for k, (title, rows) in enumerate(sections):
        if not rows:
            continue
        split = (1.0, ASSUMPTIONS_SPLIT, HEADLINES_SPLIT)[k]  # the summary: one column
        heading = title
        part: list[tuple[str, str]] = []
        part_px = HEADER_PX
        for row in rows:
            if part and used + part_px + _row_px(row, split) > height:
                pages[-1].append((heading, part, part_px, split))
                pages.append([])
                used, part, part_px = 0, [], HEADER_PX
                heading = f"{title}{_paren(text('continued', lang), lang)}"
            elif not part and used + HEADER_PX + _row_px(row, split) > height:
                pages.append([])
                used = 0
            part.append(row)
            part_px += _row_px(row, split)
        pages[-1].append((heading, part, part_px, split))
        used += part_px + GAP_PX
    figures = []
    for tables in pages:
        fig = go.Figure()
        top = 1.0
        for heading, rows, px, split in tables:
            fig.add_trace(_table(heading, rows, top - px / height, top, split))
            top -= (px + GAP_PX) / height
        fig.update_layout(
            title={"text": f"{text('paper_title', lang)}<br><sup>"
                           f"{scenario_title(results.scenario, lang)}</sup>",
                   "x": 0.02, "font": {"size": 22, "family": FONT}},
            margin=PAGE_MARGINS, template="plotly_white", font={"family": FONT})
        figures.append(fig)
    return figures


def title_page(results: RunResults, lang: str) -> go.Figure:
    """The board paper's first page (see :func:`title_pages`)."""
    return title_pages(results, lang)[0]


# -- charts ----------------------------------------------------------------------------------
def stack_all_vehicles(results: RunResults, lang: str) -> go.Figure:
    """The capital stack of every vehicle side by side (one bar each)."""
    s = results.scenario
    figs = [FIGURES["stack"](results, lang, v.id) for v in s.vehicles]
    fig = go.Figure(figs[0])
    fig.data = ()
    for one in figs:
        for trace in one.data:
            trace.x = [named(s, str(x), lang) for x in trace.x]
            fig.add_trace(trace)
    # the single-vehicle chart's subtitle names its vehicle: keep only its other lines
    subtitle = fig.layout.title.subtitle.text or ""
    vehicles = {display_name(v, lang) for v in s.vehicles} | {v.id for v in s.vehicles}
    kept = [line for line in subtitle.split("<br>") if line not in vehicles]
    fig.update_layout(title={"text": f"{text('fig_stack', lang)}"
                                     f"{_paren(text('pap_all_vehicles', lang), lang)}",
                             "subtitle": {"text": "<br>".join(kept)}})
    return fig


def vehicles_compared(results: RunResults, lang: str) -> go.Figure:
    """The senior tranche of every vehicle: expected loss (% of notional) and mean IRR
    with its P10-P90 range."""
    from finmodel.ui.figures import styled

    s = results.scenario
    heads = vehicle_headlines(results)
    names = [named(s, v.vehicle, lang) for v in heads]
    el = [v.senior.expected_loss_pct for v in heads]
    irr = [v.senior.irr_mean for v in heads]
    fig = go.Figure([
        go.Bar(x=names, y=el, name=text("pap_senior_el", lang), marker_color="#b2182b",
               texttemplate="%{y:.2%}", textposition="outside"),
        go.Bar(x=names, y=irr, name=text("pap_senior_irr", lang), marker_color="#2166ac",
               texttemplate="%{y:.2%}", textposition="outside",
               error_y={"type": "data", "symmetric": False,
                        "array": [v.senior.irr_p90 - v.senior.irr_mean for v in heads],
                        "arrayminus": [v.senior.irr_mean - v.senior.irr_p10 for v in heads],
                        "color": "#444444"}),
    ])
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".1%", zeroline=True, zerolinecolor="#888888")
    return styled(fig, text("pap_vehicles_title", lang), lang)


Chart = tuple[go.Figure, str]  # a figure and its caption


def paper_charts(results: RunResults, lang: str) -> list[Chart]:
    """The paper's charts with their captions, in order: for a stack, every vehicle's
    stack and the seniors compared, then each vehicle's own charts; then the bundle's and
    the portfolios' charts."""
    s = results.scenario
    charts: list[Chart] = []
    names = available_figures(results)
    if s.vehicles:
        charts.append((stack_all_vehicles(results, lang), text("pap_cap_stack_all", lang)))
        if len(s.vehicles) > 1:
            charts.append((vehicles_compared(results, lang), text("pap_cap_vehicles", lang)))
        for v in s.vehicles:
            for name in PER_VEHICLE:
                if name in names:
                    charts.append((FIGURES[name](results, lang, v.id),
                                   text(f"pap_cap_{name}", lang).format(
                                       vehicle=display_name(v, lang))))
    for name in names:
        if name == "stack" or name in PER_VEHICLE:
            continue
        key = f"pap_cap_{name}"
        caption = text(key, lang) if key in _caption_keys() else ""
        charts.append((FIGURES[name](results, lang), caption))
    return charts


def _caption_keys() -> set[str]:
    from finmodel.ui.i18n import TEXT

    return {k for k in TEXT if k.startswith("pap_cap_")}


#: Chart page layout, pixels from the top of the page.
TOP_PX, SLOT_PX, CHART_PX, CAPTION_FONT_PX = 48, 510, 420, 12
CAPTION_UNITS = 108  # line width of a caption, in narrow characters


def _chart_page(header: str, captions: list[str], info: PaperInfo, lang: str, page: int,
                total: int) -> go.Figure:
    """The background of a chart page: header, captions under each chart slot, footer."""
    fig = go.Figure()
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_yaxes(visible=False, range=[0, 1])
    fig.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, template="plotly_white",
                      font={"family": FONT}, showlegend=False)
    height = A4[1]
    fig.add_annotation(text=header, x=40 / A4[0], y=1 - 20 / height, xref="paper", yref="paper",
                       xanchor="left", yanchor="top", showarrow=False, font=FOOTER_FONT)
    fig.add_shape(type="line", x0=40 / A4[0], x1=1 - 40 / A4[0], y0=1 - 38 / height,
                  y1=1 - 38 / height, xref="paper", yref="paper",
                  line={"color": "#cccccc", "width": 1})
    for k, caption in enumerate(captions):
        if not caption:
            continue
        top = TOP_PX + k * SLOT_PX + CHART_PX + 14
        fig.add_annotation(text="<br>".join(wrap(caption, CAPTION_UNITS)), x=50 / A4[0],
                           y=1 - top / height, xref="paper", yref="paper", xanchor="left",
                           yanchor="top", align="left", showarrow=False,
                           font={"size": CAPTION_FONT_PX, "family": FONT, "color": "#222222"})
    fig.add_annotation(text=info.footer(lang), x=40 / A4[0], y=24 / height, xref="paper",
                       yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                       font=FOOTER_FONT)
    fig.add_annotation(text=text("pap_page", lang).format(n=page, total=total),
                       x=1 - 40 / A4[0], y=24 / height, xref="paper", yref="paper",
                       xanchor="right", yanchor="bottom", showarrow=False, font=FOOTER_FONT)
    return fig


def _numbered(fig: go.Figure, n: int, lang: str) -> go.Figure:
    fig = go.Figure(fig)
    title = fig.layout.title.text or ""
    subtitle = fig.layout.title.subtitle.text or ""
    lines = 1 + title.count("<br>") + (subtitle.count("<br>") + 1 if subtitle else 0)
    fig.update_layout(title={"text": f"{text('pap_figure', lang).format(n=n)} {title}",
                             "font": {"size": 15}},
                      margin={"t": 40 + 20 * lines})
    return fig


def board_paper(results: RunResults, lang: str, renderer: Renderer, author: str = "",
                date: datetime.date | None = None,
                progress: Callable[[int, int], None] | None = None) -> bytes:
    """The board paper as one A4 PDF (see the module's docstring)."""
    from pypdf import PdfReader, PdfWriter, Transformation

    from finmodel.ui.pdf_text import fix_text_layer

    info = PaperInfo.of(results, author, date)
    firsts = title_pages(results, lang)
    charts = paper_charts(results, lang)
    pairs = [charts[k:k + 2] for k in range(0, len(charts), 2)]
    total = len(firsts) + len(pairs)
    header = f"{text('paper_title', lang)}: {scenario_title(results.scenario, lang)}"
    steps, done = len(firsts) + len(pairs) + len(charts), 0
    writer = PdfWriter()

    def rendered(fig: go.Figure, width: int, height: int) -> object:
        nonlocal done
        page = PdfReader(io.BytesIO(renderer.render(fig, "pdf", width, height))).pages[0]
        done += 1
        if progress is not None:
            progress(done, steps)
        return page

    for n, fig in enumerate(firsts, start=1):
        _footer(fig, info, lang, n, total)
        writer.add_page(rendered(fig, *A4))  # type: ignore[arg-type]
    number = 0
    for n, pair in enumerate(pairs, start=len(firsts) + 1):
        # pypdf 7 merges only onto a page that belongs to the writer
        background = writer.add_page(rendered(  # type: ignore[arg-type]
            _chart_page(header, [c for _, c in pair], info, lang, n, total), *A4))
        page_height = float(background.mediabox.height)
        for k, (fig, _) in enumerate(pair):
            number += 1
            chart = rendered(_numbered(fig, number, lang), A4[0], CHART_PX)
            bottom_px = TOP_PX + k * SLOT_PX + CHART_PX
            background.merge_transformed_page(
                chart, Transformation().translate(0, page_height - bottom_px * PT_PER_PX))  # type: ignore[arg-type]
    fix_text_layer(writer)
    writer.add_metadata({"/Title": f"{text('paper_title', lang)}: "
                                   f"{scenario_title(results.scenario, lang)}",
                         "/Author": info.author, "/Subject": f"scenario {info.scenario_hash}",
                         "/Creator": f"finmodel {info.version}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""Chart files and the board paper, rendered by one Chromium session per process.

Kaleido 1.x drives a headless Chromium; starting it costs seconds, so one
:class:`Renderer` starts it once and renders every chart of an export with it. The board
paper is a set of A4 pages: a first page with the title, the key assumptions and the
headline numbers (itself a plotly table, so Japanese renders with the same fonts), then
one page per chart with its caption; the pages are joined into one PDF with pypdf.
"""

from __future__ import annotations

import io
import math
import threading
from pathlib import Path

import plotly.graph_objects as go

from finmodel.headlines import (
    TrancheHeadline,
    VehicleHeadline,
    bundle_headline,
    portfolio_headlines,
    vehicle_headlines,
)
from finmodel.io import write_bytes_atomic
from finmodel.results import RunResults
from finmodel.ui.figures import FIGURES, FONT, available_figures
from finmodel.ui.i18n import amount, percent, text, word

A4 = (794, 1123)  # pixels at 96 dpi: 210 x 297 mm
FORMATS = ("png", "svg", "pdf")


class Renderer:
    """Renders figures to PNG, SVG or PDF with one browser for the whole process."""

    _lock = threading.Lock()

    def __init__(self) -> None:
        self._started = False

    def _start(self) -> None:
        import kaleido

        with Renderer._lock:
            if not self._started:
                # mathjax=False: no CDN fetch (the app must work offline).
                kaleido.start_sync_server(mathjax=False, silence_warnings=True)
                self._started = True

    def render(self, fig: go.Figure, fmt: str, width: int = 1000, height: int = 600) -> bytes:
        """The figure as ``fmt`` bytes."""
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})")
        import kaleido

        self._start()
        with Renderer._lock:
            return bytes(kaleido.calc_fig_sync(fig, opts={"format": fmt, "width": width,
                                                          "height": height}))

    def close(self) -> None:
        import kaleido

        with Renderer._lock:
            if self._started:
                kaleido.stop_sync_server(silence_warnings=True)
                self._started = False


def export_charts(results: RunResults, lang: str, folder: Path, fmt: str,
                  renderer: Renderer) -> list[Path]:
    """Every chart of the results as files ``<name>.<fmt>`` in ``folder``."""
    paths = []
    for name in available_figures(results):
        data = renderer.render(FIGURES[name](results, lang), fmt)
        paths.append(write_bytes_atomic(data, folder / f"{name}.{fmt}"))
    return paths


def assumptions(results: RunResults, lang: str) -> list[tuple[str, str]]:
    """The scenario's key assumptions as (label, value) rows."""
    s = results.scenario
    rows = [(text("seed", lang), str(s.seed)), (text("unit", lang), s.unit)]
    if s.illustrative:
        rows.append((text("illustrative", lang), "✓"))
    if s.region is not None:
        rows.append((text("region", lang), f"{s.region.name} ({word(s.region.core_issue.value, lang)})"))
    for v in s.vehicles:
        rows.append((f"{text('vehicle', lang)} {v.id}",
                     f"{text('exposure', lang)} {amount(v.exposure, s.unit, lang)}, "
                     f"{text('horizon', lang)} {v.horizon_years:g}, "
                     f"{text('correlation', lang)} {v.correlation:g}, "
                     + " / ".join(f"{t.name} {t.size:.0%}" for t in v.tranches)))
    if s.simulation is not None:
        rows.append((text("years", lang), str(s.simulation.years)))
        rows.append((text("replications", lang), str(s.simulation.replications)))
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
        rows.append((text("providers", lang), ", ".join(p.id for p in s.providers if p.lends)))
        rows.append((text("facilities", lang), ", ".join(f.id for f in s.facilities) or "-"))
    if s.portfolio is not None:
        rows.append((text("budget", lang), amount(s.portfolio.budget, s.unit, lang)))
        rows.append((text("candidates", lang), str(s.portfolio.candidates)))
    return rows


#: Below this (in the scenario's unit) a concession's transfer is not shown.
SUBSIDY_SHOWN = 1e-6


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


def headlines(results: RunResults, lang: str) -> list[tuple[str, str]]:
    """The headline numbers as (label, value) rows.

    Per vehicle: the pool's expected loss, the senior's expected loss and IRR band (and
    the chance it meets its hurdle), the public expected cost (PV), what a concession
    transfers to private investors (when it does) and the mobilisation ratio.
    """
    unit = results.scenario.unit
    rows = []
    for v in vehicle_headlines(results):
        vid, senior = v.vehicle, v.senior
        top = f"{vid}: {word('senior', lang)}"
        rows += [(f"{vid}: {text('pool_expected_loss', lang)}", amount(v.expected_loss, unit, lang)),
                 (f"{top} {text('expected_loss_pct', lang)}", percent(senior.expected_loss_pct)),
                 (f"{top} {text('irr_band', lang)}", irr_band_text(senior))]
        if senior.has_hurdle:
            rows.append((f"{top} {hurdle_label(senior, lang)}", percent(senior.prob_hurdle_met)))
        rows.append((f"{vid}: {text('public_expected_cost_pv', lang)}",
                     amount(v.public_expected_cost, unit, lang)))
        if v.subsidy_to_private > SUBSIDY_SHOWN:
            rows.append((f"{vid}: {text('subsidy_to_private', lang)}",
                         subsidy_text(v, unit, lang)))
        rows.append((f"{vid}: {text('mobilisation_ratio', lang)}", ratio_text(v.mobilisation_ratio)))
    if results.bundle is not None:
        rows += bundle_headlines(results, lang)
    for p in portfolio_headlines(results):
        rows.append((f"{text(p.portfolio, lang)}: {text('core_impact', lang)}",
                     f"{p.core_impact:.2f} ({amount(p.total_cost, unit, lang)})"))
    return rows


def bundle_headlines(results: RunResults, lang: str) -> list[tuple[str, str]]:
    """The bundle's headline numbers: the total gap (the headline) with its share of the
    potential demand and its P10-P90, its two parts (direct gap, lost pipeline), the
    potential demand, and the money (none without a bundle)."""
    b = bundle_headline(results)
    if b is None:
        return []
    unit = results.scenario.unit
    total = amount(b.total_gap, unit, lang)
    if not math.isnan(b.gap_share):
        total += "（" if lang == "ja" else " ("
        total += text("share_of_potential", lang).format(share=f"{b.gap_share:.1%}")
        total += "）" if lang == "ja" else ")"
    return [(text("total_gap", lang), total),
            (text("legend_gap_band", lang),
             f"{amount(b.total_gap_p10, unit, lang)} – {amount(b.total_gap_p90, unit, lang)}"),
            (text("direct_gap", lang), amount(b.direct_gap, unit, lang)),
            (text("lost_pipeline", lang), amount(b.lost_pipeline, unit, lang)),
            (text("potential_demand", lang), amount(b.potential_demand, unit, lang)),
            (text("public_expected_cost", lang), amount(b.public_expected_cost, unit, lang)),
            (text("private_mobilised", lang), amount(b.private_mobilised, unit, lang)),
            (text("mobilisation_ratio", lang), ratio_text(b.mobilisation_ratio))]


#: Title-page table layout, in pixels of an A4 page (see :data:`A4`).
PAGE_MARGINS = {"l": 40, "r": 40, "t": 110, "b": 40}
HEADER_PX, ROW_PX, LINE_PX, GAP_PX = 30, 24, 21, 36
COLUMN_UNITS = 52  # characters (a Japanese character counts two) a table column holds


def _lines(cell: str) -> int:
    """Lines a title-page cell wraps to (a rough count: wide characters count two)."""
    from unicodedata import east_asian_width

    units = sum(2 if east_asian_width(ch) in "WF" else 1 for ch in cell)
    return max(1, -(-units // COLUMN_UNITS))


def _row_px(row: tuple[str, str]) -> int:
    return ROW_PX + LINE_PX * (max(_lines(row[0]), _lines(row[1])) - 1)


def _table(heading: str, rows: list[tuple[str, str]], y0: float, y1: float) -> go.Table:
    return go.Table(
        domain={"x": [0, 1], "y": [max(y0, 0.0), y1]}, columnwidth=[0.5, 0.5],
        header={"values": [heading, ""], "fill_color": "#2166ac", "height": HEADER_PX - 4,
                "font": {"color": "white", "size": 13, "family": FONT}, "align": "left"},
        cells={"values": [[r[0] for r in rows], [r[1] for r in rows]], "align": "left",
               "font": {"size": 11, "family": FONT}, "height": ROW_PX,
               "fill_color": [["#f7f7f7", "#ffffff"] * len(rows)]})


def title_pages(results: RunResults, lang: str) -> list[go.Figure]:
    """The board paper's first page(s): title, assumptions and headline numbers.

    Each table is as tall as its rows (a wrapped cell makes its row taller); a table that
    does not fit the rest of a page goes on to the next one, headed "(continued)".
    """
    height = A4[1] - PAGE_MARGINS["t"] - PAGE_MARGINS["b"]
    sections = [(text("assumptions", lang), assumptions(results, lang)),
                (text("headlines", lang), headlines(results, lang))]
    pages: list[list[tuple[str, list[tuple[str, str]], int]]] = [[]]
    used = 0
    for title, rows in sections:
        heading = title
        part: list[tuple[str, str]] = []
        part_px = HEADER_PX
        for row in rows:
            if part and used + part_px + _row_px(row) > height:
                pages[-1].append((heading, part, part_px))
                pages.append([])
                used, part, part_px = 0, [], HEADER_PX
                heading = f"{title} ({text('continued', lang)})"
            elif not part and used + HEADER_PX + _row_px(row) > height:
                pages.append([])
                used = 0
            part.append(row)
            part_px += _row_px(row)
        pages[-1].append((heading, part, part_px))
        used += part_px + GAP_PX
    figures = []
    for tables in pages:
        fig = go.Figure()
        top = 1.0
        for heading, rows, px in tables:
            fig.add_trace(_table(heading, rows, top - px / height, top))
            top -= (px + GAP_PX) / height
        fig.update_layout(
            title={"text": f"{text('paper_title', lang)}<br><sup>{results.scenario.name}</sup>",
                   "x": 0.02, "font": {"size": 22, "family": FONT}},
            margin=PAGE_MARGINS, template="plotly_white")
        figures.append(fig)
    return figures


def title_page(results: RunResults, lang: str) -> go.Figure:
    """The board paper's first page (see :func:`title_pages`)."""
    return title_pages(results, lang)[0]


def board_paper(results: RunResults, lang: str, renderer: Renderer) -> bytes:
    """The board paper as one A4 PDF."""
    from pypdf import PdfReader, PdfWriter

    pages = title_pages(results, lang)
    for n, name in enumerate(available_figures(results), start=1):
        fig = go.Figure(FIGURES[name](results, lang))
        caption = f"{'図' if lang == 'ja' else 'Figure'} {n}. {fig.layout.title.text}"
        fig.update_layout(title={"text": caption, "font": {"size": 15}},
                          margin={"t": 120, "b": 160, "l": 70, "r": 40})
        pages.append(fig)
    writer = PdfWriter()
    for page in pages:
        data = renderer.render(page, "pdf", *A4)
        for p in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(p)
    writer.add_metadata({"/Title": f"{text('paper_title', lang)}: {results.scenario.name}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def export_paper(results: RunResults, lang: str, path: Path, renderer: Renderer) -> Path:
    """Write the board paper atomically."""
    return write_bytes_atomic(board_paper(results, lang, renderer), path)


__all__ = ["Renderer", "board_paper", "export_charts", "export_paper"]

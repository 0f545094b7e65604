"""Chart files and the board paper, rendered by one Chromium session per process.

Kaleido 1.x drives a headless Chromium; starting it costs seconds, so one
:class:`Renderer` starts it once and renders every chart of an export with it. The board
paper is a set of A4 pages: a first page with the title, the key assumptions and the
headline numbers (itself a plotly table, so Japanese renders with the same fonts), then
one page per chart with its caption; the pages are joined into one PDF with pypdf.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import plotly.graph_objects as go

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
        rows.append((text("providers", lang), ", ".join(p.id for p in s.providers if p.lends)))
        rows.append((text("facilities", lang), ", ".join(f.id for f in s.facilities) or "-"))
    if s.portfolio is not None:
        rows.append((text("budget", lang), amount(s.portfolio.budget, s.unit, lang)))
        rows.append((text("candidates", lang), str(s.portfolio.candidates)))
    return rows


def headlines(results: RunResults, lang: str) -> list[tuple[str, str]]:
    """The headline numbers as (label, value) rows."""
    unit = results.scenario.unit
    rows = []
    for v in results.vehicles.itertuples():
        senior = results.tranches[results.tranches["vehicle"] == v.vehicle].iloc[-1]
        rows += [(f"{v.vehicle}: {text('expected_loss', lang)}", amount(v.expected_loss, unit, lang)),
                 (f"{v.vehicle}: {word('senior', lang)} {text('expected_loss_pct', lang)}",
                  percent(senior["expected_loss_pct"])),
                 (f"{v.vehicle}: {text('public_expected_cost', lang)}",
                  amount(v.public_expected_cost, unit, lang)),
                 (f"{v.vehicle}: {text('mobilisation_ratio', lang)}",
                  "-" if v.mobilisation_ratio != v.mobilisation_ratio else f"{v.mobilisation_ratio:.2f}")]
    if results.bundle is not None:
        b = results.bundle_summary.iloc[0]
        rows += [(text("demand", lang), amount(b["demand"], unit, lang)),
                 (text("gap", lang), f"{amount(b['gap'], unit, lang)} ({percent(b['gap_share'])})"),
                 (text("public_expected_cost", lang), amount(b["public_expected_cost"], unit, lang)),
                 (text("private_mobilised", lang), amount(b["private_mobilised"], unit, lang)),
                 (text("mobilisation_ratio", lang), f"{b['mobilisation_ratio']:.2f}")]
    if results.portfolios is not None:
        for p in results.portfolios.summary.itertuples():
            rows.append((f"{text(p.portfolio, lang)}: {text('core_impact', lang)}",
                         f"{p.core_impact:.2f} ({amount(p.total_cost, unit, lang)})"))
    return rows


def title_page(results: RunResults, lang: str) -> go.Figure:
    """The board paper's first page: title, assumptions and headline numbers."""
    fig = go.Figure()
    for y0, y1, heading, rows in ((0.50, 0.86, text("assumptions", lang), assumptions(results, lang)),
                                  (0.0, 0.45, text("headlines", lang), headlines(results, lang))):
        fig.add_trace(go.Table(
            domain={"x": [0, 1], "y": [y0, y1]}, columnwidth=[0.42, 0.58],
            header={"values": [heading, ""], "fill_color": "#2166ac",
                    "font": {"color": "white", "size": 13, "family": FONT}, "align": "left"},
            cells={"values": [[r[0] for r in rows], [r[1] for r in rows]], "align": "left",
                   "font": {"size": 11, "family": FONT}, "height": 24,
                   "fill_color": [["#f7f7f7", "#ffffff"] * len(rows)]}))
    fig.update_layout(title={"text": f"{text('paper_title', lang)}<br><sup>{results.scenario.name}</sup>",
                             "x": 0.02, "font": {"size": 22, "family": FONT}},
                      margin={"l": 40, "r": 40, "t": 110, "b": 40}, template="plotly_white")
    return fig


def board_paper(results: RunResults, lang: str, renderer: Renderer) -> bytes:
    """The board paper as one A4 PDF."""
    from pypdf import PdfReader, PdfWriter

    pages = [title_page(results, lang)]
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

"""Exports: chart files, the board paper (A4 PDF) and the run's tables (Excel).

One :class:`Renderer` (one headless Chromium, :mod:`finmodel.ui.renderer`) draws every
chart of an export; the board paper is built in :mod:`finmodel.ui.paper`, the workbook in
:mod:`finmodel.ui.workbook`. Every file is written atomically.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from finmodel.io import write_bytes_atomic
from finmodel.results import RunResults
from finmodel.ui.figures import FIGURES, available_figures
from finmodel.ui.paper import (
    A4,
    SUBSIDY_SHOWN,
    assumptions,
    board_paper,
    bundle_headlines,
    headlines,
    hurdle_label,
    irr_band_text,
    ratio_text,
    subsidy_text,
    title_page,
    title_pages,
)
from finmodel.ui.renderer import (
    FORMATS,
    BrowserMissing,
    ExportError,
    Renderer,
    RenderTimeout,
    find_browser,
)
from finmodel.ui.workbook import tables_workbook, write_workbook


def export_charts(results: RunResults, lang: str, folder: Path, fmt: str,
                  renderer: Renderer) -> list[Path]:
    """Every chart of the results as files ``<name>.<fmt>`` in ``folder``."""
    paths = []
    for name in available_figures(results):
        data = renderer.render(FIGURES[name](results, lang), fmt)
        paths.append(write_bytes_atomic(data, folder / f"{name}.{fmt}"))
    return paths


def export_paper(results: RunResults, lang: str, path: Path, renderer: Renderer,
                 author: str = "", date: datetime.date | None = None) -> Path:
    """Write the board paper atomically."""
    return write_bytes_atomic(board_paper(results, lang, renderer, author, date), path)


__all__ = ["A4", "FORMATS", "SUBSIDY_SHOWN", "BrowserMissing", "ExportError", "RenderTimeout",
           "Renderer", "assumptions", "board_paper", "bundle_headlines", "export_charts",
           "export_paper", "find_browser", "headlines", "hurdle_label", "irr_band_text",
           "ratio_text", "subsidy_text", "tables_workbook", "title_page", "title_pages",
           "write_workbook"]

"""Export page: any chart as PNG, SVG or PDF, the board paper (A4 PDF) with its author,
and every table of the run as one Excel workbook.

A chart or paper needs Chromium: without one (or when it hangs) the page says why and how
to install it, in the reader's language, and the server keeps serving.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from finmodel.ui.components import card
from finmodel.ui.export import ExportError, board_paper, tables_workbook
from finmodel.ui.figures import FIGURES, TITLES, figure_names
from finmodel.ui.i18n import text
from finmodel.ui.services import Services

#: The longest author printed on the paper (characters).
AUTHOR_MAX = 80


def _payload(data: bytes, filename: str) -> dict[str, Any]:
    return {"content": base64.b64encode(data).decode(), "filename": filename, "base64": True}


def _stem(services: Services, store: dict[str, Any]) -> str:
    """A file-name stem from the session's scenario name (letters, digits, _ and -)."""
    name = getattr(services.session(store), "name", "") or "scenario"
    stem = re.sub(r"\.ya?ml$", "", str(name))
    return re.sub(r"[^\w\-]+", "_", stem).strip("_") or "scenario"


def chart_file(services: Services, store: dict[str, Any], name: str, fmt: str,
               lang: str) -> dict[str, Any]:
    """A dcc.Download payload with one chart."""
    results = services.results(store)
    data = services.renderer.render(FIGURES[name](results, lang), fmt)
    return _payload(data, f"{name}_{lang}.{fmt}")


def paper_file(services: Services, store: dict[str, Any], lang: str,
               author: str = "") -> dict[str, Any]:
    """A dcc.Download payload with the board paper."""
    data = board_paper(services.results(store), lang, services.renderer,
                       author=(author or "")[:AUTHOR_MAX])
    return _payload(data, f"board_paper_{lang}.pdf")


def workbook_file(services: Services, store: dict[str, Any], lang: str) -> dict[str, Any]:
    """A dcc.Download payload with every table of the run (.xlsx)."""
    data = tables_workbook(services.results(store), lang)
    return _payload(data, f"{_stem(services, store)}_tables_{lang}.xlsx")


def failure(exc: ExportError, lang: str) -> dbc.Alert:
    """What the page shows when an export cannot be drawn."""
    return dbc.Alert([html.Strong(text("pap_export_failed", lang)), " ", exc.message(lang)],
                     color="danger", className="mt-2 mb-0")


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    names = figure_names(services.scenario(store))
    return html.Div([
        card(html.H6(text("chart", lang)),
             dbc.Row([dbc.Col(dcc.Dropdown(id="exp-chart", options=[
                 {"label": text(TITLES[name], lang), "value": name} for name in names],
                 value=names[0] if names else None, clearable=False), md=5),
                      dbc.Col(dcc.RadioItems(id="exp-format", options=["png", "svg", "pdf"],
                                             value="png", inline=True), md=3),
                      dbc.Col(dbc.Button(text("download_chart", lang), id="exp-chart-go",
                                         color="primary"), md=3)]),
             dcc.Loading(html.Div(id="exp-chart-status")),
             dcc.Download(id="exp-chart-file")),
        card(html.H6(text("board_paper", lang)),
             dbc.Row([dbc.Col([dbc.Label(text("pap_author_field", lang), html_for="exp-author"),
                               dbc.Input(id="exp-author", type="text", maxLength=AUTHOR_MAX,
                                         value="", debounce=True)], md=6),
                      dbc.Col(dbc.Button(text("download_paper", lang), id="exp-paper-go",
                                         color="primary"), md=4, className="align-self-end")]),
             dcc.Loading(html.Div(id="exp-status")), dcc.Download(id="exp-paper-file")),
        card(html.H6(text("pap_xlsx_card", lang)),
             html.P(text("pap_xlsx_note", lang), className="text-muted small"),
             dbc.Button(text("pap_xlsx_button", lang), id="exp-xlsx-go", color="primary"),
             dcc.Loading(html.Div(id="exp-xlsx-status")), dcc.Download(id="exp-xlsx-file")),
    ])


def register(app: Any, services: Services) -> None:
    @app.callback(Output("exp-chart-file", "data"), Output("exp-chart-status", "children"),
                  Input("exp-chart-go", "n_clicks"),
                  State("exp-chart", "value"), State("exp-format", "value"),
                  State("lang", "value"), State("scenario", "data"), prevent_initial_call=True)
    def chart(_n, name, fmt, lang, store):
        try:
            return chart_file(services, store, name, fmt, lang), ""
        except ExportError as exc:
            return no_update, failure(exc, lang)

    @app.callback(Output("exp-paper-file", "data"), Output("exp-status", "children"),
                  Input("exp-paper-go", "n_clicks"), State("lang", "value"),
                  State("scenario", "data"), State("exp-author", "value"),
                  prevent_initial_call=True)
    def paper(_n, lang, store, author):
        try:
            return paper_file(services, store, lang, author or ""), ""
        except ExportError as exc:
            return no_update, failure(exc, lang)

    @app.callback(Output("exp-xlsx-file", "data"), Output("exp-xlsx-status", "children"),
                  Input("exp-xlsx-go", "n_clicks"), State("lang", "value"),
                  State("scenario", "data"), prevent_initial_call=True)
    def workbook(_n, lang, store):
        return workbook_file(services, store, lang), ""

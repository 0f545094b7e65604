"""Export page: any chart as PNG, SVG or PDF, and the board paper (A4 PDF)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from finmodel.ui.components import card
from finmodel.ui.export import board_paper
from finmodel.ui.figures import FIGURES, TITLES, figure_names
from finmodel.ui.i18n import text
from finmodel.ui.services import Services


def chart_file(services: Services, store: dict[str, Any], name: str, fmt: str,
               lang: str) -> dict[str, Any]:
    """A dcc.Download payload with one chart."""
    import base64

    results = services.results(store)
    data = services.renderer.render(FIGURES[name](results, lang), fmt)
    return {"content": base64.b64encode(data).decode(), "filename": f"{name}_{lang}.{fmt}",
            "base64": True}


def paper_file(services: Services, store: dict[str, Any], lang: str) -> dict[str, Any]:
    """A dcc.Download payload with the board paper."""
    import base64

    data = board_paper(services.results(store), lang, services.renderer)
    return {"content": base64.b64encode(data).decode(), "filename": f"board_paper_{lang}.pdf",
            "base64": True}


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
             dcc.Download(id="exp-chart-file")),
        card(html.H6(text("board_paper", lang)),
             dbc.Button(text("download_paper", lang), id="exp-paper-go", color="primary"),
             dcc.Loading(html.Div(id="exp-status")), dcc.Download(id="exp-paper-file")),
    ])


def register(app: Any, services: Services) -> None:
    @app.callback(Output("exp-chart-file", "data"), Input("exp-chart-go", "n_clicks"),
                  State("exp-chart", "value"), State("exp-format", "value"),
                  State("lang", "value"), State("scenario", "data"), prevent_initial_call=True)
    def chart(_n, name, fmt, lang, store):
        return chart_file(services, store, name, fmt, lang)

    @app.callback(Output("exp-paper-file", "data"), Output("exp-status", "children"),
                  Input("exp-paper-go", "n_clicks"), State("lang", "value"),
                  State("scenario", "data"), prevent_initial_call=True)
    def paper(_n, lang, store):
        return paper_file(services, store, lang), ""

"""Portfolios page: firm by firm vs core-issue driven, the logic model, the frontier,
the case map and the KPI dashboard."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from finmodel.ui.components import card, graph, table
from finmodel.ui.figures import (
    empty_figure,
    make_case_map,
    make_frontier,
    make_kpi_dashboard,
    make_logic_model,
    make_portfolio_comparison,
)
from finmodel.ui.i18n import text
from finmodel.ui.services import Services

FIGURES = (("pfl-compare", make_portfolio_comparison), ("pfl-logic", make_logic_model),
           ("pfl-frontier", make_frontier), ("pfl-casemap", make_case_map),
           ("pfl-kpis", make_kpi_dashboard))
COLUMNS = ["portfolio", "status", "firms", "money", "public_money", "total_cost",
           "expected_loss", "hhi_issue", "core_impact", "spillover_impact",
           "impact_per_public_money"]


def layout(lang: str, services: Services, store: dict[str, str]) -> html.Div:
    return html.Div([
        card(dbc.Button(text("run", lang), id="pfl-run", color="primary"),
             html.Div(id="pfl-message"), table("pfl-summary")),
        dbc.Row([dbc.Col(card(graph("pfl-compare")), md=6),
                 dbc.Col(card(graph("pfl-frontier")), md=6)]),
        card(graph("pfl-logic")),
        card(graph("pfl-casemap")),
        card(graph("pfl-kpis")),
    ])


def register(app: Any, services: Services) -> None:
    @app.callback(
        *[Output(fid, "figure") for fid, _ in FIGURES], Output("pfl-summary", "data"),
        Output("pfl-summary", "columns"), Output("pfl-message", "children"),
        Input("pfl-run", "n_clicks"), Input("lang", "value"), State("scenario", "data"),
        background=True, running=[(Output("pfl-run", "disabled"), True, False)],
        prevent_initial_call=False)
    def build(_n, lang, store):  # type: ignore[no-untyped-def]
        scenario = services.scenario(store)
        if scenario.portfolio is None:
            empty = empty_figure(text("fig_portfolios", lang), text("no_portfolio", lang), lang)
            return (*[empty] * len(FIGURES), [], [],
                    dbc.Alert(text("no_portfolio", lang), color="info"))
        results = services.cache.get_or_run(scenario)
        summary = results.portfolios.summary[COLUMNS].round(3)  # type: ignore[union-attr]
        summary["portfolio"] = [text(p, lang) for p in summary["portfolio"]]
        return (*[make(results, lang) for _, make in FIGURES], summary.to_dict("records"),
                [{"name": c, "id": c} for c in COLUMNS], "")

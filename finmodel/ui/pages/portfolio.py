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


KPI_COLUMNS = ["portfolio", "kpi", "unit", "target", "plan", "value", "yoy_change", "attainment",
               "trend", "on_track"]


def kpi_rows(results: Any, lang: str) -> Any:
    """The KPI dashboard's table: each KPI in the last year, target vs value, trend."""
    k = results.portfolios.kpis
    if k.empty:
        return k
    last = k.sort_values("year").groupby(["portfolio", "kpi"], as_index=False).tail(1)
    table = last[KPI_COLUMNS].round(3).copy()
    table["portfolio"] = [text(p, lang) for p in table["portfolio"]]
    table["kpi"] = list(last["name_ja"] if lang == "ja" else last["name_en"])
    return table


def layout(lang: str, services: Services, store: dict[str, str]) -> html.Div:
    return html.Div([
        card(dbc.Button(text("run", lang), id="pfl-run", color="primary", className="me-2"),
             dbc.Button(text("cancel", lang), id="pfl-cancel", color="secondary", disabled=True),
             dbc.Progress(id="pfl-progress", value=0, max=3, className="mt-2",
                          style={"height": "18px"}),
             html.Div(id="pfl-message"), table("pfl-summary")),
        dbc.Row([dbc.Col(card(graph("pfl-compare")), md=6),
                 dbc.Col(card(graph("pfl-frontier")), md=6)]),
        card(graph("pfl-logic")),
        card(graph("pfl-casemap")),
        card(graph("pfl-kpis", height=700), html.H6(text("kpi_table", lang)), table("pfl-kpi-table")),
    ])


def register(app: Any, services: Services) -> None:
    @app.callback(
        *[Output(fid, "figure") for fid, _ in FIGURES], Output("pfl-summary", "data"),
        Output("pfl-summary", "columns"), Output("pfl-kpi-table", "data"),
        Output("pfl-kpi-table", "columns"), Output("pfl-message", "children"),
        Input("pfl-run", "n_clicks"), Input("lang", "value"), State("scenario", "data"),
        background=True,
        running=[(Output("pfl-run", "disabled"), True, False),
                 (Output("pfl-cancel", "disabled"), False, True)],
        cancel=[Input("pfl-cancel", "n_clicks")],
        progress=[Output("pfl-progress", "value")], prevent_initial_call=False)
    def build(set_progress, _n, lang, store):
        scenario = services.scenario(store)
        if scenario.portfolio is None:
            empty = empty_figure(text("fig_portfolios", lang), text("no_portfolio", lang), lang)
            return (*[empty] * len(FIGURES), [], [], [], [],
                    dbc.Alert(text("no_portfolio", lang), color="info"))
        set_progress((1,))
        results = services.cache.get_or_run(scenario)
        set_progress((2,))
        summary = results.portfolios.summary[COLUMNS].round(3)  # type: ignore[union-attr]
        summary["portfolio"] = [text(p, lang) for p in summary["portfolio"]]
        kpis = kpi_rows(results, lang)
        figures = [make(results, lang) for _, make in FIGURES]
        set_progress((3,))
        return (*figures, summary.to_dict("records"), [{"name": c, "id": c} for c in COLUMNS],
                kpis.to_dict("records"), [{"name": c, "id": c} for c in kpis.columns], "")

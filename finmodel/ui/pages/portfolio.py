"""Portfolios page: firm by firm vs core-issue driven, the logic model, the frontier,
the case map and the KPI dashboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from finmodel.ui.components import busy, card, graph, table
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


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    return html.Div([
        card(dbc.Button(text("run", lang), id="pfl-run", color="primary", className="me-2"),
             dbc.Button(text("cancel", lang), id="pfl-cancel", color="secondary", disabled=True),
             dbc.Progress(id="pfl-progress", value=0, max=3, className="mt-2",
                          style={"height": "18px"}),
             html.Div(id="pfl-message"), table("pfl-summary"), dcc.Store(id="pfl-request")),
        dbc.Row([dbc.Col(card(graph("pfl-compare")), md=6),
                 dbc.Col(card(graph("pfl-frontier")), md=6)]),
        card(graph("pfl-logic")),
        card(graph("pfl-casemap")),
        card(graph("pfl-kpis", height=700), html.H6(text("kpi_table", lang)), table("pfl-kpi-table")),
    ])


def _no_portfolio(lang: str) -> tuple[Any, ...]:
    empty = empty_figure(text("fig_portfolios", lang), text("no_portfolio", lang), lang)
    return (*[empty] * len(FIGURES), [], [], [], [],
            dbc.Alert(text("no_portfolio", lang), color="info"))


def _portfolio_view(lang: str) -> tuple[str, Callable[[Any], tuple[Any, ...]]]:
    def build(results: Any) -> tuple[Any, ...]:
        summary = results.portfolios.summary[COLUMNS].round(3)
        summary["portfolio"] = [text(p, lang) for p in summary["portfolio"]]
        kpis = kpi_rows(results, lang)
        figures = [make(results, lang).to_plotly_json() for _, make in FIGURES]
        return (*figures, summary.to_dict("records"), [{"name": c, "id": c} for c in COLUMNS],
                kpis.to_dict("records"), [{"name": c, "id": c} for c in kpis.columns], "")

    return f"portfolio:{lang}", build


def known_portfolios(services: Services, store: dict[str, Any], lang: str
                     ) -> tuple[Any, ...] | None:
    """The page's outputs when they cost no run (portfolios built before, or a scenario
    without a portfolio brief); None when they must be built."""
    scenario = services.scenario(store)
    if scenario.portfolio is None:
        return _no_portfolio(lang)
    view, build = _portfolio_view(lang)
    shown: tuple[Any, ...] | None = services.cache.peek_view(scenario, view, build)
    return shown


def build_portfolios(services: Services, store: dict[str, Any], lang: str,
                     progress: Callable[[int], None] | None = None) -> tuple[Any, ...]:
    """Build the session's two portfolios (``progress(step)`` at each of 3 steps): the
    page's figures, tables and message."""
    scenario = services.scenario(store)
    if scenario.portfolio is None:
        return _no_portfolio(lang)
    step = progress or (lambda _: None)
    step(1)
    services.cache.get_or_run(scenario)
    step(2)
    view, build = _portfolio_view(lang)
    shown: tuple[Any, ...] = services.cache.get_or_view(scenario, view, build)
    step(3)
    return shown


OUTPUTS = 4 + 1  # the two tables' data and columns, and the message


def register(app: Any, services: Services) -> None:
    # Portfolios built before show at once; otherwise they are built in the background.
    @app.callback(
        *[Output(fid, "figure") for fid, _ in FIGURES], Output("pfl-summary", "data"),
        Output("pfl-summary", "columns"), Output("pfl-kpi-table", "data"),
        Output("pfl-kpi-table", "columns"), Output("pfl-message", "children"),
        Output("pfl-request", "data"),
        Input("pfl-run", "n_clicks"), Input("lang", "value"), State("scenario", "data"))
    def show(_n, lang, store):
        shown = known_portfolios(services, store, lang)
        if shown is None:
            return (*[no_update] * (len(FIGURES) + OUTPUTS), {"lang": lang})
        return (*shown, no_update)

    @app.callback(
        *[Output(fid, "figure", allow_duplicate=True) for fid, _ in FIGURES],
        Output("pfl-summary", "data", allow_duplicate=True),
        Output("pfl-summary", "columns", allow_duplicate=True),
        Output("pfl-kpi-table", "data", allow_duplicate=True),
        Output("pfl-kpi-table", "columns", allow_duplicate=True),
        Output("pfl-message", "children", allow_duplicate=True),
        Input("pfl-request", "data"), State("scenario", "data"),
        background=True,
        running=[(Output("pfl-run", "disabled"), True, False),
                 (Output("pfl-cancel", "disabled"), False, True)],
        cancel=[Input("pfl-cancel", "n_clicks")],
        progress=[Output("pfl-progress", "value")], prevent_initial_call=True)
    def build(set_progress, request, store):
        if not services.start_job(store):
            return (*[no_update] * (len(FIGURES) + OUTPUTS - 1),
                    busy(services.jobs.limit, request["lang"]))
        return build_portfolios(services, store, request["lang"],
                                lambda step: set_progress((step,)))

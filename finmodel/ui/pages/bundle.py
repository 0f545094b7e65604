"""Bundle page: run the simulation (in the background, with progress and cancel), see the
gaps, the handoff chain, the money flows and the coverage; ask the designer."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from finmodel.bundle.designer import GapTarget, design_gap_closure
from finmodel.ui.components import card, graph, table
from finmodel.ui.figures import (
    empty_figure,
    make_coverage,
    make_gap_heatmap,
    make_gap_years,
    make_handoffs,
    make_sankey,
)
from finmodel.ui.i18n import text, word
from finmodel.ui.services import Services
from finmodel.vocabulary import Stage

FIGURES = (("bdl-heatmap", make_gap_heatmap), ("bdl-years", make_gap_years),
           ("bdl-handoffs", make_handoffs), ("bdl-sankey", make_sankey),
           ("bdl-coverage", make_coverage))


def layout(lang: str, services: Services, store: dict[str, str]) -> html.Div:
    stages = [{"label": word(s.value, lang), "value": s.value}
              for s in (Stage.seed, Stage.early, Stage.middle, Stage.later)]
    return html.Div([
        card(dbc.Button(text("run", lang), id="bdl-run", color="primary", className="me-2"),
             dbc.Button(text("cancel", lang), id="bdl-cancel", color="secondary", disabled=True),
             dbc.Progress(id="bdl-progress", value=0, max=100, className="mt-2",
                          style={"height": "18px"}),
             html.Div(id="bdl-message")),
        dbc.Row([dbc.Col(card(graph("bdl-heatmap")), md=6), dbc.Col(card(graph("bdl-years")), md=6)]),
        dbc.Row([dbc.Col(card(graph("bdl-handoffs")), md=6),
                 dbc.Col(card(graph("bdl-coverage")), md=6)]),
        card(graph("bdl-sankey")),
        card(html.H6(text("designer", lang)),
             dbc.Row([dbc.Col(dcc.Input(id="bdl-share", type="number", value=0.3, min=0.01,
                                        max=1, step=0.05), md=2),
                      dbc.Col(dcc.Dropdown(id="bdl-stage", options=stages, placeholder="all"), md=3),
                      dbc.Col(dbc.Button(text("run", lang), id="bdl-design", color="primary"),
                              md=2)]),
             table("bdl-designs")),
    ])


def register(app: Any, services: Services) -> None:
    @app.callback(
        *[Output(fid, "figure") for fid, _ in FIGURES], Output("bdl-message", "children"),
        Input("bdl-run", "n_clicks"), Input("lang", "value"), State("scenario", "data"),
        background=True,
        running=[(Output("bdl-run", "disabled"), True, False),
                 (Output("bdl-cancel", "disabled"), False, True)],
        cancel=[Input("bdl-cancel", "n_clicks")],
        progress=[Output("bdl-progress", "value"), Output("bdl-progress", "max")],
        prevent_initial_call=False)
    def simulate(set_progress, _n, lang, store):  # type: ignore[no-untyped-def]
        scenario = services.scenario(store)
        if not scenario.has_bundle:
            empty = empty_figure(text("fig_gap_heatmap", lang), text("no_bundle", lang), lang)
            return (*[empty] * len(FIGURES), dbc.Alert(text("no_bundle", lang), color="info"))
        results = services.cache.get_or_run(
            scenario, progress=lambda done, total: set_progress((done, total)))
        return (*[make(results, lang) for _, make in FIGURES], "")

    @app.callback(
        Output("bdl-designs", "data"), Output("bdl-designs", "columns"),
        Input("bdl-design", "n_clicks"), State("bdl-share", "value"), State("bdl-stage", "value"),
        State("scenario", "data"), background=True,
        running=[(Output("bdl-design", "disabled"), True, False)], prevent_initial_call=True)
    def design(_n, share, stage, store):  # type: ignore[no-untyped-def]
        scenario = services.scenario(store)
        if not scenario.has_bundle or not share:
            return [], []
        target = GapTarget(float(share), Stage(stage) if stage else None)
        designs = design_gap_closure(scenario, target, replications=10)
        columns = ["design", "value", "feasible", "gap_closed", "public_expected_cost",
                   "private_mobilised", "mobilisation_ratio"]
        shown = designs[columns].round(4)
        return shown.to_dict("records"), [{"name": c, "id": c} for c in columns]

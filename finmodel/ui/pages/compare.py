"""Compare page: several scenarios, or the runs of a batch results folder, side by side."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from finmodel.batch.store import read_store
from finmodel.headlines import bundle_headline, vehicle_headlines
from finmodel.ui.components import busy, card, graph, table
from finmodel.ui.figures import empty_figure, make_compare
from finmodel.ui.i18n import text
from finmodel.ui.services import Services
from finmodel.ui.state import parse_text


def _np_rounded(value: float, digits: int) -> float:
    """``value`` rounded as numpy rounds a numpy scalar, as the bundle's figures always were
    (Python's ``round``, used for the vehicles' figures, differs for extreme values)."""
    return float(np.round(value, digits))


def headline_table(named: list[tuple[str, Any]]) -> pd.DataFrame:
    """One row per scenario: its headline numbers."""
    rows = []
    for name, r in named:
        row: dict[str, Any] = {"scenario": name}
        for v in vehicle_headlines(r):
            row[f"{v.vehicle}: expected_loss"] = round(v.expected_loss, 2)
            row[f"{v.vehicle}: public_expected_cost"] = round(v.public_expected_cost, 2)
        b = bundle_headline(r)
        if b is not None:
            row |= {"total_gap": _np_rounded(b.total_gap, 1),
                    "public_expected_cost": _np_rounded(b.public_expected_cost, 1),
                    "mobilisation_ratio": _np_rounded(b.mobilisation_ratio, 2)}
        rows.append(row)
    return pd.DataFrame(rows)


def batch_table(folder: str) -> pd.DataFrame:
    """Headline rows of a batch results folder (vehicles and bundle summaries per run)."""
    _, tables = read_store(Path(folder))
    parts = []
    for kind in ("vehicles", "bundle_summary"):
        if kind in tables:
            parts.append(tables[kind].drop(columns=["source"], errors="ignore"))
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True).round(4)


def batch_figure(frame: pd.DataFrame, lang: str) -> Any:
    """Runs of a batch side by side on their first headline figure."""
    import plotly.graph_objects as go

    from finmodel.ui.figures import styled

    for column in ("expected_loss", "total_gap", "public_expected_cost"):
        if column in frame.columns:
            data = frame.dropna(subset=[column])
            fig = go.Figure(go.Bar(x=data["run_id"], y=data[column], name=text(column, lang)))
            fig.update_yaxes(title=text(column, lang))
            return styled(fig, text("fig_compare", lang), lang)
    return empty_figure(text("fig_compare", lang), "", lang)


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    options = [{"label": n, "value": n} for n in services.scenarios]
    return html.Div([
        card(dbc.Row([
            dbc.Col([html.Label(text("compare_pick", lang)),
                     dcc.Dropdown(id="cmp-pick", options=options, multi=True)], md=7),
            dbc.Col([html.Label(text("batch_folder", lang)),
                     dcc.Input(id="cmp-folder", type="text", style={"width": "100%"})], md=3),
            dbc.Col([dbc.Button(text("run", lang), id="cmp-go", color="primary",
                                className="mt-4 me-2"),
                     dbc.Button(text("cancel", lang), id="cmp-cancel", color="secondary",
                                className="mt-4", disabled=True)], md=2)]),
             dbc.Progress(id="cmp-progress", value=0, max=1, className="mt-2",
                          style={"height": "18px"}),
             html.Div(id="cmp-message")),
        card(table("cmp-table")),
        card(graph("cmp-chart")),
    ])


def compare_runs(services: Services, lang: str, picks: list[str] | None, folder: str | None,
                 progress: Callable[[int, int], None] | None = None) -> tuple[Any, ...]:
    """The compare page for shipped scenarios (run or found in the cache, reporting
    ``progress(done, total)``) or a batch results folder: the table's rows and columns,
    the chart and a message."""
    if folder:
        try:
            frame = batch_table(str(services.results_folder(folder)))
        except (FileNotFoundError, OSError) as exc:
            return [], [], empty_figure(text("fig_compare", lang), str(exc), lang), dbc.Alert(
                str(exc), color="danger")
        return (frame.to_dict("records"), [{"name": c, "id": c} for c in frame.columns],
                batch_figure(frame, lang), "")
    named = []
    for k, name in enumerate(picks or [], start=1):
        scenario = parse_text(services.scenarios[name].read_text(encoding="utf-8"), name)
        named.append((name, services.cache.get_or_run(scenario)))
        if progress is not None:
            progress(k, len(picks or []))
    if not named:
        return [], [], empty_figure(text("fig_compare", lang), "", lang), ""
    frame = headline_table(named)
    return (frame.to_dict("records"), [{"name": c, "id": c} for c in frame.columns],
            make_compare(named, lang), "")


def register(app: Any, services: Services) -> None:
    @app.callback(Output("cmp-table", "data"), Output("cmp-table", "columns"),
                  Output("cmp-chart", "figure"), Output("cmp-message", "children"),
                  Input("cmp-go", "n_clicks"), Input("lang", "value"), State("cmp-pick", "value"),
                  State("cmp-folder", "value"), State("scenario", "data"), background=True,
                  running=[(Output("cmp-go", "disabled"), True, False),
                           (Output("cmp-cancel", "disabled"), False, True)],
                  cancel=[Input("cmp-cancel", "n_clicks")],
                  progress=[Output("cmp-progress", "value"), Output("cmp-progress", "max")],
                  prevent_initial_call=True)
    def compare(set_progress, _n, lang, picks, folder, store):
        if not services.start_job(store):
            return no_update, no_update, no_update, busy(services.jobs.limit, lang)
        return compare_runs(services, lang, picks, folder,
                            lambda done, total: set_progress((done, total)))

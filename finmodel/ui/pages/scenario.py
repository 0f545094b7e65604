"""Scenario page: pick a shipped scenario or upload one, edit its main parameters, download."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from finmodel.scenario.errors import ScenarioError
from finmodel.ui.components import card, table
from finmodel.ui.i18n import text
from finmodel.ui.services import Services
from finmodel.ui.sessions import Session
from finmodel.ui.state import apply_edits, edit_tables, load_upload

TABLES = ("providers", "facilities", "tranches", "arrivals")
EDITABLE_COLUMNS = {"annual_budget", "rate", "max_expected_loss", "budget", "cap", "share",
                    "size", "coupon", "market_coupon", "firms"}


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    options = [{"label": name, "value": name} for name in services.scenarios]
    title, data, columns = _tables(services.session(store))
    return html.Div([
        card(dbc.Row([
            dbc.Col([html.Label(text("shipped", lang)),
                     dcc.Dropdown(id="scn-pick", options=options, clearable=False)], md=5),
            dbc.Col(dcc.Upload(id="scn-upload", children=html.Div(text("upload", lang)),
                               style={"border": "1px dashed #999", "borderRadius": "6px",
                                      "padding": "18px", "textAlign": "center"}), md=7),
        ])),
        html.Div(id="scn-message"),
        card(html.H5(title, id="scn-title"),
             *[html.Div([html.H6(text(name, lang)),
                         table(f"scn-{name}", editable=True, data=data[k], columns=columns[k])])
               for k, name in enumerate(TABLES)],
             dbc.Button(text("apply", lang), id="scn-apply", color="primary", className="me-2"),
             dbc.Button(text("download_yaml", lang), id="scn-download", color="secondary"),
             dcc.Download(id="scn-download-file")),
    ])


def _tables(session: Session) -> tuple[str, list[Any], list[Any]]:
    """Title, rows and columns of the editable tables for the session's scenario."""
    scenario = session.scenario
    tables = edit_tables(scenario)
    columns = [[{"name": key, "id": key, "editable": key in EDITABLE_COLUMNS,
                 "type": "numeric" if key in EDITABLE_COLUMNS else "text"}
                for key in (tables[name][0].keys() if tables[name] else [])] for name in TABLES]
    return (f"{scenario.name} ({session.name})", [tables[name] for name in TABLES], columns)


def _invalid(message: str, lang: str) -> Any:
    return dbc.Alert([html.B(text("invalid", lang)), html.Pre(message, className="fm-error")],
                     color="danger")


def change_scenario(services: Services, store: dict[str, Any], trigger: str | None,
                    pick: str | None, contents: str | None, filename: str | None, lang: str,
                    tables: dict[str, list[dict[str, Any]]]) -> tuple[Any, Any]:
    """(the browser's new store, a message) when the user picks a shipped scenario,
    uploads one or applies the tables' edits; ``no_update`` for the store when nothing
    valid changed (the session keeps its scenario)."""
    if trigger == "scn-pick" and pick:
        path = services.scenarios[pick]
        new = services.sessions.change(store, pick, path.read_text(encoding="utf-8"))
        return new, dbc.Alert(f"{text('loaded', lang)}: {pick}", color="success",
                              duration=4000)
    if trigger == "scn-upload" and contents:
        new_text, message = load_upload(contents, filename or "upload.yaml")
        if new_text is None:
            return no_update, _invalid(message, lang)
        try:  # valid, but it may cost more than the app allows
            new = services.sessions.change(store, filename or "upload.yaml", new_text)
        except ScenarioError as exc:
            return no_update, _invalid(str(exc), lang)
        return new, dbc.Alert(f"{text('loaded', lang)}: {message}", color="success",
                              duration=4000)
    if trigger == "scn-apply":
        session = services.session(store)
        try:
            edited = apply_edits(session.text, session.name, tables)
            new = services.sessions.change(store, session.name, edited)
        except ScenarioError as exc:
            return no_update, _invalid(str(exc), lang)
        return new, dbc.Alert(text("loaded", lang), color="success", duration=3000)
    return no_update, no_update


def download(session: Session) -> dict[str, str]:
    """The session's scenario as the user's own YAML text (comments kept)."""
    name = session.name if session.name.endswith(".yaml") else "scenario.yaml"
    return {"content": session.text, "filename": name}


def register(app: Any, services: Services) -> None:
    @app.callback(
        Output("scenario", "data"), Output("scn-message", "children"),
        Input("scn-pick", "value"), Input("scn-upload", "contents"), Input("scn-apply", "n_clicks"),
        State("scn-upload", "filename"), State("scenario", "data"), State("lang", "value"),
        *[State(f"scn-{name}", "data") for name in TABLES],
        prevent_initial_call=True)
    def changed(pick, contents, _apply, filename, store, lang, *tables):
        edits = dict(zip(TABLES, [t or [] for t in tables], strict=True))
        return change_scenario(services, store, ctx.triggered_id, pick, contents, filename,
                               lang, edits)

    @app.callback(
        Output("scn-title", "children"),
        *[Output(f"scn-{name}", "data") for name in TABLES],
        *[Output(f"scn-{name}", "columns") for name in TABLES],
        Input("scenario", "data"))
    def show_scenario(store):
        title, data, columns = _tables(services.session(store))
        return (title, *data, *columns)

    @app.callback(Output("scn-download-file", "data"), Input("scn-download", "n_clicks"),
                  State("scenario", "data"), prevent_initial_call=True)
    def download_file(_n, store):
        return download(services.session(store))

"""Bundle page: run the simulation (in the background, with progress and cancel), see the
gaps, the handoff chain, the money flows and the coverage; ask the designer, and apply
the design chosen.

The designer runs in its own background callback into an app-level store (so a change
of language does not lose its answer); the table is drawn from that store in the
current language. Each design is shown with its share of the gap closed on the tuning
replications and, out of sample, on fresh validation replications (with its standard
error and lower confidence bound) and whether it holds. *Apply* replaces the session's
scenario with the designed one (:func:`finmodel.ui.state.apply_design`), so every page
uses it, and re-runs the simulation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from finmodel.bundle.designer import GapTarget, design_gap_closure
from finmodel.scenario.errors import ScenarioError
from finmodel.ui.components import busy, card, graph, table
from finmodel.ui.figures import (
    empty_figure,
    make_coverage,
    make_gap_heatmap,
    make_gap_years,
    make_handoffs,
    make_sankey,
)
from finmodel.ui.i18n import amount, design_label, text, word
from finmodel.ui.services import Services
from finmodel.ui.state import apply_design, designed_name
from finmodel.vocabulary import Stage

FIGURES = (("bdl-heatmap", make_gap_heatmap), ("bdl-years", make_gap_years),
           ("bdl-handoffs", make_handoffs), ("bdl-sankey", make_sankey),
           ("bdl-coverage", make_coverage))

#: The designer in the app: tuning replications per trial, fresh validation replications,
#: the confidence of the lower bound, and how far budgets may grow. Measured on the shipped
#: bundles (two cores): 1-12 s per design run, target 30% of the total gap or of one stage.
DESIGN_REPLICATIONS = 20
DESIGN_VALIDATION = 40
DESIGN_CONFIDENCE = 0.9
DESIGN_SCALE = 4.0

#: The designer table's columns, in order, with their header keys.
DESIGN_COLUMNS = (("design", "col_design"), ("setting", "col_setting"),
                  ("tuning", "col_tuning"), ("validation", "col_validation"),
                  ("lower", "col_lower"), ("holds", "col_holds"),
                  ("public_expected_cost", "public_expected_cost"),
                  ("added_public_cost", "col_added_cost"),
                  ("private_mobilised", "private_mobilised"),
                  ("mobilisation_ratio", "mobilisation_ratio"))
SHARES = ("rate", "cap", "share")
AMOUNTS = ("budget", "annual_budget")


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    stages = [{"label": word(s.value, lang), "value": s.value}
              for s in (Stage.seed, Stage.early, Stage.middle, Stage.later)]
    return html.Div([
        card(dbc.Button(text("run", lang), id="bdl-run", color="primary", className="me-2"),
             dbc.Button(text("cancel", lang), id="bdl-cancel", color="secondary", disabled=True),
             dbc.Progress(id="bdl-progress", value=0, max=100, className="mt-2",
                          style={"height": "18px"}),
             html.Div(id="bdl-message"), dcc.Store(id="bdl-request")),
        dbc.Row([dbc.Col(card(graph("bdl-heatmap", 560)), md=6),
                 dbc.Col(card(graph("bdl-years", 560)), md=6)]),
        dbc.Row([dbc.Col(card(graph("bdl-handoffs")), md=6),
                 dbc.Col(card(graph("bdl-coverage")), md=6)]),
        card(graph("bdl-sankey")),
        card(html.H6(text("designer", lang)),
             dbc.Row([dbc.Col(dcc.Input(id="bdl-share", type="number", value=0.3, min=0.05,
                                        max=1, step=0.05), md=2),
                      dbc.Col(dcc.Dropdown(id="bdl-stage", options=stages,
                                           placeholder=text("all_stages", lang)), md=3),
                      dbc.Col([dbc.Button(text("run", lang), id="bdl-design", color="primary"),
                               html.Span(id="bdl-design-spinner", role="status",
                                         className="spinner-border spinner-border-sm "
                                                   "text-secondary ms-2",
                                         style={"display": "none"})], md=2)],
                     className="mb-2"),
             html.Div(design_note(lang), id="bdl-design-note", className="fm-label mb-2"),
             dcc.Store(id="bdl-design-answer"),
             table("bdl-designs", row_selectable="single", selected_rows=[], page_size=20,
                   style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"}
                                           for c in ("design", "holds")],
                   style_header={"whiteSpace": "normal", "height": "auto"},
                   style_cell={"whiteSpace": "normal", "height": "auto", "minWidth": "90px",
                               "maxWidth": "260px"},
                   style_data_conditional=[{"if": {"filter_query": '{holds} contains "✓"'},
                                            "backgroundColor": "#eaf4ea"}]),
             dbc.Button(text("apply_design", lang), id="bdl-apply", color="success",
                        className="mt-2", disabled=True),
             html.Div(id="bdl-apply-message", className="mt-2")),
    ])


def design_note(lang: str) -> str:
    """How the designs are tuned and checked, with the app's counts and confidence."""
    return text("design_note", lang).format(tuning=DESIGN_REPLICATIONS,
                                            validation=DESIGN_VALIDATION,
                                            confidence=f"{DESIGN_CONFIDENCE:.0%}")


def _share(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{round(float(value), 3) + 0.0:.1%}"  # + 0.0: no "-0.0%"


def setting_text(parameter: str, baseline: float, value: float, unit: str, lang: str) -> str:
    """A lever's setting as "now → designed" in the lever's own terms."""
    if parameter in SHARES:
        return f"{baseline:.0%} → {value:.1%}"
    if parameter in AMOUNTS:
        return f"{amount(baseline, unit, lang)} → {amount(value, unit, lang)}"
    if parameter == "capacity":
        firms = "社" if lang == "ja" else " firms"
        return f"{baseline:.0f} → {max(int(value), 1)}{firms}"
    return f"{baseline:g} → {value:g}"


def holds_text(row: dict[str, Any], lang: str) -> str:
    if row.get("holds"):
        return text("holds_yes", lang)
    return text("holds_no" if row.get("feasible") else "holds_out_of_reach", lang)


def design_records(designs: pd.DataFrame) -> list[dict[str, Any]]:
    """The designer's table as JSON-safe records (NaN as None) for the browser's store."""
    records = designs.astype(object).where(designs.notna(), None).to_dict("records")
    return [{str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in records]


def design_rows(answer: dict[str, Any], lang: str) -> tuple[list[dict[str, str]],
                                                             list[dict[str, str]]]:
    """Rows and columns of the designer table in ``lang`` from the stored answer."""
    unit = answer["unit"]
    confidence = f"{answer['confidence']:.0%}"
    columns = [{"name": text(key, lang).format(confidence=confidence), "id": cid}
               for cid, key in DESIGN_COLUMNS]
    rows = []
    for r in answer["rows"]:
        se = r.get("gap_closed_se")
        ratio = r.get("mobilisation_ratio")
        rows.append({
            "design": design_label(str(r["design"]), lang),
            "setting": setting_text(str(r["parameter"]), float(r["baseline"]), float(r["value"]),
                                    unit, lang),
            "tuning": _share(r.get("gap_closed_tuning")),
            "validation": f"{_share(r.get('gap_closed'))} ± {_share(se)}",
            "lower": _share(r.get("gap_closed_lower")),
            "holds": holds_text(r, lang),
            "public_expected_cost": amount(r["public_expected_cost"], unit, lang),
            "added_public_cost": amount(r["added_public_cost"], unit, lang),
            "private_mobilised": amount(r["private_mobilised"], unit, lang),
            "mobilisation_ratio": "-" if ratio is None or ratio != ratio else f"{ratio:.2f}",
        })
    return rows, columns


def designs_view(answer: dict[str, Any] | None, key: str, lang: str) -> tuple[Any, ...]:
    """The designer table's rows, columns, selected row, whether *Apply* is disabled and the
    note above it, for the stored answer and the session's scenario (hash ``key``).

    The first design that holds is selected; when none holds nothing is, so a design that
    misses its target is applied only when chosen.
    """
    note = design_note(lang)
    if not answer:
        return [], [], [], True, note
    if answer["key"] != key:
        return [], [], [], True, f"{note} {text('design_stale', lang)}"
    if answer["rows"] and all((r.get("baseline_gap") or 0.0) <= 0 for r in answer["rows"]):
        return [], [], [], True, text("design_no_gap", lang)
    rows, columns = design_rows(answer, lang)
    holding = [k for k, r in enumerate(answer["rows"]) if r.get("holds")]
    if rows and not holding:
        note = f"{note} {text('design_none_holds', lang)}"
    return rows, columns, holding[:1], not rows, note


def applied_message(row: dict[str, Any], unit: str, lang: str, confidence: float) -> str:
    """The confirmation shown when a design has been applied."""
    holds = text("holds_at", lang).format(holds=holds_text(row, lang), confidence=f"{confidence:.0%}")
    return text("design_applied", lang).format(
        design=design_label(str(row["design"]), lang),
        setting=setting_text(str(row["parameter"]), float(row["baseline"]), float(row["value"]),
                             unit, lang),
        share=_share(row.get("gap_closed")), se=_share(row.get("gap_closed_se")), holds=holds)


def _bundle_view(lang: str) -> tuple[str, Any]:
    def build(results: Any) -> tuple[Any, ...]:
        return (*[make(results, lang).to_plotly_json() for _, make in FIGURES], "")

    return f"bundle:{lang}", build


def _no_bundle(lang: str) -> tuple[Any, ...]:
    empty = empty_figure(text("fig_gap_heatmap", lang), text("no_bundle", lang), lang)
    return (*[empty] * len(FIGURES), dbc.Alert(text("no_bundle", lang), color="info"))


def known_bundle(services: Services, store: dict[str, Any], lang: str) -> tuple[Any, ...] | None:
    """The page's figures and message when they cost no simulation (results run before,
    or a scenario without a bundle); None when the bundle must be simulated."""
    scenario = services.scenario(store)
    if not scenario.has_bundle:
        return _no_bundle(lang)
    view, build = _bundle_view(lang)
    shown: tuple[Any, ...] | None = services.cache.peek_view(scenario, view, build)
    return shown


def run_bundle(services: Services, store: dict[str, Any], lang: str,
               progress: Callable[[int, int], None] | None = None) -> tuple[Any, ...]:
    """Simulate the session's bundle (reporting ``progress(done, total)``): the page's
    figures and message."""
    scenario = services.scenario(store)
    if not scenario.has_bundle:
        return _no_bundle(lang)
    services.cache.get_or_run(scenario, progress=progress)
    view, build = _bundle_view(lang)
    shown: tuple[Any, ...] = services.cache.get_or_view(scenario, view, build)
    return shown


def design_answer(services: Services, store: dict[str, Any], share: float | None,
                  stage: str | None) -> dict[str, Any] | None:
    """The designer's answer for the session's scenario (every design, with its tuning
    and validation shares), keyed by the scenario it was for; None without a bundle."""
    session = services.session(store)
    scenario = session.scenario
    if not scenario.has_bundle or not share:
        return None
    target = GapTarget(float(share), Stage(stage) if stage else None)
    designs = design_gap_closure(scenario, target, replications=DESIGN_REPLICATIONS,
                                 scale=DESIGN_SCALE, validation_replications=DESIGN_VALIDATION,
                                 confidence=DESIGN_CONFIDENCE)
    return {"key": session.compiled.key, "share": float(share), "stage": stage,
            "unit": scenario.unit, "confidence": DESIGN_CONFIDENCE,
            "rows": design_records(designs)}


def apply_selected(services: Services, store: dict[str, Any], selected: list[int] | None,
                   answer: dict[str, Any] | None, lang: str, runs: int | None
                   ) -> tuple[Any, Any, Any]:
    """Apply the chosen design to the session's scenario: (the browser's new store, a
    message, the run button's new click count, which starts a simulation of it)."""
    session = services.session(store)
    if not answer or not selected or answer["key"] != session.compiled.key:
        return no_update, dbc.Alert(text("design_choose", lang), color="warning"), no_update
    row = answer["rows"][selected[0]]
    try:
        designed = apply_design(session.text, session.name, answer["share"], answer["stage"],
                                row, DESIGN_SCALE)
        new = services.sessions.change(store, designed_name(session.name), designed)
    except (ScenarioError, ValueError) as exc:
        return no_update, dbc.Alert([html.B(text("invalid", lang)),
                                     html.Pre(str(exc), className="fm-error")],
                                    color="danger"), no_update
    message = applied_message(row, answer["unit"], lang, answer["confidence"])
    return new, dbc.Alert(message, color="success", id="bdl-applied"), (runs or 0) + 1


def register(app: Any, services: Services) -> None:
    # Results run before show at once (a background job costs a process and a poll);
    # otherwise the run goes to the background callback, with progress and cancel.
    @app.callback(
        *[Output(fid, "figure") for fid, _ in FIGURES], Output("bdl-message", "children"),
        Output("bdl-request", "data"),
        Input("bdl-run", "n_clicks"), Input("lang", "value"), State("scenario", "data"))
    def show(_n, lang, store):
        shown = known_bundle(services, store, lang)
        if shown is None:
            return (*[no_update] * (len(FIGURES) + 1), {"lang": lang})
        return (*shown, no_update)

    @app.callback(
        *[Output(fid, "figure", allow_duplicate=True) for fid, _ in FIGURES],
        Output("bdl-message", "children", allow_duplicate=True),
        Input("bdl-request", "data"), State("scenario", "data"),
        background=True,
        running=[(Output("bdl-run", "disabled"), True, False),
                 (Output("bdl-cancel", "disabled"), False, True)],
        cancel=[Input("bdl-cancel", "n_clicks")],
        progress=[Output("bdl-progress", "value"), Output("bdl-progress", "max")],
        prevent_initial_call=True)
    def simulate(set_progress, request, store):
        if not services.start_job(store):
            return (*[no_update] * len(FIGURES), busy(services.jobs.limit, request["lang"]))
        return run_bundle(services, store, request["lang"],
                          lambda done, total: set_progress((done, total)))

    # The designer answers into a store of the page (inserted with its button, so the
    # callback does not fire when the page appears), copied into the app's store.
    @app.callback(
        Output("bdl-design-answer", "data"),
        Input("bdl-design", "n_clicks"), State("bdl-share", "value"), State("bdl-stage", "value"),
        State("scenario", "data"), background=True,
        running=[(Output("bdl-design", "disabled"), True, False),
                 (Output("bdl-design-spinner", "style"), {"display": "inline-block"},
                  {"display": "none"})],
        prevent_initial_call=True)
    def design(_n, share, stage, store):
        if not services.start_job(store):
            return None
        return design_answer(services, store, share, stage)

    @app.callback(Output("bdl-design-store", "data"), Input("bdl-design-answer", "data"),
                  prevent_initial_call=True)
    def keep_designs(answer):
        if answer is None:  # the page appeared (its input is new; the app's store is not)
            raise PreventUpdate
        return answer

    @app.callback(
        Output("bdl-designs", "data"), Output("bdl-designs", "columns"),
        Output("bdl-designs", "selected_rows"), Output("bdl-apply", "disabled"),
        Output("bdl-design-note", "children"),
        Input("bdl-design-store", "data"), Input("lang", "value"), Input("scenario", "data"))
    def show_designs(answer, lang, store):
        return designs_view(answer, services.session(store).compiled.key, lang)

    @app.callback(
        Output("scenario", "data", allow_duplicate=True), Output("bdl-apply-message", "children"),
        Output("bdl-run", "n_clicks"),
        Input("bdl-apply", "n_clicks"), State("bdl-designs", "selected_rows"),
        State("bdl-design-store", "data"), State("scenario", "data"), State("lang", "value"),
        State("bdl-run", "n_clicks"), prevent_initial_call=True)
    def apply(n_clicks, selected, answer, store, lang, runs):
        if not n_clicks:  # the page appeared: its button is new, the scenario store is not
            raise PreventUpdate
        return apply_selected(services, store, selected, answer, lang, runs)

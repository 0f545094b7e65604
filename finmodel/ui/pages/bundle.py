"""Bundle page: run the simulation (in the background, with progress, an ETA and cancel),
see the gaps, the handoff chain, the money flows and the coverage; ask the designer, and
apply the design chosen.

A run outlives the page: the job notes its progress in a small file (by scenario hash),
so a user who leaves the tab and comes back follows the same run (a poll of that note)
instead of starting, and killing, another; its results land in the app's results cache.

The designer runs in its own background callback into an app-level store (so a change
of language does not lose its answer); the table is drawn from that store in the
current language, with the scenario's display names and one money unit. Each design is
shown with its share of the gap closed on the tuning replications and, out of sample, on
fresh validation replications (with its standard error and lower confidence bound) and
whether it holds. *Apply* replaces the session's scenario with the designed one
(:func:`finmodel.ui.state.apply_design`), so every page uses it, and re-runs the
simulation.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from finmodel.bundle.designer import GapTarget, design_gap_closure
from finmodel.compiled import scenario_hash
from finmodel.names import named, scenario_title
from finmodel.scenario.errors import ScenarioError
from finmodel.scenario.model import Scenario
from finmodel.ui import figures
from finmodel.ui.components import busy, card, help_label, table
from finmodel.ui.figures import (
    make_coverage,
    make_gap_heatmap,
    make_gap_years,
    make_handoffs,
    make_sankey,
)
from finmodel.ui.i18n import MoneyUnit, dropdown_labels, money_unit, text, word
from finmodel.ui.progress import duration_text, progress_text
from finmodel.ui.run_notes import RunNote, drop_note, end_noted_job, live_note, write_note
from finmodel.ui.services import Services
from finmodel.ui.state import apply_design, designed_name
from finmodel.vocabulary import Stage

FIGURES = (("bdl-heatmap", make_gap_heatmap, "fig_gap_heatmap"),
           ("bdl-years", make_gap_years, "fig_gap_years"),
           ("bdl-handoffs", make_handoffs, "fig_handoffs"),
           ("bdl-sankey", make_sankey, "fig_sankey"),
           ("bdl-coverage", make_coverage, "fig_coverage"))

#: The designer in the app: tuning replications per trial, fresh validation replications,
#: the confidence of the lower bound, and how far budgets may grow. Measured on the shipped
#: bundles (two cores): 1-12 s per design run, target 30% of the total gap or of one stage.
DESIGN_REPLICATIONS = 20
DESIGN_VALIDATION = 40
DESIGN_CONFIDENCE = 0.9
DESIGN_SCALE = 4.0
#: The designer's share input, in % of the gap (the model takes a share in (0, 1]).
SHARE_PERCENT = {"value": 30, "min": 5, "max": 100, "step": 5}

#: The designer table's columns, in order, with their header keys; the money columns
#: carry the table's one money unit in their header.
DESIGN_COLUMNS = (("design", "col_design"), ("setting", "col_setting"),
                  ("tuning", "col_tuning"), ("validation", "col_validation"),
                  ("lower", "col_lower"), ("holds", "col_holds"),
                  ("public_expected_cost", "public_expected_cost"),
                  ("added_public_cost", "col_added_cost"),
                  ("private_mobilised", "private_mobilised"),
                  ("mobilisation_ratio", "mobilisation_ratio"))
MONEY_COLUMNS = ("public_expected_cost", "added_public_cost", "private_mobilised")
SHARES = ("rate", "cap", "share")
AMOUNTS = ("budget", "annual_budget")
#: How often the page polls a run it follows (after leaving the tab and coming back).
POLL_MS = 1000


# -- words --------------------------------------------------------------------------------
def with_unit(label: str, unit: str, lang: str) -> str:
    """A header with its unit: ``label（unit）`` in Japanese, ``label (unit)`` in English."""
    return f"{label}（{unit}）" if lang == "ja" else f"{label} ({unit})"


# -- a run that outlives the page --------------------------------------------------------
def note_path(folder: Path | None, digest: str) -> Path | None:
    """Where the job running scenario ``digest`` notes its progress (None: not noted)."""
    return None if folder is None else folder / "bundle-runs" / f"{digest[:40]}.json"


def _note_of(services: Services, scenario: Scenario) -> Path | None:
    return note_path(services.jobs.folder, scenario_hash(scenario))


# -- the figures ------------------------------------------------------------------------------
def waiting(title_key: str, message: str, lang: str) -> Any:
    """A chart before there is anything to draw: its title and what to do."""
    make = getattr(figures, "waiting_figure", None)
    if make is not None:
        try:
            return make(text(title_key, lang), lang, message).to_plotly_json()
        except TypeError:
            return make(text(title_key, lang), lang).to_plotly_json()
    return figures.empty_figure(text(title_key, lang), message, lang).to_plotly_json()


def waiting_figures(lang: str, message_key: str = "bdl_fig_waiting") -> list[Any]:
    return [waiting(key, text(message_key, lang), lang) for _, _, key in FIGURES]


def bundle_examples(services: Services, lang: str, limit: int = 2) -> str:
    """Display names of a few shipped scenarios with a bundle (for the no-bundle page)."""
    from finmodel.ui.state import parse_text

    found: list[str] = []
    for name, path in services.scenarios.items():
        if len(found) >= limit:
            break
        if not name.startswith("bundle_"):
            continue
        with contextlib.suppress(ScenarioError, OSError):
            scenario = parse_text(path.read_text(encoding="utf-8"), name)
            if scenario.has_bundle:
                found.append(f"「{scenario_title(scenario, lang)}」" if lang == "ja"
                             else f"“{scenario_title(scenario, lang)}”")
    return ("、" if lang == "ja" else ", ").join(found)


def no_bundle_message(services: Services, lang: str) -> dbc.Alert:
    """The one message a scenario without a bundle gets, with what to do instead."""
    return dbc.Alert([html.H5(text("bdl_no_bundle_title", lang), className="alert-heading"),
                      html.P(text("bdl_no_bundle_todo", lang).format(
                          examples=bundle_examples(services, lang)), className="mb-0")],
                     color="info", id="bdl-no-bundle")


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    stages = [{"label": word(s.value, lang), "value": s.value}
              for s in (Stage.seed, Stage.early, Stage.middle, Stage.later)]
    has_bundle = services.scenario(store).has_bundle
    shown = waiting_figures(lang)
    charts = []
    for (fid, _, _), height, figure in zip(FIGURES, (560, 560, 460, 460, 460), shown,
                                           strict=True):
        charts.append(dcc.Graph(id=fid, figure=figure, config={"displaylogo": False},
                                style={"height": f"{height}px"}))
    heatmap, years, handoffs, sankey, coverage = charts
    page = html.Div([
        card(dbc.Button(text("run", lang), id="bdl-run", color="primary", className="me-2"),
             dbc.Button(text("cancel", lang), id="bdl-cancel", color="secondary", disabled=True),
             dbc.Progress(id="bdl-progress", value=0, max=1, className="mt-2",
                          style={"height": "18px"}),
             html.Div(id="bdl-progress-text", className="fm-label mt-1", role="status"),
             html.Div(id="bdl-message"), dcc.Store(id="bdl-request"),
             dcc.Interval(id="bdl-poll", interval=POLL_MS, disabled=True)),
        dbc.Row([dbc.Col(card(heatmap), md=6), dbc.Col(card(years), md=6)]),
        dbc.Row([dbc.Col(card(handoffs), md=6), dbc.Col(card(coverage), md=6)]),
        card(sankey),
        card(html.H6(text("designer", lang)),
             dbc.Row([dbc.Col([help_label(text("bdl_share_label", lang),
                                          text("bdl_share_tip", lang), "bdl-share"),
                               dcc.Input(id="bdl-share", type="number",
                                         value=SHARE_PERCENT["value"],
                                         min=SHARE_PERCENT["min"], max=SHARE_PERCENT["max"],
                                         step=SHARE_PERCENT["step"],
                                         style={"width": "100%"}),
                               html.Div(id="bdl-share-feedback", className="text-danger small")],
                              md=3),
                      dbc.Col([help_label(text("bdl_stage_label", lang),
                                          text("bdl_stage_tip", lang), "bdl-stage"),
                               dcc.Dropdown(id="bdl-stage", options=stages,
                                            placeholder=text("all_stages", lang),
                                            searchable=False, labels=cast(Any, dropdown_labels(lang)))],
                              md=3),
                      dbc.Col([dbc.Button(text("bdl_design_run", lang), id="bdl-design",
                                          color="primary"),
                               html.Span(id="bdl-design-spinner", role="status",
                                         className="spinner-border spinner-border-sm "
                                                   "text-secondary ms-2",
                                         style={"display": "none"})], md=3,
                              className="d-flex align-items-end")],
                     className="mb-2"),
             html.Div(design_note(lang), id="bdl-design-note", className="fm-label mb-2"),
             dcc.Store(id="bdl-design-answer"),
             # new with every build of the page: the designs are shown again after any
             # rebuild (a change of language), whatever else is still on its way
             dcc.Store(id="bdl-designs-page", data=[]),
             table("bdl-designs", row_selectable="single", selected_rows=[], page_size=20,
                   style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"}
                                           for c in ("design", "holds", "setting")],
                   style_header={"whiteSpace": "normal", "height": "auto"},
                   style_cell={"whiteSpace": "normal", "height": "auto", "minWidth": "90px",
                               "maxWidth": "260px"},
                   style_data_conditional=[{"if": {"filter_query": '{holds} contains "✓"'},
                                            "backgroundColor": "#eaf4ea"},
                                           {"if": {"filter_query": '{validation} contains "※"',
                                                   "column_id": "validation"},
                                            "color": "#b2182b"}]),
             html.Div(id="bdl-design-help", className="fm-label mt-2"),
             dbc.Button(text("apply_design", lang), id="bdl-apply", color="success",
                        className="mt-2", disabled=True),
             html.Div(id="bdl-apply-message", className="mt-2")),
    ], style=None if has_bundle else {"display": "none"})
    if has_bundle:
        return page
    # One message, with what to do; the page's parts stay (hidden) for its callbacks.
    return html.Div([card(no_bundle_message(services, lang)), page])


def design_note(lang: str) -> str:
    """How the designs are tuned and checked, with the app's counts and confidence."""
    return text("design_note", lang).format(tuning=DESIGN_REPLICATIONS,
                                            validation=DESIGN_VALIDATION,
                                            confidence=f"{DESIGN_CONFIDENCE:.0%}")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _share(value: Any) -> str:
    if _missing(value):
        return "–"
    return f"{round(float(value), 3) + 0.0:.1%}"  # + 0.0: no "-0.0%"


def design_name(design: str, scenario: Scenario | None, lang: str) -> str:
    """A designer's design (``widen X: budget``, ``add guarantee (cgc)``, ``raise X:
    annual budget``, alternatives joined by `` = ``) in ``lang``, with the display names of
    the scenario's providers and facilities; unknown forms as they are."""
    def name(key: str) -> str:
        return named(scenario, key, lang) if scenario is not None else key

    parts = []
    for part in design.split(" = "):
        lever = re.fullmatch(r"(?:widen|raise) (\S+): (budget|rate|cap|share|annual budget|"
                             r"support capacity)", part)
        new = re.fullmatch(r"add (guarantee|first_loss|concessional) \((\S+)\)", part)
        if lever:
            key = {"annual budget": "annual_budget", "support capacity": "capacity"}.get(
                lever.group(2), lever.group(2))
            parts.append(text(f"bdl_lever_{key}", lang).format(item=name(lever.group(1))))
        elif new:
            parts.append(text("bdl_new_line", lang).format(
                line=text(f"bdl_line_{new.group(1)}", lang), provider=name(new.group(2))))
        else:
            parts.append(part)
    return text("bdl_or", lang).join(parts)


def setting_text(parameter: str, baseline: float, value: float, unit: str, lang: str,
                 money: MoneyUnit | None = None) -> str:
    """A lever's setting as "now → designed" in the lever's own terms (amounts in
    ``money``, the table's unit, else one chosen for the two)."""
    if parameter in SHARES:
        return f"{baseline:.0%} → {value:.1%}"
    if parameter in AMOUNTS:
        money = money or money_unit([baseline, value], unit, lang)
        return f"{money.format(baseline)} → {money.format(value, with_label=True)}"
    if parameter == "capacity":
        firms = text("bdl_firms", lang)
        sep = "" if lang == "ja" else " "
        return f"{baseline:.0f} → {max(int(value), 1)}{sep}{firms}"
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


def _money_of(answer: dict[str, Any], lang: str) -> MoneyUnit:
    values: list[float] = []
    for r in answer["rows"]:
        values += [float(r[c]) for c in MONEY_COLUMNS if not _missing(r.get(c))]
        if r.get("parameter") in AMOUNTS:
            values += [float(r["baseline"]), float(r["value"])]
    return money_unit(values, answer["unit"], lang)


def widens(row: dict[str, Any]) -> bool:
    """Whether a design widens the gap (a negative share closed) on the fresh replications."""
    share = row.get("gap_closed")
    return share is not None and not _missing(share) and float(share) < -0.0005


def design_rows(answer: dict[str, Any], lang: str, scenario: Scenario | None = None
                ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Rows and columns of the designer table in ``lang`` from the stored answer: one money
    unit for the table (in the money columns' headers), the scenario's display names."""
    confidence = f"{answer['confidence']:.0%}"
    money = _money_of(answer, lang)
    columns = []
    for cid, key in DESIGN_COLUMNS:
        label = text(key, lang).format(confidence=confidence)
        if cid in MONEY_COLUMNS:
            label = with_unit(label, money.label, lang)
        elif cid == "mobilisation_ratio":
            label = with_unit(label, text("bdl_times", lang), lang)
        columns.append({"name": label, "id": cid})
    rows = []
    for r in answer["rows"]:
        ratio = r.get("mobilisation_ratio")
        validation = f"{_share(r.get('gap_closed'))} ± {_share(r.get('gap_closed_se'))}"
        rows.append({
            "design": design_name(str(r["design"]), scenario, lang),
            "setting": setting_text(str(r["parameter"]), float(r["baseline"]), float(r["value"]),
                                    answer["unit"], lang, money),
            "tuning": _share(r.get("gap_closed_tuning")),
            "validation": f"{validation} ※" if widens(r) else validation,
            "lower": _share(r.get("gap_closed_lower")),
            "holds": holds_text(r, lang),
            **{c: money.format(None if _missing(r.get(c)) else float(r[c]))
               for c in MONEY_COLUMNS},
            "mobilisation_ratio": "–" if _missing(ratio) else f"{ratio:.2f}",
        })
    return rows, columns


def design_help(answer: dict[str, Any] | None, lang: str) -> list[Any]:
    """What each figure of the designer table means, with its unit; and, when a design
    widens the gap, why."""
    if not answer or not answer.get("rows"):
        return []
    from scipy.stats import norm

    confidence = float(answer["confidence"])
    money = _money_of(answer, lang)
    items = [text("bdl_help_share", lang), text("bdl_help_se", lang),
             text("bdl_help_lower", lang).format(z=float(norm.ppf(confidence)),
                                                 confidence=f"{confidence:.0%}"),
             text("bdl_help_cost", lang).format(unit=money.label),
             text("bdl_help_ratio", lang)]
    out: list[Any] = [html.Div(text("bdl_help_title", lang), className="fw-bold"),
                      html.Ul([html.Li(item) for item in items], className="mb-1")]
    if any(widens(r) for r in answer["rows"]):
        out.append(html.Div(text("bdl_negative_note", lang), id="bdl-negative-note",
                            className="text-danger"))
    return out


def designs_view(answer: dict[str, Any] | None, key: str, lang: str,
                 scenario: Scenario | None = None) -> tuple[Any, ...]:
    """The designer table's rows, columns, selected row, whether *Apply* is disabled, the
    note above it and the help under it, for the stored answer and the session's scenario
    (hash ``key``).

    The first design that holds is selected; when none holds nothing is, so a design that
    misses its target is applied only when chosen.
    """
    note = design_note(lang)
    if not answer:
        return [], [], [], True, note, []
    if answer["key"] != key:
        return [], [], [], True, f"{note} {text('design_stale', lang)}", []
    if answer["rows"] and all((r.get("baseline_gap") or 0.0) <= 0 for r in answer["rows"]):
        return [], [], [], True, text("design_no_gap", lang), []
    rows, columns = design_rows(answer, lang, scenario)
    holding = [k for k, r in enumerate(answer["rows"]) if r.get("holds")]
    if rows and not holding:
        note = f"{note} {text('design_none_holds', lang)}"
    return rows, columns, holding[:1], not rows, note, design_help(answer, lang)


def applied_message(row: dict[str, Any], unit: str, lang: str, confidence: float,
                    scenario: Scenario | None = None) -> str:
    """The confirmation shown when a design has been applied: what changed, from what to
    what, and what it closes."""
    holds = text("holds_at", lang).format(holds=holds_text(row, lang), confidence=f"{confidence:.0%}")
    return text("design_applied", lang).format(
        design=design_name(str(row["design"]), scenario, lang),
        setting=setting_text(str(row["parameter"]), float(row["baseline"]), float(row["value"]),
                             unit, lang),
        share=_share(row.get("gap_closed")), se=_share(row.get("gap_closed_se")), holds=holds)


# -- running ----------------------------------------------------------------------------------
def _bundle_view(lang: str) -> tuple[str, Any]:
    def build(results: Any) -> tuple[Any, ...]:
        return (*[make(results, lang).to_plotly_json() for _, make, _ in FIGURES], "")

    return f"bundle:{lang}", build


def _no_bundle(lang: str) -> tuple[Any, ...]:
    # the page shows one message instead (see layout); its hidden charts say the same
    return (*waiting_figures(lang, "no_bundle"), "")


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
    """Simulate the session's bundle (reporting ``progress(done, total)``, and noting it
    for a page that comes back): the page's figures and message."""
    scenario = services.scenario(store)
    if not scenario.has_bundle:
        return _no_bundle(lang)
    path = _note_of(services, scenario)
    started = time.time()
    import psutil

    me = psutil.Process()
    replications = scenario.simulation.replications if scenario.simulation else 0

    def noted(done: int, total: int) -> None:
        write_note(path, RunNote(me.pid, me.create_time(), done, total, started, time.time()))
        if progress is not None:
            progress(done, total)

    noted(0, replications)
    try:
        services.cache.get_or_run(scenario, progress=noted)
    finally:
        drop_note(path)
    view, build = _bundle_view(lang)
    shown: tuple[Any, ...] = services.cache.get_or_view(scenario, view, build)
    finished = text("bdl_finished", lang).format(
        n=replications, time=duration_text(time.time() - started, lang))
    return (*shown[:-1], html.Div(finished, className="fm-label mt-1"))


def follow_state(services: Services, store: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the page shows of a run it does not own (started before the user left the
    tab): ``{"running": True, "done", "total", "text"}`` while it goes, else
    ``{"running": False, "shown": figures and message or None}``."""
    scenario = services.scenario(store)
    note = live_note(_note_of(services, scenario))
    if note is not None:
        return {"running": True, "done": note.done, "total": max(note.total, 1),
                "text": progress_text(note.done, note.total, time.time() - note.started, lang)}
    return {"running": False, "shown": known_bundle(services, store, lang)}


def cancel_run(services: Services, store: dict[str, Any], lang: str) -> dbc.Alert:
    """End the session's bundle run if it is still going (the server's own job only):
    the message that says so."""
    end_noted_job(_note_of(services, services.scenario(store)))
    return dbc.Alert(text("bdl_cancelled", lang), color="secondary", id="bdl-cancelled")


def design_answer(services: Services, store: dict[str, Any], share_percent: float | None,
                  stage: str | None) -> dict[str, Any] | None:
    """The designer's answer for the session's scenario (every design, with its tuning
    and validation shares), keyed by the scenario it was for; None without a bundle or
    with a share (in %) outside 5-100."""
    session = services.session(store)
    scenario = session.scenario
    share = share_fraction(share_percent)
    if not scenario.has_bundle or share is None:
        return None
    target = GapTarget(share, Stage(stage) if stage else None)
    designs = design_gap_closure(scenario, target, replications=DESIGN_REPLICATIONS,
                                 scale=DESIGN_SCALE, validation_replications=DESIGN_VALIDATION,
                                 confidence=DESIGN_CONFIDENCE)
    return {"key": session.compiled.key, "share": share, "stage": stage,
            "unit": scenario.unit, "confidence": DESIGN_CONFIDENCE,
            "rows": design_records(designs)}


def share_fraction(percent: Any) -> float | None:
    """The designer's share input (in %) as the model's share in (0, 1]; None when it is
    missing or outside the input's range."""
    try:
        value = float(percent)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or not SHARE_PERCENT["min"] <= value <= SHARE_PERCENT["max"]:
        return None
    return value / 100.0


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
    message = applied_message(row, answer["unit"], lang, answer["confidence"], session.scenario)
    return new, dbc.Alert(message, color="success", id="bdl-applied"), (runs or 0) + 1


def register(app: Any, services: Services) -> None:
    figure_outputs = [Output(fid, "figure") for fid, _, _ in FIGURES]

    def again(outputs: list[Output]) -> list[Output]:
        return [Output(o.component_id, o.component_property, allow_duplicate=True)
                for o in outputs]

    # Results run before show at once (a background job costs a process and a poll); a
    # run still going (the user left the tab and came back) is followed by a poll;
    # otherwise the run goes to the background callback, with progress and cancel.
    @app.callback(
        *figure_outputs, Output("bdl-message", "children"), Output("bdl-request", "data"),
        Output("bdl-poll", "disabled"),
        Input("bdl-run", "n_clicks"), Input("lang", "value"), State("scenario", "data"))
    def show(_n, lang, store):
        shown = known_bundle(services, store, lang)
        if shown is not None:
            return (*shown, no_update, True)
        state = follow_state(services, store, lang)
        if state["running"]:
            return (*[no_update] * len(FIGURES), text("bdl_following", lang), no_update, False)
        return (*[no_update] * (len(FIGURES) + 1), {"lang": lang}, True)

    @app.callback(
        *again(figure_outputs), Output("bdl-message", "children", allow_duplicate=True),
        Input("bdl-request", "data"), State("scenario", "data"),
        background=True,
        running=[(Output("bdl-run", "disabled"), True, False),
                 (Output("bdl-cancel", "disabled"), False, True)],
        cancel=[Input("bdl-cancel", "n_clicks")],
        progress=[Output("bdl-progress", "value"), Output("bdl-progress", "max"),
                  Output("bdl-progress-text", "children")],
        progress_default=[0, 1, ""],
        prevent_initial_call=True)
    def simulate(set_progress, request, store):
        if not services.start_job(store):
            return (*[no_update] * len(FIGURES), busy(services.jobs.limit, request["lang"]))
        started = time.time()
        lang = request["lang"]
        return run_bundle(services, store, lang, lambda done, total: set_progress(
            (done, max(total, 1), progress_text(done, total, time.time() - started, lang))))

    @app.callback(
        *again(figure_outputs), Output("bdl-message", "children", allow_duplicate=True),
        Output("bdl-progress", "value", allow_duplicate=True),
        Output("bdl-progress", "max", allow_duplicate=True),
        Output("bdl-progress-text", "children", allow_duplicate=True),
        Output("bdl-poll", "disabled", allow_duplicate=True),
        Output("bdl-run", "disabled", allow_duplicate=True),
        Output("bdl-cancel", "disabled", allow_duplicate=True),
        Input("bdl-poll", "n_intervals"), State("lang", "value"), State("scenario", "data"),
        prevent_initial_call=True)
    def follow(_n, lang, store):
        state = follow_state(services, store, lang)
        if state["running"]:
            return (*[no_update] * (len(FIGURES) + 1), state["done"], state["total"],
                    state["text"], False, True, False)
        shown = state["shown"]
        if shown is None:  # the run ended without results: cancelled or replaced
            return (*[no_update] * len(FIGURES),
                    dbc.Alert(text("bdl_interrupted", lang), color="warning"),
                    0, 1, "", True, False, True)
        return (*shown, 0, 1, "", True, False, True)

    @app.callback(
        Output("bdl-message", "children", allow_duplicate=True),
        Output("bdl-progress", "value", allow_duplicate=True),
        Output("bdl-progress-text", "children", allow_duplicate=True),
        Output("bdl-poll", "disabled", allow_duplicate=True),
        Output("bdl-run", "disabled", allow_duplicate=True),
        Output("bdl-cancel", "disabled", allow_duplicate=True),
        Input("bdl-cancel", "n_clicks"), State("lang", "value"), State("scenario", "data"),
        prevent_initial_call=True)
    def cancel(n_clicks, lang, store):
        if not n_clicks:
            raise PreventUpdate
        return cancel_run(services, store, lang), 0, "", True, False, True

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
        if share_fraction(share) is None or not services.start_job(store):
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
        Output("bdl-design-note", "children"), Output("bdl-design-help", "children"),
        Input("bdl-design-store", "data"), Input("bdl-designs-page", "data"),
        Input("scenario", "data"), State("lang", "value"))
    def show_designs(answer, _built, store, lang):
        session = services.session(store)
        return designs_view(answer, session.compiled.key, lang, session.scenario)

    @app.callback(Output("bdl-share", "className"), Output("bdl-share-feedback", "children"),
                  Input("bdl-share", "value"), State("lang", "value"))
    def check_share(share, lang):
        if share_fraction(share) is not None:
            return "", ""
        return "is-invalid", text("bdl_share_invalid", lang)

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

"""Portfolios page: firm by firm vs core-issue driven, the logic model, the frontier,
the case map and the KPI dashboard.

Building the portfolios is a run of integer programmes (the two portfolios, then each
point of the impact-risk frontier: some twenty solves, a few seconds) in a background
job, with a progress bar that counts the solves and estimates the time left. The job
notes its progress in a small file per browser session, so a page that is left and
opened again while the job runs does not start it again: it watches the note and shows
the portfolios once the job has put them in the results cache (server-side, by scenario
hash). Cancel ends the job and says so.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from finmodel.compiled import scenario_hash
from finmodel.ui.components import busy, card, graph, indicator_unit, table
from finmodel.ui.figures import (
    make_case_map,
    make_frontier,
    make_kpi_dashboard,
    make_logic_model,
    make_portfolio_comparison,
    waiting_figure,
)
from finmodel.ui.i18n import TEXT, MoneyUnit, money_unit, text
from finmodel.ui.progress import progress_line
from finmodel.ui.rows import kpi_rows as kpi_records
from finmodel.ui.rows import portfolio_rows
from finmodel.ui.run_notes import RunNote, drop_note, end_noted_job, read_note, write_note
from finmodel.ui.services import Services

FIGURES = (("pfl-compare", make_portfolio_comparison), ("pfl-logic", make_logic_model),
           ("pfl-frontier", make_frontier), ("pfl-casemap", make_case_map),
           ("pfl-kpis", make_kpi_dashboard))
TITLES = ("fig_portfolios", "fig_logic", "fig_frontier", "fig_case_map", "fig_kpis")
COLUMNS = ["portfolio", "status", "firms", "money", "public_money", "total_cost",
           "expected_loss", "hhi_issue", "core_impact", "spillover_impact",
           "impact_per_public_money"]
#: The summary's amounts: shown together in one money unit.
MONEY_COLUMNS = ("money", "public_money", "total_cost", "expected_loss")
KPI_COLUMNS = ["portfolio", "kpi", "unit", "target", "plan", "value", "yoy_change", "attainment",
               "trend", "on_track"]


# -- tables -----------------------------------------------------------------------------------
def status_text(status: str, lang: str) -> str:
    """A solve's status in words (``rule-based``, ``optimal``, ``stopped early: ...``)."""
    if status == "rule-based":
        return text("pfl_status_rule_based", lang)
    if status == "optimal":
        return text("pfl_status_optimal", lang)
    if status.startswith("stopped early"):
        return text("pfl_status_stopped", lang)
    return text("pfl_status_none", lang)


def _number(value: float, decimals: int) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:,.{decimals}f}"


def _per_unit(unit: str, lang: str) -> str:
    """"one of the scenario's money unit", for a rate per money."""
    if unit == "JPY_million":
        return "1百万円" if lang == "ja" else "¥1 million"
    return f"1 {unit}"


def summary_table(results: Any, lang: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The two portfolios side by side: (rows, columns) of the page's table, words in
    ``lang``, every amount in one money unit named in its header."""
    rows = portfolio_rows(results.portfolios.summary)
    scenario_unit = results.scenario.unit
    unit: MoneyUnit = money_unit([getattr(r, c) for r in rows for c in MONEY_COLUMNS],
                                 scenario_unit, lang)
    data = []
    for r in rows:
        row = {"portfolio": text(r.portfolio, lang), "status": status_text(r.status, lang),
               "firms": f"{int(r.firms):,}", "hhi_issue": _number(r.hhi_issue, 3),
               "core_impact": _number(r.core_impact, 2),
               "spillover_impact": _number(r.spillover_impact, 2),
               "impact_per_public_money": _number(r.impact_per_public_money, 4)}
        row.update({c: unit.format(getattr(r, c)) for c in MONEY_COLUMNS})
        data.append(row)
    names = {c: text(f"pfl_col_{c}", lang).format(unit=unit.label) for c in COLUMNS}
    names["impact_per_public_money"] = text("pfl_col_impact_per_public_money", lang).format(
        unit=_per_unit(scenario_unit, lang))
    return data, [{"name": names[c], "id": c} for c in COLUMNS]


def kpi_table(results: Any, lang: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The KPI dashboard's table: each KPI in the last year, target vs value, trend:
    (rows, columns), words in ``lang``."""
    k = results.portfolios.kpis
    columns = [{"name": text(f"pfl_col_{c}", lang), "id": c} for c in KPI_COLUMNS]
    if k.empty:
        return [], columns
    last = k.sort_values("year").groupby(["portfolio", "kpi"], as_index=False).tail(1)
    data = []
    for r in kpi_records(last):
        count = 0 if max(abs(r.target), abs(r.plan), abs(r.value)) >= 100 else 1
        change = _number(r.yoy_change, 1)
        data.append({
            "portfolio": text(r.portfolio, lang), "kpi": r.name(lang),
            "unit": indicator_unit(r.unit, lang), "target": _number(r.target, count),
            "plan": _number(r.plan, count), "value": _number(r.value, count),
            "yoy_change": change if change.startswith("-") or change == "-" else f"+{change}",
            "attainment": "-" if not math.isfinite(r.attainment) else f"{r.attainment:.0%}",
            "trend": text(f"pfl_trend_{r.trend}", lang),
            "on_track": text("pfl_yes" if r.on_track else "pfl_no", lang)})
    return data, columns


# -- the page ---------------------------------------------------------------------------------
def waiting(lang: str, message: str = "pfl_waiting") -> list[Any]:
    """What each chart shows before the portfolios are built (not plotly's empty axes):
    that they are being built (the page starts the run), or ``message``."""
    return [waiting_figure(text(key, lang), lang, text(message, lang)) for key in TITLES]


HIDDEN = {"display": "none"}
#: Table headers wrap (long Japanese headers would otherwise widen the table past the card).
WRAPPED = {"whiteSpace": "normal", "height": "auto", "textAlign": "center"}


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    shown = dict(zip((fid for fid, _ in FIGURES), waiting(lang), strict=True))
    # a scenario without a portfolio brief: one note that says what to do, not five
    # empty panels (the components stay, hidden, for the page's callbacks)
    none = services.scenario(store).portfolio is None
    hint = _hint(lang)
    right = {"textAlign": "right"}
    left = [{"if": {"column_id": c}, "textAlign": "left"} for c in ("portfolio", "status", "kpi",
                                                                    "unit", "trend")]
    note = [dbc.Alert(hint, color="info")] if none else []
    return html.Div([*note, html.Div(style=HIDDEN if none else {}, children=[
        card(dbc.Button(text("run", lang), id="pfl-run", color="primary", className="me-2"),
             dbc.Button(text("cancel", lang), id="pfl-cancel", color="secondary", disabled=True),
             dbc.Progress(id="pfl-progress", value=0, max=1, className="mt-2",
                          style={"height": "18px"}),
             html.Div(id="pfl-status", className="fm-label", role="status"),
             html.Div(id="pfl-message"),
             table("pfl-summary", style_cell=right, style_cell_conditional=left,
                   style_header=WRAPPED),
             dcc.Store(id="pfl-request"),
             dcc.Interval(id="pfl-watch", interval=1000, disabled=True)),
        dbc.Row([dbc.Col(card(graph("pfl-compare", figure=shown["pfl-compare"])), md=6),
                 dbc.Col(card(graph("pfl-frontier", figure=shown["pfl-frontier"])), md=6)]),
        card(graph("pfl-logic", figure=shown["pfl-logic"])),
        card(graph("pfl-casemap", figure=shown["pfl-casemap"])),
        card(graph("pfl-kpis", height=700, figure=shown["pfl-kpis"]),
             html.H6(text("kpi_table", lang)),
             table("pfl-kpi-table", style_cell=right, style_cell_conditional=left,
                   style_header=WRAPPED)),
    ])])


def _hint(lang: str) -> str:
    return text("fig_hint_no_portfolio" if "fig_hint_no_portfolio" in TEXT else "no_portfolio",
                lang)


def _no_portfolio(lang: str) -> tuple[Any, ...]:
    hint = "fig_hint_no_portfolio" if "fig_hint_no_portfolio" in TEXT else "no_portfolio"
    return (*waiting(lang, hint), [], [], [], [],
            dbc.Alert(text("no_portfolio", lang), color="info"))


def _portfolio_view(lang: str) -> tuple[str, Callable[[Any], tuple[Any, ...]]]:
    def build(results: Any) -> tuple[Any, ...]:
        summary, columns = summary_table(results, lang)
        kpis, kpi_columns = kpi_table(results, lang)
        figures_ = [make(results, lang).to_plotly_json() for _, make in FIGURES]
        return (*figures_, summary, columns, kpis, kpi_columns, "")

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


def progress_text(done: int, total: int, seconds_left: float | None, lang: str) -> str:
    """"3 / 22 solves · about 12 s left" (no estimate before the first solve)."""
    if total <= 0:
        return text("stk_computing", lang)
    return progress_line(done, total, seconds_left, lang, "pfl_unit_solves")


def seconds_left(started: float, updated: float, done: int, total: int,
                 now: float | None = None) -> float | None:
    """Time left at the pace so far (``started``/``updated``: wall-clock seconds of the
    job's start and its last solve); None before the first solve."""
    if done <= 0 or total <= done:
        return None
    pace = (updated - started) / done
    spent = (now if now is not None else time.time()) - updated
    return max(0.0, pace * (total - done) - spent)


def build_portfolios(services: Services, store: dict[str, Any], lang: str,
                     progress: Callable[[int, int], None] | None = None) -> tuple[Any, ...]:
    """Build the session's two portfolios (``progress(done, total)`` after each solve):
    the page's figures, tables and message."""
    scenario = services.scenario(store)
    if scenario.portfolio is None:
        return _no_portfolio(lang)
    started = time.monotonic()
    solves = [0]

    def solved(done: int, total: int) -> None:
        solves[0] = total
        if progress is not None:
            progress(done, total)

    services.cache.get_or_run(scenario, solves=solved)
    view, build = _portfolio_view(lang)
    shown: tuple[Any, ...] = services.cache.get_or_view(scenario, view, build)
    if not solves[0]:
        return shown  # built before (by another tab): nothing was solved here
    message = text("pfl_done", lang).format(
        total=solves[0], seconds=f"{time.monotonic() - started:.0f}")
    return (*shown[:-1], html.Div(message, className="fm-label"))


# -- the job's note: progress that outlives the page ------------------------------------------
def note_path(services: Services, store: dict[str, Any] | None) -> Path:
    """Where the session's portfolio job notes its progress."""
    folder = services.jobs.folder or Path(services.cache.cache.directory) / "jobs"
    session = services.session(store).id
    name = hashlib.sha256(session.encode("utf-8")).hexdigest()[:32]
    return folder / "portfolio-progress" / f"{name}.json"


def running_note(services: Services, store: dict[str, Any] | None) -> RunNote | None:
    """The note of the session's portfolio job for its current scenario, if it runs."""
    note = read_note(note_path(services, store))
    if note is None or note.scenario != scenario_hash(services.scenario(store)):
        return None
    return note if note.alive() else None


def end_job(services: Services, store: dict[str, Any] | None) -> None:
    """Cancel: end the session's portfolio job (only a background job of this server)
    and forget its note."""
    end_noted_job(note_path(services, store))


def cancelled_outputs(services: Services, store: dict[str, Any] | None,
                      lang: str) -> tuple[Any, ...]:
    """Cancel pressed: the job ended; the charts say how to start again; the message, an
    empty bar, the buttons back."""
    end_job(services, store)
    return (*waiting(lang, "pfl_press_run"), text("pfl_cancelled", lang), 0, 1, "", True, False,
            True)


WATCH_OUTPUTS = 3 + 3  # bar value, max, status; the watch's, run's and cancel's disabled


def watch_outputs(services: Services, store: dict[str, Any], lang: str) -> tuple[Any, ...]:
    """A tick while the page watches a job started before it was opened: the portfolios
    once they are in the cache, else the job's progress."""
    count = len(FIGURES) + 4
    shown = known_portfolios(services, store, lang)
    if shown is not None:
        return (*shown, 0, 1, "", True, False, True)
    note = running_note(services, store)
    if note is not None:
        done, total = note.done, note.total
        left = seconds_left(note.started, note.updated or note.started, done, total)
        return (*[no_update] * count, no_update, done, max(total, 1),
                progress_text(done, total, left, lang), False, True, False)
    gone = read_note(note_path(services, store)) is not None  # ended without an answer
    return (*[no_update] * count, text("pfl_interrupted", lang) if gone else no_update,
            0, 1, "", True, False, True)


OUTPUTS = 4 + 1  # the two tables' data and columns, and the message


def register(app: Any, services: Services) -> None:
    figure_outputs = [Output(fid, "figure", allow_duplicate=True) for fid, _ in FIGURES]
    table_outputs = [Output("pfl-summary", "data", allow_duplicate=True),
                     Output("pfl-summary", "columns", allow_duplicate=True),
                     Output("pfl-kpi-table", "data", allow_duplicate=True),
                     Output("pfl-kpi-table", "columns", allow_duplicate=True),
                     Output("pfl-message", "children", allow_duplicate=True)]
    state_outputs = [Output("pfl-progress", "value", allow_duplicate=True),
                     Output("pfl-progress", "max", allow_duplicate=True),
                     Output("pfl-status", "children", allow_duplicate=True),
                     Output("pfl-watch", "disabled", allow_duplicate=True),
                     Output("pfl-run", "disabled", allow_duplicate=True),
                     Output("pfl-cancel", "disabled", allow_duplicate=True)]

    # Portfolios built before show at once; a job of this session still building them is
    # watched (the page was left and opened again); otherwise they are built in the
    # background.
    @app.callback(
        *[Output(fid, "figure") for fid, _ in FIGURES], Output("pfl-summary", "data"),
        Output("pfl-summary", "columns"), Output("pfl-kpi-table", "data"),
        Output("pfl-kpi-table", "columns"), Output("pfl-message", "children"),
        Output("pfl-request", "data"), Output("pfl-watch", "disabled"),
        Input("pfl-run", "n_clicks"), Input("lang", "value"), State("scenario", "data"))
    def show(_n, lang, store):
        shown = known_portfolios(services, store, lang)
        if shown is not None:
            return (*shown, no_update, True)
        skipped = [no_update] * (len(FIGURES) + OUTPUTS - 1)
        if running_note(services, store) is not None:
            return (*skipped, dbc.Alert(text("pfl_resumed", lang), color="info"), no_update,
                    False)
        return (*skipped, "", {"lang": lang}, True)

    @app.callback(*figure_outputs, *table_outputs, *state_outputs,
                  Input("pfl-watch", "n_intervals"), State("lang", "value"),
                  State("scenario", "data"), prevent_initial_call=True)
    def watch(_n, lang, store):
        return watch_outputs(services, store, lang)

    @app.callback(*figure_outputs, Output("pfl-message", "children", allow_duplicate=True),
                  *state_outputs, Input("pfl-cancel", "n_clicks"), State("lang", "value"),
                  State("scenario", "data"), prevent_initial_call=True)
    def cancel(_n, lang, store):
        return cancelled_outputs(services, store, lang)

    @app.callback(
        *figure_outputs, *table_outputs,
        Input("pfl-request", "data"), State("scenario", "data"),
        background=True,
        running=[(Output("pfl-run", "disabled"), True, False),
                 (Output("pfl-cancel", "disabled"), False, True)],
        cancel=[Input("pfl-cancel", "n_clicks")],
        progress=[Output("pfl-progress", "value"), Output("pfl-progress", "max"),
                  Output("pfl-status", "children")],
        progress_default=[0, 1, ""], prevent_initial_call=True)
    def build(set_progress, request, store):
        lang = request["lang"]
        path = note_path(services, store)
        note = RunNote.of_this_process(started=time.time(),
                                       scenario=scenario_hash(services.scenario(store)))
        write_note(path, note)  # a page opened again while this runs watches it
        set_progress((0, 1, text("pfl_queued", lang)))
        if not services.start_job(store):
            drop_note(path)
            return (*[no_update] * (len(FIGURES) + OUTPUTS - 1),
                    busy(services.jobs.limit, lang))
        begun = time.time()
        noted = [replace(note, started=begun, updated=begun)]
        set_progress((0, 1, text("stk_computing", lang)))

        def solved(done: int, total: int) -> None:
            now = time.time()
            noted[0] = noted[0].step(done, total, now)
            write_note(path, noted[0])
            left = seconds_left(noted[0].started, now, done, total, now)
            set_progress((done, total, progress_text(done, total, left, lang)))

        try:
            return build_portfolios(services, store, lang, solved)
        finally:
            drop_note(path)

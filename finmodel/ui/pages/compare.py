"""Compare page: several scenarios, or the runs of a batch results folder, side by side.

Both sources become the same headline rows (:class:`Headline`): per vehicle its senior
tranche's expected loss (% of its notional) and the public expected cost (PV); per bundle
the total gap, its share of potential demand, the public cost (summed over the simulated
years) and the mobilisation ratio. The table shows them with one money unit and the
scenarios' display names; bundle runs are compared as well as stacks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from finmodel.batch.store import read_store
from finmodel.headlines import bundle_headline, vehicle_headlines
from finmodel.names import named, scenario_title
from finmodel.scenario.errors import ScenarioError
from finmodel.scenario.model import Scenario
from finmodel.ui import figures
from finmodel.ui.components import busy, card, help_label, table
from finmodel.ui.figures import empty_figure, make_compare, make_compare_batch
from finmodel.ui.i18n import dropdown_labels, money_unit, text
from finmodel.ui.pages.bundle import with_unit
from finmodel.ui.pages.scenario import scenario_options
from finmodel.ui.progress import progress_text
from finmodel.ui.services import Services
from finmodel.ui.state import parse_text


@dataclass(frozen=True)
class VehicleRow:
    name: str  # display name
    senior_el_pct: float  # the senior tranche's expected loss, % of its notional (fraction)
    public_cost: float  # PV, in the scenario's unit


@dataclass(frozen=True)
class Headline:
    """One compared run: its label, its vehicles' and its bundle's headline figures."""

    label: str
    unit: str
    vehicles: list[VehicleRow] = field(default_factory=list)
    total_gap: float | None = None
    gap_share: float | None = None
    bundle_cost: float | None = None
    mobilisation_ratio: float | None = None

    @property
    def has_bundle(self) -> bool:
        return self.total_gap is not None


def _number(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def results_headline(label: str, results: Any, lang: str) -> Headline:
    """The headline of one run's results (vehicles by display name)."""
    scenario = results.scenario
    vehicles = [VehicleRow(named(scenario, v.vehicle, lang), v.senior.expected_loss_pct,
                           v.public_expected_cost) for v in vehicle_headlines(results)]
    b = bundle_headline(results)
    if b is None:
        return Headline(label, scenario.unit, vehicles)
    return Headline(label, scenario.unit, vehicles, b.total_gap, _number(b.gap_share),
                    b.public_expected_cost, _number(b.mobilisation_ratio))


def batch_headlines(manifest: pd.DataFrame, tables: dict[str, pd.DataFrame],
                    scenarios: dict[str, Scenario], lang: str) -> list[Headline]:
    """One headline per run of a batch results folder (senior = a vehicle's top tranche;
    vehicles by display name where the run's scenario is known, by ``source``)."""
    runs = list(dict.fromkeys(str(r) for r in manifest["run_id"])) if "run_id" in manifest \
        else []
    vehicles = tables.get("vehicles", pd.DataFrame())
    tranches = tables.get("tranches", pd.DataFrame())
    bundles = tables.get("bundle_summary", pd.DataFrame())
    out = []
    for run in runs:
        rows = []
        if len(vehicles):
            for v in vehicles[vehicles["run_id"].astype(str) == run].to_dict("records"):
                own = tranches[(tranches["run_id"].astype(str) == run)
                               & (tranches["vehicle"] == v["vehicle"])]
                senior = float(own["expected_loss_pct"].iloc[-1]) if len(own) else math.nan
                scenario = scenarios.get(str(v.get("source")))
                vid = str(v["vehicle"])
                rows.append(VehicleRow(named(scenario, vid, lang) if scenario else vid, senior,
                                       float(v["public_expected_cost"])))
        b = bundles[bundles["run_id"].astype(str) == run] if len(bundles) else bundles
        if len(b):
            r = b.iloc[0]
            out.append(Headline(run, "JPY_million", rows, float(r["total_gap"]),
                                _number(r["gap_share"]), float(r["public_expected_cost"]),
                                _number(r["mobilisation_ratio"])))
        elif rows:
            out.append(Headline(run, "JPY_million", rows))
    return out


def headline_table(headlines: list[Headline], lang: str, first: str = "cmp_scenario"
                   ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Rows and columns of the compare table: a row per vehicle of each run (its senior
    tranche) and a row for its bundle; one money unit for all amounts (in the headers),
    rates in %, a dash where a row has no such figure."""
    unit = headlines[0].unit if headlines else "JPY_million"
    amounts = [v.public_cost for h in headlines for v in h.vehicles]
    amounts += [x for h in headlines for x in (h.total_gap, h.bundle_cost) if x is not None]
    money = money_unit(amounts, unit, lang)
    columns = [{"name": text(first, lang), "id": "label"},
               {"name": text("cmp_vehicle", lang), "id": "vehicle"}]
    if any(h.vehicles for h in headlines):
        columns += [
            {"name": with_unit(text("cmp_senior_el", lang), "%", lang), "id": "senior_el"},
            {"name": with_unit(text("public_expected_cost_pv", lang), money.label, lang),
             "id": "public_cost"}]
    if any(h.has_bundle for h in headlines):
        columns += [
            {"name": with_unit(text("total_gap", lang), money.label, lang), "id": "gap"},
            {"name": with_unit(text("cmp_gap_share", lang), "%", lang), "id": "gap_share"},
            {"name": with_unit(text("cmp_bundle_cost", lang), money.label, lang),
             "id": "bundle_cost"},
            {"name": with_unit(text("mobilisation_ratio", lang), text("bdl_times", lang), lang),
             "id": "ratio"}]

    def pct(value: float | None) -> str:
        return "–" if value is None or not math.isfinite(value) else f"{value * 100:.2f}"

    rows = []
    for h in headlines:
        for v in h.vehicles:
            row = {c["id"]: "–" for c in columns}
            rows.append(row | {"label": h.label, "vehicle": v.name,
                               "senior_el": pct(v.senior_el_pct),
                               "public_cost": money.format(v.public_cost)})
        if h.has_bundle:
            row = {c["id"]: "–" for c in columns}
            rows.append(row | {"label": h.label, "vehicle": text("cmp_bundle_row", lang),
                               "gap": money.format(h.total_gap), "gap_share": pct(h.gap_share),
                               "bundle_cost": money.format(h.bundle_cost),
                               "ratio": "–" if h.mobilisation_ratio is None
                               else f"{h.mobilisation_ratio:.2f}"})
    return rows, columns


def waiting_figure(title: str, message: str, lang: str) -> Any:
    """An empty chart that says what to do (the charts' own one when there is one)."""
    make = getattr(figures, "waiting_figure", None)
    if make is not None:
        try:
            return make(title, lang, message)
        except TypeError:
            return make(title, lang)
    return empty_figure(title, message, lang)


def batch_scenarios(services: Services, tables: dict[str, pd.DataFrame]) -> dict[str, Scenario]:
    """The shipped scenarios a batch's runs came from, by the runs' ``source`` (matched by
    file name only: the app reads no other file a results folder names)."""
    sources = {str(x) for frame in tables.values() if "source" in frame for x in frame["source"]}
    found: dict[str, Scenario] = {}
    for source in sources:
        name = Path(source).name
        if name in services.scenarios:
            try:
                found[source] = parse_text(services.scenarios[name].read_text(encoding="utf-8"),
                                           name)
            except (ScenarioError, OSError):
                continue
    return found


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    root = str(services.results_root)
    return html.Div([
        card(dbc.Row([
            dbc.Col([help_label(text("compare_pick", lang), text("cmp_pick_tip", lang),
                                "cmp-pick"),
                     dcc.Dropdown(id="cmp-pick", options=scenario_options(services, lang, sort=False),
                                  multi=True, placeholder=text("cmp_pick_placeholder", lang),
                                  labels=cast(Any, dropdown_labels(lang)))], md=6),
            dbc.Col([help_label(text("batch_folder", lang), text("cmp_folder_tip", lang),
                                "cmp-folder"),
                     dcc.Input(id="cmp-folder", type="text", style={"width": "100%"},
                               placeholder=text("cmp_folder_placeholder", lang)),
                     html.Div(text("cmp_folder_help", lang).format(root=root),
                              className="fm-label mt-1")], md=4),
            dbc.Col([dbc.Button(text("run", lang), id="cmp-go", color="primary",
                                className="mt-4 me-2"),
                     dbc.Button(text("cancel", lang), id="cmp-cancel", color="secondary",
                                className="mt-4", disabled=True)], md=2)]),
             dbc.Progress(id="cmp-progress", value=0, max=1, className="mt-2",
                          style={"height": "18px"}),
             html.Div(id="cmp-progress-text", className="fm-label mt-1", role="status"),
             html.Div(id="cmp-message")),
        card(table("cmp-table", style_header={"whiteSpace": "normal", "height": "auto"},
                   style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"}
                                           for c in ("label", "vehicle")])),
        card(dcc.Graph(id="cmp-chart", config={"displaylogo": False}, style={"minHeight": "460px"},
                       figure=waiting_figure(text("fig_compare", lang),
                                             text("cmp_waiting", lang), lang))),
    ])


def compare_runs(services: Services, lang: str, picks: list[str] | None, folder: str | None,
                 progress: Callable[[int, int], None] | None = None) -> tuple[Any, ...]:
    """The compare page for shipped scenarios (run or found in the cache, reporting
    ``progress(done, total)``) or a batch results folder: the table's rows and columns,
    the chart and a message."""
    if folder:
        try:
            where = services.results_folder(folder)
        except PermissionError:
            message = text("cmp_outside", lang).format(folder=folder,
                                                       root=services.results_root.resolve())
            return [], [], waiting_figure(text("cmp_batch_title", lang), message, lang), \
                dbc.Alert(message, color="danger")
        try:
            manifest, tables = read_store(where)
            scenarios = batch_scenarios(services, tables)
            headlines = batch_headlines(manifest, tables, scenarios, lang)
        except (FileNotFoundError, OSError, ValueError, KeyError) as exc:
            message = text("cmp_no_folder", lang).format(folder=folder, error=exc)
            return [], [], waiting_figure(text("cmp_batch_title", lang), message, lang), \
                dbc.Alert(message, color="danger")
        rows, columns = headline_table(headlines, lang, "cmp_run")
        return rows, columns, make_compare_batch(tables, lang, scenarios), ""
    runs = []
    for k, name in enumerate(picks or [], start=1):
        scenario = parse_text(services.scenarios[name].read_text(encoding="utf-8"), name)
        runs.append((name, services.cache.get_or_run(scenario)))
        if progress is not None:
            progress(k, len(picks or []))
    if not runs:
        return [], [], waiting_figure(text("fig_compare", lang), text("cmp_waiting", lang),
                                      lang), ""
    rows, columns = headline_table(
        [results_headline(scenario_title(r.scenario, lang), r, lang) for _, r in runs], lang)
    # the chart gets every run's results, bundles included (it shows display names)
    return rows, columns, make_compare(runs, lang), ""


def register(app: Any, services: Services) -> None:
    @app.callback(Output("cmp-table", "data"), Output("cmp-table", "columns"),
                  Output("cmp-chart", "figure"), Output("cmp-message", "children"),
                  Input("cmp-go", "n_clicks"), Input("lang", "value"), State("cmp-pick", "value"),
                  State("cmp-folder", "value"), State("scenario", "data"), background=True,
                  running=[(Output("cmp-go", "disabled"), True, False),
                           (Output("cmp-cancel", "disabled"), False, True)],
                  cancel=[Input("cmp-cancel", "n_clicks")],
                  progress=[Output("cmp-progress", "value"), Output("cmp-progress", "max"),
                            Output("cmp-progress-text", "children")],
                  progress_default=[0, 1, ""],
                  prevent_initial_call=True)
    def compare(set_progress, _n, lang, picks, folder, store):
        if not picks and not folder:
            return no_update, no_update, no_update, no_update
        if not services.start_job(store):
            return no_update, no_update, no_update, busy(services.jobs.limit, lang)
        started = time.time()
        total = len(picks or [])
        if total and not folder:
            set_progress((0, total, progress_text(0, total, 0.0, lang, "cmp_unit_runs")))
        return compare_runs(services, lang, picks, folder, lambda done, total: set_progress(
            (done, total, progress_text(done, total, time.time() - started, lang,
                                        "cmp_unit_runs"))))

    @app.callback(Output("cmp-message", "children", allow_duplicate=True),
                  Input("cmp-cancel", "n_clicks"), State("lang", "value"),
                  prevent_initial_call=True)
    def cancelled(n_clicks, lang):
        if not n_clicks:
            raise PreventUpdate
        return dbc.Alert(text("cmp_cancelled", lang), color="secondary", id="cmp-cancelled")

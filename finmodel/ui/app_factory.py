"""The Dash app: ``create_app()`` builds one; nothing is created at import.

Pages (scenario, capital stack, bundle, portfolios, compare, export) each own their
layout and callbacks; callbacks are thin and call plain, tested functions in the page
modules and in ``finmodel.ui.state``, ``finmodel.ui.figures`` and ``finmodel.ui.export``.
The current scenario lives on the server, one session per browser tab (the tab holds
only the session's id: :mod:`finmodel.ui.sessions`), and the language in local storage;
results are cached on the server by scenario hash, and long runs are background
callbacks with progress and cancel. Every asset is served from the package (no CDN), so
the app works offline.
"""

from __future__ import annotations

import atexit
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, DiskcacheManager, Input, Output, State, dcc, html

from finmodel import __version__
from finmodel.shipped import shipped_scenarios
from finmodel.ui.export import Renderer
from finmodel.ui.i18n import text
from finmodel.ui.jobs import Jobs, end_jobs
from finmodel.ui.pages import bundle, compare, export, portfolio, scenario, stack
from finmodel.ui.services import Services
from finmodel.ui.sessions import new_session_id
from finmodel.ui.state import DEFAULT, MAX_REQUEST_BYTES, ResultsCache
from finmodel.ui.workspace import Workspace, default_workspace

ASSETS = Path(__file__).resolve().parent / "assets"
PAGES = (("scenario", "page_scenario", scenario), ("stack", "page_stack", stack),
         ("bundle", "page_bundle", bundle), ("portfolio", "page_portfolio", portfolio),
         ("compare", "page_compare", compare), ("export", "page_export", export))


def load_before_forking(scenarios: dict[str, Path]) -> None:
    """Import, in this process, everything a background job will need.

    Background callbacks run in processes forked from the server, which has threads. A
    module imported for the first time in the child while another thread of the parent
    held its import lock at the fork waits for that lock forever (seen in the browser
    tests: a plotly template's trace classes, imported lazily by the first figure). So
    before any fork, a small run of a stack and of a bundle scenario draws every figure
    once, which imports what the jobs import (engines, bundle, designer, plotly's lazily
    loaded classes, colour scales and data-frame adapters).
    """
    import scipy.optimize  # noqa: F401  (the designers' root finders, the portfolio MILP)
    import scipy.stats  # noqa: F401  (the designer's confidence bound)

    import finmodel.bundle.designer  # noqa: F401
    import finmodel.impact.results  # noqa: F401
    from finmodel.run import run
    from finmodel.ui import figures
    from finmodel.ui.state import parse_text

    figures.empty_figure("", "", "en")
    import plotly.graph_objects as go

    go.Figure(layout={axis: {"title": {"text": "", "font": {"size": 10}}}
                      for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2")})
    for name in ("dormant_deposit_fund.yaml", "bundle_seed_accelerator.yaml"):
        if name not in scenarios:
            continue
        scenario = parse_text(scenarios[name].read_text(encoding="utf-8"), name)
        small = scenario.model_copy(update={
            "vehicles": [v.model_copy(update={"paths": 500}) for v in scenario.vehicles],
            "simulation": scenario.simulation.model_copy(update={"replications": 2})
            if scenario.simulation is not None else None})
        results = run(small)
        for figure in figures.available_figures(results):
            figures.FIGURES[figure](results, "ja")


#: The Japanese user guide (docs/guide_ja.md links here), shipped with the package.
GUIDE = ASSETS / "guide_ja.md"


def guide_page(lang: str, home: str = "/") -> html.Div:
    """The user guide (docs/guide_ja.md) as a page of the app, rendered in the browser by
    dcc.Markdown (no CDN); in English a note says it is in Japanese."""
    try:
        body = GUIDE.read_text(encoding="utf-8")
    except OSError:
        body = "docs/guide_ja.md"
    note = [] if lang == "ja" else [dbc.Alert(text("scn_guide_en_note", lang), color="info")]
    return html.Div([html.A(text("scn_guide_back", lang), href=home), *note,
                     dcc.Markdown(body, className="mt-3")])


#: The most the app's results cache keeps on disk (oldest entries go first).
CACHE_BYTES = 2**30


def cache_folder() -> Path:
    """Where the app keeps its results cache unless told otherwise: ``$FINMODEL_CACHE``,
    else ``$XDG_CACHE_HOME/finmodel/app-<version>`` (``~/.cache/...``). One folder per
    version (results of another version are never reused), bounded to
    :data:`CACHE_BYTES`, reused by every start instead of a new temporary folder each."""
    import os

    if os.environ.get("FINMODEL_CACHE"):
        return Path(os.environ["FINMODEL_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "finmodel" / f"app-{__version__}"


def create_app(cache_dir: str | Path | None = None, default: str = DEFAULT,
               scenarios: dict[str, Path] | None = None,
               results_root: str | Path | None = None,
               workspace: str | Path | None = None) -> Dash:
    """A new app with its own results cache (in ``cache_dir``, default
    :func:`cache_folder`); the compare page reads batch results only under
    ``results_root`` (default the working directory); named scenarios are saved in
    ``workspace`` (default :func:`finmodel.ui.workspace.default_workspace`)."""
    import diskcache

    found = scenarios if scenarios is not None else shipped_scenarios()
    load_before_forking(found)

    folder = Path(cache_dir) if cache_dir else cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    cache = diskcache.Cache(str(folder), size_limit=CACHE_BYTES)
    services = Services(ResultsCache(cache), Renderer(), found,
                        default if default in found else next(iter(found)),
                        Path(results_root) if results_root is not None else Path.cwd(),
                        Jobs(folder=folder / "jobs"),
                        Workspace(Path(workspace) if workspace is not None
                                  else default_workspace()))
    app = Dash(__name__, title="finmodel", assets_folder=str(ASSETS),
               serve_locally=True, suppress_callback_exceptions=True,
               background_callback_manager=DiskcacheManager(cache),
               external_stylesheets=[])
    # a request body over this is refused before it is read (uploads are checked smaller)
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.layout = lambda: html.Div([
        # The browser holds only its session's id (a tab keeps it across reloads); the
        # scenario itself is kept on the server (finmodel.ui.sessions).
        dcc.Store(id="scenario", storage_type="session",
                  data={"session": new_session_id(), "version": 0}),
        # The bundle page's designer answer: here, not in the page, so a change of language
        # (which rebuilds the page) keeps it; it is shown only for the scenario it was for.
        dcc.Store(id="bdl-design-store", storage_type="memory"),
        html.Div(dbc.Row([
            dbc.Col(html.H4(id="app-title", className="mb-0"), md=7),
            dbc.Col(html.A(id="guide-link", href=app.get_relative_path("/guide"),
                           target="_blank", className="fm-guide-link"), md=2,
                    className="text-end"),
            dbc.Col(dcc.RadioItems(id="lang", options=[{"label": "日本語", "value": "ja"},
                                                       {"label": "English", "value": "en"}],
                                   value="ja", inline=True, persistence=True,
                                   persistence_type="local",
                                   inputStyle={"marginRight": "4px", "marginLeft": "12px"}),
                    md=3, className="text-end"),
        ], align="center"), className="fm-header"),
        dcc.Location(id="url"),
        html.Div(id="guide", className="container mt-3 fm-guide", style={"display": "none"}),
        html.Div([dcc.Tabs(id="page", value="scenario", children=[]),
                  html.Div(id="page-content", className="container-fluid mt-3")],
                 id="app-main"),
        html.Div(f"finmodel {__version__}", className="text-muted small m-3"),
    ])

    @app.callback(Output("page", "children"), Output("app-title", "children"),
                  Output("guide-link", "children"), Input("lang", "value"))
    def tabs(lang: str) -> tuple[list[Any], str, str]:
        return ([dcc.Tab(label=text(label, lang), value=value, id=f"tab-{value}")
                 for value, label, _ in PAGES], text("app_title", lang),
                text("scn_guide", lang))

    @app.callback(Output("guide", "children"), Output("guide", "style"),
                  Output("app-main", "style"), Input("url", "pathname"), Input("lang", "value"))
    def guide(pathname: str | None, lang: str) -> tuple[Any, dict[str, str], dict[str, str]]:
        if not pathname or app.strip_relative_path(pathname) != "guide":
            return None, {"display": "none"}, {}
        return guide_page(lang, app.get_relative_path("/")), {}, {"display": "none"}

    @app.callback(Output("page-content", "children"), Input("page", "value"),
                  Input("lang", "value"), State("scenario", "data"))
    def page(value: str, lang: str, store: dict[str, str]) -> Any:
        module = next(m for v, _, m in PAGES if v == value)
        return module.layout(lang, services, store)

    for _, _, module in PAGES:
        module.register(app, services)
    atexit.register(end_jobs)  # no background job outlives a server that stops
    app.services = services  # type: ignore[attr-defined]  # for tests and benchmarks
    return app

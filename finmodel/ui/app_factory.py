"""The Dash app: ``create_app()`` builds one; nothing is created at import.

Pages (scenario, capital stack, bundle, portfolios, compare, export) each own their
layout and callbacks; callbacks are thin and call tested functions in
``finmodel.ui.state``, ``finmodel.ui.figures`` and ``finmodel.ui.export``. The current
scenario lives in the browser session (YAML text in a session store) and the language in
local storage; results are cached on the server by scenario hash, and long runs are
background callbacks with progress and cancel. Every asset is served from the package
(no CDN), so the app works offline.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, DiskcacheManager, Input, Output, State, dcc, html

from finmodel import __version__
from finmodel.ui.export import Renderer
from finmodel.ui.i18n import text
from finmodel.ui.pages import bundle, compare, export, portfolio, scenario, stack
from finmodel.ui.services import Services
from finmodel.ui.state import DEFAULT, ResultsCache, shipped_scenarios

ASSETS = Path(__file__).resolve().parent / "assets"
PAGES = (("scenario", "page_scenario", scenario), ("stack", "page_stack", stack),
         ("bundle", "page_bundle", bundle), ("portfolio", "page_portfolio", portfolio),
         ("compare", "page_compare", compare), ("export", "page_export", export))


def create_app(cache_dir: str | Path | None = None, default: str = DEFAULT,
               scenarios: dict[str, Path] | None = None) -> Dash:
    """A new app with its own results cache (in ``cache_dir``, default a new temp folder)."""
    import diskcache

    folder = Path(cache_dir) if cache_dir else Path(tempfile.mkdtemp(prefix="finmodel-app-"))
    cache = diskcache.Cache(str(folder))
    found = scenarios if scenarios is not None else shipped_scenarios()
    services = Services(ResultsCache(cache), Renderer(), found,
                        default if default in found else next(iter(found)))
    app = Dash(__name__, title="finmodel", assets_folder=str(ASSETS),
               serve_locally=True, suppress_callback_exceptions=True,
               background_callback_manager=DiskcacheManager(cache),
               external_stylesheets=[])
    app.layout = html.Div([
        dcc.Store(id="scenario", storage_type="session", data=services.default_store()),
        # The bundle page's designer answer: here, not in the page, so a change of language
        # (which rebuilds the page) keeps it; it is shown only for the scenario it was for.
        dcc.Store(id="bdl-design-store", storage_type="memory"),
        html.Div(dbc.Row([
            dbc.Col(html.H4(id="app-title", className="mb-0"), md=8),
            dbc.Col(dcc.RadioItems(id="lang", options=[{"label": "日本語", "value": "ja"},
                                                       {"label": "English", "value": "en"}],
                                   value="ja", inline=True, persistence=True,
                                   persistence_type="local",
                                   inputStyle={"marginRight": "4px", "marginLeft": "12px"}),
                    md=4, className="text-end"),
        ], align="center"), className="fm-header"),
        dcc.Tabs(id="page", value="scenario", children=[]),
        html.Div(id="page-content", className="container-fluid mt-3"),
        html.Div(f"finmodel {__version__}", className="text-muted small m-3"),
    ])

    @app.callback(Output("page", "children"), Output("app-title", "children"),
                  Input("lang", "value"))
    def tabs(lang: str) -> tuple[list[Any], str]:
        return ([dcc.Tab(label=text(label, lang), value=value, id=f"tab-{value}")
                 for value, label, _ in PAGES], text("app_title", lang))

    @app.callback(Output("page-content", "children"), Input("page", "value"),
                  Input("lang", "value"), State("scenario", "data"))
    def page(value: str, lang: str, store: dict[str, str]) -> Any:
        module = next(m for v, _, m in PAGES if v == value)
        return module.layout(lang, services, store)

    for _, _, module in PAGES:
        module.register(app, services)
    app.services = services  # type: ignore[attr-defined]  # for tests and benchmarks
    return app

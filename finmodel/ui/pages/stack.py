"""Capital-stack page: sliders for first loss, guarantee and concessional coupon; the stack,
each tranche's IRR band, the yearly cash flows by holder, and the smallest first loss.

A slider move re-runs the vehicle (one waterfall over the simulated paths, about a second
or two) in an ordinary callback. The smallest first loss meeting the senior target is a
root search over some twenty waterfalls (a few seconds): an answer found before is shown
at once, otherwise the question goes to a background callback. It is asked when the
target, the vehicle, the coupon or a guarantee slider changes (not the first-loss slider:
the search resizes the first loss itself, so its answer does not depend on it), and
answers are cached by scenario, so the sliders stay responsive while it works.

Each callback is a plain function of the session and the inputs (tested without Dash);
``register`` only wires them to the page's components.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from finmodel.headlines import vehicle_headline
from finmodel.stack.design import Design, SeniorTarget
from finmodel.ui.components import busy_text, card, graph, numbers
from finmodel.ui.export import SUBSIDY_SHOWN, hurdle_label, ratio_text, subsidy_text
from finmodel.ui.figures import (
    empty_figure,
    make_cashflows,
    make_irr_bands,
    make_loss_distribution,
    make_stack,
    make_tranche_metrics,
)
from finmodel.ui.i18n import amount, percent, text
from finmodel.ui.services import Services
from finmodel.ui.sessions import Session
from finmodel.ui.state import ResultsCache, stack_controls, stack_what_if

#: Graph id and figure function of every chart on the page, in the callback's order.
FIGURES = (("stk-stack", make_stack), ("stk-irr", make_irr_bands),
           ("stk-cashflows", make_cashflows), ("stk-loss", make_loss_distribution),
           ("stk-metrics", make_tranche_metrics))


def _slider(component_id: str, maximum: float, step: float) -> dcc.Slider:
    # The value shows in the slider's own input box (where it can also be typed); a
    # tooltip that is always visible would cover the label below it.
    return dcc.Slider(id=component_id, min=0.0, max=maximum, step=step, value=0.0,
                      marks=None, tooltip={"placement": "bottom", "always_visible": False})


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    ids = [v.id for v in services.scenario(store).vehicles]
    return html.Div([
        card(dbc.Row([
            dbc.Col([html.Label(text("vehicle", lang)),
                     dcc.Dropdown(id="stk-vehicle", clearable=False, options=ids,
                                  value=ids[0] if ids else None)], md=3),
            dbc.Col([html.Label(text("first_loss_size", lang)), _slider("stk-fl", 0.5, 0.005)], md=3),
            dbc.Col([html.Label(text("guarantee_rate", lang)), _slider("stk-rate", 1.0, 0.05),
                     html.Label(text("guarantee_cap", lang)), _slider("stk-cap", 1.0, 0.01)], md=3),
            dbc.Col([html.Label(text("concessional_coupon", lang)),
                     _slider("stk-coupon", 0.05, 0.001),
                     html.Label(text("senior_target", lang)),
                     dcc.Input(id="stk-target", type="number", value=0.005, step=0.001, min=0,
                               max=1, debounce=True)], md=3),
        ])),
        html.Div(id="stk-numbers"),
        html.Div([html.Span(f"{text('smallest_first_loss', lang)}: ", className="me-1"),
                  html.B(id="stk-design-value", children="…"),
                  html.Span(id="stk-design-spinner", role="status",
                            className="spinner-border spinner-border-sm text-secondary ms-2",
                            style={"display": "none"}),
                  html.Div(text("design_for", lang), className="fm-label")],
                 id="stk-design", className="fm-card"),
        dcc.Store(id="stk-design-request"),
        dbc.Row([dbc.Col(card(graph("stk-stack")), md=4), dbc.Col(card(graph("stk-irr")), md=8)]),
        card(graph("stk-cashflows")),
        dbc.Row([dbc.Col(card(graph("stk-loss")), md=7), dbc.Col(card(graph("stk-metrics")), md=5)]),
    ])


def headline_rows(results: Any, vehicle: str, lang: str) -> list[tuple[str, str]]:
    """The stack page's numbers: the senior's loss and IRR band, the public cost, the
    mobilisation, and what a concession transfers to private investors (when it does)."""
    unit = results.scenario.unit
    v = vehicle_headline(results, vehicle)
    senior = v.senior
    name = senior.tranche
    rows = [(f"{name}: {text('expected_loss_pct', lang)}", percent(senior.expected_loss_pct)),
            (f"{name}: {text('prob_loss', lang)}", percent(senior.prob_loss)),
            (f"{name}: {text('irr_mean', lang)}", percent(senior.irr_mean)),
            (f"{name}: {text('irr_p10', lang)}", percent(senior.irr_p10))]
    if senior.has_hurdle:
        rows.append((f"{name}: {hurdle_label(senior, lang)}", percent(senior.prob_hurdle_met)))
    rows += [(text("mobilisation_ratio", lang), ratio_text(v.mobilisation_ratio)),
             (text("public_expected_cost_pv", lang), amount(v.public_expected_cost, unit, lang))]
    if v.subsidy_to_private > SUBSIDY_SHOWN:
        rows.append((text("subsidy_to_private", lang), subsidy_text(v, unit, lang)))
    rows.append((text("pool_expected_loss", lang), amount(v.expected_loss, unit, lang)))
    return rows


def _what_if_scenario(session: Session, vehicle: str, fl: float | None, rate: float | None,
                      cap: float | None, coupon: float | None) -> Any:
    """The session's scenario reduced to ``vehicle`` with the sliders that apply to it."""
    base = session.scenario
    c = stack_controls(base, vehicle)
    return stack_what_if(base, vehicle, fl if c["first_loss"] is not None else None,
                         rate if c["rate"] is not None else None,
                         cap if c["cap"] is not None else None,
                         coupon if c["coupon"] is not None else None)


def stack_view(cache: ResultsCache, scenario: Any, vehicle: str, lang: str
               ) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The stack page for a what-if scenario: its figures (plotly dicts) and headline
    numbers, cached with the scenario (a plain function: the callback only unpacks it)."""
    def build(results: Any) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        return ([make(results, lang, vehicle).to_plotly_json() for _, make in FIGURES],
                headline_rows(results, vehicle, lang))

    figures, rows = cache.get_or_view(scenario, f"stack:{vehicle}:{lang}", build)
    return figures, rows


def vehicle_choices(session: Session) -> tuple[list[str], str | None]:
    """The vehicle dropdown's options and value for the session's scenario."""
    ids = [v.id for v in session.scenario.vehicles]
    return ids, (ids[0] if ids else None)


def slider_settings(session: Session, vehicle: str | None) -> tuple[Any, ...]:
    """The sliders' values, the coupon slider's maximum and which sliders are disabled."""
    if vehicle is None:
        return 0, 0, 0, 0, 0.05, True, True, True, True
    c = stack_controls(session.scenario, vehicle)
    return (c["first_loss"] or 0, c["rate"] or 0, c["cap"] or 0, c["coupon"] or 0,
            c["coupon_max"] or 0.05, c["first_loss"] is None, c["rate"] is None,
            c["cap"] is None, c["coupon"] is None)


def what_if(cache: ResultsCache, session: Session, vehicle: str | None, fl: float | None,
            rate: float | None, cap: float | None, coupon: float | None,
            lang: str) -> tuple[Any, ...]:
    """A slider move: every chart of the page and its numbers."""
    if vehicle is None:
        empty = empty_figure(text("fig_stack", lang), text("no_vehicle", lang), lang)
        return (*[empty] * len(FIGURES), dbc.Alert(text("no_vehicle", lang), color="info"))
    try:
        scenario = _what_if_scenario(session, vehicle, fl, rate, cap, coupon)
    except ValueError as exc:  # an invalid combination: shown, nothing else changes
        empty = empty_figure(text("fig_stack", lang), str(exc), lang)
        return (*[empty] * len(FIGURES), dbc.Alert(str(exc), color="danger"))
    figures, rows = stack_view(cache, scenario, vehicle, lang)
    return (*figures, numbers(rows))


def _design_question(session: Session, target: float | None, vehicle: str | None,
                     rate: float | None, cap: float | None, coupon: float | None) -> Any:
    """The what-if scenario whose smallest first loss is asked, or a text to show."""
    if vehicle is None or target is None:
        return "-"
    try:
        # The file's first loss: the search sets it, so the answer (and its cache
        # entry) does not depend on the first-loss slider.
        scenario = _what_if_scenario(session, vehicle, None, rate, cap, coupon)
    except ValueError as exc:
        return str(exc)
    if len(scenario.vehicles[0].tranches) < 2:
        return "-"
    return scenario


def _design_text(answer: Design, target: float, lang: str) -> str:
    value = f"{answer.setting:.2%}" if answer.feasible else text("not_achievable", lang)
    return f"{value} (≤ {float(target):.2%})"


def known_design(cache: ResultsCache, session: Session, target: float | None,
                 vehicle: str | None, rate: float | None, cap: float | None,
                 coupon: float | None, lang: str) -> tuple[str, bool]:
    """(what to show for the smallest first loss, whether a background search is needed):
    an answer found before is shown at once."""
    question = _design_question(session, target, vehicle, rate, cap, coupon)
    if isinstance(question, str):
        return question, False
    assert vehicle is not None and target is not None
    answer = cache.peek_design(question, vehicle, SeniorTarget.max_expected_loss_pct,
                               float(target))
    if answer is None:
        return "…", True
    return _design_text(answer, target, lang), False


def search_design(cache: ResultsCache, session: Session, target: float | None,
                  vehicle: str | None, rate: float | None, cap: float | None,
                  coupon: float | None, lang: str) -> str:
    """The smallest first loss meeting the senior target (a root search; cached)."""
    question = _design_question(session, target, vehicle, rate, cap, coupon)
    if isinstance(question, str):
        return question
    assert vehicle is not None and target is not None
    answer = cache.get_or_design(question, vehicle, SeniorTarget.max_expected_loss_pct,
                                 float(target))
    return _design_text(answer, target, lang)


DESIGN_INPUTS = ("stk-target", "stk-vehicle", "stk-rate", "stk-cap", "stk-coupon")


def register(app: Any, services: Services) -> None:
    cache = services.cache

    @app.callback(Output("stk-vehicle", "options"), Output("stk-vehicle", "value"),
                  Input("scenario", "data"), prevent_initial_call=True)
    def vehicles(store):
        return vehicle_choices(services.session(store))

    @app.callback(Output("stk-fl", "value"), Output("stk-rate", "value"), Output("stk-cap", "value"),
                  Output("stk-coupon", "value"), Output("stk-coupon", "max"),
                  Output("stk-fl", "disabled"), Output("stk-rate", "disabled"),
                  Output("stk-cap", "disabled"), Output("stk-coupon", "disabled"),
                  Input("stk-vehicle", "value"), State("scenario", "data"))
    def controls(vehicle, store):
        return slider_settings(services.session(store), vehicle)

    @app.callback(*[Output(fid, "figure") for fid, _ in FIGURES],
                  Output("stk-numbers", "children"),
                  Input("stk-vehicle", "value"), Input("stk-fl", "value"), Input("stk-rate", "value"),
                  Input("stk-cap", "value"), Input("stk-coupon", "value"),
                  Input("lang", "value"), State("scenario", "data"))
    def slider_moved(vehicle, fl, rate, cap, coupon, lang, store):
        return what_if(cache, services.session(store), vehicle, fl, rate, cap, coupon, lang)

    # An answer found before shows at once; otherwise the request goes to the background
    # search (a background job costs a process and a poll: not worth it for a lookup).
    @app.callback(Output("stk-design-value", "children"), Output("stk-design-request", "data"),
                  *[Input(i, "value") for i in DESIGN_INPUTS], Input("lang", "value"),
                  State("scenario", "data"))
    def design_known(target, vehicle, rate, cap, coupon, lang, store):
        shown, search = known_design(cache, services.session(store), target, vehicle, rate,
                                     cap, coupon, lang)
        return shown, ({"target": target, "vehicle": vehicle, "rate": rate, "cap": cap,
                        "coupon": coupon, "lang": lang} if search else no_update)

    @app.callback(Output("stk-design-value", "children", allow_duplicate=True),
                  Input("stk-design-request", "data"), State("scenario", "data"),
                  background=True,
                  running=[(Output("stk-design-spinner", "style"),
                            {"display": "inline-block"}, {"display": "none"})],
                  prevent_initial_call=True)
    def design_search(request, store):
        if not services.start_job(store):
            return busy_text(services.jobs.limit, request["lang"])
        return search_design(cache, services.session(store), request["target"],
                             request["vehicle"], request["rate"], request["cap"],
                             request["coupon"], request["lang"])

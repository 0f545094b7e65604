"""Capital-stack page: sliders for first loss, guarantee and concessional coupon."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from finmodel.stack.design import SeniorTarget, smallest_first_loss
from finmodel.ui.components import card, graph, numbers
from finmodel.ui.figures import (
    empty_figure,
    make_loss_distribution,
    make_stack,
    make_tranche_metrics,
)
from finmodel.ui.i18n import amount, percent, text
from finmodel.ui.services import Services
from finmodel.ui.state import stack_controls, stack_what_if


def _slider(component_id: str, maximum: float, step: float) -> dcc.Slider:
    return dcc.Slider(id=component_id, min=0.0, max=maximum, step=step, value=0.0,
                      marks=None, tooltip={"placement": "bottom", "always_visible": True})


def layout(lang: str, services: Services, store: dict[str, str]) -> html.Div:
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
        html.Div(id="stk-design", className="fm-card"),
        dbc.Row([dbc.Col(card(graph("stk-stack")), md=4), dbc.Col(card(graph("stk-loss")), md=8)]),
        card(graph("stk-metrics")),
    ])


def headline_rows(results: Any, vehicle: str, lang: str) -> list[tuple[str, str]]:
    """The stack page's numbers: senior loss and return, public cost, mobilisation."""
    unit = results.scenario.unit
    t = results.tranches[results.tranches["vehicle"] == vehicle]
    v = results.vehicles.set_index("vehicle").loc[vehicle]
    senior = t.iloc[-1]
    ratio = v["mobilisation_ratio"]
    return [(f"{senior['tranche']}: {text('expected_loss_pct', lang)}", percent(senior["expected_loss_pct"])),
            (f"{senior['tranche']}: {text('prob_loss', lang)}", percent(senior["prob_loss"])),
            (f"{senior['tranche']}: {text('expected_return', lang)}", percent(senior["expected_return"])),
            (text("mobilisation_ratio", lang), "-" if ratio != ratio else f"{ratio:.2f}"),
            (text("public_expected_cost", lang), amount(v["public_expected_cost"], unit, lang)),
            (text("expected_loss", lang), amount(v["expected_loss"], unit, lang))]


def register(app: Any, services: Services) -> None:
    @app.callback(Output("stk-vehicle", "options"), Output("stk-vehicle", "value"),
                  Input("scenario", "data"), prevent_initial_call=True)
    def vehicles(store):  # type: ignore[no-untyped-def]
        ids = [v.id for v in services.scenario(store).vehicles]
        return ids, (ids[0] if ids else None)

    @app.callback(Output("stk-fl", "value"), Output("stk-rate", "value"), Output("stk-cap", "value"),
                  Output("stk-coupon", "value"), Output("stk-fl", "disabled"),
                  Output("stk-rate", "disabled"), Output("stk-cap", "disabled"),
                  Output("stk-coupon", "disabled"),
                  Input("stk-vehicle", "value"), State("scenario", "data"))
    def controls(vehicle, store):  # type: ignore[no-untyped-def]
        if vehicle is None:
            return 0, 0, 0, 0, True, True, True, True
        c = stack_controls(services.scenario(store), vehicle)
        return (c["first_loss"] or 0, c["rate"] or 0, c["cap"] or 0, c["coupon"] or 0,
                c["first_loss"] is None, c["rate"] is None, c["cap"] is None, c["coupon"] is None)

    @app.callback(Output("stk-stack", "figure"), Output("stk-loss", "figure"),
                  Output("stk-metrics", "figure"), Output("stk-numbers", "children"),
                  Output("stk-design", "children"),
                  Input("stk-vehicle", "value"), Input("stk-fl", "value"), Input("stk-rate", "value"),
                  Input("stk-cap", "value"), Input("stk-coupon", "value"),
                  Input("stk-target", "value"), Input("lang", "value"), State("scenario", "data"))
    def what_if(vehicle, fl, rate, cap, coupon, target, lang, store):  # type: ignore[no-untyped-def]
        if vehicle is None:
            empty = empty_figure(text("fig_stack", lang), text("no_vehicle", lang), lang)
            return empty, empty, empty, dbc.Alert(text("no_vehicle", lang), color="info"), ""
        base = services.scenario(store)
        c = stack_controls(base, vehicle)
        try:
            scenario = stack_what_if(base, vehicle, fl if c["first_loss"] is not None else None,
                                     rate if c["rate"] is not None else None,
                                     cap if c["cap"] is not None else None,
                                     coupon if c["coupon"] is not None else None)
        except ValueError as exc:  # an invalid combination: shown, nothing else changes
            empty = empty_figure(text("fig_stack", lang), str(exc), lang)
            return empty, empty, empty, dbc.Alert(str(exc), color="danger"), ""
        results = services.cache.get_or_run(scenario)
        design = ""
        if target is not None and len(scenario.vehicles[0].tranches) > 1:
            answer = smallest_first_loss(scenario, vehicle, SeniorTarget.max_expected_loss_pct,
                                         float(target))
            value = (f"{answer.first_loss_size:.2%}" if answer.feasible
                     else text("not_achievable", lang))
            design = html.Div([html.Span(f"{text('smallest_first_loss', lang)} "
                                         f"(≤ {float(target):.2%}): "),
                               html.B(value, id="stk-design-value")])
        return (make_stack(results, lang, vehicle), make_loss_distribution(results, lang, vehicle),
                make_tranche_metrics(results, lang, vehicle),
                numbers(headline_rows(results, vehicle, lang)), design)

"""Capital-stack page: sliders for first loss, guarantee and concessional coupon; the stack,
each tranche's IRR band, the yearly cash flows by holder, and the smallest first loss.

A slider move re-runs the vehicle (one waterfall over the simulated paths, about a second
or two) in an ordinary callback. The smallest first loss meeting the senior target is a
root search over some twenty waterfalls (a few seconds): an answer found before is shown
at once, otherwise the question goes to a background callback. It is asked when the
target, the vehicle, the coupon or a guarantee slider changes (not the first-loss slider:
the search resizes the first loss itself, so its answer does not depend on it), and
answers are cached by scenario, so the sliders stay responsive while it works.

Rates are entered and shown in percent (the sliders, their boxes and the senior target)
and turned into the format's fractions here. A value the model refuses (a first loss of
0%, one that leaves nothing for the top tranche) gets a short message next to the
sliders in the reader's language, and the charts keep the last accepted result.

Each callback is a plain function of the session and the inputs (tested without Dash);
``register`` only wires them to the page's components.
"""

from __future__ import annotations

import math
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from finmodel.headlines import vehicle_headline
from finmodel.names import display_name, tranche_named
from finmodel.scenario.errors import ScenarioError
from finmodel.scenario.model import Scenario, Vehicle
from finmodel.stack.design import Design, SeniorTarget
from finmodel.ui.components import busy_text, card, graph, help_label, numbers
from finmodel.ui.export import SUBSIDY_SHOWN, hurdle_label, ratio_text
from finmodel.ui.figures import (
    make_cashflows,
    make_irr_bands,
    make_loss_distribution,
    make_stack,
    make_tranche_metrics,
    waiting_figure,
)
from finmodel.ui.i18n import TEXT, money_unit, percent, text, word
from finmodel.ui.services import Services
from finmodel.ui.sessions import Session
from finmodel.ui.state import ResultsCache, stack_controls, stack_what_if
from finmodel.vocabulary import WORDS

#: Graph id and figure function of every chart on the page, in the callback's order.
FIGURES = (("stk-stack", make_stack), ("stk-irr", make_irr_bands),
           ("stk-cashflows", make_cashflows), ("stk-loss", make_loss_distribution),
           ("stk-metrics", make_tranche_metrics))
#: Title key of each chart (for the figure shown before the first answer).
TITLES = ("page_stack", "fig_irr", "fig_cashflows", "fig_loss", "fig_tranches")

HIDDEN = {"display": "none"}
#: Slider steps, in percent: the smallest first loss is one step (the model needs > 0).
FIRST_LOSS_STEP = 0.5
FIRST_LOSS_MAX = 50.0
RATE_STEP = 1.0
COUPON_STEP = 0.05
#: The senior target (expected loss, % of notional) the page starts with.
TARGET_PCT = 0.5


def to_fraction(value_pct: float | None) -> float | None:
    """A percentage typed or slid (15 for 15%) as the format's fraction (0.15)."""
    if value_pct is None:
        return None
    return round(float(value_pct) / 100.0, 10)


def to_percent(fraction: float | None) -> float:
    """A fraction of the format (0.15) as the percentage a slider shows (15)."""
    return 0.0 if fraction is None else round(float(fraction) * 100.0, 6)


def _marks(low: float, high: float) -> dict[float, str]:
    return {low: f"{low:g}%", high: f"{high:g}%"}


def _slider(component_id: str, low: float, high: float, step: float) -> dcc.Slider:
    # The value shows (and can be typed) in the slider's own box; no value bubble, which
    # would cover the label and the marks around it.
    return dcc.Slider(id=component_id, min=low, max=high, step=step, value=low,
                      marks=_marks(low, high), updatemode="mouseup")


def _percent_label(key: str, lang: str) -> str:
    return text("stk_percent_label", lang).format(label=text(key, lang))


def vehicle_options(scenario: Scenario, lang: str) -> list[dict[str, str]]:
    """The vehicle dropdown's options: display names shown, ids as values."""
    return [{"label": display_name(v, lang), "value": v.id} for v in scenario.vehicles]


def waiting(lang: str, message: str = "stk_computing") -> list[Any]:
    """What each chart shows before its first answer (not plotly's empty axes), each with
    its own title; ``message`` says why it is empty (the TEXT key)."""
    if message not in TEXT:
        message = "no_vehicle"
    return [waiting_figure(text(key, lang), lang, text(message, lang)) for key in TITLES]


def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    scenario = services.scenario(store)
    options = vehicle_options(scenario, lang)
    shown = waiting(lang)
    slider_col = {"xs": 12, "md": 6, "xl": 3, "className": "fm-slider-col"}
    # a scenario without a vehicle: one note that says what to do, not five empty panels
    # (the components stay, hidden, for the page's callbacks)
    none = not options
    hint = text("fig_hint_no_vehicle" if "fig_hint_no_vehicle" in TEXT else "no_vehicle", lang)
    note = [dbc.Alert(hint, color="info")] if none else []
    return html.Div([*note, html.Div(style=HIDDEN if none else {}, children=[
        card(
            dbc.Row([
                dbc.Col([help_label(text("vehicle", lang), text("stk_help_vehicle", lang),
                                    "stk-vehicle"),
                         dcc.Dropdown(id="stk-vehicle", clearable=False, options=options,
                                      value=options[0]["value"] if options else None,
                                      placeholder=text("stk_pick_vehicle", lang))],
                        xs=12, md=6, xl=4, className="mb-2"),
                dbc.Col([help_label(_percent_label("senior_target", lang),
                                    text("stk_help_target", lang), "stk-target"),
                         dbc.InputGroup([
                             dbc.Input(id="stk-target", type="number", value=TARGET_PCT,
                                       min=0, max=100, step="any", debounce=True),
                             dbc.InputGroupText("%")], size="sm", style={"maxWidth": "12rem"})],
                        xs=12, md=6, xl=4, className="mb-2"),
            ]),
            dbc.Row([
                dbc.Col([help_label(_percent_label("first_loss_size", lang),
                                    text("stk_help_first_loss", lang), "stk-fl"),
                         _slider("stk-fl", FIRST_LOSS_STEP, FIRST_LOSS_MAX, FIRST_LOSS_STEP)],
                        **slider_col),
                dbc.Col([help_label(_percent_label("guarantee_rate", lang),
                                    text("stk_help_rate", lang), "stk-rate"),
                         _slider("stk-rate", 0.0, 100.0, RATE_STEP)], **slider_col),
                dbc.Col([help_label(_percent_label("guarantee_cap", lang),
                                    text("stk_help_cap", lang), "stk-cap"),
                         _slider("stk-cap", 0.0, 100.0, RATE_STEP),
                         html.Div(id="stk-cap-amount", className="fm-label")], **slider_col),
                dbc.Col([help_label(_percent_label("concessional_coupon", lang),
                                    text("stk_help_coupon", lang), "stk-coupon"),
                         _slider("stk-coupon", 0.0, 5.0, COUPON_STEP)], **slider_col),
            ]),
            html.Div(id="stk-refused", className="fm-refused", role="alert"),
        ),
        html.Div(id="stk-numbers"),
        html.Div([html.Span(f"{text('smallest_first_loss', lang)}: ", className="me-1"),
                  html.B(id="stk-design-value", children="…"),
                  html.Span(id="stk-design-spinner", role="status",
                            className="spinner-border spinner-border-sm text-secondary ms-2",
                            style={"display": "none"}),
                  html.Div(text("design_for", lang), className="fm-label")],
                 id="stk-design", className="fm-card"),
        dcc.Store(id="stk-design-request"),
        dbc.Row([dbc.Col(card(graph("stk-stack", figure=shown[0])), md=4),
                 dbc.Col(card(graph("stk-irr", figure=shown[1])), md=8)]),
        card(graph("stk-cashflows", figure=shown[2])),
        dbc.Row([dbc.Col(card(graph("stk-loss", figure=shown[3])), md=7),
                 dbc.Col(card(graph("stk-metrics", figure=shown[4])), md=5)]),
    ])])


def headline_rows(results: Any, vehicle: str, lang: str) -> list[tuple[str, str]]:
    """The stack page's numbers: the senior's loss and IRR band, the public cost, the
    mobilisation, and what a concession transfers to private investors (when it does).
    Every amount in one money unit, chosen from the largest."""
    v = vehicle_headline(results, vehicle)
    senior = v.senior
    name = tranche_named(results.scenario, vehicle, senior.tranche, lang)
    if name == senior.tranche:  # no display name: the domain's word when it is one (Senior)
        name = word(name, lang) if name in WORDS else name
    sep = "：" if lang == "ja" else ": "
    rows = [(f"{name}{sep}{text('expected_loss_pct', lang)}", percent(senior.expected_loss_pct)),
            (f"{name}{sep}{text('prob_loss', lang)}", percent(senior.prob_loss)),
            (f"{name}{sep}{text('irr_mean', lang)}", percent(senior.irr_mean)),
            (f"{name}{sep}{text('irr_p10', lang)}", percent(senior.irr_p10))]
    if senior.has_hurdle:
        rows.append((f"{name}{sep}{hurdle_label(senior, lang)}", percent(senior.prob_hurdle_met)))
    subsidy = v.subsidy_to_private > SUBSIDY_SHOWN
    given = subsidy and abs(v.subsidy - v.subsidy_to_private) > 0.01 * max(abs(v.subsidy),
                                                                             SUBSIDY_SHOWN)
    amounts = [v.public_expected_cost, v.expected_loss]
    amounts += [v.subsidy_to_private, v.subsidy] if subsidy else []
    unit = money_unit(amounts, results.scenario.unit, lang, fine=True)
    ratio = ratio_text(v.mobilisation_ratio)
    rows += [(text("mobilisation_ratio", lang),
              ratio if ratio == "-" else text("stk_times", lang).format(value=ratio)),
             (text("public_expected_cost_pv", lang),
              unit.amount(v.public_expected_cost, lang))]
    if subsidy:
        shown = unit.amount(v.subsidy_to_private, lang)
        if given:
            shown += f" ({text('subsidy_given', lang)} {unit.amount(v.subsidy, lang)})"
        rows.append((text("subsidy_to_private", lang), shown))
    rows.append((text("pool_expected_loss", lang), unit.amount(v.expected_loss, lang)))
    return rows


# -- refused values ---------------------------------------------------------------------------
#: The slider a field of the what-if scenario belongs to (the label key).
FIELD_LABELS = {"size": "first_loss_size", "rate": "guarantee_rate", "cap": "guarantee_cap",
                "coupon": "concessional_coupon"}


def _vehicle(scenario: Scenario, vehicle: str) -> Vehicle:
    return next(v for v in scenario.vehicles if v.id == vehicle)


def first_loss_limit(scenario: Scenario, vehicle: str) -> float:
    """The first-loss size (a fraction) the top tranche needs to stay under: 1 less the
    tranches between them."""
    tranches = _vehicle(scenario, vehicle).tranches
    return 1.0 - sum(t.size for t in tranches[1:-1])


def refused_text(scenario: Scenario, vehicle: str, fl_pct: float | None, lang: str) -> str | None:
    """A short message for a first-loss value the model refuses (None: accepted)."""
    c = stack_controls(scenario, vehicle)
    if fl_pct is None or c["first_loss"] is None:
        return None
    if fl_pct <= 0:
        return text("stk_refused_first_loss_zero", lang)
    limit = first_loss_limit(scenario, vehicle)
    if fl_pct / 100.0 >= limit:
        return text("stk_refused_first_loss_top", lang).format(limit=f"{limit:.1%}")
    return None


def error_text(exc: Exception, lang: str) -> str:
    """A short message in ``lang`` for a what-if the model refused: the field in words,
    never the validator's own text (with its links and paths)."""
    if isinstance(exc, ScenarioError) and exc.problems:
        path = exc.problems[0].path
        field = next((p for p in reversed(path) if isinstance(p, str)), "")
        if field == "size" and "tranches" in path:
            return text("stk_refused_first_loss_zero", lang) if "greater than 0" in \
                exc.problems[0].message else text("stk_refused_field", lang).format(
                    field=text("first_loss_size", lang))
        if field in FIELD_LABELS:
            return text("stk_refused_field", lang).format(field=text(FIELD_LABELS[field], lang))
    return text("stk_refused_other", lang)


def refusal(message: str, lang: str) -> html.Span:
    """The message next to the sliders, saying the charts kept the last good result."""
    return html.Span([html.B(message), " ", text("stk_kept", lang)])


# -- the what-if ------------------------------------------------------------------------------
def _what_if_scenario(session: Session, vehicle: str, fl: float | None, rate: float | None,
                      cap: float | None, coupon: float | None) -> Scenario:
    """The session's scenario reduced to ``vehicle`` with the sliders (in %) that apply
    to it."""
    base = session.scenario
    c = stack_controls(base, vehicle)
    return stack_what_if(base, vehicle,
                         to_fraction(fl) if c["first_loss"] is not None else None,
                         to_fraction(rate) if c["rate"] is not None else None,
                         to_fraction(cap) if c["cap"] is not None else None,
                         to_fraction(coupon) if c["coupon"] is not None else None)


def cap_text(scenario: Scenario, vehicle: str, lang: str) -> str:
    """The first guarantee's maximum payout (rate x cap x covered notional) in money, or
    that there is none."""
    v = _vehicle(scenario, vehicle)
    if not v.guarantees:
        return text("stk_no_guarantee", lang) if stack_controls(scenario, vehicle)["rate"] \
            is None else ""
    g = v.guarantees[0]
    covered = next((t.size for t in v.tranches if t.name == g.covers), 0.0) * v.exposure
    payout = g.rate * g.cap * covered
    unit = money_unit([payout], scenario.unit, lang, fine=True)
    return text("stk_cap_payout", lang).format(amount=unit.amount(payout, lang))


def stack_view(cache: ResultsCache, scenario: Any, vehicle: str, lang: str
               ) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The stack page for a what-if scenario: its figures (plotly dicts) and headline
    numbers, cached with the scenario (a plain function: the callback only unpacks it)."""
    def build(results: Any) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        return ([make(results, lang, vehicle).to_plotly_json() for _, make in FIGURES],
                headline_rows(results, vehicle, lang))

    figures_, rows = cache.get_or_view(scenario, f"stack:{vehicle}:{lang}", build)
    return figures_, rows


def vehicle_choices(session: Session) -> tuple[list[str], str | None]:
    """The session's vehicle ids and the one the page starts with."""
    ids = [v.id for v in session.scenario.vehicles]
    return ids, (ids[0] if ids else None)


def slider_settings(session: Session, vehicle: str | None) -> tuple[Any, ...]:
    """The sliders' values in %, the coupon slider's maximum, which sliders are disabled,
    then the first-loss slider's maximum and the first-loss and coupon sliders' marks."""
    if vehicle is None:
        return (FIRST_LOSS_STEP, 0, 0, 0, 5.0, True, True, True, True, FIRST_LOSS_MAX,
                _marks(FIRST_LOSS_STEP, FIRST_LOSS_MAX), _marks(0.0, 5.0))
    scenario = session.scenario
    c = stack_controls(scenario, vehicle)
    fl = to_percent(c["first_loss"]) if c["first_loss"] is not None else FIRST_LOSS_STEP
    # the largest first loss on the slider's grid that leaves room for the top tranche,
    # at least the file's own
    room = math.floor((to_percent(first_loss_limit(scenario, vehicle)) - 1e-9)
                      / FIRST_LOSS_STEP) * FIRST_LOSS_STEP
    fl_max = max(FIRST_LOSS_STEP, min(max(FIRST_LOSS_MAX, math.ceil(fl)), room))
    coupon_max = to_percent(c["coupon_max"]) if c["coupon_max"] else 5.0
    return (fl, to_percent(c["rate"]), to_percent(c["cap"]), to_percent(c["coupon"]),
            coupon_max, c["first_loss"] is None, c["rate"] is None, c["cap"] is None,
            c["coupon"] is None, fl_max, _marks(FIRST_LOSS_STEP, fl_max), _marks(0.0, coupon_max))


def what_if(cache: ResultsCache, session: Session, vehicle: str | None, fl: float | None,
            rate: float | None, cap: float | None, coupon: float | None,
            lang: str) -> tuple[Any, ...]:
    """A slider move (values in %): every chart of the page, its numbers, the message next
    to the sliders and the guarantee's maximum payout. A refused value leaves the charts
    and numbers as they were (``no_update``) and says why in a few words."""
    if vehicle is None:  # the layout says so once, above the (hidden) controls
        return (*waiting(lang, "fig_hint_no_vehicle"), "", "", "")
    kept = (*[no_update] * len(FIGURES), no_update)
    message = refused_text(session.scenario, vehicle, fl, lang)
    if message is not None:
        return (*kept, refusal(message, lang), no_update)
    try:
        scenario = _what_if_scenario(session, vehicle, fl, rate, cap, coupon)
    except ValueError as exc:  # a combination the model refuses: said shortly, charts kept
        return (*kept, refusal(error_text(exc, lang), lang), no_update)
    figures_, rows = stack_view(cache, scenario, vehicle, lang)
    return (*figures_, numbers(rows), "", cap_text(scenario, vehicle, lang))


def _design_question(session: Session, target: float | None, vehicle: str | None,
                     rate: float | None, cap: float | None, coupon: float | None,
                     lang: str = "en") -> Any:
    """The what-if scenario whose smallest first loss is asked, or a text to show."""
    if vehicle is None or target is None:
        return "-"
    try:
        # The file's first loss: the search sets it, so the answer (and its cache
        # entry) does not depend on the first-loss slider.
        scenario = _what_if_scenario(session, vehicle, None, rate, cap, coupon)
    except ValueError as exc:
        return error_text(exc, lang)
    if len(scenario.vehicles[0].tranches) < 2:
        return "-"
    return scenario


def _design_text(answer: Design, target: float, lang: str) -> str:
    value = f"{answer.setting:.2%}" if answer.feasible else text("not_achievable", lang)
    return f"{value} (≤ {float(target):.2%})"


def target_fraction(target_pct: Any) -> float | None:
    """The senior target typed in % as a fraction; None when it is not in (0, 100]."""
    try:
        value = float(target_pct)
    except (TypeError, ValueError):
        return None
    return value / 100.0 if 0 < value <= 100 else None


def known_design(cache: ResultsCache, session: Session, target: float | None,
                 vehicle: str | None, rate: float | None, cap: float | None,
                 coupon: float | None, lang: str) -> tuple[str, bool]:
    """(what to show for the smallest first loss, whether a background search is needed):
    an answer found before is shown at once. ``target`` is a fraction; the sliders in %."""
    question = _design_question(session, target, vehicle, rate, cap, coupon, lang)
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
    question = _design_question(session, target, vehicle, rate, cap, coupon, lang)
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
                  Input("scenario", "data"), State("lang", "value"), prevent_initial_call=True)
    def vehicles(store, lang):
        session = services.session(store)
        return vehicle_options(session.scenario, lang), vehicle_choices(session)[1]

    @app.callback(Output("stk-fl", "value"), Output("stk-rate", "value"), Output("stk-cap", "value"),
                  Output("stk-coupon", "value"), Output("stk-coupon", "max"),
                  Output("stk-fl", "disabled"), Output("stk-rate", "disabled"),
                  Output("stk-cap", "disabled"), Output("stk-coupon", "disabled"),
                  Output("stk-fl", "max"), Output("stk-fl", "marks"), Output("stk-coupon", "marks"),
                  Input("stk-vehicle", "value"), State("scenario", "data"))
    def controls(vehicle, store):
        return slider_settings(services.session(store), vehicle)

    @app.callback(*[Output(fid, "figure") for fid, _ in FIGURES],
                  Output("stk-numbers", "children"), Output("stk-refused", "children"),
                  Output("stk-cap-amount", "children"),
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
    def design_known(target_pct, vehicle, rate, cap, coupon, lang, store):
        target = target_fraction(target_pct)
        if target is None:
            return text("stk_target_refused", lang), no_update
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

"""The board paper's executive summary: a few sentences generated from the results.

What a board asks first, in its words: what the public money (a subordinated tranche, a
guarantee) does to the senior's (the bank's) expected loss and return, compared with the
same pool without it; what the public side pays for it and what a concession transfers;
for a bundle, how large the funding gap is against the potential demand, how much of it
is lost pipeline, and what a policy shock does to it (compared with the same scenario run
without the shock); for the portfolios, the core-issue portfolio against the firm-by-firm
one on impact, cost and expected loss.

Every figure comes from :mod:`finmodel.headlines` (and the portfolios' summary table) and
is formatted as the headline table formats it (one money unit: :func:`headline_money`),
so the summary and the table quote the same numbers.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

from finmodel.compiled import scenario_hash
from finmodel.headlines import VehicleHeadline, bundle_headline, portfolio_headlines, vehicle_headlines
from finmodel.names import display_name, named, tranche_named
from finmodel.results import RunResults
from finmodel.scenario.model import Scenario, Vehicle
from finmodel.ui.i18n import MoneyUnit, percent, text

__all__ = ["MAX_SENTENCES", "executive_summary", "ratio_number", "shock_baseline",
           "vehicle_reference"]

#: The summary is cut to this many sentences (the most important come first).
MAX_SENTENCES = 6
#: Two vehicles are on the same pool when their exposure and pool expected loss agree to this.
SAME_POOL_RTOL = 1e-9

_BASELINES: OrderedDict[str, RunResults] = OrderedDict()
_BASELINES_LOCK = threading.Lock()


def ratio_number(value: float) -> str:
    """A ratio or an impact score as the summary and headline table print it."""
    return f"{value:,.2f}"


def _move(a: str, b: str, delta: float, lang: str, end: bool, kind: str = "rate") -> str:
    """"falls from a to b" / "rises ..." / "stays at b" (Japanese: the form mid-sentence or
    at its end); ``kind`` "amount" says grows/shrinks (増え／減り) instead."""
    form = "end" if end else "mid"
    if a == b or delta == 0:
        key = "same"
    elif kind == "amount":
        key = "more" if delta > 0 else "less"
    else:
        key = "up" if delta > 0 else "down"
    return text(f"pap_sum_{key}_{form}", lang).format(a=a, b=b)


# -- vehicles --------------------------------------------------------------------------------
def _structure(vehicle: Vehicle) -> tuple[object, ...]:
    return (tuple(t.model_dump_json() for t in vehicle.tranches),
            tuple(g.model_dump_json() for g in vehicle.guarantees))


def _same_pool(a: VehicleHeadline, b: VehicleHeadline, exposures: dict[str, float]) -> bool:
    def close(x: float, y: float) -> bool:
        return math.isclose(x, y, rel_tol=SAME_POOL_RTOL, abs_tol=1e-12)

    return close(a.expected_loss, b.expected_loss) and close(exposures[a.vehicle],
                                                             exposures[b.vehicle])


def _parts(vehicle: Vehicle) -> int:
    return len(vehicle.tranches) + len(vehicle.guarantees)


def _simpler(r: Vehicle, rh: VehicleHeadline, v: Vehicle, vh: VehicleHeadline) -> bool:
    """Whether ``r`` is the plainer of the two: fewer tranches and guarantees, or as many
    and a lower public expected cost."""
    return _parts(r) < _parts(v) or (_parts(r) == _parts(v)
                                     and rh.public_expected_cost < vh.public_expected_cost)


def vehicle_reference(results: RunResults) -> dict[str, str]:
    """For each vehicle that public money supports, the vehicle it is best compared with:
    the one on the same pool (same exposure and pool expected loss) with another, plainer
    structure (fewer tranches and guarantees, or as many and a lower public expected
    cost)."""
    s = results.scenario
    by_id = {v.id: v for v in s.vehicles}
    exposures = {v.id: v.exposure for v in s.vehicles}
    heads = vehicle_headlines(results)
    pairs: dict[str, str] = {}
    for v in heads:
        candidates = [r for r in heads if r.vehicle != v.vehicle
                      and _same_pool(v, r, exposures)
                      and _structure(by_id[r.vehicle]) != _structure(by_id[v.vehicle])
                      and _simpler(by_id[r.vehicle], r, by_id[v.vehicle], v)]
        if candidates and v.vehicle not in pairs.values():
            pairs[v.vehicle] = min(candidates, key=lambda r: (_parts(by_id[r.vehicle]),
                                                              r.public_expected_cost)).vehicle
    return pairs


def _senior(s: Scenario, head: VehicleHeadline, lang: str) -> str:
    vehicle = next(v for v in s.vehicles if v.id == head.vehicle)
    tranche = next((t for t in vehicle.tranches if t.name == head.senior.tranche), None)
    name = tranche_named(s, head.vehicle, head.senior.tranche, lang)
    if tranche is None or not getattr(tranche, "provider", None):
        return name
    return text("pap_sum_senior", lang).format(provider=named(s, tranche.provider, lang),
                                               tranche=name)


def _support(s: Scenario, vehicle: Vehicle, reference: Vehicle, senior: str,
             lang: str) -> str:
    """What ``vehicle`` has that ``reference`` lacks: its guarantees and the tranches below
    its senior, in words; the vehicle's name when nothing tells them apart that way."""
    parts = []
    ref_tranches = {t.model_dump_json() for t in reference.tranches}
    for t in vehicle.tranches:
        if t.name == senior or t.model_dump_json() in ref_tranches:
            continue
        provider = named(s, t.provider, lang) if getattr(t, "provider", None) else ""
        parts.append(text("pap_sum_tranche", lang).format(
            provider=provider, tranche=tranche_named(s, vehicle.id, t.name, lang),
            size=f"{t.size:.0%}"))
    ref_guarantees = {g.model_dump_json() for g in reference.guarantees}
    for g in vehicle.guarantees:
        if g.model_dump_json() in ref_guarantees:
            continue
        parts.append(text("pap_sum_guarantee", lang).format(
            provider=named(s, g.provider, lang), rate=f"{g.rate:.0%}", cap=f"{g.cap:.0%}",
            tranche=tranche_named(s, vehicle.id, g.covers, lang)))
    return text("pap_sum_and", lang).join(parts) or display_name(vehicle, lang)


def _cost_sentences(s: Scenario, head: VehicleHeadline, money: MoneyUnit,
                    lang: str) -> list[str]:
    from finmodel.ui.paper import SUBSIDY_SHOWN

    if head.public_expected_cost <= SUBSIDY_SHOWN:
        return []
    name = named(s, head.vehicle, lang)
    cost = money.amount(head.public_expected_cost, lang)
    if math.isnan(head.mobilisation_ratio):
        out = [text("pap_sum_cost", lang).format(vehicle=name, cost=cost)]
    else:
        out = [text("pap_sum_cost_ratio", lang).format(
            vehicle=name, cost=cost, ratio=ratio_number(head.mobilisation_ratio))]
    if head.subsidy_to_private > SUBSIDY_SHOWN:
        out.append(text("pap_sum_transfer", lang).format(
            subsidy=money.amount(head.subsidy_to_private, lang)))
    return out


def vehicle_sentences(results: RunResults, lang: str, money: MoneyUnit) -> list[str]:
    """The vehicles in sentences: each supported vehicle against its reference (the
    senior's expected loss and mean IRR), then what the public side pays; a vehicle with
    nothing to compare with, on its own."""
    s = results.scenario
    by_id = {v.id: v for v in s.vehicles}
    heads = {h.vehicle: h for h in vehicle_headlines(results)}
    pairs = vehicle_reference(results)
    out: list[str] = []
    costs: list[str] = []
    for vid, rid in pairs.items():
        v, r = heads[vid], heads[rid]
        el0, el1 = percent(r.senior.expected_loss_pct), percent(v.senior.expected_loss_pct)
        irr0, irr1 = percent(r.senior.irr_mean), percent(v.senior.irr_mean)
        out.append(text("pap_sum_compare", lang).format(
            support=_support(s, by_id[vid], by_id[rid], v.senior.tranche, lang),
            senior=_senior(s, v, lang),
            el_move=_move(el0, el1, v.senior.expected_loss_pct - r.senior.expected_loss_pct,
                          lang, end=False),
            irr_move=_move(irr0, irr1, v.senior.irr_mean - r.senior.irr_mean, lang, end=True),
            vehicle=named(s, vid, lang), reference=named(s, rid, lang)))
        costs += _cost_sentences(s, v, money, lang)
    compared = set(pairs) | set(pairs.values())
    for vid, v in heads.items():
        if vid in compared:
            continue
        out.append(text("pap_sum_vehicle", lang).format(
            vehicle=named(s, vid, lang), senior=_senior(s, v, lang),
            el=percent(v.senior.expected_loss_pct), irr=percent(v.senior.irr_mean),
            p10=percent(v.senior.irr_p10), p90=percent(v.senior.irr_p90)))
        if not costs:
            costs += _cost_sentences(s, v, money, lang)
    return out + costs


# -- bundle ----------------------------------------------------------------------------------
def shock_baseline(results: RunResults) -> RunResults | None:
    """The same scenario's bundle run without its policy shocks (None without shocks).

    Costs one more bundle run (the vehicles and portfolios are left out); the last few are
    kept by scenario hash, so the Japanese and English papers of a run share one.
    """
    s = results.scenario
    if not s.shocks or not s.has_bundle:
        return None
    key = scenario_hash(s)
    with _BASELINES_LOCK:
        if key in _BASELINES:
            return _BASELINES[key]
    from finmodel.run import run

    baseline = run(s.model_copy(update={"shocks": [], "vehicles": [], "portfolio": None}))
    with _BASELINES_LOCK:
        _BASELINES[key] = baseline
        while len(_BASELINES) > 4:
            _BASELINES.popitem(last=False)
    return baseline


def _shock_clause(s: Scenario, lang: str) -> str:
    if len(s.shocks) != 1:
        return text("pap_sum_shocks", lang).format(n=len(s.shocks))
    shock = s.shocks[0]
    m = float(shock.budget_multiplier)
    key = "pap_sum_shock_stop" if m == 0 else ("pap_sum_shock_cut" if m < 1
                                                else "pap_sum_shock_raise")
    return text(key, lang).format(year=shock.year, provider=named(s, shock.provider, lang),
                                  pct=f"{m:.0%}")


def bundle_sentences(results: RunResults, lang: str, money: MoneyUnit,
                     baseline: RunResults | None = None) -> list[str]:
    """The bundle in sentences: the total gap against the potential demand, its lost
    pipeline and direct parts, the money, and (given the run without the shocks) what the
    shock does to the gap and to the public expected cost."""
    b = bundle_headline(results)
    if b is None:
        return []

    def fmt(value: float) -> str:
        return money.amount(value, lang)

    s = results.scenario
    years = s.simulation.years if s.simulation is not None else ""
    share = "-" if math.isnan(b.gap_share) else f"{b.gap_share:.1%}"
    out = [text("pap_sum_gap", lang).format(years=years, gap=fmt(b.total_gap), share=share,
                                            demand=fmt(b.potential_demand),
                                            p10=fmt(b.total_gap_p10), p90=fmt(b.total_gap_p90)),
           text("pap_sum_gap_parts", lang).format(lost=fmt(b.lost_pipeline),
                                                  direct=fmt(b.direct_gap))]
    if math.isnan(b.mobilisation_ratio):
        out.append(text("pap_sum_money_noratio", lang).format(
            cost=fmt(b.public_expected_cost), private=fmt(b.private_mobilised)))
    else:
        out.append(text("pap_sum_money", lang).format(
            cost=fmt(b.public_expected_cost), private=fmt(b.private_mobilised),
            ratio=ratio_number(b.mobilisation_ratio)))
    base = bundle_headline(baseline) if baseline is not None else None
    if base is not None and s.shocks:
        diff = b.total_gap - base.total_gap
        sign = "+" if diff > 0 else "−" if diff < 0 else "±"
        rel = f"{abs(diff) / base.total_gap:.1%}" if base.total_gap else "-"
        shown = f"{sign}{fmt(abs(diff))}{'、' if lang == 'ja' else ', '}{sign}{rel}"
        out.insert(2, text("pap_sum_shock", lang).format(
            shock=_shock_clause(s, lang),
            gap_move=_move(fmt(base.total_gap), fmt(b.total_gap), diff, lang, end=False,
                           kind="amount"),
            diff=shown,
            cost_move=_move(fmt(base.public_expected_cost), fmt(b.public_expected_cost),
                            b.public_expected_cost - base.public_expected_cost, lang,
                            end=True, kind="amount")))
    return out


# -- portfolios ------------------------------------------------------------------------------
def _lower(word: str, lang: str) -> str:
    return word if lang == "ja" else word[:1].lower() + word[1:]


def portfolio_sentences(results: RunResults, lang: str, money: MoneyUnit) -> list[str]:
    """The core-issue portfolio against the firm-by-firm one: impact, cost, expected loss."""
    heads = {p.portfolio: p for p in portfolio_headlines(results)}
    if "core_issue" not in heads or "firm_by_firm" not in heads or results.portfolios is None:
        return []
    core, firm = heads["core_issue"], heads["firm_by_firm"]
    loss = dict(zip(results.portfolios.summary["portfolio"],
                    results.portfolios.summary["expected_loss"], strict=True))
    times = ratio_number(core.core_impact / firm.core_impact) if firm.core_impact > 0 else "-"
    return [text("pap_sum_portfolios", lang).format(
        core=_lower(text("core_issue", lang), lang), firm=_lower(text("firm_by_firm", lang), lang),
        i1=ratio_number(core.core_impact), i0=ratio_number(firm.core_impact), times=times,
        c1=money.amount(core.total_cost, lang),
        c0=money.amount(firm.total_cost, lang),
        l1=money.amount(float(loss["core_issue"]), lang),
        l0=money.amount(float(loss["firm_by_firm"]), lang))]


def executive_summary(results: RunResults, lang: str, money: MoneyUnit | None = None,
                      baseline: RunResults | None = None) -> list[str]:
    """The executive summary's sentences (at most :data:`MAX_SENTENCES`), amounts in
    ``money`` (by default the headline table's unit); ``baseline`` is the run without the
    policy shocks (see :func:`shock_baseline`; without it the shock is not quantified)."""
    from finmodel.ui.paper import headline_money

    money = money or headline_money(results, lang)
    sentences = (vehicle_sentences(results, lang, money)
                 + bundle_sentences(results, lang, money, baseline)
                 + portfolio_sentences(results, lang, money))
    return sentences[:MAX_SENTENCES]

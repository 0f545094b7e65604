"""Cross-field checks of a scenario that a single field's type cannot express.

Each check returns problems with their own field paths, so a user sees *which*
tranche refers to an undeclared provider, not just that the vehicle is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from finmodel.scenario.base import MAX_AMOUNT, MIN_SCALE
from finmodel.scenario.errors import FieldPath
from finmodel.scenario.model import MAX_ARRIVALS, MAX_NEED_SPREAD, Scenario, Vehicle
from finmodel.vocabulary import (
    STAGE_ORDER,
    Engine,
    FacilityKind,
    FactorModel,
    Instrument,
    ProviderType,
    TrancheKind,
    WaterfallStep,
    WaterfallStyle,
)

SIZE_TOLERANCE = 1e-9
#: Most path-periods one vehicle's cash-flow engine may simulate (memory ~ 8 x 15 bytes each).
MAX_PATH_PERIODS = 20_000_000

Finding = tuple[FieldPath, str]


def _duplicates(names: list[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            yield index, name
        seen.add(name)


def check_vehicle(vehicle: Vehicle, base: FieldPath, provider_ids: set[str]) -> Iterator[Finding]:
    """Problems inside one vehicle (paths start at ``base``)."""
    total = math.fsum(t.size for t in vehicle.tranches)
    if abs(total - 1.0) > SIZE_TOLERANCE:
        yield (*base, "tranches"), f"tranche sizes must sum to 1 (they sum to {total:.6g})"
    for index, name in _duplicates([t.name for t in vehicle.tranches]):
        yield (*base, "tranches", index, "name"), f"duplicate tranche name {name!r}"
    for index, name in _duplicates([s.segment for s in vehicle.pool]):
        yield (*base, "pool", index, "segment"), f"duplicate segment name {name!r}"
    for index, tranche in enumerate(vehicle.tranches):
        path = (*base, "tranches", index)
        if tranche.provider not in provider_ids:
            yield (*path, "provider"), f"provider {tranche.provider!r} is not declared in `providers`"
        if tranche.kind is TrancheKind.grant and tranche.coupon > 0:
            yield (*path, "coupon"), "a grant is not repaid, so its coupon must be 0"
    yield from _check_periods(vehicle, base)
    yield from _check_waterfall(vehicle, base)
    names = {t.name for t in vehicle.tranches}
    for index, guarantee in enumerate(vehicle.guarantees):
        path = (*base, "guarantees", index)
        if guarantee.covers not in names:
            yield (*path, "covers"), (
                f"guarantee covers tranche {guarantee.covers!r}, which does not exist "
                f"(tranches: {', '.join(sorted(names))})"
            )
        if guarantee.provider not in provider_ids:
            yield (*path, "provider"), f"provider {guarantee.provider!r} is not declared in `providers`"
    if vehicle.factor_model is FactorModel.two_level:
        if vehicle.engine is not Engine.monte_carlo:
            yield (*base, "factor_model"), (
                "the two_level factor model needs engine: monte_carlo "
                f"(engine is {vehicle.engine.value})"
            )
        if vehicle.issue_correlation is None:
            yield (*base, "issue_correlation"), "two_level needs issue_correlation"
        elif vehicle.issue_correlation < vehicle.correlation:
            yield (*base, "issue_correlation"), (
                f"issue_correlation (={vehicle.issue_correlation}) must be >= "
                f"correlation (={vehicle.correlation})"
            )
    elif vehicle.issue_correlation is not None:
        yield (*base, "issue_correlation"), "issue_correlation is only used with factor_model: two_level"


def _check_periods(vehicle: Vehicle, base: FieldPath) -> Iterator[Finding]:
    """Whole payment periods, a recovery inside the horizon, a bounded simulation."""
    periods = vehicle.horizon_years * vehicle.payment_frequency
    if abs(periods - round(periods)) > 1e-9 or round(periods) < 1:
        field = ("payment_frequency" if "payment_frequency" in vehicle.model_fields_set
                 else "horizon_years")
        yield (*base, field), (
            f"payment_frequency (={vehicle.payment_frequency}) does not divide horizon_years "
            f"(={vehicle.horizon_years:g}) into whole periods ({periods:g} periods)")
    if vehicle.recovery_lag_years > vehicle.horizon_years:
        yield (*base, "recovery_lag_years"), (
            f"recovery_lag_years (={vehicle.recovery_lag_years:g}) is beyond the horizon "
            f"(horizon_years={vehicle.horizon_years:g})")
    work = vehicle.paths * max(round(periods), 1)
    if work > MAX_PATH_PERIODS:
        yield (*base, "paths"), (
            f"paths (={vehicle.paths:,}) x periods (={round(periods):,}) = {work:,} is more "
            f"than the cash-flow engine runs ({MAX_PATH_PERIODS:,}); lower paths or "
            "payment_frequency")


def _check_waterfall(vehicle: Vehicle, base: FieldPath) -> Iterator[Finding]:
    """One residual holder; a custom order that pays coupons, principal and a residual."""
    holders = [i for i, t in enumerate(vehicle.tranches) if t.residual]
    fund = vehicle.waterfall == WaterfallStyle.fund
    for index in holders[1:]:
        first = vehicle.tranches[holders[0]].name
        yield (*base, "tranches", index, "residual"), (
            f"a second residual holder: tranche {first!r} already takes the residual")
    for index in holders:
        if vehicle.tranches[index].kind is TrancheKind.grant:
            yield (*base, "tranches", index, "residual"), "a grant cannot hold the residual"
        if fund:
            yield (*base, "tranches", index, "residual"), (
                "`residual: true` is for the notes waterfall; a fund splits its residual "
                "pro rata among the private tranches")
    kinds = [t.kind for t in vehicle.tranches]
    for index, kind in enumerate(kinds):
        if kind is TrancheKind.grant and any(k is not TrancheKind.grant for k in kinds[:index]):
            yield (*base, "tranches", index, "kind"), (
                "a grant is never repaid, so it absorbs losses first: list it below every "
                "repaid tranche")
    if not isinstance(vehicle.waterfall, list):
        return
    steps = vehicle.waterfall
    fees = vehicle.management_fee > 0 or any(g.fee > 0 for g in vehicle.guarantees)
    if fees and WaterfallStep.fees not in steps:
        yield (*base, "waterfall"), (
            "the vehicle charges fees (guarantee fees or management_fee) but the waterfall "
            "has no `fees` step")
    for index in holders:
        if WaterfallStep.residual not in steps:
            yield (*base, "tranches", index, "residual"), (
                "a residual holder needs a `residual` step in the waterfall")
    for index, step in _duplicates([s.value for s in steps]):
        yield (*base, "waterfall", index), f"step {step!r} appears twice"
    if WaterfallStep.coupons not in steps:
        yield (*base, "waterfall"), "the waterfall must pay `coupons`"
    if WaterfallStep.principal not in steps and WaterfallStep.capital not in steps:
        yield (*base, "waterfall"), "the waterfall must repay `principal` or `capital`"
    last = steps[-1] if steps else None
    if last not in (WaterfallStep.residual, WaterfallStep.residual_pro_rata):
        yield (*base, "waterfall", len(steps) - 1), (
            "the last step must be `residual` or `residual_pro_rata` (the rest of the money)")
    if WaterfallStep.residual in steps and WaterfallStep.residual_pro_rata in steps:
        yield (*base, "waterfall"), "use one of `residual` and `residual_pro_rata`, not both"


def check_bundle(scenario: Scenario) -> Iterator[Finding]:
    """Problems in the bundle sections (pipeline, providers' mandates, facilities, shocks)."""
    economy = scenario.economy
    if economy is not None and economy.path is not None and scenario.simulation is not None \
            and len(economy.path) < scenario.simulation.years:
        yield ("economy", "path"), (
            f"path has {len(economy.path)} value(s) but the simulation runs "
            f"{scenario.simulation.years} years: give one Z_t per year")
    provider_ids = {p.id for p in scenario.providers}
    for index, provider in enumerate(scenario.providers):
        path = ("providers", index)
        if provider.type is ProviderType.accelerator and provider.instruments:
            yield (*path, "instruments"), "an accelerator gives non-financial support only"
        if provider.ticket is not None and provider.ticket.min > provider.ticket.max:
            yield (*path, "ticket", "min"), (
                f"ticket min (={provider.ticket.min}) is above max (={provider.ticket.max})")
        lending = {i for i in provider.instruments if i is not Instrument.guarantee}
        if Instrument.grant in lending and len(lending) > 1:
            yield (*path, "instruments"), (
                "a provider either gives grants or lends/invests, not both: split it into two "
                "providers (one with instruments: [grant])")
        if provider.instruments and provider.instruments != [Instrument.guarantee] \
                and provider.annual_budget <= 0:
            yield (*path, "annual_budget"), "a provider with lending instruments needs annual_budget > 0"
    if (scenario.pipeline is None) != (scenario.simulation is None):
        missing = "simulation" if scenario.simulation is None else "pipeline"
        yield (missing,), f"a bundle needs both `pipeline` and `simulation` ({missing} is missing)"
    if scenario.pipeline is not None:
        stages = scenario.pipeline.stages
        for stage, terms in stages.items():
            if terms.need.p90 < terms.need.median:
                yield ("pipeline", "stages", stage.value, "need", "p90"), (
                    f"p90 (={terms.need.p90}) must be >= median (={terms.need.median})")
            elif terms.need.p90 > MAX_NEED_SPREAD * terms.need.median:
                yield ("pipeline", "stages", stage.value, "need", "p90"), (
                    f"p90 (={terms.need.p90:g}) is more than {MAX_NEED_SPREAD:,} x the median "
                    f"(={terms.need.median:g}): needs that spread cannot be drawn")
        for stage, by_issue in scenario.pipeline.arrivals.items():
            if stage not in STAGE_ORDER:
                yield ("pipeline", "arrivals", stage.value), (
                    f"firms arrive at one of {', '.join(s.value for s in STAGE_ORDER)}")
                continue
            for later in STAGE_ORDER[STAGE_ORDER.index(stage):]:
                if later not in stages:
                    yield ("pipeline", "stages"), (
                        f"firms arriving at {stage.value} need terms for stage {later.value}")
            for issue, rate in by_issue.items():
                if rate < 0:
                    yield ("pipeline", "arrivals", stage.value, issue.value), (
                        f"arrivals must be >= 0 (got {rate})")
                elif rate > MAX_ARRIVALS:
                    yield ("pipeline", "arrivals", stage.value, issue.value), (
                        f"arrivals must be at most {MAX_ARRIVALS:,} firms a year (got {rate:g})")
    for index, fid in _duplicates([f.id for f in scenario.facilities]):
        yield ("facilities", index, "id"), f"duplicate facility id {fid!r}"
    required = {FacilityKind.guarantee: ("rate", "cap"), FacilityKind.first_loss: ("share",),
                FacilityKind.concessional: ("rate", "share")}
    for index, facility in enumerate(scenario.facilities):
        path = ("facilities", index)
        if facility.provider not in provider_ids:
            yield (*path, "provider"), f"provider {facility.provider!r} is not declared in `providers`"
        for key in required[facility.kind]:
            if getattr(facility, key) is None:
                yield (*path, key), f"a {facility.kind.value} facility needs `{key}`"
    for index, shock in enumerate(scenario.shocks):
        if shock.provider not in provider_ids:
            yield (("shocks", index, "provider"),
                   f"provider {shock.provider!r} is not declared in `providers`")
        if scenario.simulation is not None and shock.year > scenario.simulation.years:
            yield (("shocks", index, "year"),
                   f"year {shock.year} is after the last simulated year ({scenario.simulation.years})")


def _cycle(links: list[tuple[str, str]]) -> list[str] | None:
    """A cycle in a directed graph given by its edges, or None (depth-first, without
    recursion, so a long chain of links cannot exhaust the stack)."""
    graph: dict[str, list[str]] = {}
    for a, b in links:
        graph.setdefault(a, []).append(b)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in list(graph):
        if start in state:
            continue
        path = [start]
        state[start] = 1
        pending = [iter(graph.get(start, []))]
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                pending.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                pending.append(iter(graph.get(nxt, [])))
    return None


def _scale_problem(value: float) -> str | None:
    """Why ``value`` cannot be one unit of progress on an indicator, or None."""
    if value <= 0:
        return f"scale must be > 0 (got {value})"
    if value < MIN_SCALE:
        return f"scale must be at least {MIN_SCALE:g} (got {value:g})"
    if value > MAX_AMOUNT:
        return f"scale must be at most 1e12 (got {value:g})"
    return None


def check_impact(scenario: Scenario) -> Iterator[Finding]:
    """Problems in the impact sections: indicators, logic model, KPIs, portfolio brief."""
    from finmodel.impact.catalogue import catalogue, shipped_catalogue

    shipped = shipped_catalogue()
    for index, spec in enumerate(scenario.indicators):
        known = shipped.get(spec.id)
        if known is not None and known.unit != spec.unit:
            yield (("indicators", index, "unit"),
                   f"indicator {spec.id!r} is in {known.unit!r} in the catalogue, not {spec.unit!r}")
    for index, iid in _duplicates([i.id for i in scenario.indicators]):
        yield ("indicators", index, "id"), f"duplicate indicator id {iid!r}"
    indicators = catalogue(scenario)

    def unknown(iid: str) -> str:
        return f"unknown indicator {iid!r} (not in the catalogue or `indicators`)"

    needs_region = scenario.logic_model is not None or scenario.portfolio is not None
    if needs_region and scenario.region is None:
        yield ("region",), "a logic model or portfolio needs `region` with its core_issue"
    model = scenario.logic_model
    node_ids: set[str] = set()
    if model is not None:
        base = ("logic_model",)
        node_ids = {n.id for n in model.nodes}
        for index, nid in _duplicates([n.id for n in model.nodes]):
            yield (*base, "nodes", index, "id"), f"duplicate node id {nid!r}"
        if not any(n.level == "impact" for n in model.nodes):
            yield (*base, "nodes"), "the logic model needs a node with level: impact"
        for index, node in enumerate(model.nodes):
            for k, iid in enumerate(node.indicators):
                if iid not in indicators:
                    yield (*base, "nodes", index, "indicators", k), unknown(iid)
            for k, iid in _duplicates(list(node.indicators)):
                yield (*base, "nodes", index, "indicators", k), (
                    f"indicator {iid!r} is listed twice in this node")
            for iid, value in node.scale.items():
                if iid not in node.indicators:
                    yield (*base, "nodes", index, "scale", iid), (
                        f"scale given for {iid!r}, which is not one of this node's indicators")
                problem = _scale_problem(value)
                if problem:
                    yield (*base, "nodes", index, "scale", iid), problem
        for index, link in enumerate(model.links):
            for key, nid in (("from", link.source), ("to", link.target)):
                if nid not in node_ids:
                    yield (*base, "links", index, key), f"unknown node {nid!r}"
        for index, _ in _duplicates([f"{link.source}\n{link.target}" for link in model.links]):
            link = model.links[index]
            yield (*base, "links", index), (
                f"duplicate link from {link.source!r} to {link.target!r}")
        cycle = _cycle([(link.source, link.target) for link in model.links])
        if cycle:
            yield (*base, "links"), f"the logic model has a cycle: {' -> '.join(cycle)}"
        for issue, weight in model.spillover.items():
            if not 0.0 <= weight <= 1.0:
                yield (*base, "spillover", issue.value), f"weight must be in [0, 1] (got {weight})"
    for index, iid in _duplicates([k.indicator for k in scenario.kpis]):
        yield ("kpis", index, "indicator"), f"duplicate KPI indicator {iid!r} (one KPI per indicator)"
    for index, kpi in enumerate(scenario.kpis):
        if 0 < abs(kpi.target - kpi.baseline) < MIN_SCALE:
            yield ("kpis", index, "target"), (
                f"target (={kpi.target:g}) must equal the baseline (={kpi.baseline:g}) or be at "
                f"least {MIN_SCALE:g} from it (target - baseline is one unit of progress)")
        if kpi.indicator not in indicators:
            yield ("kpis", index, "indicator"), unknown(kpi.indicator)
        elif kpi.unit is not None and kpi.unit != indicators[kpi.indicator].unit:
            yield ("kpis", index, "unit"), (
                f"{kpi.indicator!r} is measured in {indicators[kpi.indicator].unit!r}, "
                f"not {kpi.unit!r}")
    brief = scenario.portfolio
    if brief is None:
        return
    if scenario.pipeline is None:
        yield ("portfolio",), "a portfolio draws its candidates from `pipeline`, which is missing"
    elif not any(rate > 0 for by_issue in scenario.pipeline.arrivals.values()
                 for rate in by_issue.values()):
        yield ("pipeline", "arrivals"), ("a portfolio draws its candidates from the pipeline's "
                                         "arrivals: at least one rate must be above 0")
    if model is None:
        yield ("portfolio",), "a portfolio is judged against `logic_model`, which is missing"
    for iid, value in brief.impact_scales.items():
        problem = _scale_problem(value)
        if iid not in indicators:
            yield ("portfolio", "impact_scales", iid), unknown(iid)
        elif problem:
            yield ("portfolio", "impact_scales", iid), problem
    for index, c in enumerate(brief.contributions):
        path = ("portfolio", "contributions", index)
        if c.indicator not in indicators:
            yield (*path, "indicator"), unknown(c.indicator)
        elif c.unit is not None and c.unit != indicators[c.indicator].unit:
            yield (*path, "unit"), (f"{c.indicator!r} is measured in "
                                    f"{indicators[c.indicator].unit!r}, not {c.unit!r}")
    for index, oid in _duplicates([o.id for o in brief.support_options]):
        yield ("portfolio", "support_options", index, "id"), f"duplicate support option id {oid!r}"
    for index, option in enumerate(brief.support_options):
        path = ("portfolio", "support_options", index)
        if model is not None and option.node not in node_ids:
            yield (*path, "node"), f"unknown node {option.node!r}"
        if option.indicator not in indicators:
            yield (*path, "indicator"), unknown(option.indicator)
        elif option.unit is not None and option.unit != indicators[option.indicator].unit:
            yield (*path, "unit"), (f"{option.indicator!r} is measured in "
                                    f"{indicators[option.indicator].unit!r}, not {option.unit!r}")
    for instrument, share in brief.public_share.items():
        if not 0.0 <= share <= 1.0:
            yield (("portfolio", "public_share", instrument.value),
                   f"share must be in [0, 1] (got {share})")


def check_scenario(scenario: Scenario) -> list[Finding]:
    """Every cross-field problem of a scenario (empty when it is consistent)."""
    findings: list[Finding] = []
    for index, pid in _duplicates([p.id for p in scenario.providers]):
        findings.append((("providers", index, "id"), f"duplicate provider id {pid!r}"))
    for index, vid in _duplicates([v.id for v in scenario.vehicles]):
        findings.append((("vehicles", index, "id"), f"duplicate vehicle id {vid!r}"))
    provider_ids = {p.id for p in scenario.providers}
    for index, vehicle in enumerate(scenario.vehicles):
        findings.extend(check_vehicle(vehicle, ("vehicles", index), provider_ids))
    findings.extend(check_bundle(scenario))
    findings.extend(check_impact(scenario))
    if scenario.sweep is not None:
        from finmodel.scenario.paths import sweep_problems

        findings.extend(sweep_problems(scenario, scenario.model_dump(mode="json", by_alias=True)))
    return findings

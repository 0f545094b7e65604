"""The logic model as numbers: how much a unit of each indicator moves the core issue.

A node's weight is the progress at the impact node that one unit of progress at the node
produces: 1 at an impact node, and the sum over its outgoing links of link weight x the
weight of the node it leads to (the model is acyclic, validated on load). A unit of
progress on an indicator is its ``scale``: the node's own scale, else the KPI's
target - baseline, else the portfolio's ``impact_scales``, else 1 of its unit. An
indicator's core value per unit is then the sum, over the nodes it measures, of node
weight / scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from finmodel.impact.catalogue import Indicator, catalogue
from finmodel.scenario.model import Scenario


@dataclass(frozen=True)
class LogicWeights:
    """Node weights, indicator scales and each indicator's core value per unit."""

    node_weight: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    core_per_unit: dict[str, float] = field(default_factory=dict)
    node_indicators: dict[str, tuple[str, ...]] = field(default_factory=dict)


def indicator_scales(scenario: Scenario, indicators: dict[str, Indicator]) -> dict[str, float]:
    """One unit of progress on each indicator (see module docstring)."""
    scale = {iid: 1.0 for iid in indicators}
    if scenario.portfolio is not None:
        scale.update(scenario.portfolio.impact_scales)
    for kpi in scenario.kpis:
        gap = abs(kpi.target - kpi.baseline)
        if gap > 0:
            scale[kpi.indicator] = gap
    if scenario.logic_model is not None:
        for node in scenario.logic_model.nodes:
            scale.update(node.scale)
    return scale


def logic_weights(scenario: Scenario, indicators: dict[str, Indicator]) -> LogicWeights:
    """The weights of the scenario's logic model (all zero when it has none)."""
    scale = indicator_scales(scenario, indicators)
    model = scenario.logic_model
    if model is None:
        return LogicWeights(scale=scale)
    outgoing: dict[str, list[tuple[str, float]]] = {}
    for link in model.links:
        outgoing.setdefault(link.source, []).append((link.target, link.weight))
    levels = {n.id: n.level for n in model.nodes}

    @cache
    def weight(node: str) -> float:
        if levels[node] == "impact":
            return 1.0
        return sum(w * weight(nxt) for nxt, w in outgoing.get(node, []))

    node_weight = {n.id: weight(n.id) for n in model.nodes}
    core: dict[str, float] = {}
    for node in model.nodes:
        for iid in node.indicators:
            unit = node.scale.get(iid, scale.get(iid, 1.0))
            core[iid] = core.get(iid, 0.0) + node_weight[node.id] / unit
    return LogicWeights(node_weight, scale, core,
                        {n.id: tuple(n.indicators) for n in model.nodes})


@dataclass(frozen=True)
class ImpactBasis:
    """What the portfolios measure impact with, built once per scenario: the indicator
    catalogue (shipped plus the scenario's own) and the logic model's weights."""

    indicators: dict[str, Indicator]
    weights: LogicWeights


def impact_basis(scenario: Scenario) -> ImpactBasis:
    """The scenario's indicator catalogue and logic weights."""
    indicators = catalogue(scenario)
    return ImpactBasis(indicators, logic_weights(scenario, indicators))

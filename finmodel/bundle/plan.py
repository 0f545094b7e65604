"""The bundle's lending plan: what every replication derives from the scenario alone,
compiled once (:func:`bundle_plan`) and shared by every run and counterfactual.

For each stage x issue cell: the lenders a firm asks, in policy order, with their terms
(:class:`~finmodel.bundle.policy.LenderTerms`), and the providers whose non-financial
support covers it. For each provider: its default LGD and whether it grants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from finmodel.bundle.policy import LenderTerms, facility_order, lender_order, lender_terms
from finmodel.scenario.model import Scenario
from finmodel.vocabulary import Issue, Stage

Cell = tuple[Stage, Issue]


@dataclass(frozen=True)
class BundlePlan:
    """Everything a replication reads that does not depend on its draws.

    Attributes:
        lenders: per stage x issue, the lenders asked, in order, with their terms.
        supporters: per stage x issue, the providers whose support covers it.
        lgd: each provider's default LGD (in file order).
        grants: whether each provider grants (rather than lends).
        index: provider id -> its position in file order.
        sigma: each stage's lognormal sigma of a firm's need.
        draws: most uniforms a firm can use (one need per stage, two draws a year in each).
    """

    lenders: Mapping[Cell, tuple[LenderTerms, ...]]
    supporters: Mapping[Cell, tuple[int, ...]]
    lgd: tuple[float, ...]
    grants: tuple[bool, ...]
    index: Mapping[str, int]
    sigma: Mapping[Stage, float]
    draws: int


def bundle_plan(scenario: Scenario) -> BundlePlan:
    """The scenario's lending plan.

    Raises:
        ValueError: the scenario has no bundle (pipeline and simulation).
    """
    pipeline = scenario.pipeline
    if pipeline is None or scenario.simulation is None:
        raise ValueError("the scenario has no bundle (pipeline and simulation)")
    providers = list(scenario.providers)
    facilities = list(scenario.facilities)
    lenders: dict[Cell, tuple[LenderTerms, ...]] = {}
    supporters: dict[Cell, tuple[int, ...]] = {}
    for stage, terms in pipeline.stages.items():
        for issue in Issue:
            candidates = facility_order(facilities, stage, issue)
            lenders[(stage, issue)] = tuple(
                lender_terms(i, providers[i], terms.annual_pd, facilities, candidates)
                for i in lender_order(providers, stage, issue))
            supporters[(stage, issue)] = tuple(
                i for i, p in enumerate(providers)
                if p.support is not None and stage in p.support.stages
                and (p.support.issues is None or issue in p.support.issues))
    return BundlePlan(
        lenders=lenders, supporters=supporters,
        lgd=tuple(p.resolved_lgd for p in providers),
        grants=tuple(p.grants for p in providers),
        index={p.id: i for i, p in enumerate(providers)},
        sigma={stage: terms.need.sigma for stage, terms in pipeline.stages.items()},
        draws=sum(1 + 2 * terms.max_years for terms in pipeline.stages.values()),
    )

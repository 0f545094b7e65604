"""Candidate firms for the portfolios, drawn from the pipeline with the scenario's seed.

Each candidate has a stage and issue (in the proportions of the pipeline's arrivals,
spread over the stages a firm passes through), the money it needs (the stage's
lognormal need), its PD over the horizon, the finance method used at its stage, and its
expected contribution to each indicator over the horizon (per year alive, or per unit
of money, drawn around the scenario's mean with its spread).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from finmodel.impact.catalogue import Indicator
from finmodel.impact.logic import ImpactBasis, LogicWeights, impact_basis
from finmodel.scenario.model import Scenario
from finmodel.seeding import stream
from finmodel.vocabulary import DEFAULT_LGD, STAGE_ORDER, Instrument, Issue, Stage

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Candidates:
    """Candidate firms as arrays (one entry per firm) and their contributions."""

    stage: tuple[Stage, ...]
    issue: tuple[Issue, ...]
    method: tuple[Instrument, ...]
    money: FloatArray
    pd: FloatArray  # over the horizon
    lgd: FloatArray
    public_share: FloatArray
    contribution: FloatArray  # (firms, indicators): expected total over the horizon
    yearly: FloatArray  # (firms, indicators): expected contribution in a year alive
    survival: FloatArray  # (firms, years): probability alive in each year 1..horizon
    indicators: tuple[str, ...]
    core: FloatArray  # contribution to the core issue through the logic model
    own: FloatArray  # own impact, whatever the issue (firm-by-firm score)

    @property
    def expected_loss(self) -> FloatArray:
        """Expected loss over the horizon (a grant is a cost, not a loss)."""
        grant = np.array([m is Instrument.grant for m in self.method])
        return np.where(grant, 0.0, self.money * self.pd * self.lgd)

    def __len__(self) -> int:
        return int(self.money.shape[0])


def _stage_mix(scenario: Scenario) -> list[tuple[Stage, Issue, float]]:
    """Weights of (stage, issue) among candidates: arrivals spread over later stages."""
    assert scenario.pipeline is not None
    weights: dict[tuple[Stage, Issue], float] = {}
    stages = scenario.pipeline.stages
    for entry, by_issue in scenario.pipeline.arrivals.items():
        if entry not in STAGE_ORDER:
            continue
        for issue, rate in by_issue.items():
            reach = 1.0
            for stage in STAGE_ORDER[STAGE_ORDER.index(entry):]:
                weights[(stage, issue)] = weights.get((stage, issue), 0.0) + rate * reach
                terms = stages[stage]
                # Share of firms that reach the next stage (graduate before failing or leaving).
                stay = (1 - terms.annual_pd) * (1 - terms.graduation)
                reach *= terms.graduation * (1 - terms.annual_pd) * (
                    1 - stay ** terms.max_years) / max(1 - stay, 1e-12)
    return [(s, i, w) for (s, i), w in weights.items() if w > 0]


def draw_candidates(scenario: Scenario, basis: ImpactBasis | None = None) -> Candidates:
    """The portfolio brief's candidate firms (seeded by the scenario, stream "candidates");
    ``basis`` is the scenario's compiled catalogue and logic weights (built when not given)."""
    basis = basis if basis is not None else impact_basis(scenario)
    brief, pipeline = scenario.portfolio, scenario.pipeline
    assert brief is not None and pipeline is not None
    rng = stream(scenario.seed, "candidates")
    mix = _stage_mix(scenario)
    weights = np.array([w for _, _, w in mix])
    picks = rng.choice(len(mix), size=brief.candidates, p=weights / weights.sum())
    stage = tuple(mix[k][0] for k in picks)
    issue = tuple(mix[k][1] for k in picks)
    median = np.array([pipeline.stages[s].need.median for s in stage])
    sigma = np.array([pipeline.stages[s].need.sigma for s in stage])
    money = median * np.exp(sigma * rng.standard_normal(brief.candidates))
    cap = brief.max_share_per_firm * brief.budget
    money = np.minimum(money, cap)  # no firm asks for more than one firm may get
    annual = np.array([pipeline.stages[s].annual_pd for s in stage])
    horizon = brief.horizon_years
    pd = 1 - (1 - annual) ** horizon
    method = tuple(brief.methods.get(s, Instrument.senior_loan) for s in stage)
    lgd = np.array([DEFAULT_LGD[m] for m in method])
    public = np.array([brief.public_share.get(m, 0.0) for m in method])
    years = np.arange(horizon)
    # alive at the start of year t+1
    survival = np.asarray((1.0 - annual[:, None]) ** years[None, :], dtype=float)
    names = tuple(sorted({c.indicator for c in brief.contributions}))
    yearly = np.zeros((brief.candidates, len(names)))
    for rule in brief.contributions:
        match = np.array([i is rule.issue and (rule.stage is None or s is rule.stage)
                          for s, i in zip(stage, issue, strict=True)])
        draws = np.maximum(rule.mean + rule.sd * rng.standard_normal(brief.candidates), 0.0)
        amount = draws * (money / horizon if rule.per == "money" else 1.0)
        yearly[:, names.index(rule.indicator)] += np.where(match, amount, 0.0)
    contribution = yearly * survival.sum(axis=1)[:, None]
    weights_logic = basis.weights
    return Candidates(stage, issue, method, money, pd, lgd, public, contribution, yearly,
                      survival, names, core_value(weights_logic, names, contribution),
                      own_value(weights_logic, names, contribution))


def core_value(weights: LogicWeights, names: tuple[str, ...], amounts: FloatArray) -> FloatArray:
    """Contribution to the core issue of each row of indicator amounts."""
    w = np.array([weights.core_per_unit.get(n, 0.0) for n in names])
    return (amounts * w[None, :]).sum(axis=1) if len(names) else np.zeros(amounts.shape[0])


def own_value(weights: LogicWeights, names: tuple[str, ...], amounts: FloatArray) -> FloatArray:
    """Own impact: every indicator counted at its scale, whatever the issue or logic model."""
    w = np.array([1.0 / weights.scale.get(n, 1.0) for n in names])
    return (amounts * w[None, :]).sum(axis=1) if len(names) else np.zeros(amounts.shape[0])


__all__ = ["Candidates", "Indicator", "draw_candidates"]

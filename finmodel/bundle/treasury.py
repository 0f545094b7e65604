"""The bundle's money on hand: providers' yearly budgets, facilities' programme budgets
and providers' capacity for non-financial support.

Each year starts with the year's shocks (from their year on) and the credit cycle
applied: a provider's budget is its ``annual_budget`` x its shock multiplier x
max(0, 1 + procyclicality x Z_t); what it did not lend does not carry over. Facility
budgets are programme limits over the whole simulation: commitments use them up.
"""

from __future__ import annotations

import math

import numpy as np

from finmodel.bundle.firms import Firm
from finmodel.bundle.ledgers import Ledgers
from finmodel.bundle.plan import BundlePlan
from finmodel.bundle.policy import EPSILON
from finmodel.scenario.model import Scenario
from finmodel.vocabulary import Issue, Stage


def draw(levels: list[float], index: int, amount: float) -> None:
    """Take ``amount`` (at most what is left) from one budget."""
    amount = min(amount, levels[index])
    if amount > 0:
        levels[index] -= amount


class Treasury:
    """What is left of every budget this year (one per run)."""

    def __init__(self, scenario: Scenario, plan: BundlePlan, factor: np.ndarray,
                 ledgers: Ledgers) -> None:
        self.scenario = scenario
        self.plan = plan
        self.providers = list(scenario.providers)
        self.factor = factor
        self.ledgers = ledgers
        self.budget_left = [0.0] * len(self.providers)  # this year's, reset by start_year
        self.facility_left = [float(f.budget) for f in scenario.facilities]  # programme limits
        self.multiplier = np.ones(len(self.providers))
        self.support_left = np.zeros(len(self.providers))
        self._index = plan.index

    def start_year(self, year: int, budgets: bool = True) -> None:
        """Apply the year's shocks; reset providers' budgets (if asked) and support capacity."""
        for shock in self.scenario.shocks:
            if shock.year == year + 1:
                self.multiplier[self._index[shock.provider]] *= shock.budget_multiplier
        self.ledgers.factor[year] = self.factor[year]
        for i, provider in enumerate(self.providers):
            cycle = max(0.0, 1.0 + provider.procyclicality * self.factor[year])
            budget = provider.annual_budget * self.multiplier[i] * cycle
            if budgets:
                self.budget_left[i] = budget if budget > 0 else 0.0
            self.ledgers.budget[i, year] = budget
            capacity = provider.support.capacity if provider.support else 0
            self.support_left[i] = math.floor(capacity * self.multiplier[i] + EPSILON)

    def supporters(self, stage: Stage, issue: Issue) -> tuple[int, ...]:
        """Providers whose non-financial support covers the stage and issue."""
        return self.plan.supporters[(stage, issue)]

    def support(self, firm: Firm, year: int) -> tuple[float, float]:
        """Non-financial support for the firm this year, while a provider has capacity
        left: the PD and graduation multipliers it brings."""
        pd_factor = graduation_factor = 1.0
        for i in self.supporters(firm.stage, firm.issue):
            support = self.providers[i].support
            assert support is not None
            if self.support_left[i] < 1:
                continue
            self.support_left[i] -= 1
            self.ledgers.supported[i, year] += 1
            self.ledgers.support_cost[i, year] += support.cost_per_firm
            pd_factor *= support.pd_multiplier
            graduation_factor *= support.graduation_multiplier
        return pd_factor, graduation_factor

"""A firm in the bundle's pipeline and the money providers have in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from finmodel.vocabulary import Issue, Stage


@dataclass(slots=True)
class Position:
    """Money one provider has in one firm."""

    provider: int
    amount: float
    rate: float
    lgd: float
    facility: int | None = None
    facility_amount: float = 0.0  # guarantee liability or first-loss reserve
    concessional: bool = False  # lent by a concessional facility (provider = its funder)
    reference_rate: float = 0.0  # the rate private money charged alongside (for subsidies)
    grant: bool = False  # money that is not repaid


@dataclass(slots=True)
class Firm:
    """A firm in the pipeline."""

    number: int
    stage: Stage
    issue: Issue
    uniforms: tuple[float, ...]  # the firm's own random draws, used in order
    pd_multiplier: float = 1.0
    positions: list[Position] = field(default_factory=list)
    used: int = 0
    years_in_stage: int = 0
    alive: bool = True  # still in the pipeline (the counterfactual's loop)

    def uniform(self) -> float:
        """The firm's next U(0, 1) draw."""
        value = self.uniforms[self.used]
        self.used += 1
        return value

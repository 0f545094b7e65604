"""The bundle's allocation policy: who lends how much to a firm, with which facility.

Pure functions over plain numbers, so each rule can be tested by hand. The policy, in
the order it is applied to one request for money:

1. Lenders are the providers with lending instruments whose mandate covers the firm's
   stage and issue. Private money is asked first, then public, then philanthropic money
   (public money as the last resort, so it is additional); within a sector, in the order
   the scenario declares them.
2. Each lender offers the smaller of the money still needed, its ticket maximum and what
   is left of its yearly budget; it declines when that is below its ticket minimum.
3. A lender with ``max_expected_loss`` takes the position only if its expected annual
   loss rate (firm PD x its LGD) is within the limit. If not, the facilities serving
   the firm's stage and issue with budget left are tried in order - guarantees, then
   first-loss shares, then concessional lines (declaration order within each) - and the
   first that brings the rate within the limit is attached. If none does, it declines.
4. The firm is served when the positions add up to its need, partly served when they
   add up to less, rejected when nobody lends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finmodel.scenario.model import Facility, Provider
from finmodel.vocabulary import FacilityKind, Issue, Sector, Stage

SECTOR_ORDER = {Sector.private: 0, Sector.public: 1, Sector.philanthropic: 2}
FACILITY_ORDER = {FacilityKind.guarantee: 0, FacilityKind.first_loss: 1,
                  FacilityKind.concessional: 2}
EPSILON = 1e-9


def lender_order(providers: list[Provider], stage: Stage, issue: Issue) -> list[int]:
    """Indices of the providers that may lend to a firm, in the order they are asked."""
    eligible = [i for i, p in enumerate(providers) if p.lends and p.serves(stage, issue)]
    return sorted(eligible, key=lambda i: (SECTOR_ORDER[providers[i].resolved_sector], i))


def facility_order(facilities: list[Facility], stage: Stage, issue: Issue) -> list[int]:
    """Indices of the facilities that may be attached for a firm, in the order tried."""
    eligible = [i for i, f in enumerate(facilities) if f.serves(stage, issue)]
    return sorted(eligible, key=lambda i: (FACILITY_ORDER[facilities[i].kind], i))


def expected_loss_rate(pd: float, lgd: float, facility: Facility | None) -> float:
    """Lender's expected annual loss rate on a position, with a facility attached or not.

    Guarantee: it pays ``rate`` of the loss up to ``cap`` of the position, so the lender
    keeps lgd - min(rate x lgd, cap). First loss: the facility takes the first ``share``
    of the position's loss. Concessional: the firm's PD falls by ``pd_multiplier``.
    """
    if facility is None:
        return pd * lgd
    if facility.kind is FacilityKind.guarantee:
        assert facility.rate is not None and facility.cap is not None
        return pd * (lgd - min(facility.rate * lgd, facility.cap))
    if facility.kind is FacilityKind.first_loss:
        assert facility.share is not None
        return pd * max(lgd - facility.share, 0.0)
    return pd * facility.pd_multiplier * lgd


def facility_use_per_unit(facility: Facility, lgd: float) -> float:
    """Facility budget a position uses per unit of the deal.

    Guarantee: its maximum liability; first loss: its reserve; concessional: the share of
    the deal it lends.
    """
    if facility.kind is FacilityKind.guarantee:
        assert facility.rate is not None and facility.cap is not None
        return min(facility.rate * lgd, facility.cap)
    assert facility.share is not None
    return facility.share


@dataclass(frozen=True)
class Offer:
    """What one lender offers: amount of the deal, and the facility it needs (if any)."""

    provider: int
    amount: float
    facility: int | None


def lender_offer(provider_index: int, provider: Provider, remaining: float, budget_left: float,
                 pd: float, facilities: list[Facility], facility_candidates: list[int],
                 facility_budget_left: Sequence[float]) -> Offer | None:
    """The offer of one lender for the rest of a firm's need, or None when it declines.

    When a facility is needed and its budget cannot cover the whole amount, the amount is
    cut to what the facility can still cover (if that is still above the ticket minimum).
    """
    ticket_max = provider.ticket.max if provider.ticket else float("inf")
    ticket_min = provider.ticket.min if provider.ticket else 0.0
    amount = min(remaining, ticket_max, budget_left)
    if amount <= EPSILON or amount < ticket_min - EPSILON:
        return None
    lgd = provider.resolved_lgd
    limit = provider.max_expected_loss
    if limit is None or expected_loss_rate(pd, lgd, None) <= limit + EPSILON:
        return Offer(provider_index, amount, None)
    for f in facility_candidates:
        facility = facilities[f]
        if expected_loss_rate(pd, lgd, facility) > limit + EPSILON:
            continue
        per_unit = facility_use_per_unit(facility, lgd)
        covered = amount if per_unit <= 0 else min(amount, facility_budget_left[f] / per_unit)
        if covered > EPSILON and covered >= ticket_min - EPSILON:
            return Offer(provider_index, covered, f)
    return None

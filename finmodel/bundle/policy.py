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
from typing import NamedTuple

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


class Offer(NamedTuple):
    """What one lender offers: amount of the deal, and the facility it needs (if any)."""

    provider: int
    amount: float
    facility: int | None


@dataclass(frozen=True, slots=True)
class LenderTerms:
    """What decides one lender's offers to the firms of one stage and issue.

    The expected-loss test depends only on the stage's PD, the lender's LGD and limit and
    the facility, so it is decided once: ``direct`` when the lender takes the position as
    it is; otherwise ``facilities`` lists the usable ones in the order tried, each with the
    facility budget a position uses per unit of the deal.
    """

    provider: int
    ticket_min: float
    ticket_max: float
    direct: bool
    facilities: tuple[tuple[int, float], ...]


def lender_terms(provider_index: int, provider: Provider, pd: float,
                 facilities: list[Facility], facility_candidates: list[int]) -> LenderTerms:
    """One lender's terms for firms with annual PD ``pd`` (facilities tried in the given order)."""
    lgd = provider.resolved_lgd
    limit = provider.max_expected_loss
    direct = limit is None or expected_loss_rate(pd, lgd, None) <= limit + EPSILON
    usable: tuple[tuple[int, float], ...] = ()
    if not direct:
        assert limit is not None
        usable = tuple((f, facility_use_per_unit(facilities[f], lgd)) for f in facility_candidates
                       if expected_loss_rate(pd, lgd, facilities[f]) <= limit + EPSILON)
    return LenderTerms(provider_index,
                       provider.ticket.min if provider.ticket else 0.0,
                       provider.ticket.max if provider.ticket else float("inf"),
                       direct, usable)


def out_of_facilities(terms: LenderTerms, facility_budget_left: Sequence[float]) -> bool:
    """True when a lender that needs a facility can no longer get one for a ticket: every
    usable facility's budget left covers less than the ticket minimum. Facility budgets
    only fall, so this lasts for the rest of the run."""
    if terms.direct:
        return False
    floor = max(EPSILON, terms.ticket_min - EPSILON)
    return all(per_unit > 0 and facility_budget_left[f] / per_unit < floor
               for f, per_unit in terms.facilities)


def lender_offer(terms: LenderTerms, remaining: float, budget_left: float,
                 facility_budget_left: Sequence[float]) -> Offer | None:
    """The offer of one lender for the rest of a firm's need, or None when it declines.

    When a facility is needed and its budget cannot cover the whole amount, the amount is
    cut to what the facility can still cover (if that is still above the ticket minimum).
    """
    amount = min(remaining, terms.ticket_max, budget_left)
    ticket_min = terms.ticket_min
    if amount <= EPSILON or amount < ticket_min - EPSILON:
        return None
    if terms.direct:
        return Offer(terms.provider, amount, None)
    for f, per_unit in terms.facilities:
        covered = amount if per_unit <= 0 else min(amount, facility_budget_left[f] / per_unit)
        if covered > EPSILON and covered >= ticket_min - EPSILON:
            return Offer(terms.provider, covered, f)
    return None

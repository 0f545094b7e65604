"""Money flowing back from a firm: yearly interest, repayment, and losses when it fails.

Positions are repaid in full when a firm leaves its stage alive; interest is paid
yearly (a guarantee's fee comes out of it, a concessional line's forgone interest is
the funder's subsidy); when a firm fails each position loses its LGD, a guarantee pays
its rate of the loss up to its cap and a first-loss facility the loss up to its share.
"""

from __future__ import annotations

from finmodel.bundle.firms import Firm
from finmodel.bundle.ledgers import Books
from finmodel.economics import forgone_interest
from finmodel.scenario.model import Facility
from finmodel.vocabulary import FacilityKind


def collect_interest(firm: Firm, year: int, books: Books, facilities: list[Facility]) -> None:
    """The year's interest on every position (net of guarantee fees)."""
    interest = books.interest
    ledgers = books.ledgers
    for position in firm.positions:
        interest[position.provider][year] += position.rate * position.amount
        if position.concessional:
            ledgers.subsidy[position.provider, year] += forgone_interest(
                position.reference_rate, position.rate, position.amount)
        elif position.facility is not None:
            facility = facilities[position.facility]
            if facility.kind is FacilityKind.guarantee and facility.fee > 0:
                fee = facility.fee * position.amount
                ledgers.fees[position.facility, year] += fee
                interest[position.provider][year] -= fee


def settle_repayment(firm: Firm, year: int, books: Books) -> None:
    """The firm leaves its stage alive: every loan is repaid in full."""
    for position in firm.positions:
        if not position.grant:
            books.repaid[position.provider][year] += position.amount
    firm.positions = []


def settle_default(firm: Firm, year: int, books: Books, facilities: list[Facility]) -> None:
    """Each position loses its LGD; guarantees and first-loss shares pay their part."""
    ledgers = books.ledgers
    for position in firm.positions:
        if position.grant:
            continue  # given, not lent: nothing more to lose
        loss = position.lgd * position.amount
        cover = 0.0
        if position.facility is not None and not position.concessional:
            facility = facilities[position.facility]
            if facility.kind is FacilityKind.guarantee:
                assert facility.rate is not None and facility.cap is not None
                cover = min(facility.rate * loss, facility.cap * position.amount)
            elif facility.kind is FacilityKind.first_loss:
                assert facility.share is not None
                cover = min(loss, facility.share * position.amount)
            ledgers.paid[position.facility, year] += cover
            ledgers.covered[position.provider, year] += cover
        ledgers.losses[position.provider, year] += loss - cover
        books.repaid[position.provider][year] += position.amount - loss
    firm.positions = []

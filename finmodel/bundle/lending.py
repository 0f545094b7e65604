"""The bundle's answer to a firm's request for money: the allocation policy applied.

Which lenders are asked, in which order, and on which terms is decided by the pure
rules of :mod:`finmodel.bundle.policy`; this module applies them to one run's budgets
(:class:`~finmodel.bundle.treasury.Treasury`) and books each position it takes.
"""

from __future__ import annotations

from finmodel.bundle.firms import Firm, Position
from finmodel.bundle.ledgers import ISSUE_INDEX, STAGE_INDEX, Books
from finmodel.bundle.plan import BundlePlan
from finmodel.bundle.policy import (
    EPSILON,
    LenderTerms,
    Offer,
    facility_use_per_unit,
    lender_offer,
    out_of_facilities,
)
from finmodel.bundle.treasury import Treasury, draw
from finmodel.scenario.model import Scenario
from finmodel.vocabulary import FacilityKind, Issue, Stage


class Lending:
    """The lenders of one run: their terms per stage and issue, asked in policy order."""

    def __init__(self, scenario: Scenario, plan: BundlePlan, treasury: Treasury,
                 books: Books) -> None:
        self.providers = list(scenario.providers)
        self.facilities = list(scenario.facilities)
        self.treasury = treasury
        self.books = books
        self.lgd = plan.lgd
        self.grant = plan.grants
        self.index = plan.index
        # this run's lenders per cell: the plan's, less those whose facilities ran out
        self._plans: dict[tuple[Stage, Issue], tuple[LenderTerms, ...]] = dict(plan.lenders)

    def plan(self, stage: Stage, issue: Issue) -> tuple[LenderTerms, ...]:
        """The lenders a firm of this stage and issue asks, in order, with their terms."""
        return self._plans[(stage, issue)]

    def ask(self, firm: Firm, need: float, year: int) -> float:
        """Assemble funding for ``need`` under the allocation policy; returns what is supplied.

        Money is booked as it is lent; the caller books the round's demand and outcome.
        """
        plan = self.plan(firm.stage, firm.issue)
        remaining = need
        budget_left = self.treasury.budget_left
        facility_left = self.treasury.facility_left
        dropped = False
        for terms in plan:
            if remaining <= EPSILON:
                break
            left = budget_left[terms.provider]
            if left <= EPSILON or left < terms.ticket_min - EPSILON:
                continue  # spent for this year (what is left is below a ticket)
            offer = lender_offer(terms, remaining, left, facility_left)
            if offer is None:
                dropped = dropped or out_of_facilities(terms, facility_left)
                continue
            self.take(firm, offer, year)
            remaining -= offer.amount
        if dropped:  # lenders whose facilities have run out are not asked again
            self._plans[(firm.stage, firm.issue)] = tuple(
                t for t in plan if not out_of_facilities(t, facility_left))
        return need - remaining

    def take(self, firm: Firm, offer: Offer, year: int) -> None:
        """Book a lender's position (and its facility) in the firm."""
        provider = self.providers[offer.provider]
        lgd = self.lgd[offer.provider]
        facility = self.facilities[offer.facility] if offer.facility is not None else None
        own = offer.amount
        if offer.facility is not None and facility is not None \
                and facility.kind is FacilityKind.concessional:
            assert facility.share is not None and facility.rate is not None
            line = offer.amount * facility.share
            own = offer.amount - line
            funder = self.index[facility.provider]
            draw(self.treasury.facility_left, offer.facility, line)
            self.books.ledgers.committed[offer.facility, year] += line
            self.books.ledgers.committed_cell[(offer.facility, STAGE_INDEX[firm.stage],
                                         ISSUE_INDEX[firm.issue])] += line
            self.books.lent[funder][year] += line
            self.books.ledgers.facility_lent[funder, year] += line
            self.books.lent_cell[funder][STAGE_INDEX[firm.stage]][ISSUE_INDEX[firm.issue]] += line
            firm.positions.append(Position(funder, line, facility.rate, lgd, offer.facility,
                                           concessional=True, reference_rate=provider.rate))
            firm.pd_multiplier = min(firm.pd_multiplier, facility.pd_multiplier)
        p = offer.provider
        grant = self.grant[p]
        position = Position(p, own, 0.0 if grant else provider.rate, lgd, None, 0.0, False, 0.0,
                            grant)
        if grant:
            self.books.ledgers.granted[p, year] += own
        if offer.facility is not None and facility is not None \
                and facility.kind is not FacilityKind.concessional:
            use = own * facility_use_per_unit(facility, lgd)
            draw(self.treasury.facility_left, offer.facility, use)
            self.books.ledgers.committed[offer.facility, year] += use
            self.books.ledgers.committed_cell[(offer.facility, STAGE_INDEX[firm.stage],
                                         ISSUE_INDEX[firm.issue])] += use
            position.facility = offer.facility
            position.facility_amount = use
        draw(self.treasury.budget_left, p, own)
        self.books.lent[p][year] += own
        firm.positions.append(position)
        self.books.lent_cell[p][STAGE_INDEX[firm.stage]][ISSUE_INDEX[firm.issue]] += own
        if offer.amount > self.books.largest[p]:
            self.books.largest[p] = offer.amount
        if offer.amount < self.books.smallest[p]:
            self.books.smallest[p] = offer.amount

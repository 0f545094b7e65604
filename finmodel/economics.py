"""The economic quantities every layer reports, defined once (see docs/methodology.md).

Stack (vehicles), bundle and portfolios apply the same definitions to what they
simulate; only the accounting base differs and is named with the figure: the stack
reports present values at the vehicle's discount rate over its horizon, the bundle sums
its yearly flows over the simulated years (means over replications), the portfolio its
brief's money over the brief's horizon.
"""

from __future__ import annotations

import math

from finmodel.vocabulary import Sector

#: Money from these sectors is public money (its cost is the public's cost).
PUBLIC_SECTORS: frozenset[Sector] = frozenset({Sector.public, Sector.philanthropic})


def is_public(sector: Sector | str) -> bool:
    """Public or philanthropic money."""
    return sector in PUBLIC_SECTORS


def public_expected_cost(losses: float, grants: float, forgone_return: float,
                         guarantee_payments: float, guarantee_fees: float,
                         support: float = 0.0, coordination: float = 0.0) -> float:
    """Public expected cost: what public money is expected to lose or give away.

    losses (public money's expected credit losses) + grants + forgone return (what
    concessional public money earns below market terms: the subsidy) + guarantee payments
    net of the fees received + non-financial support + the backbone's coordination cost.
    """
    return (losses + grants + forgone_return + guarantee_payments - guarantee_fees
            + support + coordination)


def mobilisation_ratio(private_money: float, public_money: float) -> float:
    """Private money at market terms per unit of public money (public, philanthropic and
    concessional money, guarantees counted at their maximum payout, first-loss reserves at
    their size); NaN when there is no public money."""
    return private_money / public_money if public_money > 0 else math.nan


def forgone_interest(reference_rate: float, rate: float, amount: float) -> float:
    """A concessional line's subsidy for one year: the interest it gives up against its
    reference (market) rate, ``max(reference_rate - rate, 0) x amount`` (the bundle's
    forgone return; the stack's is the same idea in present value: ``stack.metrics.subsidy``)."""
    return max(reference_rate - rate, 0.0) * amount

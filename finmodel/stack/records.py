"""The typed rows of a vehicle's figures: what the stack layer hands to the tables.

Each record is a frozen dataclass; a table's columns are its fields, in order
(:func:`columns`), and records become DataFrames only at the edge (:func:`frame`);
both come from :mod:`finmodel.records`, shared with the bundle's and the portfolios'
records. Definitions of the economic quantities: docs/methodology.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from finmodel.records import columns, frame

__all__ = ["CashflowRecord", "GuaranteeRecord", "HorizonLossRecord", "OnePeriodRecord",
           "TrancheRecord", "VehicleRecord", "columns", "frame"]


@dataclass(frozen=True, slots=True)
class TrancheRecord:
    """One tranche's figures (amounts in the scenario's unit; rates per year)."""

    tranche: str
    kind: str
    provider: str
    sector: str
    residual_holder: bool
    attach: float
    detach: float
    notional: float
    coupon: float
    market_coupon: float
    expected_loss: float  # principal never repaid
    expected_loss_pct: float  # of notional
    gross_expected_loss: float  # before guarantees
    guarantee_received: float
    prob_loss: float
    var_99: float
    es_99: float
    expected_cash: float
    expected_return: float  # IRR of the expected cash flows
    irr_mean: float
    irr_p10: float
    irr_p50: float
    irr_p90: float
    hurdle_return: float
    prob_hurdle_met: float  # P(IRR >= hurdle)
    discount_rate: float
    npv: float
    wal_years: float
    pv_loss: float
    subsidy: float  # PV it gives up by its concession
    subsidy_to_private: float  # PV the private tranches gain from it
    breakeven_pd_multiple: float
    expected_loss_se: float
    prob_loss_se: float
    expected_cash_se: float
    irr_mean_se: float
    prob_hurdle_met_se: float


@dataclass(frozen=True, slots=True)
class GuaranteeRecord:
    """One guarantee: what it may pay, what it is expected to pay, what it earns."""

    provider: str
    sector: str
    covers: str
    rate: float
    cap: float
    max_payout: float
    expected_payment: float
    expected_payment_se: float
    pv_payment: float
    prob_called: float
    var_99: float
    fees: float
    pv_fees: float
    multiplier: float  # covered notional per unit of maximum payout


@dataclass(frozen=True, slots=True)
class VehicleRecord:
    """A vehicle's pool, public cost, mobilisation and the concession's transfer."""

    exposure: float
    loans: int
    horizon_years: float
    periods: int
    paths: int
    cumulative_pd: float
    pool_expected_loss: float
    pool_expected_loss_se: float
    guarantor_expected_loss: float
    guarantee_fees: float
    management_fees: float
    vehicle_residual: float
    public_expected_cost: float  # PV
    public_cost_losses: float
    public_cost_forgone_return: float
    public_cost_guarantees: float
    private_money: float
    public_and_concessional_money: float
    mobilisation_ratio: float
    guarantee_multiplier: float
    subsidy: float
    subsidy_to_private: float


@dataclass(frozen=True, slots=True)
class HorizonLossRecord:
    """The one-period engine's pool loss at the horizon (exact, Monte Carlo or LHP)."""

    engine: str
    expected_loss: float
    expected_loss_pct: float
    expected_loss_se: float
    loss_p50: float
    loss_p90: float
    loss_p99: float
    loss_p999: float
    es_99: float


@dataclass(frozen=True, slots=True)
class CashflowRecord:
    """One holder's expected cash flows in one period (amounts in the scenario's unit)."""

    holder: str  # a tranche, the pool, a guarantor, the manager or the vehicle
    holder_type: str
    period: int
    time_years: float
    interest: float
    principal: float
    recoveries: float
    loss_written_down: float
    loss_cured: float
    guarantee_received: float
    guarantee_paid: float
    fees: float
    residual: float
    retained: float
    cash: float
    cash_p10: float
    cash_p90: float


@dataclass(frozen=True, slots=True)
class OnePeriodRecord:
    """One tranche under the one-period engine's loss at the horizon (bullet, one payment,
    same priority of payments; amounts in the scenario's unit): its figures from
    ``finmodel.stack.metrics.one_period_row``."""

    engine: str
    tranche: str
    expected_loss: float
    expected_loss_pct: float
    prob_loss: float
    var_99: float
    es_99: float
    expected_cash: float
    expected_return: float
    subsidy: float

"""The headline records against an independent reading of the result tables."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from finmodel import load_scenario, run
from finmodel.headlines import (
    BundleHeadline,
    PortfolioHeadline,
    TrancheHeadline,
    VehicleHeadline,
    bundle_headline,
    portfolio_headlines,
    vehicle_headline,
    vehicle_headlines,
)
from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from tests.conftest import ROOT

TRANCHE_FIELDS = ["expected_loss_pct", "prob_loss", "irr_mean", "irr_p10", "irr_p50", "irr_p90",
                  "hurdle_return", "prob_hurdle_met"]
VEHICLE_FIELDS = ["expected_loss", "public_expected_cost", "subsidy", "subsidy_to_private",
                  "mobilisation_ratio"]
BUNDLE_FIELDS = ["total_gap", "gap_share", "total_gap_p10", "total_gap_p90", "direct_gap",
                 "lost_pipeline", "potential_demand", "public_expected_cost",
                 "private_mobilised", "mobilisation_ratio"]


def _smaller(scenario: Scenario) -> Scenario:
    """Fewer paths and replications: the same tables, faster."""
    vehicles = [v.model_copy(update={"paths": 5_000}) for v in scenario.vehicles]
    update: dict[str, object] = {"vehicles": vehicles}
    if scenario.simulation is not None:
        update["simulation"] = scenario.simulation.model_copy(update={"replications": 5})
    return scenario.model_copy(update=update)


@pytest.fixture(scope="module")
def shipped() -> dict[str, RunResults]:
    names = ["dormant_deposit_fund.yaml", "credit_guarantee.yaml", "bundle_policy_shock.yaml",
             "core_issue_vs_firm_by_firm.yaml"]
    return {name: run(_smaller(load_scenario(ROOT / "scenarios" / name))) for name in names}


def _same(a: float, b: float) -> bool:
    """Equal, or both NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("name", ["dormant_deposit_fund.yaml", "credit_guarantee.yaml"])
def test_vehicle_headlines_read_the_vehicle_row_and_its_top_tranche(shipped: dict[str, RunResults], name: str) -> None:
    results = shipped[name]
    records = vehicle_headlines(results)
    assert [h.vehicle for h in records] == list(results.vehicles["vehicle"])
    # The senior: the last tranche row of each vehicle (tranches run bottom to top).
    tops = results.tranches.groupby("vehicle", sort=False).tail(1).set_index("vehicle").to_dict("index")
    for h in records:
        assert isinstance(h, VehicleHeadline) and isinstance(h.senior, TrancheHeadline)
        row = results.vehicles[results.vehicles["vehicle"] == h.vehicle].iloc[0]
        for f in VEHICLE_FIELDS:
            assert _same(getattr(h, f), float(row[f])), (h.vehicle, f)
            assert type(getattr(h, f)) is float
        top = tops[h.vehicle]
        assert h.senior.tranche == top["tranche"]
        for f in TRANCHE_FIELDS:
            assert _same(getattr(h.senior, f), float(top[f])), (h.vehicle, f)
        assert h.senior.has_hurdle == (not pd.isna(top["prob_hurdle_met"]))
        assert repr(vehicle_headline(results, h.vehicle)) == repr(h)  # NaN != NaN
    with pytest.raises(KeyError):
        vehicle_headline(results, "no_such_vehicle")


def test_the_fund_seniors_and_a_missing_mobilisation_ratio(shipped: dict[str, RunResults]) -> None:
    results = shipped["dormant_deposit_fund.yaml"]
    fund, bare = vehicle_headlines(results)
    assert (fund.vehicle, bare.vehicle) == ("subordinated_fund", "no_subordination")
    assert fund.senior.tranche == bare.senior.tranche == "senior"
    assert fund.senior.tranche != results.tranches["tranche"].iloc[0]  # not the bottom one
    assert fund.subsidy_to_private > 0 and bare.subsidy_to_private == 0
    # no public money in the vehicle without subordination: no ratio, NaN as in the table
    assert math.isnan(results.vehicles["mobilisation_ratio"].iloc[1])
    assert math.isnan(bare.mobilisation_ratio) and not math.isnan(fund.mobilisation_ratio)


def test_a_senior_without_a_hurdle_keeps_nan(shipped: dict[str, RunResults]) -> None:
    results = shipped["credit_guarantee.yaml"]
    tranches = results.tranches.copy()
    tranches["hurdle_return"] = float("nan")
    tranches["prob_hurdle_met"] = float("nan")
    for h in vehicle_headlines(dataclasses.replace(results, tranches=tranches)):
        assert math.isnan(h.senior.hurdle_return) and math.isnan(h.senior.prob_hurdle_met)
        assert not h.senior.has_hurdle


def test_bundle_headline_is_the_bundle_summary_row(shipped: dict[str, RunResults]) -> None:
    for name in ("bundle_policy_shock.yaml", "core_issue_vs_firm_by_firm.yaml"):
        results = shipped[name]
        b = bundle_headline(results)
        assert isinstance(b, BundleHeadline)
        summary = results.bundle_summary
        assert len(summary) == 1
        for f in BUNDLE_FIELDS:
            assert _same(getattr(b, f), float(summary[f].iloc[0])), (name, f)
            assert type(getattr(b, f)) is float
        assert b.total_gap == pytest.approx(b.direct_gap + b.lost_pipeline)
    assert bundle_headline(shipped["dormant_deposit_fund.yaml"]) is None
    assert vehicle_headlines(shipped["bundle_policy_shock.yaml"]) == []


def test_bundle_figures_that_do_not_apply_stay_nan(shipped: dict[str, RunResults]) -> None:
    from finmodel.ui.export import bundle_headlines
    from finmodel.ui.i18n import text

    results = shipped["bundle_policy_shock.yaml"]
    assert results.bundle is not None
    summary = results.bundle_summary.copy()
    summary["gap_share"] = float("nan")
    summary["mobilisation_ratio"] = float("nan")
    nan_results = dataclasses.replace(
        results, bundle=dataclasses.replace(results.bundle, summary=summary))
    b = bundle_headline(nan_results)
    assert b is not None and math.isnan(b.gap_share) and math.isnan(b.mobilisation_ratio)
    for lang in ("en", "ja"):
        rows = dict(bundle_headlines(nan_results, lang))
        assert rows[text("mobilisation_ratio", lang)] == "-"
        assert "(" not in rows[text("total_gap", lang)] and "（" not in rows[text("total_gap", lang)]


def test_portfolio_headlines_are_the_summary_rows(shipped: dict[str, RunResults]) -> None:
    results = shipped["core_issue_vs_firm_by_firm.yaml"]
    assert results.portfolios is not None
    summary = results.portfolios.summary
    records = portfolio_headlines(results)
    assert records == [PortfolioHeadline(portfolio=str(p), core_impact=float(c), total_cost=float(t))
                       for p, c, t in zip(summary["portfolio"], summary["core_impact"],
                                          summary["total_cost"], strict=True)]
    assert {r.portfolio for r in records} == {"firm_by_firm", "core_issue"}
    assert portfolio_headlines(shipped["dormant_deposit_fund.yaml"]) == []


def test_records_are_frozen_and_slotted(shipped: dict[str, RunResults]) -> None:
    h = vehicle_headlines(shipped["dormant_deposit_fund.yaml"])[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.expected_loss = 0.0  # type: ignore[misc]
    for record in (h, h.senior, bundle_headline(shipped["bundle_policy_shock.yaml"]),
                   portfolio_headlines(shipped["core_issue_vs_firm_by_firm.yaml"])[0]):
        assert not hasattr(record, "__dict__")

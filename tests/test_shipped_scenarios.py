"""Every shipped scenario runs, and shows what it says it shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from finmodel import load_scenario, run
from tests.conftest import ROOT, SCENARIOS


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenario_runs(path: Path) -> None:
    results = run(load_scenario(path))
    assert len(results.tranches) == sum(len(v.tranches) for v in results.scenario.vehicles)
    assert results.tranches["expected_loss"].notna().all()


def test_dormant_deposit_subordination_protects_private_investors() -> None:
    results = run(load_scenario(ROOT / "scenarios" / "dormant_deposit_fund.yaml"))
    t = results.tranches.set_index(["vehicle", "tranche"])
    sub = t.loc[("subordinated_fund", "senior")]
    plain = t.loc[("no_subordination", "senior")]
    assert results.vehicles.set_index("vehicle").loc["subordinated_fund", "exposure"] == 1500
    assert t.loc[("subordinated_fund", "subordinated"), "attach"] == 0.0
    assert t.loc[("subordinated_fund", "subordinated"), "detach"] == pytest.approx(0.15)
    assert sub["expected_loss_pct"] < plain["expected_loss_pct"] / 5
    assert sub["expected_return"] > plain["expected_return"]
    assert sub["prob_hurdle_met"] > plain["prob_hurdle_met"]


def test_guarantee_scenario_lowers_bank_loss() -> None:
    results = run(load_scenario(ROOT / "scenarios" / "credit_guarantee.yaml"))
    t = results.tranches.set_index("vehicle")
    assert t.loc["guaranteed_book", "expected_loss"] < t.loc["unguaranteed_book", "expected_loss"]
    assert results.guarantees.iloc[0]["expected_payment"] > 0


def test_concessional_scenario_reports_subsidy_and_engines_agree() -> None:
    results = run(load_scenario(ROOT / "scenarios" / "concessional_tranche.yaml"))
    v = results.vehicles.set_index("vehicle")
    t = results.tranches.set_index(["vehicle", "tranche"])
    assert t.loc[("care_fund", "capital_type_loan"), "subsidy"] > 0
    # Same pool, three engines: pool expected loss agrees (MC within 4 standard errors).
    exact = v.loc["care_fund", "expected_loss"]
    assert v.loc["care_fund_lhp", "expected_loss"] == pytest.approx(exact, rel=1e-3)
    mc = v.loc["care_fund_two_level"]
    assert abs(mc["expected_loss"] - exact) < 4 * mc["expected_loss_se"]

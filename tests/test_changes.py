"""with_changes: the one way to change a scenario (paths, rebalancing, full validation)."""

from __future__ import annotations

import pytest

from finmodel.scenario import ScenarioError, load_scenario
from finmodel.scenario.changes import with_changes
from tests.conftest import ROOT

FUND = ROOT / "scenarios" / "dormant_deposit_fund.yaml"


def test_the_top_tranche_absorbs_a_size_change() -> None:
    scenario = load_scenario(FUND)
    changed = with_changes(scenario, {"vehicles.subordinated_fund.tranches.0.size": 0.25})
    sizes = [t.size for t in changed.vehicles[0].tranches]
    assert sizes[0] == 0.25 and sum(sizes) == pytest.approx(1.0)
    assert sizes[-1] == pytest.approx(1.0 - sum(sizes[:-1]))
    # by tranche name too; the original is untouched
    by_name = with_changes(scenario, {"vehicles.subordinated_fund.tranches.subordinated.size": 0.25})
    assert by_name == changed
    assert scenario.vehicles[0].tranches[0].size == pytest.approx(0.15)


def test_setting_every_size_leaves_them_as_set() -> None:
    scenario = load_scenario(FUND)
    with pytest.raises(ScenarioError) as info:  # they no longer add up to 1
        with_changes(scenario, {"vehicles.subordinated_fund.tranches.0.size": 0.2,
                                "vehicles.subordinated_fund.tranches.1.size": 0.7})
    assert "tranches" in str(info.value)


def test_an_invalid_change_names_the_field_and_changes_nothing() -> None:
    scenario = load_scenario(FUND)
    with pytest.raises(ScenarioError) as info:
        with_changes(scenario, {"vehicles.subordinated_fund.tranches.0.size": 0.0}, "slider")
    problem = info.value.problems[0]
    assert problem.file == "slider" and problem.path[:4] == ("vehicles", 0, "tranches", 0)
    with pytest.raises(ScenarioError) as info:
        with_changes(scenario, {"vehicles.subordinated_fund.engine": "exactly"})
    assert "engine" in str(info.value)


def test_an_unknown_path_is_refused_with_the_choices() -> None:
    scenario = load_scenario(FUND)
    with pytest.raises(ScenarioError) as info:
        with_changes(scenario, {"vehicles.nope.engine": "lhp"})
    assert "no item 'nope'" in str(info.value) and "subordinated_fund" in str(info.value)


def test_cross_checks_run_on_the_changed_scenario() -> None:
    # the two-level issue factor needs the Monte Carlo engine (a cross-check, not a field rule)
    scenario = load_scenario(ROOT / "scenarios" / "concessional_tranche.yaml")
    two_level = next(v.id for v in scenario.vehicles if v.issue_correlation)
    with pytest.raises(ScenarioError) as info:
        with_changes(scenario, {f"vehicles.{two_level}.engine": "exact"})
    assert "monte_carlo" in str(info.value)

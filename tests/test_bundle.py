"""The bundle simulation: hand-computed gaps, budgets and mandates, money, determinism,
shocks, the allocation policy by hand, and the gap-closing designer."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from finmodel import load_scenario, run
from finmodel.bundle import simulate_bundle, simulate_ledgers
from finmodel.bundle.designer import GapTarget, design_gap_closure
from finmodel.bundle.policy import (
    expected_loss_rate,
    lender_offer,
    lender_order,
    lender_terms,
)
from finmodel.bundle.simulation import ISSUES, BundleRun
from finmodel.scenario import ScenarioError
from finmodel.scenario.model import Facility, Provider, Scenario
from finmodel.vocabulary import STAGE_ORDER, Issue, Stage
from tests.conftest import ROOT

BUNDLE_SCENARIOS = sorted((ROOT / "scenarios").glob("bundle_*.yaml"))


def tiny(**changes: Any) -> dict[str, Any]:
    """One year, two seed firms needing exactly 15 each, one lender with a budget of 25."""
    data: dict[str, Any] = {
        "name": "tiny", "seed": 1,
        "simulation": {"years": 1, "replications": 3},
        "pipeline": {
            "stages": {name: {"need": {"median": 15, "p90": 15}, "annual_pd": 0.0,
                              "graduation": 0.0, "max_years": 5}
                       for name in ("seed", "early", "middle", "later")},
            "arrivals": {"seed": {"people_and_work": 2}},
            "arrival_process": "fixed", "retries": 0},
        "providers": [{"id": "bank", "type": "regional_bank", "instruments": ["senior_loan"],
                       "annual_budget": 25, "ticket": {"min": 1, "max": 100}, "rate": 0.02}],
    }
    for key, value in changes.items():
        data[key] = value
    return data


def test_tiny_fixed_scenario_gap_by_hand() -> None:
    results = simulate_bundle(Scenario.model_validate(tiny()))
    row = results.gaps.set_index(["year", "stage", "issue"]).loc[(1, "seed", "people_and_work")]
    # Firm 1 gets 15, firm 2 the 10 left of the budget: demand 30, supply 25, gap 5.
    assert row["demand"] == pytest.approx(30.0)
    assert row["supplied"] == pytest.approx(25.0)
    assert row["direct_gap"] == pytest.approx(5.0)
    # Nobody is lost before asking (one stage, one year): total gap = direct gap.
    assert row["potential_demand"] == pytest.approx(30.0)
    assert row["total_gap"] == pytest.approx(5.0) and row["lost_pipeline"] == 0.0
    assert (row["served"], row["partly_served"], row["rejected"]) == (1.0, 1.0, 0.0)
    assert row["total_gap_p10"] == row["total_gap_p90"] == pytest.approx(5.0)  # nothing random


def test_rejected_firm_asks_again_then_is_discouraged() -> None:
    data = tiny(simulation={"years": 3, "replications": 1})
    data["pipeline"]["arrivals"] = {"seed": {"health": 1}}
    data["pipeline"]["retries"] = 1
    data["providers"][0]["stages"] = ["middle"]  # nobody lends at seed
    data["providers"].append({"id": "city", "type": "municipality"})
    gaps = simulate_bundle(Scenario.model_validate(data)).gaps.set_index("year")
    # Year 1's round: asked in year 1 and again in year 2, then gave up.
    assert gaps.loc[1, "rejected"] == 2 and gaps.loc[1, "discouraged"] == 1
    assert gaps.loc[1, "demand"] == pytest.approx(15.0)
    # Year 3's firm is still waiting for its second ask when the simulation ends.
    assert gaps.loc[3, "rejected"] == 1 and gaps.loc[3, "discouraged"] == 0
    assert gaps.loc[3, "pending"] == 1
    # Every round is accounted for.
    outcomes = gaps[["served", "partly_served", "discouraged", "pending"]].sum(axis=1)
    np.testing.assert_allclose(outcomes, gaps["rounds"])


@pytest.mark.parametrize("path", BUNDLE_SCENARIOS, ids=lambda p: p.name)
def test_gap_identity_budgets_mandates_and_money(path: Path) -> None:
    scenario = load_scenario(path)
    ledgers = simulate_ledgers(scenario, replications=8)
    for lg in ledgers:
        # Yearly budgets (concessional lines draw on their facility budget instead).
        assert np.all(lg.lent - lg.facility_lent <= lg.budget + 1e-6)
        for f, facility in enumerate(scenario.facilities):
            assert lg.committed[f].sum() <= facility.budget * (1 + 1e-9) + 1e-9
        for p, provider in enumerate(scenario.providers):
            # Mandates: money only where stage and issue are covered.
            for s, stage in enumerate(STAGE_ORDER):
                for i, issue in enumerate(ISSUES):
                    if lg.lent_cell[p, s, i] > lg.facility_lent[p].sum() + 1e-9:
                        assert provider.serves(stage, issue), (provider.id, stage, issue)
            if provider.ticket is not None and lg.largest_position[p] > 0:
                assert lg.largest_position[p] <= provider.ticket.max + 1e-9
                assert lg.smallest_position[p] >= provider.ticket.min - 1e-9
        # Money: everything lent is repaid, lost, covered by a facility, granted or still out.
        accounted = (lg.repaid.sum(1) + lg.losses.sum(1) + lg.covered.sum(1)
                     + lg.granted.sum(1) + lg.outstanding)
        np.testing.assert_allclose(lg.lent.sum(1), accounted, rtol=1e-9, atol=1e-6)
        # Facilities pay out exactly what positions had covered.
        assert lg.paid.sum() == pytest.approx(lg.covered.sum())
        assert np.all(lg.supplied <= lg.demand + 1e-6)
    gaps = simulate_bundle(scenario, replications=8).gaps
    np.testing.assert_allclose(gaps["direct_gap"], gaps["demand"] - gaps["supplied"], atol=1e-6)
    np.testing.assert_allclose(gaps["total_gap"], gaps["direct_gap"] + gaps["lost_pipeline"],
                               atol=1e-6)
    np.testing.assert_allclose(gaps["total_gap"], gaps["potential_demand"] - gaps["supplied"],
                               atol=1e-6)
    np.testing.assert_allclose(gaps["firms_lost"], gaps["firms_potential"] - gaps["firms_reached"])
    # Every round ends served, partly served, discouraged or still pending at the horizon.
    outcomes = gaps[["served", "partly_served", "discouraged", "pending"]].sum(axis=1)
    np.testing.assert_allclose(outcomes, gaps["rounds"], atol=1e-9)
    assert (gaps["total_gap_p10"] <= gaps["total_gap_p50"] + 1e-9).all()
    assert (gaps["total_gap_p50"] <= gaps["total_gap_p90"] + 1e-9).all()


def test_same_seed_same_results_other_seed_other_results() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "bundle_policy_shock.yaml")
    a = simulate_bundle(scenario, replications=5).gaps
    b = simulate_bundle(scenario, replications=5).gaps
    c = simulate_bundle(scenario.model_copy(update={"seed": 99}), replications=5).gaps
    assert a.equals(b)
    assert not a.equals(c)
    # A replication's draws do not depend on how many replications run.
    first = BundleRun(scenario, 0).run()
    assert np.array_equal(first.demand, simulate_ledgers(scenario, 3)[0].demand)


def test_shock_lowers_supply_from_its_year() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "bundle_policy_shock.yaml")
    calm = scenario.model_copy(update={"shocks": []})
    shocked = simulate_bundle(scenario, replications=20).providers.set_index(["provider", "year"])
    base = simulate_bundle(calm, replications=20).providers.set_index(["provider", "year"])
    for year in range(1, 5):
        assert shocked.loc[("city", year), "lent"] == pytest.approx(base.loc[("city", year), "lent"])
    for year in range(5, 11):
        assert shocked.loc[("city", year), "lent"] == 0.0
        assert shocked.loc[("city", year), "budget"] == 0.0
    assert base.loc[("city", 7), "lent"] > 0.0
    seed_supply = {name: simulate_bundle(s, replications=20).gaps.query("stage == 'seed' and year >= 5")
                   ["supplied"].sum() for name, s in [("shock", scenario), ("calm", calm)]}
    assert seed_supply["shock"] < seed_supply["calm"]


def test_expected_loss_rate_by_hand() -> None:
    g = Facility(id="g", kind="guarantee", provider="x", rate=0.8, cap=0.25, budget=1)
    f = Facility(id="f", kind="first_loss", provider="x", share=0.2, budget=1)
    c = Facility(id="c", kind="concessional", provider="x", rate=0.005, share=0.3,
                 pd_multiplier=0.5, budget=1)
    assert expected_loss_rate(0.05, 0.6, None) == pytest.approx(0.03)
    assert expected_loss_rate(0.05, 0.6, g) == pytest.approx(0.05 * (0.6 - 0.25))  # capped
    assert expected_loss_rate(0.05, 0.2, g) == pytest.approx(0.05 * 0.2 * 0.2)  # rate binds
    assert expected_loss_rate(0.05, 0.6, f) == pytest.approx(0.05 * 0.4)
    assert expected_loss_rate(0.05, 0.6, c) == pytest.approx(0.015)


def test_lender_order_and_offer_by_hand() -> None:
    providers = [
        Provider(id="city", type="municipality", instruments=["grant"], annual_budget=10),
        Provider(id="bank", type="regional_bank", instruments=["senior_loan"], annual_budget=100,
                 ticket={"min": 5, "max": 40}, max_expected_loss=0.02, stages=["middle"]),
        Provider(id="cu", type="credit_union", instruments=["senior_loan"], annual_budget=100),
    ]
    assert lender_order(providers, Stage.middle, Issue.health) == [1, 2, 0]
    assert lender_order(providers, Stage.seed, Issue.health) == [2, 0]
    bank = providers[1]
    # Within the limit: the smaller of need, ticket max and budget left.
    within = lender_terms(1, bank, 0.02, [], [])
    assert within.direct and (within.ticket_min, within.ticket_max) == (5, 40)
    assert lender_offer(within, 70, 100, []).amount == 40  # type: ignore[union-attr]
    assert lender_offer(within, 70, 25, []).amount == 25  # type: ignore[union-attr]
    assert lender_offer(within, 3, 100, []) is None  # below the ticket minimum
    # Above the limit (0.05 x 0.6 = 0.03): a guarantee with 6 of budget left covers 6 / 0.3 = 20.
    g = Facility(id="g", kind="guarantee", provider="city", rate=0.5, cap=0.5, budget=10)
    above = lender_terms(1, bank, 0.05, [g], [0])
    assert not above.direct and above.facilities == ((0, pytest.approx(0.3)),)
    offer = lender_offer(above, 70, 100, [6.0])
    assert offer is not None and offer.facility == 0 and offer.amount == pytest.approx(20.0)
    assert lender_offer(above, 70, 100, [1.0]) is None  # covers 3.3 < the ticket minimum
    assert lender_offer(lender_terms(1, bank, 0.05, [], []), 70, 100, []) is None


def test_bad_bundle_inputs_are_refused(tmp_path: Path) -> None:
    import yaml

    data = tiny()
    data["facilities"] = [{"id": "g", "kind": "guarantee", "provider": "nobody", "budget": 5}]
    data["shocks"] = [{"year": 3, "provider": "ghost", "budget_multiplier": 0.5}]
    data["pipeline"]["stages"]["seed"]["need"]["p90"] = 10
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "facilities[0].provider: provider 'nobody' is not declared" in message
    assert "facilities[0].rate: a guarantee facility needs `rate`" in message
    assert "shocks[0].provider: provider 'ghost' is not declared" in message
    assert "shocks[0].year: year 3 is after the last simulated year (1)" in message
    assert "pipeline.stages.seed.need.p90: p90 (=10.0) must be >= median (=15.0)" in message
    assert f"{path}:" in message


def test_coverage_flags_holes_and_overlaps() -> None:
    data = tiny()
    data["providers"] = [
        {"id": "a", "type": "regional_bank", "instruments": ["senior_loan"], "annual_budget": 1,
         "stages": ["middle"]},
        {"id": "b", "type": "credit_union", "instruments": ["senior_loan"], "annual_budget": 1,
         "stages": ["middle", "later"]},
    ]
    coverage = simulate_bundle(Scenario.model_validate(data)).coverage.set_index(["stage", "issue"])
    assert coverage.loc[("seed", "health"), "hole"]
    assert coverage.loc[("seed", "people_and_work"), "reached"]
    assert not coverage.loc[("seed", "health"), "reached"]
    assert coverage.loc[("middle", "health"), "overlap"]
    assert not coverage.loc[("later", "health"), "overlap"]


def test_run_gives_bundle_tables_and_writes_them(tmp_path: Path) -> None:
    results = run(load_scenario(ROOT / "scenarios" / "bundle_seed_accelerator.yaml"))
    for table in ("gaps", "handoffs", "providers", "coverage"):
        assert len(getattr(results, table)) > 0
    for column in ("year", "stage", "issue", "potential_demand", "demand", "supplied",
                   "direct_gap", "lost_pipeline", "total_gap", "total_gap_p10", "total_gap_p50",
                   "total_gap_p90", "firms_potential", "firms_reached", "firms_lost", "rounds",
                   "served", "partly_served", "rejected", "discouraged", "pending"):
        assert column in results.gaps.columns
    assert {"provider", "year", "lent", "budget_used", "losses", "facility_spending"} <= set(
        results.providers.columns)
    summary = results.bundle_summary.iloc[0]
    assert summary["mobilisation_ratio"] > 0 and summary["public_expected_cost"] > 0
    written = {p.name for p in results.write(tmp_path)}
    assert {"gaps.csv", "handoffs.csv", "providers.csv", "coverage.csv",
            "bundle_summary.csv"} <= written


def test_designer_claim_holds_out_of_sample() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "bundle_transition_bank.yaml")
    scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(  # type: ignore[union-attr]
        update={"years": 6})})
    target = GapTarget(0.25, Stage.middle)
    table = design_gap_closure(scenario, target, replications=6, scale=3.0, xtol=1e-2,
                               validation_replications=12)
    assert table["holds"].any()
    best = table.iloc[0]
    assert best["holds"] and best["gap_closed_lower"] >= 0.25
    holding = table[table["holds"]]
    assert (np.diff(holding["public_expected_cost"].to_numpy()) >= -1e-9).all()
    # Re-simulate the best design from scratch on the validation replications (6..17).
    from finmodel.bundle.designer import closed_share, design_scenario
    designed = design_scenario(scenario, target, best, scale=3.0)
    base = target.gaps(simulate_ledgers(scenario, 12, first=6))
    again = target.gaps(simulate_ledgers(designed, 12, first=6))
    assert closed_share(base, again)[0] == pytest.approx(best["gap_closed"])
    # ... and on a third set nobody has seen, it still closes about what it claims.
    fresh_base = target.gaps(simulate_ledgers(scenario, 12, first=100))
    fresh = target.gaps(simulate_ledgers(designed, 12, first=100))
    share, se = closed_share(fresh_base, fresh)
    assert share >= 0.25 - 3 * se


def test_levers_with_the_same_terms_are_one_design() -> None:
    from finmodel.bundle.designer import _merge_same_terms

    table = pd.DataFrame({"design": ["add guarantee (cgc)", "add first_loss (cgc)", "other"],
                          "value": [1.0, 1.0, 2.0], "gap_closed": [0.1, 0.1, 0.1],
                          "gap_closed_tuning": [0.1, 0.1, 0.1],
                          "public_expected_cost": [5.0, 5.0, 5.0],
                          "private_mobilised": [3.0, 3.0, 3.0]})
    merged = _merge_same_terms(table)
    assert list(merged["design"]) == ["add guarantee (cgc) = add first_loss (cgc)", "other"]


def test_scenario_without_bundle_has_empty_bundle_tables() -> None:
    results = run(load_scenario(ROOT / "scenarios" / "credit_guarantee.yaml"))
    assert results.bundle is None and results.gaps.empty
    scenario = copy.deepcopy(tiny())
    assert Scenario.model_validate(scenario).has_bundle


def test_the_order_of_a_providers_instruments_does_not_matter() -> None:
    import yaml

    path = ROOT / "scenarios" / "bundle_local_ipo.yaml"
    data = yaml.safe_load(path.read_text())
    swapped = copy.deepcopy(data)
    for provider in swapped["providers"]:
        provider["instruments"] = list(reversed(provider.get("instruments", [])))
    assert swapped != data  # some provider has two instruments
    one, two = Scenario.model_validate(data), Scenario.model_validate(swapped)
    assert [p.resolved_lgd for p in one.providers] == [p.resolved_lgd for p in two.providers]
    pd.testing.assert_frame_equal(simulate_bundle(one, replications=3).gaps,
                                  simulate_bundle(two, replications=3).gaps)
    # the largest default LGD, whatever the order; grants are explicit and never mixed
    mixed = Provider(id="m", type="municipality", instruments=["senior_loan", "equity"],
                     annual_budget=1)
    assert mixed.resolved_lgd == 1.0 and not mixed.grants
    assert Provider(id="g", type="municipality", instruments=["grant"], annual_budget=1).grants
    bad = tiny()
    bad["providers"].append({"id": "both", "type": "municipality",
                             "instruments": ["senior_loan", "grant"], "annual_budget": 5})
    with pytest.raises(ScenarioError, match="either gives grants or lends"):
        from finmodel.scenario.changes import validate_data
        validate_data(bad)

"""Impact: catalogue, units, logic model, the two builders, frontier and KPI tracking."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from finmodel import ScenarioError, load_scenario, parse_scenario, run
from finmodel.impact.builders import (
    SupportValues,
    core_issue,
    firm_by_firm,
    frontier,
    greedy_core,
)
from finmodel.impact.candidates import Candidates
from finmodel.impact.catalogue import UnitError, add, catalogue, shipped_catalogue
from finmodel.impact.logic import logic_weights
from finmodel.impact.results import kpi_table
from finmodel.scenario.impact_model import PortfolioSpec
from finmodel.scenario.model import Scenario
from finmodel.vocabulary import Instrument, Issue, Stage
from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios" / "core_issue_vs_firm_by_firm.yaml"


def raw() -> dict[str, Any]:
    return yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))


def refuse(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "impact.yaml")
    return str(info.value)


def make_candidates(money: list[float], core: list[float], loss_rate: list[float],
                    issues: list[Issue], yearly: list[list[float]] | None = None,
                    survival: list[list[float]] | None = None) -> Candidates:
    n = len(money)
    m = np.array(money, dtype=float)
    y = np.zeros((n, 1)) if yearly is None else np.array(yearly, dtype=float)
    s = np.ones((n, 1)) if survival is None else np.array(survival, dtype=float)
    return Candidates(
        stage=(Stage.middle,) * n, issue=tuple(issues), method=(Instrument.senior_loan,) * n,
        money=m, pd=np.array(loss_rate, dtype=float), lgd=np.ones(n), public_share=np.zeros(n),
        contribution=y * s.sum(axis=1)[:, None], yearly=y, survival=s,
        indicators=("jobs_created",) if y.shape[1] == 1 else tuple(f"i{k}" for k in range(y.shape[1])),
        core=np.array(core, dtype=float), own=np.array(core, dtype=float))


def brief(**changes: Any) -> PortfolioSpec:
    base: dict[str, Any] = {"candidates": 10, "budget": 100, "contributions": [
        {"issue": "health", "indicator": "jobs_created", "mean": 1}]}
    base.update(changes)
    return PortfolioSpec.model_validate(base)


# -- catalogue and units ---------------------------------------------------------------
def test_catalogue_covers_every_issue_with_forty_indicators() -> None:
    shipped = shipped_catalogue()
    assert len(shipped) >= 40
    assert {i.issue for i in shipped.values()} == set(Issue)
    for indicator in shipped.values():
        assert indicator.unit and indicator.name_ja and indicator.direction in {"higher", "lower"}
        assert indicator.sdg_goal is not None and 1 <= indicator.sdg_goal <= 17
    assert shipped["co2_reduced"].unit == "t-CO2"
    assert shipped["childcare_users"].unit == "persons"
    assert shipped["flood_recovery_minutes"].direction == "lower"


def test_adding_different_units_is_refused() -> None:
    assert add("t-CO2", 1.0, "t-CO2", 2.0) == 3.0
    with pytest.raises(UnitError, match="cannot add 2.0 persons to 1.0 t-CO2"):
        add("t-CO2", 1.0, "persons", 2.0)


def test_mixed_units_in_a_scenario_are_refused() -> None:
    data = raw()
    data["portfolio"]["contributions"][0]["unit"] = "t-CO2"  # jobs_created is in persons
    data["kpis"][0]["unit"] = "households"
    data["indicators"].append({"id": "co2_reduced", "issue": "environment", "unit": "persons",
                               "name_en": "CO2 as persons"})
    message = refuse(data)
    assert "portfolio.contributions[0].unit: 'jobs_created' is measured in 'persons', not 't-CO2'" in message
    assert "kpis[0].unit: 'jobs_created' is measured in 'persons', not 'households'" in message
    assert "indicators[1].unit: indicator 'co2_reduced' is in 't-CO2' in the catalogue" in message


# -- logic model -------------------------------------------------------------------------
def test_logic_model_errors_are_located() -> None:
    data = raw()
    model = data["logic_model"]
    model["links"].append({"from": "sustained_community", "to": "train_care_workers", "weight": 0.5})
    model["links"].append({"from": "nowhere", "to": "care_jobs", "weight": 0.5})
    model["nodes"][0]["indicators"].append("happiness_points")
    model["spillover"]["health"] = 2.0
    message = refuse(data)
    assert "impact.yaml:" in message
    assert "logic_model.links: the logic model has a cycle" in message
    assert "logic_model.links[11].from: unknown node 'nowhere'" in message
    data["logic_model"]["links"][0]["weight"] = 1.5  # a field error is reported on its own
    assert "logic_model.links[0].weight: Input should be less than or equal to 1" in refuse(data)
    assert "logic_model.nodes[0].indicators[1]: unknown indicator 'happiness_points'" in message
    assert "logic_model.spillover.health: weight must be in [0, 1] (got 2.0)" in message


def test_logic_weights_by_hand() -> None:
    data = raw()
    data["logic_model"] = {
        "nodes": [{"id": "a", "level": "activity", "indicators": ["jobs_created"]},
                  {"id": "b", "level": "output", "indicators": ["in_migrants"], "scale": {"in_migrants": 10}},
                  {"id": "z", "level": "impact"}],
        "links": [{"from": "a", "to": "b", "weight": 0.5}, {"from": "b", "to": "z", "weight": 0.8},
                  {"from": "a", "to": "z", "weight": 0.1}]}
    data["portfolio"]["support_options"] = []
    scenario = Scenario.model_validate(data)
    weights = logic_weights(scenario, catalogue(scenario))
    assert weights.node_weight == pytest.approx({"a": 0.5 * 0.8 + 0.1, "b": 0.8, "z": 1.0})
    # jobs_created has a KPI: one unit of progress is target - baseline = 300 persons.
    assert weights.core_per_unit["jobs_created"] == pytest.approx(0.5 / 300)
    assert weights.core_per_unit["in_migrants"] == pytest.approx(0.8 / 10)


# -- builders ----------------------------------------------------------------------------
def brute_force(c: Candidates, spec: PortfolioSpec, support: SupportValues,
                budget: float, limit: float) -> float:
    best = 0.0
    n, m = len(c), support.cost.shape[0]
    issues = sorted(set(c.issue), key=list(Issue).index)
    for bits in itertools.product([0, 1], repeat=n + m):
        x = np.array(bits[:n], dtype=bool)
        y = np.array(bits[n:], dtype=bool)
        if c.money[x].sum() + support.cost[y].sum() > budget + 1e-9:
            continue
        if c.expected_loss[x].sum() > limit * c.money[x].sum() + 1e-9:
            continue
        if any(c.money[x & np.array([i is issue for i in c.issue])].sum()
               > spec.max_share_per_issue * spec.budget + 1e-9 for issue in issues):
            continue
        best = max(best, c.core[x].sum() + support.core[y].sum())
    return best


@pytest.mark.parametrize("seed", range(6))
def test_milp_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 11
    issues = [list(Issue)[k] for k in rng.integers(0, 3, n)]
    c = make_candidates(list(rng.uniform(5, 40, n)), list(rng.uniform(0, 10, n)),
                        list(rng.uniform(0.0, 0.3, n)), issues)
    support = SupportValues(("s1", "s2"), np.array([12.0, 20.0]), rng.uniform(0, 10, 2),
                            np.array([True, True]))
    spec = brief(budget=100, max_share_per_issue=0.5, max_expected_loss=0.12)
    selection = core_issue(c, spec, support, budget=90.0)
    expected = brute_force(c, spec, support, 90.0, 0.12)
    assert selection.status == "optimal"
    assert selection.objective == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert c.core[selection.firms].sum() + support.core[selection.support].sum() == pytest.approx(
        selection.objective)


@pytest.mark.parametrize("builder", ["firm_by_firm", "core_issue", "greedy"])
def test_budget_loss_and_concentration_limits_hold(builder: str) -> None:
    rng = np.random.default_rng(7)
    n = 300
    issues = [list(Issue)[k] for k in rng.integers(0, 7, n)]
    c = make_candidates(list(rng.uniform(5, 60, n)), list(rng.uniform(0, 10, n)),
                        list(rng.uniform(0.0, 0.4, n)), issues)
    spec = brief(budget=1000, max_share_per_issue=0.3, max_expected_loss=0.1)
    if builder == "firm_by_firm":
        sel = firm_by_firm(c, spec)
        # Judged alone: every chosen firm is itself within the loss limit.
        assert np.all(c.expected_loss[sel.firms] <= 0.1 * c.money[sel.firms] + 1e-9)
    elif builder == "core_issue":
        sel = core_issue(c, spec, SupportValues.empty(), budget=1000)
    else:
        sel = greedy_core(c, spec, budget=1000)
    money = c.money[sel.firms]
    assert money.sum() <= 1000 + 1e-6
    assert c.expected_loss[sel.firms].sum() <= 0.1 * money.sum() + 1e-6
    for issue in set(issues):
        mask = sel.firms & np.array([i is issue for i in c.issue])
        assert c.money[mask].sum() <= 0.3 * 1000 + 1e-6
    if builder == "core_issue":
        greedy = greedy_core(c, spec, budget=1000)
        assert sel.objective >= greedy.objective - 1e-9  # exact beats (or ties) greedy


def test_frontier_is_monotone() -> None:
    rng = np.random.default_rng(3)
    n = 120
    issues = [list(Issue)[k] for k in rng.integers(0, 4, n)]
    c = make_candidates(list(rng.uniform(5, 60, n)), list(rng.uniform(0, 10, n)),
                        list(rng.uniform(0.0, 0.4, n)), issues)
    spec = brief(budget=800, max_share_per_issue=0.4, max_expected_loss=0.3, frontier_points=12)
    points = frontier(c, spec, SupportValues.empty(), 800)
    limits = [limit for limit, _ in points]
    impact = [sel.objective for _, sel in points]
    assert len(points) == 12 and limits == sorted(limits)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(impact))
    assert impact[-1] > impact[0]


# -- KPI tracking --------------------------------------------------------------------------
def test_kpi_attainment_by_hand() -> None:
    # One firm adding 10 jobs a year for 2 years (alive both years), KPI 0 -> 40 by year 4.
    c = make_candidates([10.0], [1.0], [0.0], [Issue.people_and_work], yearly=[[10.0]],
                        survival=[[1.0, 1.0]])
    data = raw()
    data["kpis"] = [{"indicator": "jobs_created", "baseline": 0, "target": 40, "target_year": 4}]
    data["portfolio"]["horizon_years"] = 2
    data["portfolio"]["support_options"] = []
    scenario = Scenario.model_validate(data)
    from finmodel.impact.builders import Selection
    selection = Selection("core_issue", np.array([True]), np.zeros(0, dtype=bool), 1.0, 10.0, "x")
    table = kpi_table(c, [selection], scenario, catalogue(scenario)).set_index("year")
    assert list(table["plan"]) == [10.0, 20.0, 30.0, 40.0]
    assert list(table["value"]) == [10.0, 20.0, 20.0, 20.0]
    assert list(table["yoy_change"]) == [10.0, 10.0, 0.0, 0.0]
    assert list(table["attainment"]) == pytest.approx([1.0, 1.0, 20 / 30, 0.5])
    assert list(table["trend"]) == ["improving", "improving", "flat", "flat"]
    assert list(table["on_track"]) == [True, True, False, False]
    assert table.loc[4, "gap_to_target"] == 20.0


def test_lower_is_better_kpi_moves_down() -> None:
    c = make_candidates([10.0], [1.0], [0.0], [Issue.people_and_work], yearly=[[5.0]],
                        survival=[[1.0]])
    c = Candidates(**{**c.__dict__, "indicators": ("youth_outflow",)})
    data = raw()
    data["kpis"] = [{"indicator": "youth_outflow", "baseline": 100, "target": 90,
                     "target_year": 1, "kind": "level"}]
    data["portfolio"]["horizon_years"] = 1
    data["portfolio"]["support_options"] = []
    scenario = Scenario.model_validate(data)
    from finmodel.impact.builders import Selection
    selection = Selection("core_issue", np.array([True]), np.zeros(0, dtype=bool), 1.0, 10.0, "x")
    row = kpi_table(c, [selection], scenario, catalogue(scenario)).iloc[0]
    assert row["value"] == 95.0 and row["attainment"] == pytest.approx(0.5)
    assert row["trend"] == "improving"


# -- the shipped scenario --------------------------------------------------------------------
def test_shipped_scenario_compares_both_portfolios(tmp_path: Path) -> None:
    results = run(load_scenario(SCENARIO))
    p = results.portfolios
    assert p is not None
    summary = p.summary.set_index("portfolio")
    core, firm = summary.loc["core_issue"], summary.loc["firm_by_firm"]
    assert core["status"] == "optimal"
    assert core["core_impact"] > firm["core_impact"]
    assert core["total_cost"] <= 4000 + 1e-6 and firm["total_cost"] <= 4000 + 1e-6
    assert core["coordination_cost"] == pytest.approx(8 * 5)
    assert core["expected_loss"] <= 0.12 * core["money"] + 1e-6
    for column in ("hhi_issue", "loss_p99", "spillover_impact", "impact_per_public_money"):
        assert np.isfinite(core[column])
    frontier_impact = p.frontier["core_impact"].to_numpy()
    assert np.all(np.diff(frontier_impact) >= -1e-9)
    assert len(p.frontier) == 20
    assert set(p.case_map["portfolio"]) == {"firm_by_firm", "core_issue"}
    assert {"kpi", "year", "target", "value", "yoy_change", "attainment", "trend"} <= set(p.kpis.columns)
    assert "backbone organisation" in set(p.collective["condition"])
    assert "covered by support" in set(p.holes["status"])
    written = {f.name for f in results.write(tmp_path)}
    assert {"portfolios.csv", "frontier.csv", "kpis.csv", "case_map.csv"} <= written


def test_portfolio_needs_a_logic_model_and_pipeline() -> None:
    data = copy.deepcopy(raw())
    del data["logic_model"]
    del data["pipeline"]
    del data["simulation"]
    message = refuse(data)
    assert "portfolio: a portfolio is judged against `logic_model`" in message
    assert "portfolio: a portfolio draws its candidates from `pipeline`" in message


def test_catalogue_document_is_up_to_date() -> None:
    from finmodel.impact.catalogue import catalogue_markdown

    assert (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8") == catalogue_markdown(), (
        "regenerate: python -m finmodel.docs")


def test_readme_impact_example_is_valid() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```yaml\n")[3].split("```", 1)[0]
    pipeline = yaml.safe_dump({"pipeline": raw()["pipeline"], "simulation": raw()["simulation"]})
    scenario = parse_scenario("name: readme\nseed: 1\nproviders: [{id: x, type: municipality}]\n"
                              + pipeline + block, "README.md")
    assert scenario.portfolio is not None and scenario.logic_model is not None


def test_the_milp_prints_nothing_to_standard_output(capfd: pytest.CaptureFixture[str]) -> None:
    """HiGHS's debug lines from C++ never reach the terminal (or CSV piped from the CLI)."""
    from finmodel.impact.builders import native_stdout_silenced

    with native_stdout_silenced():
        import ctypes

        ctypes.CDLL(None).printf(b"native line\n")
    print("python line")
    out = capfd.readouterr().out
    assert "native line" not in out and "python line" in out
    from finmodel import load_scenario
    from finmodel.impact.results import build_portfolios

    build_portfolios(load_scenario(ROOT / "scenarios" / "core_issue_vs_firm_by_firm.yaml"))
    assert "Highs" not in capfd.readouterr().out

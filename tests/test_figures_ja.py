"""The charts in Japanese: display names instead of ids, one money unit per chart, no NaN,
and empty or waiting charts without axes (issue 13, points 1, 2 and 4).

Every figure of every shipped scenario is drawn from a small run (500 paths, 2
replications) and its visible text (titles, axis titles, tick texts, trace names and
texts, annotations, Sankey labels; hover texts are not looked at) is searched for the
scenario's ids, for money units and for "nan".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import plotly.graph_objects as go
import pytest

from finmodel import load_scenario, run
from finmodel.names import display_name, node_label, tranche_name
from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from finmodel.shipped import shipped_scenarios
from finmodel.ui.figures import (
    FIGURES,
    available_figures,
    blank_figure,
    empty_figure,
    make_compare,
    make_compare_batch,
    waiting_figure,
)
from finmodel.ui.i18n import text
from finmodel.vocabulary import WORDS

#: Keys of a figure's JSON whose strings a reader sees (hover texts are left out).
VISIBLE = {"text", "name", "x", "y", "ticktext", "label"}
HIDDEN = {"hovertemplate", "hovertext", "customdata", "meta", "template", "texttemplate"}
UNITS = ("億円", "百万円", "¥ million", "¥ billion")
MONEY_FIGURES = {"stack", "cashflows", "loss_distribution", "gap_heatmap", "gap_years",
                 "sankey", "portfolios", "case_map"}


def small(scenario: Scenario) -> Scenario:
    """The scenario with 500 paths per vehicle and 2 replications (same structure)."""
    return scenario.model_copy(update={
        "vehicles": [v.model_copy(update={"paths": 500}) for v in scenario.vehicles],
        "simulation": scenario.simulation.model_copy(update={"replications": 2})
        if scenario.simulation is not None else None})


@pytest.fixture(scope="module")
def shipped_results() -> dict[str, RunResults]:
    return {name: run(small(load_scenario(path))) for name, path in shipped_scenarios().items()}


def visible_strings(fig: go.Figure) -> list[str]:
    """Every string a reader sees in ``fig``."""
    found: list[str] = []

    def walk(node: Any, key: str | None, seen: bool) -> None:
        if key in HIDDEN:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k, seen or k in VISIBLE)
        elif isinstance(node, list | tuple):
            for v in node:
                walk(v, key, seen)
        elif hasattr(node, "tolist"):
            walk(node.tolist(), key, seen)
        elif isinstance(node, str) and seen and key in VISIBLE | {None}:
            found.append(node)

    walk(fig.to_plotly_json(), None, False)
    return found


def scenario_ids(scenario: Scenario, lang: str) -> Iterator[tuple[str, str]]:
    """Every id the scenario names, with the display name it should be shown as."""
    for group in (scenario.providers, scenario.vehicles, scenario.facilities):
        for item in group:
            yield item.id, display_name(item, lang)
    for vehicle in scenario.vehicles:
        for tranche in vehicle.tranches:
            yield tranche.name, tranche_name(tranche, lang)
    if scenario.logic_model is not None:
        for node in scenario.logic_model.nodes:
            yield node.id, node_label(node, lang)


def leaked_ids(fig: go.Figure, scenario: Scenario, lang: str) -> set[str]:
    """The ids that ``fig`` shows where a display name other than the id exists."""
    strings = [s.replace("<br>", " ") for s in visible_strings(fig)]
    for en, ja in WORDS.values():  # "Education and childcare" is a word, not the id childcare
        strings = [s.replace(en, "").replace(ja, "") for s in strings]
    leaked = set()
    for key, shown in scenario_ids(scenario, lang):
        if shown == key or (lang == "en" and "_" not in key):
            continue  # in English a plain-word id ("childcare") reads as prose
        pattern = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(key)}(?![A-Za-z0-9_])")
        if any(pattern.search(s) and key not in shown for s in strings):
            leaked.add(key)
    return leaked


def units_of(fig: go.Figure) -> set[str]:
    # 百万円 is not 億円 and "¥ million" not "¥ billion": whole tokens only
    return {u for s in visible_strings(fig) for u in UNITS if u in s}


def test_the_check_finds_a_raw_id() -> None:
    """The id search itself: a trace named by an id, an axis label, a Sankey node."""
    scenario = load_scenario(shipped_scenarios()["bundle_policy_shock.yaml"])
    raw = go.Figure(go.Sankey(node={"label": ["chiho_bank", "シード"]},
                              link={"source": [0], "target": [1], "value": [1.0]}))
    assert leaked_ids(raw, scenario, "ja") == {"chiho_bank"}
    bar = go.Figure(go.Bar(x=["地方銀行"], y=[1], name="pref_guarantee"))
    assert leaked_ids(bar, scenario, "ja") == {"pref_guarantee"}
    named = go.Figure(go.Bar(x=["地方銀行"], y=[1], name="県の保証枠",
                             hovertemplate="chiho_bank"))  # hover texts are not looked at
    assert leaked_ids(named, scenario, "ja") == set()
    mixed = go.Figure(go.Heatmap(z=[[1]], text=[["88.0百万円"]]))
    mixed.add_annotation(text="22.3億円")
    assert units_of(mixed) == {"百万円", "億円"}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_figure_shows_display_names_one_unit_and_no_nan(shipped_results, lang) -> None:  # type: ignore[no-untyped-def]
    for name, results in shipped_results.items():
        for figure in available_figures(results):
            fig = FIGURES[figure](results, lang)
            where = (name, figure, lang)
            assert not leaked_ids(fig, results.scenario, lang), where
            strings = visible_strings(fig)
            assert not [s for s in strings if re.search(r"\bnan\b", s, re.IGNORECASE)], where
            if figure in MONEY_FIGURES:
                assert len(units_of(fig)) == 1, (where, units_of(fig))
            layout = fig.to_plotly_json()["layout"]
            for axis_name, axis in layout.items():
                if not axis_name.startswith(("xaxis", "yaxis")):
                    continue
                title = axis.get("title", {}).get("text") or ""
                if any(u in title for u in UNITS):  # money axes: separators, never "20k"
                    assert "s" not in axis.get("tickformat", "s"), (where, axis_name)
            if lang == "ja":  # nothing of the vehicle ids, tranche words or portfolios in English
                for word in ("firm_by_firm", "core_issue", "senior", "first_loss", "persons",
                             "EL "):
                    assert not any(word in s for s in strings), (where, word)


def test_the_vehicle_is_named_in_every_stack_figure(shipped_results) -> None:  # type: ignore[no-untyped-def]
    results = shipped_results["concessional_tranche.yaml"]
    vehicle = results.scenario.vehicles[0]
    assert vehicle.name_ja and vehicle.name_ja != vehicle.id
    for figure in ("stack", "cashflows", "irr_bands", "loss_distribution", "tranche_metrics"):
        fig = FIGURES[figure](results, "ja")
        assert vehicle.name_ja in fig.layout.title.subtitle.text, figure


def test_the_heatmap_cells_and_colour_bar_share_a_unit(shipped_results) -> None:  # type: ignore[no-untyped-def]
    results = shipped_results["bundle_policy_shock.yaml"]
    fig = FIGURES["gap_heatmap"](results, "ja")
    heat = fig.data[0]
    unit = heat.colorbar.title.text
    assert unit in ("億円", "百万円")
    divisor = 100.0 if unit == "億円" else 1.0
    gaps = results.gaps.groupby(["stage", "issue"])["total_gap"].sum()
    # every cell's text is its own value in the colour bar's unit (checked against the table)
    assert max(max(row) for row in heat.z) == pytest.approx(gaps.max() / divisor)
    for z_row, t_row in zip(heat.z, heat.text, strict=True):
        for z, t in zip(z_row, t_row, strict=True):
            assert float(t.replace(",", "")) == pytest.approx(z, abs=0.051)
            assert not any(u in t for u in UNITS)  # the unit is the colour bar's, once


def test_sankey_shows_provider_and_facility_names(shipped_results) -> None:  # type: ignore[no-untyped-def]
    results = shipped_results["bundle_policy_shock.yaml"]
    labels = list(FIGURES["sankey"](results, "ja").data[0].node.label)
    assert "地方銀行" in labels and "chiho_bank" not in labels
    flows = results.bundle.flows  # type: ignore[union-attr]
    fig = FIGURES["sankey"](results, "ja")
    unit = fig.layout.title.subtitle.text
    divisor = 100.0 if "億円" in unit else 1.0
    assert sum(fig.data[0].link.value) == pytest.approx(
        (flows["amount"].sum() + flows[flows["origin_kind"] == "provider"]["amount"].sum())
        / divisor)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_empty_and_waiting_figures_have_no_axes_and_say_what_to_do(lang) -> None:  # type: ignore[no-untyped-def]
    for fig in (empty_figure("題", text("fig_hint_no_bundle", lang), lang),
                waiting_figure("題", lang), make_compare([], lang)):
        assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
        assert fig.layout.annotations and fig.layout.annotations[0].text
    assert waiting_figure("題", lang).layout.annotations[0].text == text("fig_waiting", lang)
    blank = blank_figure()
    assert blank.layout.xaxis.visible is False and not blank.layout.annotations


def test_a_scenario_without_a_part_gets_a_hint_not_axes(shipped_results) -> None:  # type: ignore[no-untyped-def]
    stack_only = shipped_results["dormant_deposit_fund.yaml"]
    for figure in ("gap_heatmap", "sankey", "portfolios", "logic_model"):
        fig = FIGURES[figure](stack_only, "ja")
        assert fig.layout.xaxis.visible is False
        assert "シナリオのページ" in fig.layout.annotations[0].text


def test_compare_shows_each_vehicles_senior_and_the_bundles_gap(shipped_results) -> None:  # type: ignore[no-untyped-def]
    picks = ["concessional_tranche.yaml", "dormant_deposit_fund.yaml", "bundle_policy_shock.yaml"]
    fig = make_compare([(p, shipped_results[p]) for p in picks], "ja")
    bars = {t.name: t for t in fig.data}
    concessional = shipped_results["concessional_tranche.yaml"]
    tranches = concessional.tranches
    vehicle = concessional.scenario.vehicles[0]
    senior_el = float(tranches[tranches["vehicle"] == vehicle.id]["expected_loss_pct"].iloc[-1])
    assert bars[vehicle.name_ja].y[0] == pytest.approx(senior_el)  # not the pool's, not summed
    dormant = shipped_results["dormant_deposit_fund.yaml"]
    assert {display_name(v, "ja") for v in dormant.scenario.vehicles} <= set(bars)
    gap = bars[text("total_gap", "ja")]
    summary = shipped_results["bundle_policy_shock.yaml"].bundle_summary
    unit_axis = fig.layout.yaxis2.title.text
    divisor = 100.0 if unit_axis == "億円" else 1.0
    assert gap.y[2] == pytest.approx(float(summary["total_gap"].iloc[0]) / divisor)
    assert gap.y[0] is None  # no bundle in the first run
    # the vehicle's bars stand only over the runs that have it (no empty slots)
    assert set(bars[vehicle.name_ja].x[0]) == {fig.layout.xaxis2.categoryarray[0]}
    notes = [a.text for a in fig.layout.annotations]
    assert text("fig_cmp_no_stack", "ja") in notes and text("fig_cmp_no_bundle", "ja") in notes
    assert not leaked_ids(fig, concessional.scenario, "ja")


def test_compare_of_a_sweep_moves_with_the_first_loss(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A batch of the first-loss sweep: the senior's expected loss falls as the first loss
    grows (the pool's loss, which the old chart showed, does not move)."""
    import pandas as pd

    from finmodel.shipped import find_scenario

    sweep = load_scenario(find_scenario("sweep_first_loss"))
    rows = []
    for k, size in enumerate((0.05, 0.20)):
        vehicle = sweep.vehicles[0]
        tranches = [vehicle.tranches[0].model_copy(update={"size": size}),
                    vehicle.tranches[1].model_copy(update={"size": 1 - size})]
        scenario = small(sweep.model_copy(update={"vehicles": [
            vehicle.model_copy(update={"tranches": tranches})], "sweep": None}))
        frame = run(scenario).tranches.assign(
            run_id=f"sweep-{k}", source="sweep_first_loss.yaml",
            **{"vehicles.impact_fund.tranches.first_loss.size": size})
        rows.append(frame)
    tables = {"tranches": pd.concat(rows, ignore_index=True)}
    fig = make_compare_batch(tables, "ja", {"sweep_first_loss.yaml": sweep})
    (bar,) = fig.data
    assert bar.y[0] > bar.y[1]  # more first loss, less senior loss
    assert bar.name == display_name(sweep.vehicles[0], "ja")
    runs = list(bar.x[0])  # (run, vehicle) categories: the runs first
    assert "ファーストロス比率 5%" in runs[0] and "ファーストロス比率 20%" in runs[1]
    assert not leaked_ids(fig, sweep, "ja")

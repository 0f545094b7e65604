"""The app's figure, state and export functions, without a browser."""

from __future__ import annotations

import base64
from pathlib import Path

import plotly.graph_objects as go
import pytest
import yaml

from finmodel import load_scenario, run
from finmodel.scenario.errors import ScenarioError
from finmodel.ui.figures import FIGURES, available_figures, make_compare
from finmodel.ui.i18n import TEXT, amount, text, word
from finmodel.ui.state import (
    apply_edits,
    edit_tables,
    load_upload,
    parse_text,
    scenario_key,
    shipped_scenarios,
    stack_controls,
    stack_what_if,
    to_yaml,
)
from tests.conftest import ROOT

STACK = ROOT / "scenarios" / "dormant_deposit_fund.yaml"


@pytest.fixture(scope="module")
def all_results():  # type: ignore[no-untyped-def]
    names = ["dormant_deposit_fund.yaml", "credit_guarantee.yaml", "bundle_policy_shock.yaml",
             "core_issue_vs_firm_by_firm.yaml"]
    out = {}
    for name in names:
        scenario = load_scenario(ROOT / "scenarios" / name)
        if scenario.simulation is not None:
            scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(
                update={"replications": 5})})
        out[name] = run(scenario)
    return out


def test_every_label_has_both_languages() -> None:
    for key, (en, ja) in TEXT.items():
        assert en and ja, key
        assert any(ord(ch) > 0x3000 for ch in ja), f"{key} has no Japanese text: {ja}"


def test_amounts_are_formatted_for_the_reader() -> None:
    assert amount(1500, "JPY_million", "ja") == "15.0億円"
    assert amount(85, "JPY_million", "ja") == "85.0百万円"
    assert amount(1500, "JPY_million", "en") == "¥1,500.0 million"
    assert amount(3.5, "t-CO2", "en") == "3.5 t-CO2"
    assert word("middle", "ja") == "ミドル" and word("middle", "en") == "Middle"


def test_every_figure_builds_in_both_languages(all_results) -> None:  # type: ignore[no-untyped-def]
    for name, results in all_results.items():
        for figure in FIGURES:
            for lang in ("en", "ja"):
                fig = FIGURES[figure](results, lang)
                assert isinstance(fig, go.Figure)
                assert fig.layout.title.text, (name, figure)
                assert fig.layout.meta["lang"] == lang
        assert available_figures(results)
    ja = FIGURES["gap_heatmap"](all_results["bundle_policy_shock.yaml"], "ja")
    assert "資金ギャップ" in ja.layout.title.text
    assert "シード" in list(ja.data[0].y)
    en = FIGURES["gap_heatmap"](all_results["bundle_policy_shock.yaml"], "en")
    assert "Seed" in list(en.data[0].y)


def test_stack_figure_is_bottom_to_top_with_tranche_colours(all_results) -> None:  # type: ignore[no-untyped-def]
    fig = FIGURES["stack"](all_results["dormant_deposit_fund.yaml"], "en")
    heights = [trace.y[0] for trace in fig.data]
    assert heights == pytest.approx([0.15, 0.85])
    assert fig.data[0].marker.color == "#ef8a62"  # subordinated
    loss = FIGURES["loss_distribution"](all_results["dormant_deposit_fund.yaml"], "en")
    assert sum(loss.data[0].y) == pytest.approx(1.0)
    compare = make_compare(list(all_results.items())[:2], "ja")
    assert len(compare.data) == 2


def test_upload_good_and_bad() -> None:
    good = "data:text/yaml;base64," + base64.b64encode(STACK.read_bytes()).decode()
    text_, message = load_upload(good, "fund.yaml")
    assert text_ is not None and "Dormant-deposit" in message
    bad_yaml = STACK.read_text().replace("correlation: 0.15", "correlation: 1.5", 1)
    bad = "data:text/yaml;base64," + base64.b64encode(bad_yaml.encode()).decode()
    text_, message = load_upload(bad, "bad.yaml")
    assert text_ is None
    assert message.startswith("bad.yaml:") and "vehicles[0].correlation" in message
    junk = "data:application/octet-stream;base64," + base64.b64encode(b"\xff\xfe\x00").decode()
    assert load_upload(junk, "x.bin")[0] is None


def test_edits_round_trip_and_bad_edits_change_nothing() -> None:
    text_ = STACK.read_text()
    scenario = parse_text(text_, "s.yaml")
    tables = edit_tables(scenario)
    assert {r["name"] for r in tables["tranches"]} == {"subordinated", "senior"}
    tables["tranches"][0]["size"] = 0.2
    tables["tranches"][1]["size"] = 0.8
    edited = parse_text(apply_edits(text_, "s.yaml", tables), "s.yaml")
    assert edited.vehicles[0].tranches[0].size == 0.2
    tables["tranches"][1]["size"] = 0.5  # sizes no longer sum to 1
    with pytest.raises(ScenarioError, match="tranche sizes must sum to 1"):
        apply_edits(text_, "s.yaml", tables)


def test_yaml_download_is_the_same_scenario() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "core_issue_vs_firm_by_firm.yaml")
    again = parse_text(to_yaml(scenario), "again.yaml")
    assert scenario_key(again) == scenario_key(scenario)
    assert yaml.safe_load(to_yaml(scenario))["name"] == scenario.name


def test_stack_what_if_moves_the_numbers() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "credit_guarantee.yaml")
    controls = stack_controls(scenario, "guaranteed_book")
    assert controls["rate"] == 0.8 and controls["cap"] == 0.2 and controls["first_loss"] is None
    low = run(stack_what_if(scenario, "guaranteed_book", None, 0.5, 0.1, None))
    high = run(stack_what_if(scenario, "guaranteed_book", None, 0.9, 0.5, None))
    assert high.tranches["expected_loss"].iloc[0] < low.tranches["expected_loss"].iloc[0]
    fund = load_scenario(STACK)
    bigger = run(stack_what_if(fund, "subordinated_fund", 0.25, None, None, 0.0))
    assert bigger.tranches["attach"].iloc[-1] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="leaves nothing"):
        stack_what_if(fund, "subordinated_fund", 1.0, None, None, None)


def test_shipped_scenarios_for_the_app() -> None:
    names = shipped_scenarios()
    assert "dormant_deposit_fund.yaml" in names
    assert not any(n.startswith("sweep_") for n in names)
    assert text("page_stack", "ja") == "資本構成"


def test_app_builds_without_side_effects(tmp_path: Path) -> None:
    from finmodel.ui.app_factory import create_app

    a = create_app(cache_dir=tmp_path / "a")
    b = create_app(cache_dir=tmp_path / "b")
    assert a is not b and a.services is not b.services  # type: ignore[attr-defined]
    assert a.config.serve_locally
    assert "bootstrap.min.css" in {p.name for p in Path(a.config.assets_folder).iterdir()}


def test_export_menu_lists_only_the_scenario_figures_with_titles() -> None:
    from finmodel.ui.figures import TITLES, figure_names

    stack_only = figure_names(load_scenario(STACK))
    assert stack_only == ["stack", "loss_distribution", "tranche_metrics"]
    everything = figure_names(load_scenario(ROOT / "scenarios" / "core_issue_vs_firm_by_firm.yaml"))
    assert "kpis" in everything and "stack" not in everything
    assert set(TITLES) == set(FIGURES)
    assert all(text(TITLES[n], "ja") for n in FIGURES)

"""The app's figure, state and export functions, without a browser."""

from __future__ import annotations

import base64
from pathlib import Path

import plotly.graph_objects as go
import pytest
import yaml

from finmodel import load_scenario, run
from finmodel.scenario.errors import ScenarioError
from finmodel.scenario.model import Scenario
from finmodel.stack.design import Lever, SeniorTarget
from finmodel.ui.figures import (
    FIGURES,
    available_figures,
    make_cashflows,
    make_compare,
    make_irr_bands,
    yearly_cashflows,
)
from finmodel.ui.i18n import TEXT, amount, text, word
from finmodel.ui.state import (
    ResultsCache,
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
AMORTISING = ROOT / "scenarios" / "amortising_guaranteed_loans.yaml"


def fewer_paths(scenario: Scenario, paths: int = 5_000) -> Scenario:
    """The scenario with fewer cash-flow paths per vehicle (faster; same structure)."""
    vehicles = [v.model_copy(update={"paths": paths}) for v in scenario.vehicles]
    return scenario.model_copy(update={"vehicles": vehicles})


@pytest.fixture(scope="module")
def all_results():  # type: ignore[no-untyped-def]
    names = ["dormant_deposit_fund.yaml", "credit_guarantee.yaml", "bundle_policy_shock.yaml",
             "core_issue_vs_firm_by_firm.yaml", "amortising_guaranteed_loans.yaml"]
    out = {}
    for name in names:
        scenario = load_scenario(ROOT / "scenarios" / name)
        if scenario.simulation is not None:
            scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(
                update={"replications": 5})})
        if name == "amortising_guaranteed_loans.yaml":
            scenario = fewer_paths(scenario)
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
    assert amount(-5.88, "JPY_million", "en") == "-¥5.9 million"
    assert amount(-5.88, "JPY_million", "ja") == "-5.9百万円"
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
    assert stack_only == ["stack", "cashflows", "irr_bands", "loss_distribution",
                          "tranche_metrics"]
    everything = figure_names(load_scenario(ROOT / "scenarios" / "core_issue_vs_firm_by_firm.yaml"))
    assert "kpis" in everything and "stack" not in everything
    assert set(TITLES) == set(FIGURES)
    assert all(text(TITLES[n], "ja") for n in FIGURES)


def test_cashflow_figure_sums_each_holders_periods_into_years(all_results) -> None:  # type: ignore[no-untyped-def]
    results = all_results["amortising_guaranteed_loans.yaml"]  # quarterly, seven years
    cf = results.cashflows[results.cashflows["vehicle"] == "guaranteed_loans"]
    years = yearly_cashflows(results, "guaranteed_loans")
    assert sorted(set(years["year"])) == list(range(1, 8))
    for holder, part in cf.groupby("holder"):
        mine = years[years["holder"] == holder]
        assert mine["cash"].sum() == pytest.approx(part["cash"].sum())
        first = part[part["time_years"] <= 1.0 + 1e-9]["cash"].sum()  # periods ending 0.25-1.0
        assert mine.loc[mine["year"] == 1, "cash"].iloc[0] == pytest.approx(first)
    for lang in ("en", "ja"):
        fig = make_cashflows(results, lang, "guaranteed_loans")
        bars = [t for t in fig.data if t.type == "bar"]
        lines = [t for t in fig.data if t.type == "scatter"]
        names = [t.name for t in bars]
        assert names[:2] == [f"equity ({word('first_loss', lang)})",
                             f"senior ({word('senior', lang)})"]
        assert any("cgc (senior)" in n for n in names)  # the guarantor's fees less payments
        assert len(lines) == 1 and lines[0].name == text("pool_collections", lang)
        assert fig.layout.barmode == "relative"
        assert text("fig_cashflows", lang) in fig.layout.title.text
        assert ("百万円" if lang == "ja" else "¥ million") in fig.layout.yaxis.title.text
    # A vehicle with nothing left at wind-up and no guarantor draws only its tranches.
    fund = make_cashflows(all_results["dormant_deposit_fund.yaml"], "ja", "subordinated_fund")
    assert [t.name for t in fund.data] == ["subordinated (劣後)", "senior (シニア)", "プールの回収額"]
    # Money in = money out, year by year: the bars add up to the pool's collections (plus
    # what guarantors pay in, which their own bar takes off again).
    dormant = yearly_cashflows(all_results["dormant_deposit_fund.yaml"], "subordinated_fund")
    paid = dormant[dormant["holder_type"] != "pool"].groupby("year")["cash"].sum()
    collected = dormant[dormant["holder_type"] == "pool"].set_index("year")["cash"]
    assert paid.to_numpy() == pytest.approx(collected.to_numpy(), rel=1e-9, abs=1e-6)


def test_irr_band_figure_shows_each_tranches_band_median_mean_and_hurdle(all_results) -> None:  # type: ignore[no-untyped-def]
    results = all_results["dormant_deposit_fund.yaml"]
    rows = results.tranches[results.tranches["vehicle"] == "subordinated_fund"]
    for lang in ("en", "ja"):
        fig = make_irr_bands(results, lang, "subordinated_fund")
        band, median, mean, hurdle = fig.data
        assert list(band.base) == pytest.approx(list(rows["irr_p10"]))
        assert [b + h for b, h in zip(band.base, band.y, strict=True)] == pytest.approx(
            list(rows["irr_p90"]))
        assert list(median.y) == pytest.approx(list(rows["irr_p50"]))
        assert list(mean.y) == pytest.approx(list(rows["irr_mean"]))
        assert list(hurdle.y) == [0.01] and len(hurdle.x) == 1  # only the bank has a hurdle
        assert text("hurdle_met_short", lang) in hurdle.x[0]
        assert [t.name for t in fig.data] == [text(k, lang) for k in
                                              ("irr_range", "irr_p50", "irr_mean", "hurdle")]
        assert text("fig_irr", lang) in fig.layout.title.text
    assert "シニア" in make_irr_bands(results, "ja").data[0].x[-1]
    # No vehicle, no chart: an empty figure with the message.
    bundle_only = make_irr_bands(all_results["bundle_policy_shock.yaml"], "ja")
    assert bundle_only.layout.annotations[0].text == text("no_vehicle", "ja")


def test_concession_slider_moves_the_banks_irr() -> None:
    fund = load_scenario(STACK)
    controls = stack_controls(fund, "subordinated_fund")
    assert controls["coupon"] == 0.0 and controls["coupon_max"] == 0.04
    conceded = run(stack_what_if(fund, "subordinated_fund", None, None, None, 0.0))
    market = run(stack_what_if(fund, "subordinated_fund", None, None, None, 0.04))
    above = run(stack_what_if(fund, "subordinated_fund", None, None, None, 0.05))  # capped

    def bank(results):  # type: ignore[no-untyped-def]
        return results.tranches.set_index("tranche").loc["senior"]

    # Common random numbers: the same paths, so the coupon alone moves the IRR.
    assert bank(market)["irr_mean"] < bank(conceded)["irr_mean"] - 0.002
    assert bank(market)["npv"] < bank(conceded)["npv"]
    assert bank(above)["irr_mean"] == pytest.approx(bank(market)["irr_mean"])
    assert conceded.vehicles["subsidy_to_private"].iloc[0] > 10.0
    assert market.vehicles["subsidy_to_private"].iloc[0] == pytest.approx(0.0)


def test_guarantee_sliders_move_the_seniors_loss() -> None:
    book = fewer_paths(load_scenario(AMORTISING))
    controls = stack_controls(book, "guaranteed_loans")
    assert (controls["rate"], controls["cap"]) == (0.8, 0.25) and controls["coupon"] is None

    def senior(rate: float, cap: float):  # type: ignore[no-untyped-def]
        results = run(stack_what_if(book, "guaranteed_loans", None, rate, cap, None))
        return results.tranches.iloc[-1]

    full, half, low_cap, none = senior(0.8, 0.25), senior(0.4, 0.25), senior(0.8, 0.02), senior(0.0, 0.25)
    assert full["expected_loss"] < half["expected_loss"] < none["expected_loss"]
    assert full["expected_loss"] < low_cap["expected_loss"]
    assert full["irr_mean"] > none["irr_mean"]
    # A rate (or cap) of 0 removes the guarantee: the unguaranteed book's senior.
    bare = stack_what_if(book, "guaranteed_loans", None, 0.0, 0.25, None)
    assert bare.vehicles[0].guarantees == []


def test_headlines_quote_the_seniors_irr_band_and_the_subsidy(all_results) -> None:  # type: ignore[no-untyped-def]
    from finmodel.ui.export import headlines
    from finmodel.ui.pages.stack import headline_rows

    results = all_results["dormant_deposit_fund.yaml"]
    senior = results.tranches.iloc[1]
    for lang in ("en", "ja"):
        page = dict(headline_rows(results, "subordinated_fund", lang))
        assert page[f"senior: {text('irr_mean', lang)}"] == f"{senior['irr_mean']:.2%}"
        assert page[f"senior: {text('irr_p10', lang)}"] == f"{senior['irr_p10']:.2%}"
        assert page[text("subsidy_to_private", lang)].startswith(
            amount(results.vehicles["subsidy_to_private"].iloc[0], "JPY_million", lang))
        unsubordinated = dict(headline_rows(results, "no_subordination", lang))
        assert text("subsidy_to_private", lang) not in unsubordinated  # no concession there
        paper = dict(headlines(results, lang))
        band = paper[f"subordinated_fund: {word('senior', lang)} {text('irr_band', lang)}"]
        assert band == (f"{senior['irr_p10']:.2%} / {senior['irr_p50']:.2%} / "
                        f"{senior['irr_p90']:.2%} ({senior['irr_mean']:.2%})")
        assert f"subordinated_fund: {text('subsidy_to_private', lang)}" in paper
        assert f"no_subordination: {text('subsidy_to_private', lang)}" not in paper
    assert "百万円" in dict(headlines(results, "ja"))[
        f"subordinated_fund: {text('subsidy_to_private', 'ja')}"]


class _DictCache(dict):  # type: ignore[type-arg]
    """The part of diskcache.Cache that ResultsCache uses."""

    def set(self, key, value, expire=None):  # type: ignore[no-untyped-def]
        self[key] = value


def test_smallest_first_loss_is_cached_by_scenario_and_target() -> None:
    fund = fewer_paths(load_scenario(STACK))
    cache = ResultsCache(_DictCache())
    scenario = stack_what_if(fund, "subordinated_fund", None, None, None, 0.0)
    answer = cache.get_or_design(scenario, "subordinated_fund", SeniorTarget.max_expected_loss_pct,
                                 0.005)
    assert answer.feasible and answer.lever is Lever.first_loss and 0 < answer.setting < 0.15
    again = cache.get_or_design(scenario, "subordinated_fund", SeniorTarget.max_expected_loss_pct,
                                0.005)
    assert again is answer and len(cache.cache) == 1
    cache.get_or_design(scenario, "subordinated_fund", SeniorTarget.max_expected_loss_pct, 0.001)
    assert len(cache.cache) == 2


def test_title_page_tables_fit_and_long_ones_go_on_to_another_page(
        all_results, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from finmodel.ui import export

    results = all_results["dormant_deposit_fund.yaml"]
    (page,) = export.title_pages(results, "ja")  # the shipped fund: one page
    assert [t.header.values[0] for t in page.data] == [text("assumptions", "ja"),
                                                      text("headlines", "ja")]
    many = [(f"行 {k}: {text('irr_band', 'ja')}", "0.00% / 2.13% / 3.29% (1.90%)")
            for k in range(90)]
    monkeypatch.setattr(export, "headlines", lambda results, lang: many)
    pages = export.title_pages(results, "ja")
    assert len(pages) >= 3
    tables = [t for p in pages for t in p.data]
    assert sum(len(t.cells.values[0]) for t in tables) == len(many) + len(
        export.assumptions(results, "ja"))
    assert all(t.domain.y[0] >= 0 and t.domain.y[1] <= 1 for t in tables)
    assert all(t.header.values[0] == f"{text('headlines', 'ja')} ({text('continued', 'ja')})"
               for t in tables[2:])

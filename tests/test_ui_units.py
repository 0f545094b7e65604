"""The app's figure, state and export functions, without a browser."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml
from dash import no_update

from finmodel import load_scenario, run
from finmodel.compiled import scenario_hash
from finmodel.scenario.errors import ScenarioError
from finmodel.scenario.model import Scenario
from finmodel.shipped import shipped_scenarios
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
    # one bar per vehicle (its senior tranche), grouped by run
    vehicles = [v for _, r in list(all_results.items())[:2] for v in r.scenario.vehicles]
    assert len(compare.data) == len(vehicles)


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
    assert scenario_hash(again) == scenario_hash(scenario)
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
        # display names, with the kind where the name does not say it (issue 13)
        from finmodel.names import named as display
        from finmodel.names import tranche_named
        shown = [tranche_named(results.scenario, "guaranteed_loans", t, lang)
                 for t in ("equity", "senior")]
        kinds = [word("first_loss", lang), word("senior", lang)]
        assert names[:2] == [n if n == k else f"{n} ({k})" for n, k in zip(shown, kinds,
                                                                             strict=True)]
        guarantor = f"{display(results.scenario, 'cgc', lang)} ({shown[1]})"
        assert any(guarantor in n for n in names)  # the guarantor's fees less payments
        assert len(lines) == 1 and lines[0].name == text("pool_collections", lang)
        assert fig.layout.barmode == "relative"
        assert text("fig_cashflows", lang) in fig.layout.title.text
        assert any(u in fig.layout.yaxis.title.text for u in (
            ("百万円", "億円") if lang == "ja" else ("¥ million", "¥ billion")))
    # A vehicle with nothing left at wind-up and no guarantor draws only its tranches.
    fund = make_cashflows(all_results["dormant_deposit_fund.yaml"], "ja", "subordinated_fund")
    assert [t.name for t in fund.data] == ["劣後", "シニア", "プールの回収額"]
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
        assert text("fig_irr_short", lang) in fig.layout.title.text
    assert "シニア" in make_irr_bands(results, "ja").data[0].x[-1]
    # No vehicle, no chart: an empty figure with the message.
    bundle_only = make_irr_bands(all_results["bundle_policy_shock.yaml"], "ja")
    assert text("no_vehicle", "ja") in bundle_only.layout.annotations[0].text.replace("<br>", "")


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
    from finmodel.names import named, tranche_named
    from finmodel.ui.export import headlines
    from finmodel.ui.pages.stack import headline_rows

    results = all_results["dormant_deposit_fund.yaml"]
    senior = results.tranches.iloc[1]
    for lang in ("en", "ja"):
        page = dict(headline_rows(results, "subordinated_fund", lang))
        name = "Senior: " if lang == "en" else "シニア："  # display names (the stack page)
        assert page[f"{name}{text('irr_mean', lang)}"] == f"{senior['irr_mean']:.2%}"
        assert page[f"{name}{text('irr_p10', lang)}"] == f"{senior['irr_p10']:.2%}"
        subsidy = results.vehicles["subsidy_to_private"].iloc[0]  # the cards' unit: 億円 in ja
        assert page[text("subsidy_to_private", lang)].startswith(
            amount(subsidy, "JPY_million", lang) if lang == "en" else f"{subsidy / 100:.2f}億円")
        unsubordinated = dict(headline_rows(results, "no_subordination", lang))
        assert text("subsidy_to_private", lang) not in unsubordinated  # no concession there
        paper = dict(headlines(results, lang))
        # the paper names vehicles and tranches by their display names
        fund = named(results.scenario, "subordinated_fund", lang)
        other = named(results.scenario, "no_subordination", lang)
        top = tranche_named(results.scenario, "subordinated_fund", "senior", lang)
        band = paper[f"{fund}: {top} {text('irr_band', lang)}"]
        assert band == (f"{senior['irr_p10']:.2%} / {senior['irr_p50']:.2%} / "
                        f"{senior['irr_p90']:.2%} ({senior['irr_mean']:.2%})")
        assert f"{fund}: {text('subsidy_to_private', lang)}" in paper
        assert f"{other}: {text('subsidy_to_private', lang)}" not in paper
    # one money unit in the headline table: 億円, as its largest amount is over 1億円
    fund = named(results.scenario, "subordinated_fund", "ja")
    assert "億円" in dict(headlines(results, "ja"))[f"{fund}: {text('subsidy_to_private', 'ja')}"]


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
    from finmodel.ui import paper as export

    results = all_results["dormant_deposit_fund.yaml"]
    (page,) = export.title_pages(results, "ja")  # the shipped fund: one page
    # each table's heading names its one money unit
    assert [t.header.values[0] for t in page.data] == [  # the summary first (board paper owner)
        text("pap_summary", "ja"),
        f"{text('assumptions', 'ja')}（金額の単位：億円）", f"{text('headlines', 'ja')}（金額の単位：億円）"]
    many = [(f"行 {k}: {text('irr_band', 'ja')}", "0.00% / 2.13% / 3.29% (1.90%)")
            for k in range(90)]
    monkeypatch.setattr(export, "headlines", lambda results, lang, money=None: many)
    pages = export.title_pages(results, "ja")
    assert len(pages) >= 3
    tables = [t for p in pages for t in p.data]
    assert sum(len(t.cells.values[0]) for t in tables) == len(many) + len(
        export.assumptions(results, "ja")) + len(page.data[0].cells.values[0])
    assert all(t.domain.y[0] >= 0 and t.domain.y[1] <= 1 for t in tables)
    assert all(t.header.values[0] == f"{text('headlines', 'ja')}（金額の単位：億円）"
                                     f"（{text('continued', 'ja')}）" for t in tables[3:])


# -- the bundle page: gap and credit-cycle chart, handoffs, designer, applying a design --------
def test_gap_years_figure_has_a_clear_legend_and_the_credit_cycle(all_results) -> None:  # type: ignore[no-untyped-def]
    from finmodel.ui.figures import make_gap_years

    results = all_results["bundle_policy_shock.yaml"]  # has an economy
    years = results.bundle.gap_years
    for lang in ("en", "ja"):
        fig = make_gap_years(results, lang)
        named = {t.name: t for t in fig.data if t.showlegend is not False}
        legend = [text(k, lang) for k in ("legend_gap_band", "legend_total_gap",
                                          "legend_direct_gap", "legend_potential",
                                          "legend_demand", "factor", "default_rate")]
        assert sorted(named) == sorted(legend)
        unit = fig.layout.yaxis.title.text  # one money unit for the chart (issue 13)
        d = 100.0 if unit == "億円" else 1000.0 if unit == "¥ billion" else 1.0
        assert list(named[text("legend_total_gap", lang)].y) == pytest.approx(
            list(years["total_gap"] / d))
        band = named[text("legend_gap_band", lang)]
        assert band.fill == "tonexty" and band.mode == "lines"  # no stray markers on the band
        assert list(band.y) == pytest.approx(list(years["total_gap_p10"] / d))
        factor = named[text("factor", lang)]
        assert factor.type == "bar" and list(factor.y) == pytest.approx(list(years["factor"]))
        assert list(factor.error_y.arrayminus) == pytest.approx(
            list(years["factor"] - years["factor_p10"]))
        rate = named[text("default_rate", lang)]
        assert list(rate.y) == pytest.approx(list(years["default_rate"]), nan_ok=True)
        # The cycle is a panel of its own below the gap: Z_t on its left axis, the default
        # rate on its right one, neither on the money axis.
        assert {factor.yaxis, rate.yaxis}.isdisjoint({"y", named[text("legend_total_gap", lang)].yaxis})
        assert factor.yaxis != rate.yaxis
        assert fig.layout[rate.yaxis.replace("y", "yaxis")].tickformat == ".0%"
        assert text("fig_gap_years_cycle", lang) in fig.layout.title.text
        assert text("gap_definition", lang) in fig.layout.title.subtitle.text
        assert fig.layout.legend.traceorder == "normal"
    assert "景気要因" in text("factor", "ja") and "Z_t" in text("factor", "ja")
    # Without an economy: the gap alone, under its own title.
    scenario = results.scenario.model_copy(update={"economy": None})
    calm = make_gap_years(run(scenario), "ja")
    assert text("fig_gap_years", "ja") in calm.layout.title.text
    assert {t.name for t in calm.data} & {text("factor", "ja"), text("default_rate", "ja")} == set()


def test_handoff_figure_shows_the_firms_lost_beside_the_graduates(all_results) -> None:  # type: ignore[no-untyped-def]
    from finmodel.ui.figures import make_handoffs

    results = all_results["bundle_policy_shock.yaml"]
    h = results.handoffs
    shown = h[(h["graduates"].abs() + h["graduates_lost"].abs()) > 1e-9]
    for lang in ("en", "ja"):
        fig = make_handoffs(results, lang)
        graduates, lost = fig.data
        assert (graduates.name, lost.name) == (text("graduates", lang), text("graduates_lost", lang))
        assert list(lost.y) == pytest.approx(list(shown["graduates_lost"]))
        assert list(graduates.y) == pytest.approx(list(shown["graduates"]))
        assert list(lost.x) == list(graduates.x) and fig.layout.barmode == "group"
        assert text("fig_handoffs", lang) in fig.layout.title.text
        assert text("fig_firms", lang) == fig.layout.yaxis.title.text
    assert make_handoffs(results, "ja").data[0].x[0] == "シード → アーリー"
    # A transition no firm reaches is left out (the recession region has no seed firms).
    recession = load_scenario(ROOT / "scenarios" / "bundle_recession.yaml")
    recession = recession.model_copy(update={"simulation": recession.simulation.model_copy(
        update={"replications": 3})})
    assert list(make_handoffs(run(recession), "en").data[0].x) == ["Middle → Later",
                                                                  "Later → Exit"]


def test_design_names_in_japanese() -> None:
    from finmodel.ui.i18n import design_label

    assert design_label("widen pref_guarantee: budget", "ja") == "pref_guaranteeの予算を拡大"
    assert design_label("raise vc: annual budget", "ja") == "vcの年間予算を増額"
    assert design_label("raise accelerator: support capacity", "ja") == "acceleratorの支援の受入枠を拡大"
    assert design_label("add guarantee (cgc) = add first_loss (city)", "ja") == (
        "保証枠を新設（cgc） ＝ ファーストロス枠を新設（city）")
    assert design_label("widen pref_guarantee: rate", "en") == "widen pref_guarantee: rate"
    assert design_label("something new", "ja") == "something new"


@pytest.fixture(scope="module")
def designer_answer():  # type: ignore[no-untyped-def]
    """The bundle page's stored designer answer for the policy-shock region's seed gap."""
    import json

    from finmodel.bundle.designer import GapTarget, design_gap_closure
    from finmodel.ui.pages.bundle import design_records
    from finmodel.vocabulary import Stage

    path = ROOT / "scenarios" / "bundle_policy_shock.yaml"
    text_ = path.read_text(encoding="utf-8")
    scenario = parse_text(text_, path.name)
    designs = design_gap_closure(scenario, GapTarget(0.3, Stage.seed), replications=4,
                                 validation_replications=8)
    answer = {"key": scenario_hash(scenario), "share": 0.3, "stage": "seed",
              "unit": scenario.unit, "confidence": 0.9, "rows": design_records(designs)}
    return text_, json.loads(json.dumps(answer))  # as the browser's store gives it back


def test_designer_table_shows_validation_figures_in_both_languages(designer_answer) -> None:  # type: ignore[no-untyped-def]
    from finmodel.ui.pages.bundle import DESIGN_COLUMNS, design_rows, designs_view

    _, answer = designer_answer
    first = answer["rows"][0]
    for lang in ("en", "ja"):
        rows, columns = design_rows(answer, lang)
        assert [c["id"] for c in columns] == [cid for cid, _ in DESIGN_COLUMNS]
        headers = {c["id"]: c["name"] for c in columns}
        assert headers["lower"] == text("col_lower", lang).format(confidence="90%")
        assert "90%" in headers["holds"] and "{" not in "".join(headers.values())
        assert len(rows) == len(answer["rows"])
        row = rows[0]
        assert row["validation"] == (f"{first['gap_closed']:.1%} ± {first['gap_closed_se']:.1%}")
        assert row["tuning"] == f"{first['gap_closed_tuning']:.1%}"
        assert row["lower"] == f"{first['gap_closed_lower']:.1%}"
        expected = "holds_yes" if first["holds"] else (
            "holds_no" if first["feasible"] else "holds_out_of_reach")
        assert row["holds"] == text(expected, lang)
        assert "→" in row["setting"]
        # one money unit for the table, in the money columns' headers
        assert ("億円" in headers["public_expected_cost"] or "百万円" in headers["public_expected_cost"]) \
            if lang == "ja" else "¥" in headers["public_expected_cost"]
    # The first design that holds is selected; with none holding, none is.
    key = answer["key"]
    _, _, selected, disabled, note, _ = designs_view(answer, key, "en")
    holding = [k for k, r in enumerate(answer["rows"]) if r["holds"]]
    assert selected == holding[:1] and not disabled
    none_hold = {**answer, "rows": [{**r, "holds": False} for r in answer["rows"]]}
    _, _, selected, _, note, _ = designs_view(none_hold, key, "ja")
    assert selected == [] and text("design_none_holds", "ja") in note
    # Designs for another scenario are not shown; nor are designs for a gap that is not there.
    assert designs_view(answer, "another", "en")[0] == []
    assert text("design_stale", "en") in designs_view(answer, "another", "en")[4]
    no_gap = {**answer, "rows": [{**r, "baseline_gap": 0.0} for r in answer["rows"]]}
    assert designs_view(no_gap, key, "ja")[4] == text("design_no_gap", "ja")


def test_applying_a_design_changes_its_lever_and_validates(designer_answer) -> None:  # type: ignore[no-untyped-def]
    from finmodel.bundle.designer import GapTarget, design_scenario
    from finmodel.ui.pages.bundle import applied_message
    from finmodel.ui.state import apply_design, designed_name
    from finmodel.vocabulary import Stage

    text_, answer = designer_answer
    name = "bundle_policy_shock.yaml"
    before = parse_text(text_, name)
    # Every design the designer offers applies to a valid scenario that differs from the
    # original exactly as design_scenario says (the row round-trips through JSON).
    for row in answer["rows"]:
        applied = parse_text(apply_design(text_, name, 0.3, "seed", row), name)
        expected = design_scenario(before, GapTarget(0.3, Stage.seed), pd.Series(row))
        assert scenario_hash(applied) == scenario_hash(expected), row["design"]
    # The designed lever is changed to the row's value, and nothing else.
    row = next(r for r in answer["rows"] if r["design"].startswith("raise vc: annual budget"))
    applied = parse_text(apply_design(text_, name, 0.3, "seed", row), name)
    budgets = {p.id: p.annual_budget for p in applied.providers}
    assert budgets["vc"] == pytest.approx(row["value"]) and row["value"] > 300
    assert {k: v for k, v in budgets.items() if k != "vc"} == {
        p.id: p.annual_budget for p in before.providers if p.id != "vc"}
    assert applied.facilities == before.facilities and applied.shocks == before.shocks
    widened = parse_text(apply_design(text_, name, 0.3, "seed", {
        "design": "widen pref_guarantee: budget", "value": 2500.0}), name)
    assert next(f for f in widened.facilities if f.id == "pref_guarantee").budget == 2500.0
    added = parse_text(apply_design(text_, name, 0.3, "seed", {
        "design": "add guarantee (cgc)", "value": 400.0}), name)
    new = added.facilities[-1]
    assert (new.kind.value, new.provider, new.budget, [s.value for s in new.stages]) == (
        "guarantee", "cgc", 400.0, ["seed"])
    # Written into the file's own text: its comments and layout stay, one line changes
    # (a set lever) or one line is added (a new facility).
    import difflib
    for design, changed_lines in [("widen pref_guarantee: budget", 2), ("add guarantee (cgc)", 1)]:
        out = apply_design(text_, name, 0.3, "seed", {"design": design, "value": 400.0})
        assert out.count("#") == text_.count("#"), design
        diff = [d for d in difflib.ndiff(text_.splitlines(), out.splitlines())
                if d.startswith(("- ", "+ "))]
        assert len(diff) == changed_lines, (design, diff)
    with pytest.raises(ValueError, match="not a change this scenario offers"):
        apply_design(text_, name, 0.3, "seed", {"design": "widen nowhere: budget", "value": 1.0})
    assert designed_name(name) == "bundle_policy_shock_designed.yaml"
    assert designed_name(designed_name(name)) == "bundle_policy_shock_designed.yaml"
    # The confirmation names the design, its setting and its validation figures.
    for lang in ("en", "ja"):
        message = applied_message(row, "JPY_million", lang, 0.9)
        assert f"{row['gap_closed']:.1%}" in message and "→" in message
        assert ("vcの年間予算を増額" if lang == "ja" else "vc: larger annual budget") in message


def test_bundle_headlines_and_assumptions_read_in_both_languages(all_results) -> None:  # type: ignore[no-untyped-def]
    from finmodel.ui.export import assumptions, bundle_headlines, headlines
    from finmodel.ui.paper import headline_money

    # one money unit for the whole headline table (the paper's), its label in every cell
    money = {lang: headline_money(all_results['bundle_policy_shock.yaml'], lang) for lang in ('en', 'ja')}

    results = all_results["bundle_policy_shock.yaml"]
    b = results.bundle_summary.iloc[0]
    en = dict(bundle_headlines(results, "en"))
    assert en["Total funding gap"] == (f"{money['en'].format(b['total_gap'], with_label=True)} "
                                       f"({b['gap_share']:.1%} of potential demand)")
    assert en[text("direct_gap", "en")] == money["en"].format(b["direct_gap"], with_label=True)
    assert en[text("lost_pipeline", "en")] == money["en"].format(b["lost_pipeline"], with_label=True)
    ja = dict(bundle_headlines(results, "ja"))
    assert ja["資金ギャップ総額"] == (f"{money['ja'].format(b['total_gap'], with_label=True)}"
                                 f"（潜在資金需要の{b['gap_share']:.1%}）")
    assert ja[text("legend_gap_band", "ja")].count("億円") == 2
    assert list(ja)[:4] == [text(k, "ja") for k in ("total_gap", "legend_gap_band", "direct_gap",
                                                  "lost_pipeline")]
    assert bundle_headlines(results, "ja") == headlines(results, "ja")  # a bundle-only scenario
    cycle = dict(assumptions(results, "ja"))[text("economy", "ja")]
    assert cycle == "資産相関 0.1、持続性 0.4"
    recession = load_scenario(ROOT / "scenarios" / "bundle_recession.yaml")
    recession = recession.model_copy(update={"simulation": recession.simulation.model_copy(
        update={"replications": 2})})
    fixed = dict(assumptions(run(recession), "en"))[text("economy", "en")]
    assert fixed.startswith("correlation 0.12; fixed path of Z_t: 0.5, 0, -1.5, -2")


def test_edits_keep_the_file_and_change_only_what_was_edited() -> None:
    import difflib

    text_ = STACK.read_text()
    tables = edit_tables(parse_text(text_, "s.yaml"))
    assert apply_edits(text_, "s.yaml", tables) == text_  # nothing edited: byte for byte
    tables["tranches"][0]["size"] = 0.25  # the top tranche absorbs it
    edited = apply_edits(text_, "s.yaml", tables)
    changed = [line for line in difflib.ndiff(text_.splitlines(), edited.splitlines())
               if line.startswith(("- ", "+ "))]
    assert len(changed) == 4  # two lines out, two in: the two sizes
    assert "size: 0.25" in changed[1] or "size: 0.25" in changed[2]
    assert "ILLUSTRATIVE" in edited and edited.count("#") == text_.count("#")
    sizes = [t.size for t in parse_text(edited, "s.yaml").vehicles[0].tranches]
    assert sizes == [0.25, 0.75]
    # a provider that never had a rate gets none unless the rate is edited
    assert "annual_budget: 0.0" not in edited and "rate: 0.0," not in edited


def test_edits_in_a_bundle_file_keep_its_layout() -> None:
    path = ROOT / "scenarios" / "bundle_policy_shock.yaml"
    text_ = path.read_text()
    scenario = parse_text(text_, path.name)
    tables = edit_tables(scenario)
    tables["providers"][0]["annual_budget"] = 12345.0
    row = tables["arrivals"][0]
    row["firms"] = 7.5
    edited = apply_edits(text_, path.name, tables)
    again = parse_text(edited, path.name)
    assert again.providers[0].annual_budget == 12345.0
    assert again.pipeline is not None
    from finmodel.vocabulary import Issue, Stage
    assert again.pipeline.arrivals[Stage(row["stage"])][Issue(row["issue"])] == 7.5
    assert len(edited.splitlines()) == len(text_.splitlines())
    assert edited.count("#") == text_.count("#")


def test_edit_text_adds_a_missing_key_in_the_mappings_own_style() -> None:
    from finmodel.scenario.edits import edit_text

    text_ = STACK.read_text()
    edited = edit_text(text_, {"providers.chiho_bank.rate": 0.01}, "s.yaml")
    assert ("{id: chiho_bank, type: regional_bank, name: Regional bank, name_ja: 地方銀行, "
            "rate: 0.01}") in edited
    # a block mapping: a new line after its last entry, at its keys' indentation
    edited = edit_text(text_, {"vehicles.subordinated_fund.discount_rate": 0.03}, "s.yaml")
    assert "    engine: exact\n    discount_rate: 0.03\n  - id: no_subordination" in edited
    assert parse_text(edited, "s.yaml").vehicles[0].discount_rate == 0.03
    with pytest.raises(ScenarioError, match="no item 'nobody'"):
        edit_text(text_, {"providers.nobody.rate": 0.01}, "s.yaml")


def _services(tmp_path: Path) -> Any:
    import diskcache

    from finmodel.shipped import shipped_scenarios
    from finmodel.ui.export import Renderer
    from finmodel.ui.services import Services

    return Services(ResultsCache(diskcache.Cache(str(tmp_path))), Renderer(),
                    shipped_scenarios(), "dormant_deposit_fund.yaml")


def test_sessions_hold_the_scenario_on_the_server_bounded_and_expiring() -> None:
    from finmodel.ui.sessions import Sessions

    now = [0.0]
    default = ("s.yaml", STACK.read_text())
    sessions = Sessions(lambda: default, kept=3, idle_seconds=100.0, clock=lambda: now[0])
    first = sessions.get(None)  # no store yet: a new session with the default scenario
    assert first.version == 0 and first.name == "s.yaml" and first.text == default[1]
    assert set(first.store) == {"session", "version"}  # the browser holds no scenario text
    assert sessions.get(first.store) is first  # looked up, not parsed again
    # a change: validated and compiled once, the version moves on, the text kept as given
    edited = default[1].replace("seed: 20250401", "seed: 8") + "# a comment\n"
    store = sessions.change(first.store, "t.yaml", edited)
    changed = sessions.get(store)
    assert store["session"] == first.id and changed.version == 1
    assert changed.text.endswith("# a comment\n") and changed.compiled.scenario.seed == 8
    with pytest.raises(ScenarioError):  # a bad text is refused; the session keeps its own
        sessions.change(store, "bad.yaml", "name: x\n")
    assert sessions.get(store) is changed
    # bounded: the least recently seen sessions go first
    others = []
    for _ in range(3):
        now[0] += 1.0
        others.append(sessions.get(None))
    assert len(sessions) == 3 and sessions.get(others[-1].store) is others[-1]
    again = sessions.get(store)  # dropped: starts again from the default
    assert again.id == first.id and again.version == 0 and again.text == default[1]
    # expiring: idle longer than idle_seconds starts again too
    now[0] += 101.0
    renewed = sessions.get(store)
    assert renewed is not again and renewed.text == default[1]
    # a store from before sessions (the text itself) becomes a session with that text
    old = sessions.get({"name": "old.yaml", "text": edited})
    assert old.name == "old.yaml" and old.scenario.seed == 8


def test_page_callbacks_are_plain_functions_of_the_session(tmp_path: Path) -> None:
    from finmodel.ui.pages import bundle as bundle_page
    from finmodel.ui.pages import portfolio as portfolio_page
    from finmodel.ui.pages import scenario as scenario_page
    from finmodel.ui.pages import stack as stack_page

    services = _services(tmp_path)
    session = services.session(None)
    store = session.store
    # the scenario page: pick a shipped scenario; the tables and the download follow it
    new_store, _ = scenario_page.change_scenario(services, store, "scn-pick",
                                                 "credit_guarantee.yaml", None, None, "en", {})
    assert new_store["session"] == session.id and new_store["version"] == 1
    picked = services.session(new_store)
    assert picked.name == "credit_guarantee.yaml"
    assert scenario_page.download(picked)["content"] == \
        services.scenarios["credit_guarantee.yaml"].read_text(encoding="utf-8")
    title, data, _ = scenario_page._tables(picked)
    assert "credit_guarantee.yaml" in title and data[2]  # its tranches
    # an upload that does not validate: refused, the session unchanged
    bad = "data:text/yaml;base64," + base64.b64encode(b"name: x\n").decode()
    kept, message = scenario_page.change_scenario(services, new_store, "scn-upload", None,
                                                  bad, "bad.yaml", "en", {})
    assert kept is no_update and services.session(new_store) is picked
    # the stack page (another tab, the default scenario): the vehicle, the sliders, a
    # what-if, the design lookup
    picked = services.session(None)
    ids, first = stack_page.vehicle_choices(picked)
    assert first == ids[0]
    settings = stack_page.slider_settings(picked, first)
    outputs = stack_page.what_if(services.cache, picked, first, *settings[:4], "ja")
    assert len(outputs) == len(stack_page.FIGURES) + 3  # numbers, refusal, cap payout
    shown, search = stack_page.known_design(services.cache, picked, 0.005, first,
                                            *settings[1:4], "en")
    assert search and shown == "…"  # never asked: the background search is needed
    answer = stack_page.search_design(services.cache, picked, 0.005, first, *settings[1:4],
                                      "en")
    assert stack_page.known_design(services.cache, picked, 0.005, first, *settings[1:4],
                                   "en") == (answer, False)  # found at once the next time
    # pages without a bundle or a portfolio say so without running anything
    assert bundle_page.known_bundle(services, new_store, "en") is not None
    assert portfolio_page.known_portfolios(services, new_store, "en") is not None
    # the compare page: two shipped scenarios side by side, progress reported per run
    from finmodel.ui.pages import compare as compare_page

    steps: list[tuple[int, int]] = []
    rows, columns, _, message = compare_page.compare_runs(
        services, "en", ["credit_guarantee.yaml", "dormant_deposit_fund.yaml"], None,
        lambda done, total: steps.append((done, total)))
    # a row per vehicle: credit_guarantee has one, dormant_deposit_fund two, and more
    from finmodel.scenario.loader import load_scenario
    vehicles = sum(len(load_scenario(ROOT / "scenarios" / name).vehicles)
                   for name in ("credit_guarantee.yaml", "dormant_deposit_fund.yaml"))
    assert len(rows) == vehicles and columns and message == "" and steps == [(1, 2), (2, 2)]
    # batch results only under the results root given at start-up
    services.results_root = tmp_path
    rows, _, _, refused = compare_page.compare_runs(services, "en", None, "../../..")
    assert rows == [] and "results only under" in str(refused)


def test_the_app_cache_is_one_bounded_folder_per_version(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    from finmodel import __version__
    from finmodel.ui.app_factory import cache_folder

    monkeypatch.delenv("FINMODEL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "finmodel" / f"app-{__version__}"
    monkeypatch.setenv("FINMODEL_CACHE", str(tmp_path / "mine"))
    assert cache_folder() == tmp_path / "mine"


def test_results_cache_keeps_a_few_small_pools(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import diskcache

    from finmodel.ui import state

    cache = ResultsCache(diskcache.Cache(str(tmp_path)))
    base = load_scenario(STACK)
    cache.get_or_run(stack_what_if(base, "subordinated_fund", 0.2, None, None, None))
    assert len(cache._pools) == 1
    monkeypatch.setattr(state, "POOL_BYTES_KEPT", 1000)  # every pool is now too big to keep
    cache.get_or_run(stack_what_if(base, "subordinated_fund", 0.25, None, None, None))
    assert cache._pools == {}

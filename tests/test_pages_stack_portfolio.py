"""The capital-stack and portfolio pages in Japanese: no untranslated word, rates in %,
refused values said shortly with the charts kept, one money unit per table and card row,
progress with counts and an estimate, cancel that says so."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from dash import no_update
from dash.development.base_component import Component
from hypothesis import given
from hypothesis import strategies as st

from finmodel.compiled import scenario_hash
from finmodel.scenario.errors import ScenarioError
from finmodel.ui.pages import portfolio as pfl
from finmodel.ui.pages import stack as stk
from finmodel.ui.run_notes import RunNote
from finmodel.ui.state import stack_what_if

#: ASCII words a Japanese page may show: acronyms of the trade, units, symbols.
ALLOWED = {"IRR", "P10", "P50", "P90", "HHI", "KPI", "PV", "EL", "Z_t",
           "t-CO2", "MWh", "kW", "ha", "m2", "m3", "t", "finmodel"}
#: Component properties whose text a user sees.
SHOWN = ("children", "placeholder", "label", "title", "aria-label")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


def shown_texts(node: Any) -> list[str]:
    """Every text of a component tree (or page outputs) a user reads: children, labels,
    placeholders, dropdown options, slider marks, table headers and cells. Figures are
    left out (the charts are checked with the figures)."""
    out: list[str] = []
    if node is None or node is no_update:
        return out
    if isinstance(node, str):
        return [node]
    if isinstance(node, (list, tuple)):
        for item in node:
            out += shown_texts(item)
        return out
    if isinstance(node, dict):
        if "data" in node and "layout" in node:  # a figure
            return out
        if "name" in node and "id" in node:  # a table column
            return [str(node["name"])]
        if "label" in node and "value" in node:  # a dropdown option
            return shown_texts(node["label"])
        return [str(v) for v in node.values() if isinstance(v, str)]
    if isinstance(node, Component):
        props = node.to_plotly_json()["props"]
        for prop in SHOWN:
            out += shown_texts(props.get(prop))
        for prop in ("options", "marks", "columns", "data"):
            value = props.get(prop)
            if isinstance(value, dict):  # slider marks
                out += [str(v) for v in value.values()]
            elif value is not None:
                out += shown_texts(value)
    return out


def untranslated(texts: list[str]) -> list[str]:
    return sorted({w for s in texts for w in WORD.findall(s) if w not in ALLOWED})


def test_the_checker_finds_english() -> None:
    from dash import html

    assert untranslated(shown_texts(html.Div(["senior: 期待損失率", html.B("0.5%")]))) == ["senior"]
    assert untranslated(["IRR（平均）", "1.0億円", "t-CO2"]) == []


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import diskcache

    from finmodel.shipped import shipped_scenarios
    from finmodel.ui.export import Renderer
    from finmodel.ui.services import Services
    from finmodel.ui.state import ResultsCache

    folder = tmp_path_factory.mktemp("cache")
    return Services(ResultsCache(diskcache.Cache(str(folder))), Renderer(),
                    shipped_scenarios(), "dormant_deposit_fund.yaml")


def store_for(services: Any, name: str) -> dict[str, Any]:
    """A new browser session with the shipped scenario ``name``."""
    fresh = services.session(None).store
    text_ = services.scenarios[f"{name}.yaml"].read_text(encoding="utf-8")
    return services.sessions.change(fresh, f"{name}.yaml", text_, base=True)


@pytest.mark.parametrize("name", ["dormant_deposit_fund", "concessional_tranche"])
def test_stack_page_in_japanese_has_no_untranslated_word(services: Any, name: str) -> None:
    store = store_for(services, name)
    session = services.session(store)
    texts = shown_texts(stk.layout("ja", services, store))
    texts += shown_texts(stk.vehicle_options(session.scenario, "ja"))
    for vehicle in [v.id for v in session.scenario.vehicles]:
        settings = stk.slider_settings(session, vehicle)
        texts += [*settings[-2].values(), *settings[-1].values()]
        outputs = stk.what_if(services.cache, session, vehicle, *settings[:4], "ja")
        texts += shown_texts(outputs[len(stk.FIGURES):])
        refused = stk.what_if(services.cache, session, vehicle, 0, *settings[1:4], "ja")
        texts += shown_texts(refused[len(stk.FIGURES):])
    assert untranslated(texts) == []
    # the vehicles by their display names, the ids kept as values
    options = stk.vehicle_options(session.scenario, "ja")
    assert [o["value"] for o in options] == [v.id for v in session.scenario.vehicles]
    assert all(o["label"] != o["value"] for o in options)


def test_stack_cards_name_the_tranche_and_use_one_money_unit(services: Any) -> None:
    store = store_for(services, "dormant_deposit_fund")
    session = services.session(store)
    results = services.cache.get_or_run(stack_what_if(session.scenario, "subordinated_fund",
                                                      None, None, None, None))
    rows = dict(stk.headline_rows(results, "subordinated_fund", "ja"))
    assert "シニア：期待損失率（元本比）" in rows
    amounts = [v for v in rows.values() if v.endswith("円") or "円 (" in v]
    assert amounts and all("億円" in v and "百万円" not in v for v in amounts), amounts
    # the same figures a second way: the vehicle's row, divided by 100 (億円)
    vehicle = results.vehicles.set_index("vehicle").loc["subordinated_fund"]
    assert rows["公的資金の期待コスト（現在価値）"] == f"{vehicle['public_expected_cost'] / 100:.2f}億円"
    assert rows["民間資金動員倍率"] == f"{vehicle['mobilisation_ratio']:.2f}倍"
    en = dict(stk.headline_rows(results, "subordinated_fund", "en"))
    assert "Senior: Expected loss (% of notional)" in en  # the domain word (no label in the file)


def test_a_refused_first_loss_gives_a_short_message_and_keeps_the_charts(services: Any) -> None:
    store = store_for(services, "dormant_deposit_fund")
    session = services.session(store)
    settings = stk.slider_settings(session, "subordinated_fund")
    for lang, expected in (("ja", "ファーストロスの比率は0%より大きくしてください"),
                           ("en", "The first-loss size must be more than 0%")):
        outputs = stk.what_if(services.cache, session, "subordinated_fund", 0.0, *settings[1:4],
                              lang)
        assert all(f is no_update for f in outputs[:len(stk.FIGURES)])
        assert outputs[len(stk.FIGURES)] is no_update  # the numbers stay too
        message = " ".join(shown_texts(outputs[len(stk.FIGURES) + 1]))
        assert expected in message
        assert "pydantic" not in message and "http" not in message and len(message) < 120
    # all but nothing for the top tranche: refused with the limit
    top = stk.what_if(services.cache, session, "subordinated_fund", 100.0, *settings[1:4], "ja")
    assert top[0] is no_update and "100.0%未満" in " ".join(shown_texts(top[len(stk.FIGURES) + 1]))
    # the model's own refusal (what the sliders would send without the page's check) is
    # put in the same few words, never the validator's text
    with pytest.raises(ScenarioError) as raised:
        stack_what_if(session.scenario, "subordinated_fund", 0.0, None, None, None)
    assert stk.error_text(raised.value, "ja") == "ファーストロスの比率は0%より大きくしてください。"
    # a good value afterwards answers again, and clears the message
    good = stk.what_if(services.cache, session, "subordinated_fund", 20.0, *settings[1:4], "ja")
    assert isinstance(good[0], dict) and good[len(stk.FIGURES) + 1] == ""


def test_sliders_are_in_percent_and_reach_the_model_as_fractions(services: Any) -> None:
    store = store_for(services, "dormant_deposit_fund")
    session = services.session(store)
    fl, rate, cap, coupon, coupon_max, *_, fl_max, fl_marks, _ = stk.slider_settings(
        session, "subordinated_fund")
    assert fl == 15.0 and coupon == 0.0 and coupon_max == 4.0  # the file: 0.15, 0.0, 0.04
    assert fl_marks == {0.5: "0.5%", fl_max: f"{fl_max:g}%"} and 0 < stk.FIRST_LOSS_STEP <= fl
    scenario = stk._what_if_scenario(session, "subordinated_fund", 25.0, rate, cap, 1.5)
    tranches = scenario.vehicles[0].tranches
    assert tranches[0].size == pytest.approx(0.25) and tranches[1].size == pytest.approx(0.75)
    assert tranches[0].coupon == pytest.approx(0.015)
    assert stk.target_fraction("0.5") == pytest.approx(0.005)
    assert stk.target_fraction(0) is None and stk.target_fraction(150) is None
    # the guarantee's cap in money: rate x cap x covered notional, by hand
    book = store_for(services, "credit_guarantee")
    guaranteed = services.session(book).scenario
    vid = guaranteed.vehicles[0].id
    g = guaranteed.vehicles[0].guarantees[0]
    covered = next(t.size for t in guaranteed.vehicles[0].tranches if t.name == g.covers)
    payout = g.rate * g.cap * covered * guaranteed.vehicles[0].exposure
    shown = stk.cap_text(guaranteed, vid, "ja")
    assert shown.startswith("最大支払額：")
    value = float(re.search(r"([\d.,]+)(億円|百万円)", shown).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert value * (100 if "億円" in shown else 1) == pytest.approx(payout, abs=0.6)


@given(st.integers(min_value=1, max_value=10_000))
def test_percent_and_fraction_round_trip(basis_points: int) -> None:
    fraction = basis_points / 10_000
    assert stk.to_fraction(stk.to_percent(fraction)) == fraction


@pytest.fixture(scope="module")
def portfolio_run(services: Any) -> tuple[dict[str, Any], tuple[Any, ...], list[tuple[int, int]]]:
    store = store_for(services, "core_issue_vs_firm_by_firm")
    steps: list[tuple[int, int]] = []
    outputs = pfl.build_portfolios(services, store, "ja", lambda d, t: steps.append((d, t)))
    return store, outputs, steps


def test_portfolio_page_in_japanese_has_no_untranslated_word(services: Any, portfolio_run: Any
                                                             ) -> None:
    store, outputs, _ = portfolio_run
    texts = shown_texts(pfl.layout("ja", services, store))
    texts += shown_texts(outputs[len(pfl.FIGURES):])
    texts += [pfl.progress_text(3, 22, 12.2, "ja")]
    texts += shown_texts(pfl.cancelled_outputs(services, store, "ja")[len(pfl.FIGURES):])
    texts += shown_texts(pfl.known_portfolios(services, store_for(services, "dormant_deposit_fund"),
                                              "ja"))
    assert untranslated(texts) == []


def test_portfolio_tables_use_one_money_unit_and_words(services: Any, portfolio_run: Any) -> None:
    store, outputs, steps = portfolio_run
    summary, columns, kpis, kpi_columns = outputs[len(pfl.FIGURES):len(pfl.FIGURES) + 4]
    names = {c["id"]: c["name"] for c in columns}
    assert names["money"] == "資金（億円）" and names["expected_loss"] == "期待損失（億円）"
    results = services.cache.get_or_run(services.scenario(store))
    s = results.portfolios.summary.set_index("portfolio")
    by_name = {row["portfolio"]: row for row in summary}
    assert by_name["個社別"]["money"] == f"{s.loc['firm_by_firm', 'money'] / 100:,.1f}"
    assert by_name["コア課題起点"]["status"] == "最適解"
    assert by_name["個社別"]["status"] == "ルールによる選定"
    assert {row["trend"] for row in kpis} <= {"改善", "悪化", "横ばい"}
    assert {row["unit"] for row in kpis} == {"人"}
    assert all(row["attainment"].endswith("%") for row in kpis)
    assert [c["name"] for c in kpi_columns][:3] == ["ポートフォリオ", "KPI（指標）", "単位"]
    # progress: one step a solve, two portfolios and each frontier point
    total = 2 + results.scenario.portfolio.frontier_points
    assert steps == [(k, total) for k in range(1, total + 1)]
    assert f"{total} 件の最適化" in " ".join(shown_texts(outputs[-1]))


def test_progress_counts_and_estimates_the_time_left() -> None:
    assert pfl.seconds_left(100.0, 110.0, 5, 25, now=110.0) == pytest.approx(40.0)
    assert pfl.seconds_left(100.0, 110.0, 5, 25, now=115.0) == pytest.approx(35.0)
    assert pfl.seconds_left(100.0, 110.0, 0, 25) is None
    # the same line as every page's progress (finmodel.ui.progress), in solves
    assert pfl.progress_text(3, 22, 11.2, "en") == "3 / 22 solves · about 11 s left"
    assert pfl.progress_text(3, 22, 11.2, "ja") == "3 / 22 件の最適化 · 残り約11秒"
    assert pfl.progress_text(22, 22, None, "ja") == "22 / 22 件の最適化 · 完了"


def test_a_page_opened_again_watches_the_running_job_and_cancel_says_so(
        services: Any, tmp_path: Path) -> None:
    import psutil

    store = store_for(services, "core_issue_vs_firm_by_firm")
    scenario = services.scenario(store)
    path = pfl.note_path(services, store)
    me = psutil.Process()
    now = time.time()
    pfl.write_note(path, RunNote(os.getpid(), me.create_time(), 4, 22, now - 8.0, now,
                                 scenario_hash(scenario)))
    assert pfl.running_note(services, store) is not None
    if pfl.known_portfolios(services, store, "ja") is None:  # not built yet: the progress
        ticks = pfl.watch_outputs(services, store, "ja")
        assert ticks[-6:-3][:2] == (4, 22) and "4 / 22" in ticks[-4]
        assert ticks[-3:] == (False, True, False)  # keep watching; run off, cancel on
    # another scenario's note is not this page's job
    pfl.write_note(path, RunNote(os.getpid(), me.create_time(), 0, 0, now, now, "other"))
    assert pfl.running_note(services, store) is None
    # cancel: the note goes (this test process is not one of the server's jobs: untouched)
    *charts, message, value, _, status, watch_off, run_off, cancel_off = pfl.cancelled_outputs(
        services, store, "ja")
    assert len(charts) == len(pfl.FIGURES)
    assert all("「実行」を押す" in str(c.layout.annotations[0].text) for c in charts)
    assert message == "キャンセルしました" and value == 0 and status == ""
    assert (watch_off, run_off, cancel_off) == (True, False, True) and not path.exists()
    assert pfl.cancelled_outputs(services, store, "en")[len(pfl.FIGURES)] == "Cancelled"

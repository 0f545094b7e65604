"""The bundle and compare pages in Japanese: no untranslated word on screen, the
designer's share in %, its figures explained (a negative share too), display names, the
progress text with counts and an ETA, a run followed after leaving the tab, and cancel."""

from __future__ import annotations

import math
import multiprocessing
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finmodel.ui import progress, run_notes
from finmodel.ui.i18n import text
from finmodel.ui.pages import bundle as bdl
from finmodel.ui.pages import compare as cmp

#: ASCII words a Japanese page may show: names, units and symbols a Japanese board reads
#: as they are, and the one command a batch folder comes from.
ALLOWED = {"finmodel", "batch", "IPO", "IRR", "PV", "SE", "P10", "P90", "Z_t", "YAML", "PDF",
           "Excel", "VC", "CO2", "t-CO2", "out", "ID", "NPO"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


def untranslated(texts: list[str]) -> list[str]:
    """ASCII words in ``texts`` that are not numbers, units, paths, options or allowed."""
    found = []
    for t in texts:
        # plotly's line breaks and a format's {placeholders} are not shown as words
        shown = re.sub(r"<[^>]+>|\{[^}]*\}", " ", str(t))
        for token in shown.split():
            if "/" in token or token.startswith("--"):
                continue  # a path or a command-line option, shown as typed
            found += [w for w in WORD.findall(token) if w not in ALLOWED]
    return found


def shown_texts(node: Any) -> list[str]:
    """Every string a component tree (or list, dict of figure) shows the reader."""
    out: list[str] = []
    if node is None or isinstance(node, bool | int | float):
        return out
    if isinstance(node, str):
        return [node]
    if isinstance(node, list | tuple):
        for item in node:
            out += shown_texts(item)
        return out
    if isinstance(node, dict):
        if "layout" in node:  # a figure: its title, annotations and axis titles
            layout = node["layout"]
            out += [str((layout.get("title") or {}).get("text") or "")]
            out += [str(a.get("text", "")) for a in layout.get("annotations", [])]
            return out
        return [str(v) for k, v in node.items() if k in ("label", "name") and isinstance(v, str)]
    props = getattr(node, "__dict__", {})
    for key in ("children", "placeholder", "label", "title"):
        out += shown_texts(props.get(key))
    for key in ("options", "columns", "data"):
        for item in props.get(key) or []:
            out += shown_texts(item) if not isinstance(item, dict) else [
                str(v) for k, v in item.items() if k in ("label", "name") or key == "data"]
    labels = props.get("labels")
    if isinstance(labels, dict):
        out += [str(v) for v in labels.values()]
    figure = props.get("figure")
    if figure is not None:
        out += shown_texts(figure if isinstance(figure, dict) else figure.to_plotly_json())
    return out


def test_the_checker_finds_english() -> None:
    from dash import dcc, html

    tree = html.Div([html.B("add first_loss (city)"), dcc.Dropdown(placeholder="all")])
    assert untranslated(shown_texts(tree)) == ["add", "first_loss", "city", "all"]
    assert untranslated(["12 / 40 回 · 残り約8秒", "1.0億円", "（%）", "/tmp/x", "--results-root",
                         "IRR（平均）"]) == []


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import diskcache

    from finmodel.shipped import shipped_scenarios
    from finmodel.ui.export import Renderer
    from finmodel.ui.jobs import Jobs
    from finmodel.ui.services import Services
    from finmodel.ui.state import ResultsCache

    folder = tmp_path_factory.mktemp("cache")
    return Services(ResultsCache(diskcache.Cache(str(folder / "cache"))), Renderer(),
                    shipped_scenarios(), "dormant_deposit_fund.yaml", folder,
                    Jobs(folder=folder / "jobs"))


def store_for(services: Any, name: str) -> dict[str, Any]:
    fresh = services.session(None).store
    text_ = services.scenarios[f"{name}.yaml"].read_text(encoding="utf-8")
    return services.sessions.change(fresh, f"{name}.yaml", text_, base=True)


#: A designer answer with every kind of design and a negative share (as the browser's
#: store gives it back), for the policy-shock scenario.
def answer_for(services: Any, store: dict[str, Any]) -> dict[str, Any]:
    def row(design: str, parameter: str, baseline: float, value: float, closed: float,
            holds: bool) -> dict[str, Any]:
        return {"design": design, "parameter": parameter, "baseline": baseline, "value": value,
                "feasible": True, "gap_closed_tuning": closed, "gap_closed": closed,
                "gap_closed_se": 0.02, "gap_closed_lower": closed - 0.0256, "holds": holds,
                "baseline_gap": 500.0, "public_expected_cost": 340.0 + value / 10,
                "added_public_cost": value / 10, "private_mobilised": 3600.0,
                "mobilisation_ratio": 10.6}

    return {"key": services.session(store).compiled.key, "share": 0.3, "stage": None,
            "unit": "JPY_million", "confidence": 0.9, "rows": [
                row("raise vc: annual budget", "annual_budget", 300.0, 1200.0, 0.35, True),
                row("add first_loss (city) = add guarantee (cgc)", "budget", 0.0, 1520.0, 0.31,
                    True),
                row("widen pref_guarantee: rate", "rate", 0.8, 1.0, 0.05, False),
                row("widen pref_first_loss: share", "share", 0.3, 1.0, -0.22, False),
                row("raise accelerator: support capacity", "capacity", 8.0, 32.0, 0.0, False)]}


@pytest.mark.parametrize("name", ["bundle_policy_shock", "bundle_seed_accelerator",
                                  "dormant_deposit_fund"])
def test_bundle_page_in_japanese_has_no_untranslated_word(services: Any, name: str) -> None:
    store = store_for(services, name)
    texts = shown_texts(bdl.layout("ja", services, store))
    texts += shown_texts(bdl.known_bundle(services, store, "ja") or [])
    if name == "bundle_policy_shock":
        session = services.session(store)
        view = bdl.designs_view(answer_for(services, store), session.compiled.key, "ja",
                                session.scenario)
        texts += shown_texts(view[0]) + [c["name"] for c in view[1]] + [view[4]]
        texts += shown_texts(view[5])
    assert texts and untranslated(texts) == []


def test_no_bundle_gives_one_message_with_what_to_do(services: Any) -> None:
    from dash import html

    store = store_for(services, "dormant_deposit_fund")
    page = bdl.layout("ja", services, store)
    shown = page.children
    assert isinstance(shown, list) and len(shown) == 2
    message, hidden = shown
    assert hidden.style == {"display": "none"}  # charts and designer are not shown
    said = " ".join(shown_texts(message))
    assert said.count(text("bdl_no_bundle_title", "ja")) == 1
    assert "シナリオのページ" in said and "「" in said  # where to go, with examples
    assert isinstance(hidden, html.Div)
    # a bundle scenario shows its page, with no such message
    store = store_for(services, "bundle_seed_accelerator")
    assert bdl.layout("ja", services, store).style is None


def test_compare_page_in_japanese_has_no_untranslated_word(services: Any) -> None:
    store = store_for(services, "dormant_deposit_fund")
    texts = shown_texts(cmp.layout("ja", services, store))
    options = cmp.scenario_options(services, "ja")
    assert {o["value"] for o in options} == set(services.scenarios)  # values: file keys
    assert all(not o["label"].endswith(".yaml") for o in options)  # labels: display names
    texts += [o["label"] for o in options]
    rows, columns, figure, message = cmp.compare_runs(
        services, "ja", ["bundle_founding_gap.yaml", "credit_guarantee.yaml"], None)
    texts += [c["name"] for c in columns] + shown_texts(rows) + shown_texts(
        figure.to_plotly_json())
    assert untranslated(texts) == []


def test_compare_table_has_one_money_unit_and_bundles(services: Any) -> None:
    steps: list[tuple[int, int]] = []
    rows, columns, figure, _ = cmp.compare_runs(
        services, "ja", ["bundle_founding_gap.yaml", "credit_guarantee.yaml"], None,
        lambda done, total: steps.append((done, total)))
    assert steps == [(1, 2), (2, 2)]
    money = [c["name"] for c in columns if "円" in c["name"]]
    assert money and len({re.search(r"（(億円|百万円)）", m).group(1) for m in money}) == 1  # type: ignore[union-attr]
    bundle = [r for r in rows if r["vehicle"] == text("cmp_bundle_row", "ja")]
    assert len(bundle) == 1 and bundle[0]["gap"] != "–"
    # checked a second way: the gap in the table is the run's headline in the table's unit
    from finmodel.headlines import bundle_headline
    from finmodel.ui.state import parse_text

    name = "bundle_founding_gap.yaml"
    results = services.cache.get_or_run(parse_text(
        services.scenarios[name].read_text(encoding="utf-8"), name))
    gap = bundle_headline(results).total_gap
    divisor = 100.0 if "億円" in money[0] else 1.0
    assert float(bundle[0]["gap"].replace(",", "")) == pytest.approx(gap / divisor, abs=0.051)
    # the chart has the bundle run (its gap panel) as well as the stacks
    names = " ".join(str(t.get("name", "")) + str(t.get("x", "")) for t in figure.to_plotly_json()["data"])
    assert "創業期" in names


def test_designer_share_is_entered_in_percent(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    store = store_for(services, "bundle_policy_shock")
    page = bdl.layout("ja", services, store)

    def find(node: Any, cid: str) -> Any:
        if getattr(node, "id", None) == cid:
            return node
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                hit = find(child, cid)
                if hit is not None:
                    return hit
        return None

    share = find(page, "bdl-share")
    assert (share.value, share.min, share.max, share.step) == (30, 5, 100, 5)
    assert share.value % share.step == 0  # valid for its step: not shown in red
    assert "%" in text("bdl_share_label", "ja")
    assert bdl.share_fraction(30) == pytest.approx(0.3)
    assert bdl.share_fraction(100) == 1.0
    for bad in (0.3, 0, 150, None, "x", float("nan")):
        assert bdl.share_fraction(bad) is None
    seen: list[float] = []

    def fake(scenario: Any, target: Any, **kwargs: Any) -> Any:
        import pandas as pd

        seen.append(target.share)
        return pd.DataFrame()

    monkeypatch.setattr(bdl, "design_gap_closure", fake)
    answer = bdl.design_answer(services, store, 30, None)
    assert seen == [pytest.approx(0.3)] and answer is not None and answer["share"] == 0.3
    assert bdl.design_answer(services, store, 0.3, None) is None  # a fraction is refused


def test_designer_table_explains_its_figures_and_a_negative_share(services: Any) -> None:
    store = store_for(services, "bundle_policy_shock")
    session = services.session(store)
    answer = answer_for(services, store)
    for lang in ("ja", "en"):
        rows, columns, selected, disabled, _, helps = bdl.designs_view(
            answer, session.compiled.key, lang, session.scenario)
        assert selected == [0] and not disabled
        headers = {c["id"]: c["name"] for c in columns}
        unit = "億円" if lang == "ja" else "¥ billion"  # the largest amount is over 1億円
        assert all(unit in headers[c] for c in bdl.MONEY_COLUMNS)
        # amounts in the table's unit: 340 + 1200/10 = 460 百万円 = 4.6億円
        assert rows[0]["public_expected_cost"] == ("4.6" if lang == "ja" else "0.46")
        said = " ".join(shown_texts(helps))
        assert text("bdl_negative_note", lang) in said  # the negative share is explained
        assert "1.28" in said  # the lower bound's z at 90%
        assert rows[3]["validation"].endswith("※") and "※" not in rows[0]["validation"]
    ja = bdl.design_rows(answer, "ja", session.scenario)[0]
    names = {p.id: p for p in session.scenario.providers}
    assert ja[0]["design"] == f"{names['vc'].name_ja}の年間予算を増額"
    assert "ファーストロス枠を新設" in ja[1]["design"] and "city" not in ja[1]["design"]
    assert ja[0]["setting"] == "3.0 → 12.0 億円"
    assert ja[4]["setting"] == "8 → 32社"
    # without a negative share there is no such note
    positive = {**answer, "rows": [r for r in answer["rows"] if r["gap_closed"] >= 0]}
    said = " ".join(shown_texts(bdl.design_help(positive, "ja")))
    assert text("bdl_negative_note", "ja") not in said


def test_applying_a_design_says_what_changed_in_japanese(services: Any) -> None:
    store = store_for(services, "bundle_policy_shock")
    session = services.session(store)
    answer = answer_for(services, store)
    new, message, runs = bdl.apply_selected(services, store, [0], answer, "ja", 2)
    assert runs == 3  # the simulation of the designed scenario starts
    said = " ".join(shown_texts(message))
    vc = next(p for p in session.scenario.providers if p.id == "vc")
    assert said.startswith("適用しました") and f"{vc.name_ja}の年間予算を増額" in said
    assert "3.0 → 12.0 億円" in said
    applied = services.session(new).scenario
    assert next(p for p in applied.providers if p.id == "vc").annual_budget == 1200.0
    _, refused, _ = bdl.apply_selected(services, store, None, answer, "ja", 2)
    assert text("design_choose", "ja") in " ".join(shown_texts(refused))


@pytest.mark.parametrize(("done", "total", "elapsed", "expected"), [
    (12, 40, 12 * 8 / 28, "12 / 40 回 · 残り約8秒"),
    (0, 40, 0.0, "0 / 40 回 · 残り時間を見積もり中"),
    (40, 40, 10.0, "40 / 40 回 · 完了"),
    (10, 100, 20.0, "10 / 100 回 · 残り約3分"),  # 20 s for 10: 180 s left
])
def test_progress_text_examples(done: int, total: int, elapsed: float, expected: str) -> None:
    assert progress.progress_text(done, total, elapsed, "ja") == expected


def test_progress_text_in_english_and_for_scenarios() -> None:
    assert progress.progress_text(12, 40, 12 * 8 / 28, "en") == "12 / 40 replications · about 8 s left"
    assert progress.progress_text(1, 3, 5.0, "ja", "cmp_unit_runs") == "1 / 3 シナリオ · 残り約10秒"
    assert progress.progress_text(0, 0, 1.0, "ja") == ""


@given(st.integers(1, 500), st.integers(1, 500), st.floats(0.01, 1e4))
def test_progress_text_counts_and_eta(done: int, extra: int, elapsed: float) -> None:
    total = done + extra
    shown = progress.progress_text(done, total, elapsed, "ja")
    assert shown.startswith(f"{done} / {total} 回 · 残り約")
    left = elapsed / done * (total - done)  # the same pace for the steps left
    seconds, minutes = re.search(r"約(\d+)秒", shown), re.search(r"約(\d+)分", shown)
    if left < 59.5:
        assert seconds and int(seconds.group(1)) == max(1, round(left))
    else:
        assert minutes and abs(int(minutes.group(1)) - left / 60) <= 0.5 + 1e-9


def _sleeper() -> None:
    time.sleep(60)


def test_a_run_is_followed_after_leaving_the_tab_and_cancelled(services: Any) -> None:
    """A run noted by a job (a forked child, as Dash's jobs are) is shown with its
    progress to a page that comes back; cancel ends it and says so, with no bar left."""
    import psutil

    from finmodel.compiled import scenario_hash

    store = store_for(services, "bundle_recession")
    scenario = services.scenario(store)
    path = bdl.note_path(services.jobs.folder, scenario_hash(scenario))
    job = multiprocessing.get_context("fork").Process(target=_sleeper)
    job.start()
    try:
        created = psutil.Process(job.pid).create_time()
        run_notes.write_note(path, run_notes.RunNote(job.pid, created, 12, 40, time.time() - 12 * 8 / 28))
        state = bdl.follow_state(services, store, "ja")
        assert state["running"] and (state["done"], state["total"]) == (12, 40)
        assert state["text"].startswith("12 / 40 回 · 残り約")
        message = bdl.cancel_run(services, store, "ja")
        assert "キャンセルしました" in " ".join(shown_texts(message))
        job.join(5)
        assert not job.is_alive() and run_notes.read_note(path) is None
        state = bdl.follow_state(services, store, "ja")
        assert not state["running"] and state["shown"] is None  # nothing stale
        assert "Cancelled" in " ".join(shown_texts(bdl.cancel_run(services, store, "en")))
    finally:
        if job.is_alive():
            job.kill()
    # a note left by a job that died is dropped, not followed
    run_notes.write_note(path, run_notes.RunNote(job.pid, 1.0, 3, 40, time.time()))
    assert not bdl.follow_state(services, store, "ja")["running"] and run_notes.read_note(path) is None


def test_a_finished_run_shows_its_results_and_leaves_no_note(services: Any) -> None:
    store = store_for(services, "bundle_local_ipo")  # run by no other test here
    steps: list[tuple[int, int]] = []
    shown = bdl.run_bundle(services, store, "ja", lambda d, t: steps.append((d, t)))
    total = services.scenario(store).simulation.replications
    assert steps[0] == (0, total) and steps[-1] == (total, total)
    assert len(shown) == len(bdl.FIGURES) + 1
    assert f"{total}回の試行" in " ".join(shown_texts(shown[-1]))
    from finmodel.compiled import scenario_hash

    path = bdl.note_path(services.jobs.folder, scenario_hash(services.scenario(store)))
    assert path is not None and not path.exists()
    assert bdl.known_bundle(services, store, "ja") is not None  # cached for a return


def test_batch_folder_outside_the_root_is_refused_in_japanese(services: Any, tmp_path: Path) -> None:
    rows, _, _, message = cmp.compare_runs(services, "ja", None, "../../..")
    said = " ".join(shown_texts(message))
    assert rows == [] and "読み込みます" in said
    assert not math.isnan(len(said))

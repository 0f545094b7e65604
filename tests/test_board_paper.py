"""The board paper: its text layer (what pdftotext, copy and search read) for every
shipped scenario, what every page prints, the executive summary (checked against figures
read from the result tables), the key assumptions a board reads first (no seed), and the
export failing fast without a browser."""

from __future__ import annotations

import datetime
import functools
import math
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from finmodel import run
from finmodel.results import RunResults
from finmodel.ui.i18n import text
from tests.conftest import ROOT, quick_run

SHIPPED = ROOT / "finmodel" / "scenarios"
DATE = datetime.date(2026, 3, 31)

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None and shutil.which("google-chrome") is None,
    reason="needs Chromium")


#: Each shipped scenario run once (small) for every test of the module.
_quick = functools.cache(quick_run)

SCENARIOS = sorted(p.stem for p in SHIPPED.glob("*.yaml"))
ENGLISH = ("dormant_deposit_fund", "bundle_policy_shock")
AUTHOR = "経営企画部 山田"


@pytest.fixture(scope="module")
def fund() -> RunResults:
    return _quick("dormant_deposit_fund")


@pytest.fixture(scope="module")
def shock() -> RunResults:
    return _quick("bundle_policy_shock")


@pytest.fixture(scope="module")
def renderer():  # type: ignore[no-untyped-def]
    from finmodel.ui.renderer import Renderer

    r = Renderer()
    yield r
    r.close()


@pytest.fixture(scope="module")
def papers(renderer: Any) -> dict[tuple[str, str], bytes]:
    """Every shipped scenario's Japanese paper and two English ones (quick runs), drawn
    once by one browser and shared by the tests. The English ones carry no author."""
    from finmodel.ui.paper import board_paper

    if shutil.which("chromium") is None and shutil.which("google-chrome") is None:
        pytest.skip("needs Chromium")
    drawn = {(name, "ja"): board_paper(_quick(name), "ja", renderer, author=AUTHOR, date=DATE)
             for name in SCENARIOS}
    drawn |= {(name, "en"): board_paper(_quick(name), "en", renderer, date=DATE)
              for name in ENGLISH}
    return drawn


def _pages(pdf: bytes, tmp: Path) -> list[str]:
    path = tmp / "paper.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8")
    return [p for p in out.split("\f") if p.strip()]


def _squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?%?")


def _numbers(rows: list[tuple[str, str]]) -> set[str]:
    return {n for _, value in rows for n in NUMBER.findall(value)}


@needs_poppler
@needs_chromium
def test_japanese_paper_text_layer_has_kanji_numbers_and_page_footers(
        fund: RunResults, papers: dict[tuple[str, str], bytes], tmp_path: Path) -> None:
    from finmodel.ui.paper import PaperInfo, assumptions, headlines

    pages = _pages(papers["dormant_deposit_fund", "ja"], tmp_path)
    whole = _squeeze("".join(pages))
    # The kanji Chromium wrote as radicals (⾦ ⺠ ⽐ ⽰ ⾼) read as kanji; no radical is left.
    for word in ("資金", "民間", "比", "示", "高", "取締役会資料"):
        assert word in whole, word
    assert not re.search("[\u2e80-\u2eff\u2f00-\u2fdf]", whole)
    # Every number of the headline and assumption tables is in the text layer.
    missing = {n for n in _numbers(headlines(fund, "ja")) | _numbers(assumptions(fund, "ja"))
               if n not in whole}
    assert not missing
    # Every page: date, author, version, scenario hash and "n / N ページ".
    info = PaperInfo.of(fund, "経営企画部 山田", DATE)
    assert len(info.scenario_hash) == 12
    for n, page in enumerate(pages, start=1):
        flat = _squeeze(page)
        assert "2026-03-31" in flat and "経営企画部山田" in flat, n
        assert f"finmodel{info.version}" in flat and info.scenario_hash in flat, n
        assert f"{n}/{len(pages)}ページ" in flat, n
    # Charts two to a page, each with its caption; both vehicles in the comparison.
    assert "図1．" in whole and "図2．" in whole
    assert _squeeze(text("pap_cap_stack_all", "ja"))[:20] in whole
    assert "同じプール・劣後なし" in whole and "劣後比率15%のインパクトファンド" in whole


@needs_poppler
@needs_chromium
def test_english_paper_text_layer_has_every_number(
        fund: RunResults, papers: dict[tuple[str, str], bytes], tmp_path: Path) -> None:
    from finmodel.ui.paper import assumptions, headlines

    pages = _pages(papers["dormant_deposit_fund", "en"], tmp_path)
    whole = _squeeze("".join(pages))
    numbers = _numbers(headlines(fund, "en")) | _numbers(assumptions(fund, "en"))
    assert {"5.67", "0.03%"} <= numbers  # the quoted ratio and senior loss are among them
    assert not {n for n in numbers if n not in whole}
    assert "Poolexposure" not in whole or "¥,." not in whole
    assert "finmodel" in whole  # not the "ﬁ" ligature
    assert "Author" not in whole  # no author given: none printed
    assert all(f"page{n}/{len(pages)}" in _squeeze(p) for n, p in enumerate(pages, start=1))


def test_radicals_map_to_the_kanji_that_share_their_glyph() -> None:
    from finmodel.ui.pdf_text import fix_cmap, ideographs

    assert ideographs("⺠間資⾦ ⽐ ⽰ ⾼ ⼾ P10∕P50 同じ‧ ﬁnmodel") == "民間資金 比 示 高 戸 P10／P50 同じ・ finmodel"
    cmap = (b"/CIDInit begincmap\n2 beginbfchar\n<01> <2EA0>\n<02> <9593>\nendbfchar\n"
            b"1 beginbfrange\n<03> <05> <2FA6>\n<06> <07> <0041>\nendbfrange\nendcmap")
    fixed = fix_cmap(cmap).decode()
    assert "<01> <6C11>" in fixed and "<02> <9593>" in fixed  # 民 and 間 kept
    # the range over ⾦ ⾧ ⾨ becomes three single codes (金 長 門); the Latin range stays
    assert "<03> <91D1>" in fixed and "<04> <9577>" in fixed and "<05> <9580>" in fixed
    assert "1 beginbfrange" in fixed and "<06> <07> <0041>" in fixed


def test_key_assumptions_describe_the_shock_and_list_every_provider(shock: RunResults) -> None:
    from finmodel.names import display_name
    from finmodel.ui.paper import assumptions

    s = shock.scenario
    for lang in ("ja", "en"):
        rows = assumptions(shock, lang)
        table = dict(rows)
        providers = table[text("pap_providers", lang).format(n=len(s.providers))]
        assert all(display_name(p, lang) in providers for p in s.providers)
        assert len(s.providers) == 8
        # no seed (the footer's scenario hash identifies the run)
        assert all(label != text("pap_reproducibility", lang) for label, _ in rows)
        assert not any(str(s.seed) in value for _, value in rows)
        assert not any("seed" in label.lower() or "シード" in label for label, _ in rows)
    assert dict(assumptions(shock, "ja"))["政策ショック"] == "5年目から市の予算を停止（×0）"
    assert dict(assumptions(shock, "en"))["Policy shock"] == (
        "from year 5, City's budgets withdrawn (× 0)")


def test_headline_tables_use_one_money_unit_and_label_the_portfolio(fund: RunResults) -> None:
    from finmodel.ui.paper import headlines

    ja = headlines(fund, "ja")
    units = {u for _, v in ja for u in re.findall("億円|百万円", v)}
    assert units == {"億円"}  # the largest amount is over 1億円: every amount in 億円
    pool = dict(ja)["劣後比率15%のインパクトファンド: プールの期待損失"]
    expected = fund.vehicles["expected_loss"].iloc[0] / 100
    assert pool == f"{expected:,.2f} 億円"
    en = headlines(fund, "en")
    assert {u for _, v in en for u in re.findall(r"¥ (?:billion|million)", v)} == {"¥ million"}


def test_missing_browser_fails_within_seconds_with_the_offline_install(tmp_path: Path) -> None:
    import os

    out = tmp_path / "paper.pdf"
    env = dict(os.environ, BROWSER_PATH=str(tmp_path / "no-chromium-here"))
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "finmodel", "export", "dormant_deposit_fund",
                           "--out", str(out)], capture_output=True, env=env, timeout=60,
                          cwd=ROOT)
    assert time.monotonic() - start < 30
    assert done.returncode == 1  # the issue: exit 1 with what to install
    message = done.stderr.decode()
    assert "no-chromium-here" in message and "apt-get install chromium" in message
    assert "BROWSER_PATH" in message and not out.exists()


def test_renderer_reports_a_missing_browser_in_the_readers_language(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import plotly.graph_objects as go

    from finmodel.ui.renderer import BrowserMissing, Renderer

    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    start = time.monotonic()
    with pytest.raises(BrowserMissing) as caught:
        Renderer().render(go.Figure(), "png")
    assert time.monotonic() - start < 5
    ja = caught.value.message("ja")
    assert "/nonexistent/chromium" in ja and "apt-get install chromium" in ja and "インストール" in ja
    assert "Install Chromium" in caught.value.message("en")


def test_export_page_offers_the_workbook_and_shows_a_missing_browser_in_japanese(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from finmodel.ui.pages import export as page
    from finmodel.ui.renderer import BrowserMissing

    failure = page.failure(BrowserMissing("/nonexistent"), "ja")
    shown = str(failure.children)
    assert "出力できませんでした" in shown and "apt-get install chromium" in shown
    assert "インストール" in shown and "/nonexistent" in shown
    for lang, words in (("ja", "表をダウンロード（Excel）"), ("en", "Download tables (Excel)")):
        assert text("pap_xlsx_button", lang) == words


# -- every shipped scenario's paper: headline numbers and kanji in the text layer ------------
def _expected_headlines(results: RunResults, lang: str) -> set[str]:
    """The headline figures as the paper prints them, read here from the result tables
    (not from finmodel.headlines): the seniors' expected loss and mean IRR, the
    mobilisation ratios, the pool loss and public cost; the bundle's gap, its share and
    parts; the portfolios' impact and cost. Amounts in the one unit of the headline table:
    億円 (two decimals) from 100百万円 up, else 百万円; ¥ billion from ¥1,000 million."""
    amounts: list[float] = []
    out: set[str] = set()
    if len(results.vehicles):
        v = results.vehicles
        amounts += [*v["expected_loss"], *v["public_expected_cost"], *v["subsidy_to_private"]]
        for vehicle in v["vehicle"]:
            senior = results.tranches[results.tranches["vehicle"] == vehicle].iloc[-1]
            out |= {f"{senior['expected_loss_pct']:.2%}", f"{senior['irr_mean']:.2%}"}
        out |= {f"{r:.2f}" for r in v["mobilisation_ratio"] if not math.isnan(r)}
    bundle = None
    if results.bundle is not None:
        bundle = results.bundle_summary.iloc[0]
        amounts += [bundle[c] for c in ("total_gap", "total_gap_p10", "total_gap_p90",
                                        "direct_gap", "lost_pipeline", "potential_demand",
                                        "public_expected_cost", "private_mobilised")]
        out.add(f"{bundle['gap_share']:.1%}")
    summary = results.portfolios.summary if results.portfolios is not None else None
    if summary is not None:
        amounts += list(summary["total_cost"])
        out |= {f"{x:,.2f}" for x in summary["core_impact"]}
    largest = max(abs(a) for a in amounts)
    if lang == "ja":
        divisor, decimals, label = (100.0, 2, "億円") if largest >= 100 else (1.0, 1, "百万円")
    else:
        divisor, decimals, label = ((1000.0, 2, "¥billion") if largest >= 1000
                                    else (1.0, 1, "¥million"))

    def money(x: float) -> str:
        return f"{x / divisor:,.{decimals}f}{label}"

    if len(results.vehicles):
        out |= {money(x) for x in results.vehicles["expected_loss"]}
        out |= {money(x) for x in results.vehicles["public_expected_cost"]}
    if bundle is not None:
        out |= {money(bundle[c]) for c in ("total_gap", "lost_pipeline", "direct_gap",
                                           "potential_demand")}
    if summary is not None:
        out |= {money(x) for x in summary["total_cost"]}
    return out


@needs_poppler
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_shipped_japanese_paper_has_its_headline_numbers_and_kanji(
        name: str, papers: dict[tuple[str, str], bytes], tmp_path: Path) -> None:
    results = _quick(name)
    whole = _squeeze("".join(_pages(papers[name, "ja"], tmp_path)))
    missing = {n for n in _expected_headlines(results, "ja") if n not in whole}
    assert not missing, missing
    title = results.scenario.name_ja
    assert title and _squeeze(title) in whole
    for word in ("資金", "取締役会資料", "要旨", "主な前提", "主要な数値"):
        assert word in whole, word
    assert not re.search("[\u2e80-\u2eff\u2f00-\u2fdf]", whole)  # no radical for a kanji
    assert "乱数シード" not in whole and "再現性" not in whole  # no seed row


@needs_poppler
@pytest.mark.parametrize("name", ENGLISH)
def test_english_papers_have_their_headline_numbers(
        name: str, papers: dict[tuple[str, str], bytes], tmp_path: Path) -> None:
    results = _quick(name)
    whole = _squeeze("".join(_pages(papers[name, "en"], tmp_path)))
    # the table prints "1.03 ¥ billion": the number and its unit, squeezed
    missing = {n for n in _expected_headlines(results, "en") if n not in whole}
    assert not missing, missing
    assert "Executivesummary" in whole and _squeeze(results.scenario.name) in whole
    assert "Reproducibility" not in whole and "seed " not in whole  # no seed row


# -- the executive summary, against figures read from the tables -----------------------------
def _senior_row(results: RunResults, vehicle: str) -> Any:
    return results.tranches[results.tranches["vehicle"] == vehicle].iloc[-1]


def test_summary_says_what_the_subordinated_tranche_does_to_the_banks_senior(
        fund: RunResults) -> None:
    from finmodel.ui.paper_summary import executive_summary, vehicle_reference

    assert vehicle_reference(fund) == {"subordinated_fund": "no_subordination"}
    sub, plain = _senior_row(fund, "subordinated_fund"), _senior_row(fund, "no_subordination")
    assert sub["expected_loss_pct"] < plain["expected_loss_pct"]
    assert sub["irr_mean"] > plain["irr_mean"]
    ja = executive_summary(fund, "ja")
    assert 3 <= len(ja) <= 6
    assert ja[0].startswith("休眠預金等活用ファンドの劣後（15%）により、地方銀行のシニアの")
    assert (f"期待損失率は{plain['expected_loss_pct']:.2%}から{sub['expected_loss_pct']:.2%}に"
            f"下がり、IRR（平均）は{plain['irr_mean']:.2%}から{sub['irr_mean']:.2%}に上がります"
            ) in ja[0]
    cost = fund.vehicles.set_index("vehicle").loc["subordinated_fund"]
    assert f"期待コストは{cost['public_expected_cost'] / 100:.2f}億円" in ja[1]
    assert f"{cost['mobilisation_ratio']:.2f}円の民間資金" in ja[1]
    assert f"{cost['subsidy_to_private'] / 100:.2f}億円" in ja[2] and "譲許" in ja[2]
    en = executive_summary(fund, "en")
    assert (f"falls from {plain['expected_loss_pct']:.2%} to {sub['expected_loss_pct']:.2%}"
            in en[0]) and f"rises from {plain['irr_mean']:.2%} to {sub['irr_mean']:.2%}" in en[0]
    assert f"¥{cost['public_expected_cost']:,.1f} million" in en[1]


def test_summary_says_what_the_shock_does_to_the_gap(shock: RunResults) -> None:
    from finmodel.ui.paper_summary import executive_summary, shock_baseline

    s = shock.scenario
    without = run(s.model_copy(update={"shocks": []}))  # the whole scenario, shock removed
    base, with_ = without.bundle_summary.iloc[0], shock.bundle_summary.iloc[0]
    baseline = shock_baseline(shock)
    assert baseline is not None and shock_baseline(shock) is baseline  # run once, kept
    ja = executive_summary(shock, "ja", baseline=baseline)
    assert 3 <= len(ja) <= 6
    line = next(x for x in ja if "ショックがない場合" in x)
    assert line.startswith("5年目から市の予算が停止されると")
    move = "増え" if with_["total_gap"] > base["total_gap"] else "減り"
    assert (f"資金ギャップ総額は{base['total_gap'] / 100:.2f}億円から"
            f"{with_['total_gap'] / 100:.2f}億円に{move}") in line
    diff = with_["total_gap"] - base["total_gap"]
    assert f"{abs(diff) / base['total_gap']:.1%}" in line
    assert (f"{base['public_expected_cost'] / 100:.2f}億円から"
            f"{with_['public_expected_cost'] / 100:.2f}億円に") in line
    first = ja[0]
    assert f"{s.simulation.years}年間の資金ギャップ総額は平均{with_['total_gap'] / 100:.2f}億円" \
        in first and f"{with_['gap_share']:.1%}" in first
    assert f"{with_['lost_pipeline'] / 100:.2f}億円" in ja[1]
    en = executive_summary(shock, "en", baseline=baseline)
    assert any(x.startswith("If City withdraws its budgets from year 5") for x in en)
    # without the baseline, the shock is not quantified (no sentence about it)
    assert not any("ショックがない場合" in x for x in executive_summary(shock, "ja"))


def test_summary_compares_the_core_issue_portfolio_with_firm_by_firm() -> None:
    from finmodel.ui.paper_summary import executive_summary

    results = _quick("core_issue_vs_firm_by_firm")
    assert results.portfolios is not None
    table = results.portfolios.summary.set_index("portfolio")
    core, firm = table.loc["core_issue"], table.loc["firm_by_firm"]
    line = next(x for x in executive_summary(results, "ja") if "コア課題起点" in x)
    assert f"インパクトは{core['core_impact']:,.2f}で、個社別の{firm['core_impact']:,.2f}の" \
        f"{core['core_impact'] / firm['core_impact']:,.2f}倍" in line
    assert f"総コストは{core['total_cost'] / 100:.2f}億円（個社別は{firm['total_cost'] / 100:.2f}億円）" \
        in line


def test_summary_names_the_guarantee_that_protects_the_senior() -> None:
    from finmodel.ui.paper_summary import executive_summary, vehicle_reference

    results = _quick("credit_guarantee")
    assert vehicle_reference(results) == {"guaranteed_book": "unguaranteed_book"}
    line = executive_summary(results, "ja")[0]
    assert line.startswith("信用保証協会の保証（損失の80%")
    plain, held = _senior_row(results, "unguaranteed_book"), _senior_row(results, "guaranteed_book")
    assert f"{plain['expected_loss_pct']:.2%}から{held['expected_loss_pct']:.2%}に下がり" in line


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_shipped_scenario_gets_a_short_summary_in_both_languages(name: str) -> None:
    from finmodel.ui.paper_summary import executive_summary

    results = _quick(name)
    for lang in ("ja", "en"):
        lines = executive_summary(results, lang)
        assert 1 <= len(lines) <= 6, (lang, lines)
        assert all(line.endswith(("。", ".")) for line in lines)
        assert not any("nan" in line.lower() or "{" in line for line in lines)
    assert all(not re.search(r"[A-Za-z_]{4,}", line.replace("IRR", ""))
               for line in executive_summary(results, "ja")), "English left in Japanese"

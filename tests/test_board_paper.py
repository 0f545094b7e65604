"""The board paper: its text layer (what pdftotext, copy and search read), what every page
prints, the key assumptions a board reads first, and the export failing fast without a
browser."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from finmodel import load_scenario, run
from finmodel.results import RunResults
from finmodel.ui.i18n import text

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "finmodel" / "scenarios"
DATE = datetime.date(2026, 3, 31)

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None and shutil.which("google-chrome") is None,
    reason="needs Chromium")


def _quick(name: str) -> RunResults:
    scenario = load_scenario(SHIPPED / f"{name}.yaml")
    vehicles = [v.model_copy(update={"paths": 2_000}) for v in scenario.vehicles]
    update: dict[str, Any] = {"vehicles": vehicles}
    if scenario.simulation is not None:
        update["simulation"] = scenario.simulation.model_copy(update={"replications": 10})
    return run(scenario.model_copy(update=update))


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
        fund: RunResults, renderer: Any, tmp_path: Path) -> None:
    from finmodel.ui.paper import PaperInfo, assumptions, board_paper, headlines

    pdf = board_paper(fund, "ja", renderer, author="経営企画部 山田", date=DATE)
    pages = _pages(pdf, tmp_path)
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
def test_english_paper_text_layer_has_every_number(fund: RunResults, renderer: Any,
                                                   tmp_path: Path) -> None:
    from finmodel.ui.paper import assumptions, board_paper, headlines

    pdf = board_paper(fund, "en", renderer, date=DATE)
    pages = _pages(pdf, tmp_path)
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
        assert rows[-1][0] == text("pap_reproducibility", lang)  # the seed comes last
        assert str(s.seed) in rows[-1][1]
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
    assert time.monotonic() - start < 20
    assert done.returncode == 2
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

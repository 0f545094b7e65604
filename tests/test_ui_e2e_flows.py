"""End to end in Debian's headless Chromium: the planner's flows of issue 13, in Japanese.

One test per flow: the scenario builder (add and remove a provider and a tranche, a refused
change), save and reopen (two versions, history with times), compare with base (the
changed dotted path, old -> new, the headline numbers of both), the downloads of the export
page (chart PNG/SVG/PDF, board paper, Excel), and that the Japanese pages show no raw
snake_case ids where a display name exists. "Apply this design" is covered by
``tests/test_ui_e2e.py``. Every test fails on any console error or page error.

The app runs in this process on 127.0.0.1 with its own cache, workspace and results root.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM, ROOT

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                reason="needs Debian's chromium (.ci/run installs it)")
TABS = ["scenario", "stack", "bundle", "portfolio", "compare", "export"]


@dataclass
class Server:
    url: str
    app: Any
    workspace: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from werkzeug.serving import make_server

    from finmodel.ui.app_factory import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    workspace = tmp_path_factory.mktemp("workspace")
    app = create_app(cache_dir=tmp_path_factory.mktemp("cache"), workspace=workspace,
                     results_root=tmp_path_factory.mktemp("results"))
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{httpd.server_port}/", app, workspace)
    httpd.shutdown()
    app.services.renderer.close()


@pytest.fixture
def page(server: Server, browser: Any) -> Iterator[Any]:
    """A new tab (so a new session with the default scenario) on the scenario page, in
    Japanese, recording console errors and page errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.goto(server.url)
    page.wait_for_selector("#scn-title", state="attached", timeout=30_000)
    settle(page)
    yield page
    context.close()


# -- helpers --------------------------------------------------------------------------------
def settle(page: Any) -> None:
    """Wait until the page's callbacks have answered (no request for half a second): a
    form filled before would be rebuilt, and its values lost, by a late callback."""
    page.wait_for_load_state("networkidle", timeout=30_000)


def field(name: str) -> str:
    """The selector of a builder form's field (a pattern-matching id, as Dash writes it)."""
    return "[id='" + json.dumps({"field": name, "type": "scn-field"},
                                separators=(",", ":")) + "']"


def choose(page: Any, dropdown: str, *values: str) -> None:
    """Pick ``values`` (by value) in a Dash 4 dropdown (one, or several for a multi)."""
    for value in values:
        page.click(dropdown)
        option = page.locator(f".dash-dropdown-option:has(input[value='{value}'])")
        option.first.click(timeout=10_000)
        page.keyboard.press("Escape")
        page.wait_for_timeout(150)


def dropdown_labels(page: Any, dropdown: str) -> list[str]:
    """The labels a Dash 4 dropdown offers (opened, read, closed)."""
    page.click(dropdown)
    page.wait_for_selector(".dash-dropdown-option", timeout=10_000)
    labels = [str(e.inner_text()).strip()
              for e in page.query_selector_all(".dash-dropdown-option")]
    page.keyboard.press("Escape")
    return labels


def wait_in(page: Any, selector: str, needle: str, timeout: float = 30_000) -> None:
    """Wait until ``needle`` is in the text of ``selector``."""
    page.wait_for_function(
        "([s, n]) => { const e = document.querySelector(s); return e && e.innerText.includes(n); }",
        arg=[selector, needle], timeout=timeout)


def wait_not_in(page: Any, selector: str, needle: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([s, n]) => { const e = document.querySelector(s); return e && !e.innerText.includes(n); }",
        arg=[selector, needle], timeout=timeout)


def fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.fill(field(name), value)


def pick_section(page: Any, section: str) -> None:
    """Show the builder's form of ``section`` (the form is rebuilt by a callback)."""
    choose(page, "#scn-section", section)
    first = {"providers": "id", "facilities": "id", "tranches": "name", "pool": "segment"}
    names = {"providers": "annual_budget", "facilities": "budget", "tranches": "coupon",
             "pool": "exposure"}
    page.wait_for_selector(field(first[section]), timeout=10_000)
    page.wait_for_selector(field(names[section]), timeout=10_000)
    settle(page)


def edit_cell(page: Any, table: str, column: str, row: int, value: str) -> None:
    """Type ``value`` into a cell of an editable Dash DataTable."""
    cell = page.locator(f"#{table} td[data-dash-column='{column}']").nth(row)
    cell.click()
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.wait_for_timeout(150)


# -- 1. the scenario builder -----------------------------------------------------------------
def test_builder_adds_and_removes_a_provider_and_a_tranche(page: Any) -> None:
    assert "地方銀行" in page.inner_text("#scn-providers")
    # a provider, from the form
    fill(page, {"id": "city_fund", "name_ja": "市の創業基金", "name": "City start-up fund",
                "annual_budget": "200", "rate": "1", "max_expected_loss": "5"})
    choose(page, field("type"), "municipality")
    choose(page, field("stages"), "early", "middle")
    page.click("#scn-add")
    wait_in(page, "#scn-providers", "市の創業基金")
    wait_in(page, "#scn-message", "市の創業基金 を追加しました")
    providers = page.inner_text("#scn-providers")
    assert "自治体" in providers  # the type's word, not "municipality"
    assert "city_fund" not in providers and "municipality" not in providers
    # a mezzanine tranche funded by it, in the first vehicle: it takes 10% from the senior
    pick_section(page, "tranches")
    fill(page, {"name": "mezzanine", "name_ja": "市のメザニン", "size": "10", "coupon": "1.5"})
    choose(page, field("provider"), "city_fund")
    choose(page, field("kind"), "mezzanine")
    page.click("#scn-add")
    wait_in(page, "#scn-tranches", "市のメザニン")
    rows = [r.inner_text() for r in page.query_selector_all("#scn-tranches tbody tr")]
    mezzanine = next(r for r in rows if "市のメザニン" in r)
    senior = next(r for r in rows if "劣後比率15%" in r and "シニア" in r)
    assert "10" in mezzanine.split("\t") and "75" in senior.split("\t")  # sizes in %
    # a refused change: the provider a tranche still names cannot go; a short message in
    # Japanese says why, and nothing changes
    pick_section(page, "providers")
    choose(page, "#scn-remove-pick", "city_fund")
    page.click("#scn-remove")
    page.wait_for_selector("#scn-message .alert-danger", timeout=20_000)
    message = page.inner_text("#scn-message")
    assert "変更されていません" in message, message
    assert "行目" in message and "provider" in message and "city_fund" in message, message
    assert "pydantic" not in message and "Traceback" not in message
    assert len(message) < 600
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", message)  # in Japanese
    assert "市の創業基金" in page.inner_text("#scn-providers")
    # remove the tranche, then the provider
    pick_section(page, "tranches")
    choose(page, "#scn-remove-pick", "mezzanine")
    page.click("#scn-remove")
    wait_not_in(page, "#scn-tranches", "市のメザニン")
    senior = next(r.inner_text() for r in page.query_selector_all("#scn-tranches tbody tr")
                  if "劣後比率15%" in r.inner_text() and "シニア" in r.inner_text())
    assert "85" in senior.split("\t")
    pick_section(page, "providers")
    choose(page, "#scn-remove-pick", "city_fund")
    page.click("#scn-remove")
    wait_not_in(page, "#scn-providers", "市の創業基金")
    wait_in(page, "#scn-message", "削除しました")
    assert page.console_errors == []


# -- 2. save and reopen ----------------------------------------------------------------------
def test_save_change_save_and_reopen_the_first_version(page: Any, server: Server) -> None:
    name = "県の保証案"
    page.fill("#scn-save-name", name)
    page.click("#scn-save")
    wait_in(page, "#scn-message", "第1版")
    # a change: a provider from the builder
    fill(page, {"id": "prefecture", "name_ja": "県の出資金"})
    choose(page, field("type"), "municipality")
    page.click("#scn-add")
    wait_in(page, "#scn-providers", "県の出資金")
    page.click("#scn-save")
    wait_in(page, "#scn-message", "第2版")
    # on the server: two versions, the second with the change
    folder = server.workspace / name
    assert sorted(p.name for p in folder.glob("v*.yaml")) == ["v0001.yaml", "v0002.yaml"]
    assert "prefecture" not in (folder / "v0001.yaml").read_text(encoding="utf-8")
    assert "prefecture" in (folder / "v0002.yaml").read_text(encoding="utf-8")
    # the history, newest first, with times
    choose(page, "#scn-saved", name)
    page.wait_for_function(
        "document.querySelector('#scn-version-value') && "
        "document.querySelector('#scn-version-value').innerText.includes('第2版')",
        timeout=10_000)
    labels = dropdown_labels(page, "#scn-version")
    assert [label.split("・")[0] for label in labels] == ["第2版", "第1版"], labels
    stamp = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
    assert all(stamp.search(label) for label in labels), labels
    # reopen version 1: the change is gone
    choose(page, "#scn-version", "1")
    page.click("#scn-reopen")
    wait_in(page, "#scn-message", "第1版")
    wait_not_in(page, "#scn-providers", "県の出資金")
    assert "地方銀行" in page.inner_text("#scn-providers")
    assert f"{name}.yaml" in page.inner_text("#scn-title")
    assert page.console_errors == []


# -- 3. compare with base --------------------------------------------------------------------
def test_compare_with_base_lists_the_change_and_both_headlines(page: Any) -> None:
    # the subordinated tranche from 15% to 20% (the senior from 85% to 80%), in the table
    edit_cell(page, "scn-tranches", "size", 0, "20")
    edit_cell(page, "scn-tranches", "size", 1, "80")
    page.click("#scn-apply")
    wait_in(page, "#scn-title", "編集あり")
    page.click("#scn-compare")
    page.wait_for_selector("#scn-headline-changes", timeout=60_000)
    changes = [r.inner_text().split("\t")
               for r in page.query_selector_all("#scn-changes tbody tr:has(td)")]
    changes = [[c.strip() for c in r] for r in changes if any(c.strip() for c in r)]
    paths = {r[0].split("（")[0]: r[1:] for r in changes}
    size = "vehicles.subordinated_fund.tranches.subordinated.size"
    assert paths[size] == ["15%", "20%"], changes
    assert paths["vehicles.subordinated_fund.tranches.senior.size"] == ["85%", "80%"]
    assert len(paths) == 2  # nothing else changed
    assert any("（" in r[0] for r in changes)  # the field's Japanese name beside the path
    headlines = [[c.strip() for c in r.inner_text().split("\t")]
                 for r in page.query_selector_all("#scn-headline-changes tbody tr:has(td)")]
    headlines = [r for r in headlines if any(r)]
    # the senior's expected loss in the subordinated fund falls when the cushion grows;
    # the vehicle without subordination does not change
    senior = next(r for r in headlines if "劣後比率15%" in r[0] and "期待損失率" in r[0])
    base, now = (float(v.rstrip("%")) for v in senior[1:3])
    assert now < base and senior[3].startswith("-") and senior[3].endswith("pt"), senior
    other = next(r for r in headlines if "劣後なし" in r[0] and "期待損失率" in r[0])
    assert other[1] == other[2] and other[3] in ("+0.00 pt", "-0.00 pt", "0.00 pt"), other
    assert page.console_errors == []


# -- 5. downloads ----------------------------------------------------------------------------
def test_downloads_of_charts_paper_and_workbook(page: Any, server: Server) -> None:
    from openpyxl import load_workbook

    from finmodel.scenario.loader import load_scenario
    from finmodel.ui.workbook import sheet_name

    page.click("#tab-export")
    page.wait_for_selector("#exp-chart-go", timeout=10_000)
    magic = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<svg", "pdf": b"%PDF"}
    for fmt, start in magic.items():
        page.click(f"#exp-format input[value={fmt}]")
        with page.expect_download(timeout=90_000) as info:
            page.click("#exp-chart-go")
        assert info.value.suggested_filename.endswith(f".{fmt}")
        data = Path(info.value.path()).read_bytes()
        if fmt == "svg":
            data = data.lstrip()
            data = data[data.index(b"<svg"):] if b"<svg" in data[:400] else data
        assert data.startswith(start), (fmt, data[:40])
    with page.expect_download(timeout=120_000) as info:
        page.click("#exp-paper-go")
    assert info.value.suggested_filename == "board_paper_ja.pdf"
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download(timeout=60_000) as info:
        page.click("#exp-xlsx-go")
    assert info.value.suggested_filename.endswith(".xlsx")
    xlsx = Path(info.value.path()).read_bytes()
    assert xlsx.startswith(b"PK") and "xl/workbook.xml" in zipfile.ZipFile(
        io.BytesIO(xlsx)).namelist()
    book = load_workbook(io.BytesIO(xlsx))
    # one sheet per table of the session's run, rows as many as the table's
    scenario = load_scenario(ROOT / "scenarios" / "dormant_deposit_fund.yaml")
    tables = server.app.services.cache.get_or_run(scenario).tables()
    assert book.sheetnames == [sheet_name(t, "ja") for t in tables]
    for table, data in tables.items():
        sheet = book[sheet_name(table, "ja")]
        assert sheet.max_row == len(data) + 1, table
        assert sheet.max_column == len(data.columns), table
        # the numbers are the table's, as numbers (checked on the first row)
        first = [c.value for c in sheet[2]] if len(data) else []
        for value, cell in zip(data.iloc[0] if len(data) else [], first, strict=True):
            if isinstance(value, float) and math.isfinite(value):
                assert cell == pytest.approx(value, rel=1e-12, abs=1e-12), (table, cell)
    assert page.console_errors == []


# -- 6. no raw ids in Japanese ---------------------------------------------------------------
#: snake_case tokens allowed on a Japanese page, each with why:
ALLOWED = {
    # the scenario's own file name in the title ("ファイル dormant_deposit_fund.yaml") and in
    # the download name: a file name is what the user finds on disk
    r".*\.ya?ml",
    # the default name of the Excel download, shown nowhere but allowed for the same reason
    r".*_tables_(ja|en)\.xlsx",
}
SNAKE = re.compile(r"[A-Za-z0-9.\-]*[a-z]+_[a-z_]+[A-Za-z0-9.\-]*")


def allowed(token: str) -> bool:
    return any(re.fullmatch(pattern, token) for pattern in ALLOWED)


def raw_ids(shown: str, ids: set[str]) -> set[str]:
    """The ids in ``ids`` and the snake_case tokens not allowed that ``shown`` contains."""
    raw = {i for i in ids if re.search(rf"(?<![\w.]){re.escape(i)}(?![\w.])", shown)}
    return raw | {t for t in SNAKE.findall(shown) if not allowed(t)}


def test_the_raw_id_check_can_fail() -> None:
    # what the issue found (a provider id in the Sankey, a field as a header, a value), and
    # what is allowed (the file name)
    shown = "chiho_bank\n資金提供者 annual_budget 人・しごと people_and_work\n" \
            "ファイル dormant_deposit_fund.yaml · 休眠預金等活用ファンド dormant_fund"
    assert raw_ids(shown, {"chiho_bank", "dormant_fund", "dormant"}) == {
        "chiho_bank", "annual_budget", "people_and_work", "dormant_fund"}


def wait_for_runs(page: Any, timeout: float = 90.0) -> None:
    """Wait until no background run of the page is busy (a run button disabled or the
    design spinner shown)."""
    deadline = time.time() + timeout
    page.wait_for_timeout(1200)
    while time.time() < deadline:
        busy = page.evaluate(
            "() => [...document.querySelectorAll('#bdl-run,#pfl-run,#stk-run,#cmp-run')]"
            ".some(b => b.disabled) || (document.querySelector('#stk-design-spinner') && "
            "document.querySelector('#stk-design-spinner').style.display !== 'none') || "
            "document.querySelector('[data-dash-is-loading=\"true\"]') !== null")
        if not busy:
            return
        page.wait_for_timeout(500)


@pytest.mark.parametrize("name", ["dormant_deposit_fund", "bundle_policy_shock"])
def test_japanese_pages_show_no_raw_ids(page: Any, name: str) -> None:
    from finmodel.names import display_name
    from finmodel.scenario.loader import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    ids = {item.id for group in (scenario.providers, scenario.vehicles, scenario.facilities)
           for item in group if display_name(item, "ja") != item.id}
    if f"{name}.yaml" != "dormant_deposit_fund.yaml":
        choose(page, "#scn-pick", f"{name}.yaml")
        wait_in(page, "#scn-title", f"{name}.yaml")
    found: dict[str, set[str]] = {}
    for tab in TABS:
        page.click(f"#tab-{tab}")
        wait_for_runs(page)
        # the scenario's English name is shown on purpose beside its Japanese title (it
        # names the file's scenario); its words may be ids ("prefecture")
        shown = str(page.evaluate("document.body.innerText")).replace(scenario.name, "")
        if raw := raw_ids(shown, ids):
            found[tab] = raw
    assert found == {}, found
    assert page.console_errors == []

"""End to end in a real headless Chromium (Debian's): pages, uploads, sliders, language,
downloads. The app runs in this process on 127.0.0.1 with its own cache."""

from __future__ import annotations

import io
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM, ROOT

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                reason="needs Debian's chromium (.ci/run installs it)")
PAGES = ["scenario", "stack", "bundle", "portfolio", "compare", "export"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from werkzeug.serving import make_server

    from finmodel.ui.app_factory import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(cache_dir=tmp_path_factory.mktemp("cache"))
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    app.services.renderer.close()  # type: ignore[attr-defined]


@pytest.fixture
def page(server: str, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.goto(server)
    page.wait_for_selector("#scn-title", state="attached", timeout=30_000)
    yield page
    context.close()


def wait_text(page: Any, selector: str, timeout: float = 30.0) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        element = page.query_selector(selector)
        if element is not None and element.inner_text().strip():
            return str(element.inner_text())
        time.sleep(0.2)
    raise AssertionError(f"{selector} stayed empty")


def test_every_page_loads_without_console_errors(page: Any) -> None:
    for name in PAGES:
        page.click(f"#tab-{name}")
        page.wait_for_timeout(2500)
    page.click("#tab-stack")
    wait_text(page, "#stk-numbers")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_upload_good_then_bad_scenario(page: Any, tmp_path: Path) -> None:
    good = ROOT / "scenarios" / "credit_guarantee.yaml"
    page.set_input_files("#scn-upload input[type=file]", str(good))
    # the page is in Japanese: the title shows the scenario's Japanese name
    page.wait_for_function("document.querySelector('#scn-title').innerText.includes('信用保証付き')",
                           timeout=20_000)
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("rate: 0.8", "rate: 1.8", 1))
    page.set_input_files("#scn-upload input[type=file]", str(bad))
    page.wait_for_function("document.querySelector('#scn-message').innerText.includes('bad.yaml')",
                           timeout=20_000)
    message = page.inner_text("#scn-message")
    # in the reader's language, still naming the file, the line and the field
    assert "vehicles[0].guarantees[0].rate" in message and "行目" in message
    assert "pydantic" not in message
    # Nothing else changed: the good scenario is still the one shown.
    assert "信用保証付き" in page.inner_text("#scn-title")
    page.click("#tab-stack")
    wait_text(page, "#stk-numbers")
    assert "保証付き" in page.inner_text("#stk-vehicle")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_moving_a_slider_changes_the_numbers(page: Any) -> None:
    page.click("#tab-stack")
    before = wait_text(page, "#stk-numbers")
    # The smallest first loss comes from a background callback, once, for the target.
    page.wait_for_function(
        "document.querySelector('#stk-design-value').innerText.includes('%')", timeout=60_000)
    assert page.text_content("#stk-irr .gtitle") and page.text_content("#stk-cashflows .gtitle")
    page.focus("#stk-fl [role=slider]")
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    deadline = time.time() + 20
    after = before
    while after == before and time.time() < deadline:
        time.sleep(0.3)
        after = page.inner_text("#stk-numbers")
    assert after != before
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_switching_language(page: Any) -> None:
    assert "資本構成" in page.inner_text("#page")
    page.click("#lang input[value=en]")
    page.wait_for_function("document.querySelector('#page').innerText.includes('Capital stack')",
                           timeout=10_000)
    page.click("#lang input[value=ja]")
    page.wait_for_function("document.querySelector('#page').innerText.includes('資本構成')",
                           timeout=10_000)
    page.click("#tab-stack")
    assert "期待損失" in wait_text(page, "#stk-numbers")


def test_download_chart_and_board_paper(page: Any) -> None:
    from pypdf import PdfReader

    page.click("#tab-export")
    page.wait_for_selector("#exp-chart-go", timeout=10_000)
    with page.expect_download(timeout=60_000) as info:
        page.click("#exp-chart-go")
    png = Path(info.value.path()).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with page.expect_download(timeout=120_000) as info:
        page.click("#exp-paper-go")
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 + 5  # title page, then ten charts (two vehicles) two to a page
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert abs(width - 595) < 3 and abs(height - 842) < 3  # A4 in points
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_bundle_designer_validates_and_applies_a_design(page: Any) -> None:
    shock = ROOT / "scenarios" / "bundle_policy_shock.yaml"
    page.set_input_files("#scn-upload input[type=file]", str(shock))
    page.wait_for_function("document.querySelector('#scn-title').innerText.includes('policy shock')",
                           timeout=20_000)
    page.click("#tab-bundle")
    # The simulation runs when the page opens: the gap chart shows the credit cycle, in Japanese.
    page.wait_for_function(
        "document.querySelector('#bdl-years .gtitle') && "
        "document.querySelector('#bdl-years .gtitle').textContent.includes('信用サイクル')",
        timeout=60_000)
    legend = " ".join(e.text_content() for e in page.query_selector_all("#bdl-years .legendtext"))
    assert "潜在資金需要" in legend and "デフォルト率" in legend
    assert "失われた企業" in page.text_content("#bdl-handoffs .gtitle")
    assert page.inner_text("#bdl-apply-message") == ""  # nothing fires when the page appears
    started = time.time()
    page.click("#bdl-design")
    page.wait_for_function("document.querySelectorAll('#bdl-designs tbody tr td').length > 3",
                           timeout=120_000)
    assert time.time() - started < 60
    table = page.inner_text("#bdl-designs")
    assert "検証用" in table and "下側信頼限界" in table and "±" in table
    # A change of language rebuilds the page; the designs stay, now in English.
    page.click("#lang input[value=en]")
    page.wait_for_function(
        "document.querySelector('#bdl-designs') && "
        "document.querySelector('#bdl-designs').innerText.includes('Share closed, validation')",
        timeout=30_000)
    page.click("#bdl-designs tbody input[type=radio] >> nth=0")
    cells = page.inner_text("#bdl-designs tbody tr:has(input:checked)").split("\t")
    chosen = next(c.strip() for c in cells if c.strip())  # the design's name
    page.click("#bdl-apply")
    page.wait_for_selector("#bdl-applied", timeout=30_000)
    applied = page.inner_text("#bdl-applied")
    assert applied.startswith("Applied:") and chosen in applied
    # The designs were for the scenario before; the session's scenario is now the designed one.
    page.wait_for_function("document.querySelectorAll('#bdl-designs tbody tr td').length == 0",
                           timeout=10_000)
    page.click("#tab-scenario")
    page.wait_for_function(
        "document.querySelector('#scn-title') && "
        "document.querySelector('#scn-title').innerText.includes('bundle_policy_shock_designed')",
        timeout=20_000)
    assert page.console_errors == []  # type: ignore[attr-defined]

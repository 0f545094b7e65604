"""One headless Chromium per process that draws charts to PNG, SVG or PDF (Kaleido 1).

Kaleido 1 drives a Chromium found by choreographer: the ``BROWSER_PATH`` environment
variable when it is set (taken as it is, even when nothing is there), else a browser
downloaded by ``kaleido_get_chrome``, else ``chrome``/``chromium``/... on ``PATH`` and
their usual install paths. Kaleido's own synchronous server starts the browser in a
background thread: when the browser is missing the error stays in that thread and the
caller waits forever, and its message says to download Chrome, which a bank's offline
machine cannot. So :class:`Renderer` looks for the browser itself first (a missing one
raises :class:`BrowserMissing` at once, with a message in the reader's language that says
how to install it offline), runs Kaleido on its own event loop in its own thread, and
puts a time limit on starting the browser and on every render (:class:`RenderTimeout`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

FORMATS = ("png", "svg", "pdf")
#: Seconds to wait for the browser to start, and for one figure to render.
START_TIMEOUT_S = 60.0
RENDER_TIMEOUT_S = 120.0


class ExportError(RuntimeError):
    """A chart or paper could not be drawn; :meth:`message` says why in ``en`` or ``ja``."""

    def message(self, lang: str) -> str:  # pragma: no cover - overridden
        return str(self)


class BrowserMissing(ExportError):
    """No Chromium to draw with: at ``BROWSER_PATH`` (when set) or anywhere choreographer
    looks."""

    def __init__(self, browser_path: str | None) -> None:
        self.browser_path = browser_path
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        from finmodel.ui.i18n import text

        where = (text("pap_no_browser_at", lang).format(path=self.browser_path)
                 if self.browser_path else text("pap_no_browser_anywhere", lang))
        return f"{where} {text('pap_install_browser', lang)}"


class RenderTimeout(ExportError):
    """The browser did not start, or did not draw a figure, in time."""

    def __init__(self, what: str, seconds: float) -> None:
        self.what, self.seconds = what, seconds
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        from finmodel.ui.i18n import text

        return text("pap_render_timeout", lang).format(what=self.what, seconds=f"{self.seconds:g}")


def _is_browser(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def find_browser() -> str:
    """The Chromium Kaleido would use, as a path.

    Raises:
        BrowserMissing: ``BROWSER_PATH`` is set and is not an executable file, or it is
            not set and choreographer finds no Chromium-based browser.
    """
    explicit = os.environ.get("BROWSER_PATH")
    if explicit is not None:
        if not _is_browser(explicit):
            raise BrowserMissing(explicit)
        return explicit
    from choreographer.browsers.chromium import Chromium

    found = Chromium.find_browser(skip_local=False)
    if not found or not _is_browser(found):
        raise BrowserMissing(None)
    return found


class Renderer:
    """Renders figures with one browser for the whole process, started on first use.

    Thread safe: the app's callbacks share one renderer; renders take turns.
    """

    def __init__(self, start_timeout_s: float = START_TIMEOUT_S,
                 render_timeout_s: float = RENDER_TIMEOUT_S) -> None:
        self.start_timeout_s = start_timeout_s
        self.render_timeout_s = render_timeout_s
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None

    def _run(self, coroutine: Any, timeout: float, what: str) -> Any:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()
            self._stop(graceful=False)
            raise RenderTimeout(what, timeout) from None

    def _start(self) -> None:
        """Start the browser (the caller holds the lock)."""
        if self._kaleido is not None:
            return
        path = find_browser()  # fails fast, before any thread or process starts
        import kaleido

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="finmodel-renderer", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread

        async def open_browser() -> Any:
            # mathjax=False: no CDN fetch (the app must work offline).
            k = kaleido.Kaleido(path=path, mathjax=False, timeout=self.render_timeout_s)
            self._kaleido = k  # known before it opens: a start that hangs can be killed
            await k.open()
            return k

        try:
            self._run(open_browser(), self.start_timeout_s, "browser start")
        except BaseException:
            self._stop(graceful=False)
            raise

    def render(self, fig: go.Figure, fmt: str, width: int = 1000, height: int = 600) -> bytes:
        """The figure as ``fmt`` bytes.

        Raises:
            BrowserMissing: there is no browser to draw with.
            RenderTimeout: the browser did not start or draw in time.
        """
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})")
        with self._lock:
            self._start()
            coroutine = self._kaleido.calc_fig(
                fig, opts={"format": fmt, "width": width, "height": height})
            return bytes(self._run(coroutine, self.render_timeout_s, "render"))

    def _stop(self, graceful: bool) -> None:
        loop, kaleido_, thread = self._loop, self._kaleido, self._thread
        self._loop, self._kaleido, self._thread = None, None, None
        if loop is None:
            return
        if kaleido_ is not None and graceful:
            with contextlib.suppress(Exception):  # closing is best effort
                asyncio.run_coroutine_threadsafe(kaleido_.close(), loop).result(
                    timeout=self.start_timeout_s)
        elif kaleido_ is not None:  # a hung browser: end its process
            kill = getattr(getattr(kaleido_, "subprocess", None), "kill", None)
            if callable(kill):
                with contextlib.suppress(OSError):
                    kill()
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=5)

    def close(self) -> None:
        """Stop the browser (a later render starts it again)."""
        with self._lock:
            self._stop(graceful=True)

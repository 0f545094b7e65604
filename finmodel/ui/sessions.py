"""The app's run state, held on the server: one :class:`Session` per browser tab.

The browser keeps only ``{"session": id, "version": n}`` (a session store); the scenario's
text, its parsed and compiled form live here, so a callback looks its scenario up instead
of parsing YAML sent with every request. :class:`Sessions` is the one owner of that
state: bounded (the least recently used session goes first), expiring (a session idle
longer than ``idle_seconds`` starts again from the default scenario), and replaced whole
on every change (a :class:`Session` is immutable), so callbacks on other threads never
see half a change.

No lock: background jobs are forked from the threaded server, and a lock held by another
thread at the fork would stay held in the child forever. Every dict operation used here
is atomic; a forked job sees the sessions as they were when it started.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from finmodel.compiled import Compiled, compile_scenario
from finmodel.cost import APP_LIMITS, check_cost
from finmodel.scenario.loader import parse_scenario
from finmodel.scenario.model import Scenario

#: Sessions kept per app, and how long an idle one is kept.
SESSIONS_KEPT = 256
IDLE_SECONDS = 12 * 3600.0


@dataclass(frozen=True)
class Session:
    """One browser tab's scenario: the file's name and text, parsed and compiled.

    Attributes:
        id: the session id the browser holds.
        version: counts the changes (the browser's store changes with it, which is what
            tells the pages to redraw).
        name: the scenario's file name.
        text: the YAML text (what a download gives back, comments and all).
        compiled: the validated scenario, compiled (``compiled.scenario`` is the model).
        base_name, base_text: the scenario the session started from (the shipped
            scenario picked, the file uploaded, the saved version reopened): what
            "compare with base" compares with. Edits keep it; empty means the scenario
            itself is the base.
    """

    id: str
    version: int
    name: str
    text: str
    compiled: Compiled
    base_name: str = ""
    base_text: str = ""

    @property
    def scenario(self) -> Scenario:
        return self.compiled.scenario

    @property
    def base(self) -> tuple[str, str]:
        """(name, text) of the scenario the session started from."""
        return (self.base_name, self.base_text) if self.base_text else (self.name, self.text)

    @property
    def edited(self) -> bool:
        """Whether the scenario differs from its base."""
        return self.base[1] != self.text

    @property
    def store(self) -> dict[str, Any]:
        """What the browser keeps of this session."""
        return {"session": self.id, "version": self.version}


def new_session_id() -> str:
    """A fresh, unguessable session id."""
    return secrets.token_urlsafe(16)


class Sessions:
    """Every browser tab's session (see module docstring)."""

    def __init__(self, default: Callable[[], tuple[str, str]], kept: int = SESSIONS_KEPT,
                 idle_seconds: float = IDLE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``default()`` gives (name, text) of the scenario a new session starts with."""
        self._default = default
        self._kept = kept
        self._idle = idle_seconds
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._seen: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, store: Mapping[str, Any] | None) -> Session:
        """The session of a browser's store; a new one (default scenario) when the store
        has none, or its session expired or was dropped. A store from before sessions
        (``{"name", "text"}``) becomes a session with that text."""
        store = store or {}
        sid = str(store.get("session") or new_session_id())
        now = self._clock()
        found = self._sessions.get(sid)
        if found is not None and now - self._seen.get(sid, now) <= self._idle:
            self._seen[sid] = now
            return found
        if "text" in store and "name" in store:
            try:
                return self.put(sid, str(store["name"]), str(store["text"]))
            except ValueError:
                pass  # an old store that no longer validates: the default instead
        name, text = self._default()
        return self.put(sid, name, text, base=True)

    def put(self, sid: str, name: str, text: str, base: bool = False) -> Session:
        """Give session ``sid`` a new scenario text (validated, its cost checked against
        the app's limits, and compiled first). With ``base`` (a scenario picked, uploaded
        or reopened) it is also the session's new base; else the base is kept.

        Raises:
            ScenarioError: the text is not a valid scenario, or would cost more than the
                app allows (the session is unchanged).
        """
        scenario = parse_scenario(text, name)
        check_cost(scenario, APP_LIMITS, name, raisable=False)  # the app's limits are fixed
        compiled = compile_scenario(scenario)
        old = self._sessions.get(sid)
        base_name, base_text = (name, text) if base or old is None else old.base
        session = Session(sid, (old.version + 1) if old is not None else 0, name, text,
                          compiled, base_name, base_text)
        self._sessions[sid] = session
        self._seen[sid] = self._clock()
        self._trim()
        return session

    def change(self, store: Mapping[str, Any] | None, name: str, text: str,
               base: bool = False) -> dict[str, Any]:
        """Set the scenario of the store's session (with ``base``, also its base); the
        browser's new store.

        Raises:
            ScenarioError: the text is not a valid scenario (nothing changes).
        """
        return self.put(self.get(store).id, name, text, base).store

    def _trim(self) -> None:
        """Drop expired sessions, then the least recently seen beyond the bound."""
        now = self._clock()
        seen = sorted(list(self._seen.items()), key=lambda item: item[1])
        excess = len(seen) - self._kept
        for n, (sid, when) in enumerate(seen):
            if n >= excess and now - when <= self._idle:
                break
            self._sessions.pop(sid, None)
            self._seen.pop(sid, None)

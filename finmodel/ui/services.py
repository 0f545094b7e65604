"""What the pages share within one app: the results cache, the renderer, the scenarios.

One :class:`Services` is made by ``create_app``; nothing here is module-level state, so
two apps in one process (as in the tests) never touch each other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from finmodel.ui.export import Renderer
from finmodel.ui.state import ResultsCache, parse_text, trim_oldest

#: Parsed scenarios kept per app (each is a frozen model, safe to share between callbacks).
PARSED_KEPT = 64


@dataclass
class Services:
    cache: ResultsCache
    renderer: Renderer
    scenarios: dict[str, Path]
    default: str
    _parsed: dict[str, Scenario] = field(default_factory=dict, repr=False)

    def default_store(self) -> dict[str, str]:
        path = self.scenarios[self.default]
        return {"name": self.default, "text": path.read_text(encoding="utf-8")}

    def scenario(self, store: dict[str, str]) -> Scenario:
        """The validated scenario of a browser's store, parsed once per text (callbacks
        ask for it on every slider move). A bounded cache, oldest out (see
        :func:`~finmodel.ui.state.trim_oldest`); a race costs at most a second parse."""
        key = hashlib.sha256(f"{store['name']}\0{store['text']}".encode()).hexdigest()
        found = self._parsed.get(key)
        if found is not None:
            return found
        scenario = parse_text(store["text"], store["name"])  # raises ScenarioError: not kept
        self._parsed[key] = scenario
        trim_oldest(self._parsed, PARSED_KEPT)
        return scenario

    def results(self, store: dict[str, str], progress=None) -> RunResults:
        return self.cache.get_or_run(self.scenario(store), progress)

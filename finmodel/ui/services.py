"""What the pages share within one app: the results cache, the renderer, the scenarios.

One :class:`Services` is made by ``create_app``; nothing here is module-level state, so
two apps in one process (as in the tests) never touch each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from finmodel.ui.export import Renderer
from finmodel.ui.state import ResultsCache, parse_text


@dataclass
class Services:
    cache: ResultsCache
    renderer: Renderer
    scenarios: dict[str, Path]
    default: str

    def default_store(self) -> dict[str, str]:
        path = self.scenarios[self.default]
        return {"name": self.default, "text": path.read_text(encoding="utf-8")}

    def scenario(self, store: dict[str, str]) -> Scenario:
        return parse_text(store["text"], store["name"])

    def results(self, store: dict[str, str], progress=None) -> RunResults:
        return self.cache.get_or_run(self.scenario(store), progress)

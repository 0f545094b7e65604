"""What the pages share within one app: the sessions, the results cache, the renderer,
the shipped scenarios, the workspace of saved scenarios.

One :class:`Services` is made by ``create_app``; nothing here is module-level state, so
two apps in one process (as in the tests) never touch each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finmodel.results import RunResults
from finmodel.scenario.model import Scenario
from finmodel.ui.export import Renderer
from finmodel.ui.jobs import Jobs
from finmodel.ui.sessions import Session, Sessions
from finmodel.ui.state import ResultsCache
from finmodel.ui.workspace import Workspace, default_workspace


@dataclass
class Services:
    cache: ResultsCache
    renderer: Renderer
    scenarios: dict[str, Path]
    default: str
    results_root: Path = field(default_factory=Path.cwd)
    jobs: Jobs = field(default_factory=Jobs)
    workspace: Workspace = field(default_factory=lambda: Workspace(default_workspace()))
    sessions: Sessions = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.sessions = Sessions(self.default_scenario)

    def default_scenario(self) -> tuple[str, str]:
        """(name, text) of the scenario a new session starts with."""
        return self.default, self.scenarios[self.default].read_text(encoding="utf-8")

    def session(self, store: Mapping[str, Any] | None) -> Session:
        """The browser store's session (see :class:`~finmodel.ui.sessions.Sessions`)."""
        return self.sessions.get(store)

    def start_job(self, store: Mapping[str, Any] | None) -> bool:
        """Begin a background job for the browser's session (see :class:`Jobs`): False
        when the server is too busy to run it."""
        return self.jobs.start(self.session(store).id)

    def scenario(self, store: Mapping[str, Any] | None) -> Scenario:
        """The validated scenario of a browser's session."""
        return self.session(store).scenario

    def results_folder(self, folder: str) -> Path:
        """A batch results folder the compare page may read: ``folder`` (relative to the
        results root, or absolute) must lie under the root given at start-up.

        Raises:
            PermissionError: the folder is outside the root (``..`` included).
        """
        root = self.results_root.resolve()
        target = (root / folder).resolve()
        if not target.is_relative_to(root):
            raise PermissionError(f"{folder}: the app reads results only under {root} "
                                  "(start it with --results-root to choose another folder)")
        return target

    def results(self, store: Mapping[str, Any] | None,
                progress: Callable[[int, int], None] | None = None) -> RunResults:
        return self.cache.get_or_run(self.scenario(store), progress)

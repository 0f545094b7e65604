"""Named scenarios saved on the server, with their history, and what changed since a base.

A workspace is a folder (``finmodel app --workspace DIR``; by default
``$FINMODEL_WORKSPACE``, else ``$XDG_DATA_HOME/finmodel/workspace``, i.e.
``~/.local/share/finmodel/workspace``) with one folder per saved name; every save is a new
numbered version, never overwriting an older one::

    workspace/
      県の保証案/
        v0001.yaml   the scenario's text, exactly as saved (comments and all)
        v0001.json   {"version": 1, "name": "県の保証案", "saved": "2025-...Z", "source": ...}
        v0002.yaml ...

Names are sanitised to one folder name (letters of any script, digits, ``-`` and ``_``;
nothing that could leave the folder: ``..``, slashes and leading dots are refused).
Each file is written atomically (:mod:`finmodel.io`), the metadata first, so a version
whose text is listed always has its time; a version number is claimed with an exclusive
create, so two saves at once never take the same number. Nothing is kept in memory: a new
app on the same folder sees every save.

:func:`scenario_differences` lists what changed between two scenarios (the session's base
and its current scenario) as dotted paths, old -> new.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from finmodel.io import write_text_atomic
from finmodel.scenario.changes import scenario_data
from finmodel.scenario.model import Scenario
from finmodel.scenario.source import MAX_SCENARIO_BYTES

#: Longest saved name (characters of the folder name).
MAX_NAME = 64
_VERSION = re.compile(r"^v(\d{4,})\.yaml$")


def default_workspace() -> Path:
    """Where saved scenarios go unless told otherwise: ``$FINMODEL_WORKSPACE``, else
    ``$XDG_DATA_HOME/finmodel/workspace`` (``~/.local/share/finmodel/workspace``)."""
    if os.environ.get("FINMODEL_WORKSPACE"):
        return Path(os.environ["FINMODEL_WORKSPACE"])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "finmodel" / "workspace"


def safe_name(name: str) -> str:
    """The folder name for a saved scenario's name: letters (any script), digits, ``-`` and
    ``_``; runs of anything else become one ``_``; at most :data:`MAX_NAME` characters.

    Raises:
        ValueError: nothing usable is left (an empty name, ``..``, only punctuation).
    """
    cleaned = unicodedata.normalize("NFC", str(name)).strip()
    cleaned = re.sub(r"[^\w\-]+", "_", cleaned).strip("_-.")[:MAX_NAME].strip("_-.")
    if not cleaned or set(cleaned) <= {"_", "-", "."}:
        raise ValueError(f"{name!r} is not a usable name: use letters, digits, '-' or '_'")
    return cleaned


@dataclass(frozen=True)
class SavedVersion:
    """One saved version of a named scenario."""

    name: str  # the folder name (see safe_name)
    version: int
    saved: str  # ISO 8601 time, UTC
    source: str  # the file name it was saved from
    path: Path  # its YAML file

    @property
    def saved_local(self) -> str:
        """When it was saved, in the server's local time: ``2025-04-01 14:05``."""
        try:
            when = datetime.fromisoformat(self.saved)
        except ValueError:
            return self.saved
        return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")

    @property
    def file_name(self) -> str:
        """The name the session gets when this version is reopened."""
        return f"{self.name}.yaml"


class Workspace:
    """The saved scenarios in one folder (see module docstring)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _folder(self, name: str) -> Path:
        folder = (self.root / safe_name(name)).resolve()
        if folder.parent != self.root.resolve():  # never outside the workspace
            raise ValueError(f"{name!r} is not a usable name")
        return folder

    def save(self, name: str, text: str, source: str = "") -> SavedVersion:
        """Save ``text`` as a new version of ``name``.

        Raises:
            ValueError: the name is not usable, or the text is over the scenario size limit.
        """
        if len(text) > MAX_SCENARIO_BYTES:
            raise ValueError("the scenario is too large to save")
        folder = self._folder(name)
        folder.mkdir(parents=True, exist_ok=True)
        version = self._claim(folder)
        saved = datetime.now(UTC).isoformat(timespec="seconds")
        meta = {"version": version, "name": folder.name, "saved": saved, "source": source}
        write_text_atomic(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                          folder / f"v{version:04d}.json")
        path = write_text_atomic(text, folder / f"v{version:04d}.yaml")
        return SavedVersion(folder.name, version, saved, source, path)

    @staticmethod
    def _claim(folder: Path) -> int:
        """The next version number, claimed by creating its metadata file exclusively."""
        taken = [int(m.group(1)) for p in folder.iterdir()
                 if (m := re.match(r"^v(\d{4,})\.(?:yaml|json)$", p.name))]
        version = max(taken, default=0) + 1
        while True:
            try:
                fd = os.open(folder / f"v{version:04d}.json",
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                version += 1
                continue
            os.close(fd)
            return version

    def history(self, name: str) -> list[SavedVersion]:
        """Every saved version of ``name``, newest first (none when it was never saved)."""
        folder = self._folder(name)
        if not folder.is_dir():
            return []
        versions = []
        for path in folder.iterdir():
            found = _VERSION.match(path.name)
            if not found:
                continue
            version = int(found.group(1))
            try:
                meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                meta = {}
            versions.append(SavedVersion(folder.name, version, str(meta.get("saved", "")),
                                         str(meta.get("source", "")), path))
        return sorted(versions, key=lambda v: v.version, reverse=True)

    def names(self) -> list[SavedVersion]:
        """The latest version of every saved name, most recently saved first."""
        if not self.root.is_dir():
            return []
        latest = []
        for folder in self.root.iterdir():
            if folder.is_dir() and not folder.name.startswith("."):
                try:
                    versions = self.history(folder.name)
                except ValueError:
                    continue
                if versions:
                    latest.append(versions[0])
        return sorted(latest, key=lambda v: (v.saved, v.name), reverse=True)

    def read(self, name: str, version: int | None = None) -> tuple[SavedVersion, str]:
        """A saved version (the latest when ``version`` is None) and its text.

        Raises:
            KeyError: no such name or version.
            ValueError: the name is not usable.
        """
        versions = self.history(name)
        chosen = next((v for v in versions if version is None or v.version == version), None)
        if chosen is None:
            raise KeyError(f"{name} v{version}" if version is not None else name)
        return chosen, chosen.path.read_text(encoding="utf-8")


# -- what changed since the base ---------------------------------------------------------------
_ITEM_KEYS = ("id", "name", "segment", "indicator")


def _item_key(item: Any, index: int) -> str:
    if isinstance(item, dict):
        for key in _ITEM_KEYS:
            if isinstance(item.get(key), str):
                return item[key]
    return str(index)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def _walk(before: Any, after: Any, path: str, out: list[tuple[str, Any, Any]]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            where = f"{path}.{key}" if path else str(key)
            _walk(before.get(key), after.get(key), where, out)
        return
    if isinstance(before, list) and isinstance(after, list) \
            and all(isinstance(x, dict) for x in before + after):
        old = {_item_key(x, k): x for k, x in enumerate(before)}
        new = {_item_key(x, k): x for k, x in enumerate(after)}
        for key in list(old) + [k for k in new if k not in old]:
            where = f"{path}.{key}"
            if key not in new:
                out.append((where, "(item)", None))
            elif key not in old:
                out.append((where, None, "(item)"))
            else:
                _walk(old[key], new[key], where, out)
        return
    if not _same(before, after):
        out.append((path, before, after))


def scenario_differences(base: Scenario, current: Scenario) -> list[tuple[str, Any, Any]]:
    """What changed from ``base`` to ``current``: (dotted path, old, new), in the file's
    order; list items are named by their id, name or segment as in ``with_changes``; an
    added item has old None and new ``"(item)"``, a removed one the reverse."""
    out: list[tuple[str, Any, Any]] = []
    _walk(scenario_data(base), scenario_data(current), "", out)
    return out

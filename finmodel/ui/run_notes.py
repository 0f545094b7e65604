"""A run that outlives its page: the background job notes how far it is in a small file,
and a page opened again (after a change of tab) follows the run instead of starting it
anew. One note format and one set of functions for every page that runs in the
background.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import psutil

from finmodel.ui.jobs import job_processes


@dataclass(frozen=True)
class RunNote:
    """What a running job tells the pages: its process, its scenario and how far it is.

    Attributes:
        pid, created: the job's process and its start time (a pid can be reused).
        done, total: steps finished and steps in all.
        started: wall-clock time the run began; updated: of its last step.
        scenario: hash of the scenario it runs ("" when the note's place says it).
    """

    pid: int
    created: float
    done: int
    total: int
    started: float
    updated: float = 0.0
    scenario: str = ""

    @classmethod
    def of_this_process(cls, total: int = 0, started: float = 0.0,
                        scenario: str = "") -> RunNote:
        me = psutil.Process()
        return cls(me.pid, me.create_time(), 0, total, started, started, scenario)

    def step(self, done: int, total: int, now: float) -> RunNote:
        return replace(self, done=done, total=total, updated=now)

    def alive(self) -> bool:
        """Whether the job that wrote the note still runs."""
        try:
            process = psutil.Process(self.pid)
            return bool(process.create_time() == self.created
                        and process.status() != psutil.STATUS_ZOMBIE)
        except psutil.Error:
            return False


def write_note(path: Path | None, note: RunNote) -> None:
    """Write ``note`` atomically (nothing when ``path`` is None)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(note)), encoding="utf-8")
    os.replace(tmp, path)


def read_note(path: Path | None) -> RunNote | None:
    """The note at ``path``, or None when there is none (or it cannot be read)."""
    if path is None:
        return None
    try:
        return RunNote(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def drop_note(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def live_note(path: Path | None) -> RunNote | None:
    """The note of a run still going (a dead job's note is removed)."""
    note = read_note(path)
    if note is None:
        return None
    if note.alive():
        return note
    drop_note(path)
    return None


def end_noted_job(path: Path | None) -> None:
    """Cancel: end the noted job (only if it is a background job of this server) and
    forget its note."""
    note = read_note(path)
    if note is not None and note.alive():
        for job in job_processes(psutil.Process()):
            with contextlib.suppress(psutil.Error):
                if job.pid == note.pid and job.create_time() == note.created:
                    job.kill()
    drop_note(path)

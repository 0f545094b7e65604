"""Background jobs of the app: how many run at once, and that none outlives the server.

Dash runs each background callback in a process forked from the server (a new request
for the same callback from the same browser ends the one before). Every job starts with
:meth:`Jobs.start`:

* the job is tied to the server's life (it ends itself within half a second of the
  server's death, even by kill -9);
* it is its browser session's only job: a job of the same session still running (a bundle
  run when a design search starts, say) is ended, so one tab holds at most one process;
* it waits (its spinner turning) until it is among the ``limit`` oldest live jobs: a
  queue, first come first served; after ``wait_seconds`` it answers that the server is
  busy instead.

When the server stops normally, :func:`end_jobs` kills the jobs still running.

Counting live job processes (the server's children running the server's own command)
rather than holding a semaphore: a job killed by a cancel cannot give a slot back.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from finmodel.processes import die_with_parent

#: Background jobs the server runs at once (a 2-core machine: two runs and a designer).
JOBS_AT_ONCE = 3


def job_processes(server: psutil.Process) -> list[psutil.Process]:
    """The server's live background jobs: its children that run its own command (the
    browser a chart export starts is a child too, with another command)."""
    command = server.cmdline()
    out = []
    for child in server.children():
        with contextlib.suppress(psutil.Error):
            if child.status() != psutil.STATUS_ZOMBIE and child.cmdline() == command:
                out.append(child)
    return out


@dataclass(frozen=True)
class Jobs:
    """The app's rule for background jobs (see module docstring)."""

    limit: int = JOBS_AT_ONCE
    wait_seconds: float = 120.0
    #: Where each session's running job is noted (a file per session); None: no rule of
    #: one job per session (tests of the queue alone).
    folder: Path | None = None

    def start(self, session: str | None = None) -> bool:
        """Called first in a background job: tie it to the server, end the session's
        other job, then wait (its spinner turning) until it is among the ``limit`` oldest
        live jobs; False when that takes longer than ``wait_seconds`` (the job then
        answers that the server is busy)."""
        die_with_parent()
        server = psutil.Process(os.getppid())
        me = os.getpid()
        if session is not None and self.folder is not None:
            self._take_over(server, session)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            alive = sorted(job_processes(server), key=_age)
            older = next((n for n, p in enumerate(alive) if p.pid == me), 0)
            if older < self.limit:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.25)

    def _take_over(self, server: psutil.Process, session: str) -> None:
        """End the session's job noted before (if it still runs as this server's job),
        and note this one in its place."""
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        note = self.folder / hashlib.sha256(session.encode("utf-8")).hexdigest()[:32]
        me = psutil.Process()
        with contextlib.suppress(OSError, ValueError):
            pid, created = note.read_text(encoding="ascii").split()
            for job in job_processes(server):
                if job.pid == int(pid) and job.pid != me.pid and _age(job)[0] == float(created):
                    with contextlib.suppress(psutil.Error):
                        job.kill()
        tmp = note.with_suffix(f".{me.pid}.tmp")
        tmp.write_text(f"{me.pid} {me.create_time()!r}", encoding="ascii")
        os.replace(tmp, note)


def _age(process: psutil.Process) -> tuple[float, int]:
    try:
        return process.create_time(), process.pid
    except psutil.Error:
        return 0.0, process.pid


def end_jobs() -> None:
    """Kill this server's background jobs (at exit)."""
    for job in job_processes(psutil.Process()):
        with contextlib.suppress(psutil.Error):
            job.kill()

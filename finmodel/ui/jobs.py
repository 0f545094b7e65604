"""Background jobs of the app: how many run at once, and that none outlives the server.

Dash runs each background callback in a process forked from the server (a new request
for the same callback from the same browser ends the one before). Every job starts with
:meth:`Jobs.start`: the job is tied to the server's life (it ends itself within half a
second of the server's death, even by kill -9), and it waits (its spinner turning) until it is
among the ``limit`` oldest live jobs: a queue, first come first served; after
``wait_seconds`` it answers that the server is busy instead. When the server stops
normally, :func:`end_jobs` kills the jobs still running.

Counting live job processes (the server's children running the server's own command)
rather than holding a semaphore: a job killed by a cancel cannot give a slot back.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

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

    def start(self) -> bool:
        """Called first in a background job: tie it to the server, then wait (its spinner
        turning) until it is among the ``limit`` oldest live jobs; False when that takes
        longer than ``wait_seconds`` (the job then answers that the server is busy)."""
        die_with_parent()
        server = psutil.Process(os.getppid())
        me = os.getpid()
        deadline = time.monotonic() + self.wait_seconds
        while True:
            alive = sorted(job_processes(server), key=_age)
            older = next((n for n, p in enumerate(alive) if p.pid == me), 0)
            if older < self.limit:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.25)


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

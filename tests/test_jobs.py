"""The app's background jobs: a cap on how many run at once, none outlives the server."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import psutil
import pytest

from finmodel.processes import die_with_parent
from finmodel.ui.jobs import Jobs, end_jobs, job_processes

FORK = multiprocessing.get_context("fork")


def _sleep() -> None:
    time.sleep(30)


def _ask(limit: int, answers: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    answers.put(Jobs(limit, wait_seconds=1.0).start())


def test_a_job_runs_only_while_the_server_is_under_its_limit() -> None:
    sleepers = [FORK.Process(target=_sleep) for _ in range(2)]
    for p in sleepers:
        p.start()
    try:
        assert len(job_processes(psutil.Process())) == 2
        answers: multiprocessing.Queue = FORK.Queue()  # type: ignore[type-arg]
        # two running before it: with a limit of 2 it waits its turn (1 s here), in vain
        for limit, expected in ((2, False), (3, True)):
            asker = FORK.Process(target=_ask, args=(limit, answers))
            asker.start()
            assert answers.get(timeout=20) is expected
            asker.join(20)
    finally:
        end_jobs()  # what the server does at exit
        for p in sleepers:
            p.join(10)
    assert all(not p.is_alive() for p in sleepers)


def _middle(ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """A 'server' that starts a 'job' from a request thread that then ends (as the app's
    server does), then waits to be killed."""
    import threading

    def request() -> None:
        job = FORK.Process(target=_job)
        job.start()
        ready.put(job.pid)

    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
    time.sleep(60)


def _job() -> None:
    die_with_parent()
    time.sleep(60)


def test_a_job_dies_with_its_server_even_on_kill_9() -> None:
    ready: multiprocessing.Queue = FORK.Queue()  # type: ignore[type-arg]
    server = FORK.Process(target=_middle, args=(ready,))
    server.start()
    job = ready.get(timeout=20)
    time.sleep(1.0)  # the request thread has ended: the job must still run
    assert psutil.pid_exists(job) and psutil.Process(job).status() != psutil.STATUS_ZOMBIE
    assert server.pid is not None
    os.kill(server.pid, signal.SIGKILL)
    server.join(10)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            if psutil.Process(job).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the job outlived its server")


def _session_job(folder: str, session: str, started: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from pathlib import Path

    ok = Jobs(limit=10, wait_seconds=1.0, folder=Path(folder)).start(session)
    started.put((os.getpid(), ok))
    time.sleep(60)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_a_sessions_new_job_ends_its_old_one_and_no_other(tmp_path) -> None:
    started: multiprocessing.Queue = FORK.Queue()  # type: ignore[type-arg]
    jobs = []

    def launch(session: str) -> int:
        job = FORK.Process(target=_session_job, args=(str(tmp_path), session, started))
        job.start()
        jobs.append(job)
        pid, ok = started.get(timeout=20)
        assert ok
        return int(pid)

    try:
        first = launch("tab-a")
        other = launch("tab-b")
        assert _alive(first) and _alive(other)
        second = launch("tab-a")  # a bundle run, then a design search in the same tab
        jobs[0].join(10)
        assert not _alive(first), "the session's old job still runs"
        assert _alive(second) and _alive(other), "another session's job was ended"
    finally:
        end_jobs()
        for job in jobs:
            job.join(10)

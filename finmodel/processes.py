"""Child processes that end with their parent: pool workers of a batch, the app's jobs.

A process whose parent dies is re-parented; :func:`die_with_parent` has a daemon thread
notice that within ``poll_seconds`` and end the process. (Linux's
``prctl(PR_SET_PDEATHSIG)`` is not used: its signal follows the parent *thread* that
started the child, and the app starts its jobs from request threads that end at once.)
Without this, workers of a batch killed with ``kill -9`` would finish their queue and
wait for work forever, and the app's jobs would outlive a killed server.
"""

from __future__ import annotations

import os
import threading
import time

#: How often a child checks that its parent is still there.
PARENT_POLL_SECONDS = 0.5


def die_with_parent(parent: int | None = None,
                    poll_seconds: float = PARENT_POLL_SECONDS) -> None:
    """End this process soon after ``parent`` (default: the current parent) is gone."""
    parent = os.getppid() if parent is None else parent
    if os.getppid() != parent:  # gone already
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent:  # re-parented: the parent is gone
                os._exit(1)

    threading.Thread(target=watch, name="finmodel-watch-parent", daemon=True).start()

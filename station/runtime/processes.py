"""Child processes that never outlive the process that started them."""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Linux: ask the kernel to SIGKILL this process when its parent dies (even by SIGKILL).

    Call it first thing in a child (a `preexec_fn`, a worker initialiser) with
    the pid of the process that started it. If that parent is already gone by
    then (a spawned worker takes a while to get here), exit at once: an
    orphan nobody waits for would hold the spool open for ever.
    """
    expected = os.getppid() if parent is None else parent
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != expected:
        os._exit(1)

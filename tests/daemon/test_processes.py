"""Children never outlive the daemon: a render worker that starts after its daemon died exits at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from patience import alive, wait

CHILD = """
import os, sys, time
from station.runtime.processes import die_with_parent
die_with_parent(int(sys.argv[1]))
print("alive", flush=True)
time.sleep(60)
"""


def test_a_child_whose_parent_is_already_gone_exits_at_once() -> None:
    # The expected parent (a pid that is not this child's parent) stands for a daemon killed while its
    # worker was still starting: the worker is then an orphan, and must not stay.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    child = subprocess.run([sys.executable, "-c", CHILD, str(gone.pid)], capture_output=True, text=True, timeout=30)
    assert (child.returncode, child.stdout, child.stderr) == (1, "", "")


def test_a_child_dies_with_its_parent_killed() -> None:
    # The parent starts the child with its own pid, then is SIGKILLed: the kernel kills the child.
    parent = subprocess.Popen([sys.executable, "-c", f"""
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", {CHILD!r}, str(os.getpid())], stdout=subprocess.PIPE, text=True)
assert child.stdout.readline().strip() == "alive"
print(child.pid, flush=True)
time.sleep(60)
"""], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    wait(lambda: not alive(child_pid), 10, "the child to die with its killed parent")

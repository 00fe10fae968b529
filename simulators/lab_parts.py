"""The pieces every lab is made of: its error, its daemons, waiting for them, finding their tools."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .errors import SimulatorError

START_TIMEOUT_S = 20.0


class LabError(SimulatorError):
    """The lab cannot start (a tool is missing, a port or daemon is taken, a part did not come up)."""

    exit_code = 4


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """One daemon the lab started, in its own process group (so its children stop with it)."""

    def __init__(self, name: str, argv: list[str], *, log: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = argv
        self.log = log
        self.env = env
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (output to its log file)."""
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                          env=self.env, start_new_session=True)

    @property
    def running(self) -> bool:
        """True while the process lives."""
        return self.popen is not None and self.popen.poll() is None

    def stop(self, *, sig: int = signal.SIGTERM, timeout: float = 10.0, group: bool = True) -> None:
        """Signal it (or its whole process group), wait, and kill what is left.

        `group=False` signals the leader only, for a daemon that stops its
        own children in order (cupsd saves its jobs' state that way).
        """
        if self.popen is None:
            return
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                if group:
                    os.killpg(self.popen.pid, sig)
                else:
                    self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        # Children (a print command) may outlive the leader: end the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen = None

    def log_tail(self, lines: int = 8) -> str:
        """The end of its log, to explain a failed start."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def wait_until(what: str, ready: Callable[[], bool], process: Process | None = None,
          timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if process is not None and process.popen is not None and process.popen.poll() is not None:
            raise LabError(f"{what} exited during start:\n{process.log_tail()}")
        time.sleep(0.05)
    raise LabError(f"{what} did not come up within {timeout:.0f} s"
                   + (f":\n{process.log_tail()}" if process else ""))


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin")
    if found is None:
        raise LabError(f"{name} is not installed")
    return found

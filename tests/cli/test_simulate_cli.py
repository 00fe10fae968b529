"""`station simulate` as a technician meets it: a taken port, and its temporary folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

STATION = [sys.executable, "-c", "from station.cli import entry; entry()"]


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*STATION, "simulate", "--port", str(port), "--documents", "0"], capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and f":{port}" in done.stderr and "--port 0" in done.stderr


def _temporary_run(tmp_path: Path, *extra: str) -> Path:
    """Run simulate in a private TMPDIR until it is up, stop it with Ctrl-C; the folder it named."""
    tmp_path.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*STATION, "simulate", "--port", "0", "--documents", "0", "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            stdin=subprocess.DEVNULL)
    folder = None
    deadline = time.monotonic() + 90
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if "station folder" in line:
                folder = Path(line.split()[-1])
            if "Ctrl-C stops" in line or time.monotonic() > deadline:
                break
        assert folder is not None and (folder / "station.toml").exists() and folder.is_relative_to(tmp_path)
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # a failed run leaves no simulator behind
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, rest[-3000:]
    return folder


def test_the_temporary_station_is_removed_unless_kept(tmp_path: Path) -> None:
    removed = _temporary_run(tmp_path / "a")
    assert not removed.exists() and not removed.parent.exists()
    kept = _temporary_run(tmp_path / "b", "--keep")
    assert (kept / "keys").is_dir() and (kept / "spool.db").exists()

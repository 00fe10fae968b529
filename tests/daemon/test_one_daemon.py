"""One daemon per station: a second `station run` on a running station exits 2 in one line, and the first
keeps serving; a stopping daemon removes only the control socket it made itself."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from patience import alive, wait

from simulators.lockbus import LockBusSim
from simulators.scanner import ScannerSim
from station import config
from station.runtime.control import ControlClient, ControlError, ControlServer
from station.events import EventBus
from station.runtime.station_lock import LOCK_NAME
from station.web.serve import info_path
from station.runtime import ops

RUN = [sys.executable, "-c", "from station.cli import entry; entry()", "run"]
START_S = 90.0  # a daemon and its web process on a busy machine


def _ready(cfg: config.Config) -> dict | None:
    """The daemon's own web process's /readyz answer once it is ready (None before)."""
    try:
        web = json.loads(info_path(cfg).read_text())
        reply = httpx.get(f"http://127.0.0.1:{web['port']}/readyz", timeout=3)
    except (OSError, ValueError, httpx.HTTPError):
        return None
    return {"web": web["pid"], **reply.json()} if reply.status_code == 200 else None


def _start(station_dir: Path, env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*RUN, "--config", str(station_dir / "station.toml")], env=env,
                            stdout=subprocess.DEVNULL, stderr=(station_dir / log).open("wb"),
                            stdin=subprocess.DEVNULL)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _holds(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open."""
    try:
        return any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in status:
            found.append(int(entry.name))
    return found


@pytest.fixture
def devices(station_dir: Path) -> Iterator[dict[str, str]]:
    """The station's lock bus and scanner on pseudo-terminals; the environment its daemons run with."""
    env = {**os.environ, "STATION_CONFIG": "", "STATION_API_PORT": "0",
           "STATION_BACKOFFICE_URL": "http://127.0.0.1:9"}
    cfg = config.load(station_dir / "station.toml", environ=env)
    bus = LockBusSim.from_bus_config(cfg.bus[0], link=cfg.base_dir / cfg.bus[0].port, latch_ms=20).start()
    scanner = ScannerSim(cfg.base_dir / cfg.scanner.port, baud=cfg.scanner.baud).start()
    try:
        yield env
    finally:
        scanner.stop()
        bus.stop()


def test_a_second_daemon_is_refused_and_the_first_keeps_serving(station_dir: Path, devices: dict[str, str]) -> None:
    cfg = config.load(station_dir / "station.toml", environ=devices)
    sock = cfg.path(cfg.paths.control_socket)
    first = _start(station_dir, devices, "first.log")
    try:
        ready = wait(lambda: _ready(cfg), START_S, "the first daemon's /readyz")
        bound = sock.stat().st_ino

        second = subprocess.Popen([*RUN, "--config", str(station_dir / "station.toml")],
                                  env=devices,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  stdin=subprocess.DEVNULL)
        try:
            out, err = second.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            _stop(second)
            pytest.fail("a second `station run` on a running station was not refused")
        assert second.returncode == 2 and out == ""
        assert err == f"station: error: already running (pid {first.pid})\n"

        # The first keeps serving: its socket is the one it bound, `station status` and /readyz answer.
        assert first.poll() is None and sock.stat().st_ino == bound
        status = subprocess.run([*RUN[:-1], "--config", str(station_dir / "station.toml"), "status", "--json"],
                                env=devices, capture_output=True, text=True, timeout=60)
        assert status.returncode == 0, status.stderr
        assert _ready(cfg) == ready

        # Only `run` takes the lock: the daemon's children (web process, render worker) do not hold it.
        lock = station_dir / LOCK_NAME
        assert _holds(first.pid, lock)
        children = _children(first.pid)
        assert ready["web"] in children
        assert not [pid for pid in children if _holds(pid, lock)]
    finally:
        _stop(first)
    assert not sock.exists()


def test_a_killed_daemon_leaves_no_lock_behind(station_dir: Path, devices: dict[str, str]) -> None:
    cfg = config.load(station_dir / "station.toml", environ=devices)
    first = _start(station_dir, devices, "first.log")
    ready: dict = {}
    try:
        ready = wait(lambda: _ready(cfg), START_S, "the first daemon's /readyz")
        first.kill()  # its web process outlives it for a moment: it must keep no one out
        first.wait()
        again = _start(station_dir, devices, "again.log")
        try:
            wait(lambda: (r := _ready(cfg)) and r["web"] != ready["web"] and r, START_S, "the new daemon's /readyz")
            assert again.poll() is None
        finally:
            _stop(again)
        assert again.returncode == 0, (station_dir / "again.log").read_text()[-2000:]
    finally:
        _stop(first)
        if ready:
            wait(lambda: not alive(ready["web"]), 30, "the old web process to end")


def test_a_stopping_server_leaves_a_socket_it_did_not_make(tmp_path: Path) -> None:
    path = tmp_path / "run" / "station.sock"

    async def body() -> None:
        old, new = ControlServer(path, EventBus()), ControlServer(path, EventBus())
        new.register(ops.STATION_PING, _pong)
        await old.start()
        await new.start()  # took the path over (a newer daemon)
        await old.stop()
        assert path.exists(), "the old server removed the new one's socket"
        assert await ControlClient(path, timeout=5).acall(ops.STATION_PING) == {"pong": True}
        await new.stop()
        assert not path.exists()
        with pytest.raises(ControlError):
            await ControlClient(path, timeout=5).acall(ops.STATION_PING)

    asyncio.run(body())


async def _pong(args: dict, actor: str) -> dict:
    return {"pong": True}

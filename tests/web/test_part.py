"""The daemon's web part: a real `station serve` child, stopped cleanly, gone when the daemon dies."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import httpx
from patience import alive, wait

from station.web.part import WebPart
from station.web.serve import info_path


def _address(cfg) -> dict | None:
    try:
        return json.loads(info_path(cfg).read_text())
    except (FileNotFoundError, ValueError):
        return None


def test_the_part_serves_and_stops_cleanly(station) -> None:
    async def scenario() -> None:
        part = WebPart(station.dir / "station.toml", port=0)
        await part.start(SimpleNamespace(cfg=station.cfg))
        try:
            address = await asyncio.to_thread(wait, lambda: _address(station.cfg), 60, "web.json")
            assert address["pid"] == part.process.pid
            assert os.getpriority(os.PRIO_PROCESS, part.process.pid) >= 10  # below the daemon
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{address['port']}", timeout=10) as client:
                assert (await client.get("/healthz")).json() == {"status": "ok"}
                assert (await client.get("/readyz")).json()["ready"] is True
                # An open event stream must not hold up the stop.
                async with client.stream("GET", "/api/v1/events", headers=station.auth("viewer")) as stream:
                    assert stream.status_code == 200
                    await part.stop()
        finally:
            await part.stop()
        assert part.process.returncode == 0
        assert _address(station.cfg) is None

    asyncio.run(scenario())


def test_a_dead_web_process_is_started_again(station, monkeypatch) -> None:
    monkeypatch.setattr("station.web.part.RESTART_DELAY_S", (0.1, 0.1))

    async def scenario() -> None:
        part = WebPart(station.dir / "station.toml", port=0)
        await part.start(SimpleNamespace(cfg=station.cfg))
        try:
            first = await asyncio.to_thread(wait, lambda: _address(station.cfg), 60, "web.json")
            os.kill(first["pid"], signal.SIGKILL)
            second = await asyncio.to_thread(
                wait, lambda: (a := _address(station.cfg)) and a["pid"] != first["pid"] and a, 60, "a new web process")
            assert second["pid"] == part.process.pid
        finally:
            await part.stop()

    asyncio.run(scenario())


def test_the_web_process_stops_when_the_daemon_dies(station) -> None:
    # A stand-in daemon: a process that starts `station serve` as its child, then is killed -9.
    code = ("import os, subprocess, sys, time\n"
            "subprocess.Popen([sys.executable, '-c', 'from station.cli import entry; entry()', '--config', sys.argv[1],"
            " 'serve', '--port', '0', '--parent-pid', str(os.getpid())])\n"
            "time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", code, str(station.dir / "station.toml")])
    try:
        address = wait(lambda: _address(station.cfg), 60, "web.json")
        assert alive(address["pid"])
        parent.kill()
        parent.wait()
        wait(lambda: not alive(address["pid"]), 60, "the orphaned web process to exit")
    finally:
        parent.kill()
        parent.wait()


def test_serve_on_a_taken_port_is_one_clear_line(station, capsys) -> None:
    from station.cli import main
    from station.web.serve import bind

    taken = bind("127.0.0.1", 0)
    try:
        code = main(["--config", str(station.dir / "station.toml"), "serve", "--port", str(taken.getsockname()[1])])
    finally:
        taken.close()
    err = capsys.readouterr().err
    assert code == 2 and "cannot listen on 127.0.0.1" in err and "Traceback" not in err


def test_a_daemon_started_web_process_waits_for_its_port(station) -> None:
    import threading

    from station.web.serve import bind

    taken = bind("127.0.0.1", 0)
    port = taken.getsockname()[1]
    threading.Timer(0.5, taken.close).start()  # the old web process goes away
    sock = bind("127.0.0.1", port, wait_s=10)
    assert sock.getsockname()[1] == port
    sock.close()

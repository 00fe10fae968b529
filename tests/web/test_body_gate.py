"""The caller is known before a body is read, and a body is bounded: 401 or 413 for an unauthenticated
100 MB POST to every route of the app's route table, against a real `station serve`, with its memory flat."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from patience import wait
from starlette.routing import BaseRoute, Mount

from station.web.serve import info_path

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = 64 * 1024
RSS_GROWTH_MAX = 20 * 1024 * 1024
EXAMPLE_PARAMS = {"job_id": "JOB-HELD", "slot_id": "A-1-05", "alarm_id": "1"}
# Some files that exist behind the static mounts (a request to a mount names a file in it).
MOUNT_FILES = {"/static": "/static/kiosk.css", "/docs-files": "/docs-files/swagger-ui.css"}
BODY_TIMEOUT_S = 2


def _routes(app) -> list[BaseRoute]:
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return list(app.routes)
    return [c.original_route for c in iter_route_contexts(app.routes)]


def _targets(app) -> list[tuple[str, str]]:
    """(method, url) for every route of the app: POST to each, and each route's own methods."""
    found: set[tuple[str, str]] = set()
    for route in _routes(app):
        if isinstance(route, Mount):
            found.add(("POST", MOUNT_FILES[route.path]))
            continue
        url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: EXAMPLE_PARAMS[m.group(1)], route.path)  # type: ignore[attr-defined]
        for method in {"POST", *(getattr(route, "methods", None) or ())} - {"HEAD"}:
            found.add((method, url))
    return sorted(found)


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class _Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


def _read_reply(sock: socket.socket) -> _Reply:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a reply: {data[:200]!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return _Reply(status, headers, rest[:length])


def _post(port: int, method: str, url: str, *, chunked: bool, size: int = HUNDRED_MB, whole: bool = False,
          headers: dict[str, str] | None = None, pace_s: float = 0.0, chunk: int = CHUNK) -> _Reply:
    """Send `size` bytes of body while reading the reply; stop sending once it came (unless `whole`)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    sock.sendall(f"{method} {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 f"{extra}{framing}\r\n\r\n".encode())
    replied = threading.Event()

    def send_body() -> None:
        block = b" " * chunk
        sent = 0
        try:
            while sent < size and (whole or not replied.is_set()):
                part = block[:min(chunk, size - sent)]
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
                sent += len(part)
                if pace_s:
                    time.sleep(pace_s)
            if chunked and sent >= size:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server closed the connection: it has answered

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    try:
        reply = _read_reply(sock)
    finally:
        replied.set()
        sender.join(120)
        sock.close()
    return reply


@pytest.fixture
def served(station) -> Iterator[tuple[int, int]]:
    """A real `station serve` for the station (stub daemon): (its pid, its port)."""
    env = {**os.environ, "STATION_CONFIG": "", "STATION_API_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT_S)}
    process = subprocess.Popen([sys.executable, "-c", "from station.cli import entry; entry()", "--config",
                                str(station.dir / "station.toml"), "serve", "--port", "0"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        address = wait(lambda: _address(station.cfg, process.pid), 60, "the web process's address")
        yield process.pid, address["port"]
    finally:
        process.terminate()
        process.wait(30)


def _address(cfg, pid: int) -> dict | None:
    try:
        found = json.loads(info_path(cfg).read_text())
    except (OSError, ValueError):
        return None
    return found if found.get("pid") == pid else None


def test_an_unauthenticated_100_mb_post_to_any_route_is_refused_with_memory_flat(station, served) -> None:
    from station.web import create_app

    pid, port = served
    targets = _targets(create_app(station.cfg, kiosk_secret="x" * 32))
    assert len(targets) >= 30 and ("POST", "/healthz") in targets and ("POST", "/api/v1/kiosk/scan") in targets
    # Warm up: every route answered once (lazy imports, caches), before the memory is read.
    for method, url in targets:
        _post(port, method, url, chunked=False, size=0)
    before = _rss(pid)
    whole = {"/api/v1/kiosk/scan", "/healthz"}  # these take all 100 MB, both ways; the rest stop at the reply
    for method, url in targets:
        for chunked in (False, True):
            reply = _post(port, method, url, chunked=chunked, whole=url in whole and method == "POST")
            assert reply.status in (401, 413), (method, url, chunked, reply.status, reply.body[:200])
            assert reply.headers["content-type"] == "application/problem+json", (method, url)
            problem = json.loads(reply.body)
            assert problem["status"] == reply.status and problem["detail"], problem
            if url.startswith("/api/"):
                assert reply.status == 401 and reply.headers["www-authenticate"] == "Bearer", (method, url)
    grown = _rss(pid) - before
    print(f"{len(targets)} routes x 2 framings: web process RSS grew by {grown / 1e6:.1f} MB")
    assert grown < RSS_GROWTH_MAX


def test_an_authenticated_body_is_cut_at_the_cap_and_a_slow_one_in_time(station, served) -> None:
    pid, port = served
    operator = {"Authorization": f"Bearer {station.tokens['operator']}"}
    kiosk = {"Authorization": "Bearer " + (station.dir / "keys" / "kiosk.key").read_text().strip()}
    before = _rss(pid)
    for chunked in (False, True):
        reply = _post(port, "POST", "/api/v1/jobs/JOB-HELD/cancel", chunked=chunked, headers=operator)
        assert reply.status == 413 and "over 1048576 bytes" in json.loads(reply.body)["detail"]
        # The kiosk's routes take less: 16 KiB.
        reply = _post(port, "POST", "/api/v1/kiosk/scan", chunked=chunked, size=20 * 1024, whole=True, headers=kiosk)
        assert reply.status == 413 and "over 16384 bytes" in json.loads(reply.body)["detail"]
    # A body that trickles in (1 KiB every 50 ms, within the cap) is cut when its time is up.
    started = time.monotonic()
    reply = _post(port, "POST", "/api/v1/jobs/JOB-HELD/cancel", chunked=True, size=900 * 1024, headers=operator,
                  pace_s=0.05, chunk=1024)
    assert reply.status == 408 and reply.headers.get("connection") == "close"
    assert time.monotonic() - started < BODY_TIMEOUT_S + 20
    assert _rss(pid) - before < RSS_GROWTH_MAX


def test_the_caller_is_known_before_the_body_is_parsed(client, station) -> None:
    # Unauthenticated, with a body that is not JSON at all: 401, not the 422 of a body parsed first.
    reply = client.post("/api/v1/kiosk/scan", content=b"{not json")
    assert reply.status_code == 401 and reply.headers["content-type"] == "application/problem+json"
    reply = client.post("/api/v1/jobs/JOB-HELD/cancel", content=b"\xff" * 100, headers={"Authorization": "Bearer no"})
    assert reply.status_code == 401
    # Authenticated: the body is read and checked as before.
    reply = client.post("/api/v1/jobs/JOB-HELD/cancel", content=b"{not json", headers=station.auth("operator"))
    assert reply.status_code == 422
    reply = client.post("/api/v1/kiosk/scan", json={"text": "MPP1:GOOD"},
                        headers={"Authorization": "Bearer kiosk-secret-for-tests"})
    assert reply.status_code == 200 and reply.json()["screen"] == "opening"
    # Pages and probes take no body.
    reply = client.post("/healthz", content=b"x")
    assert reply.status_code == 413 and reply.json()["detail"] == "this path takes no request body"
    assert client.get("/healthz").status_code == 200

"""Live events over a real uvicorn: relayed from the daemon, masked for viewers, offline when it goes."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from webtest_server import LiveServer
from webtest_daemon import StubDaemon

from station.release.kiosk import KioskView, Screen
from station.web import create_app

KIOSK = {"Authorization": "Bearer kiosk-secret-for-tests"}


class SseReader:
    """Reads Server-Sent Events from a stream; a read that waits too long fails the test."""

    def __init__(self, client: httpx.Client, url: str, headers: dict[str, str]) -> None:
        self._context = client.stream("GET", url, headers=headers)
        self.response = self._context.__enter__()
        assert self.response.status_code == 200
        assert self.response.headers["content-type"].startswith("text/event-stream")
        self._lines = self.response.iter_lines()

    def next(self, kind: str | None = None) -> tuple[str, dict]:
        """The next event (of `kind`, skipping others)."""
        while True:
            fields: dict[str, str] = {}
            for line in self._lines:
                if not line:
                    if "data" in fields:
                        break
                    continue
                name, _, value = line.partition(": ")
                fields[name] = value
            got = fields.get("event", "message")
            if kind is None or got == kind:
                return got, json.loads(fields["data"])["data"]

    def close(self) -> None:
        """Stop reading."""
        self._context.__exit__(None, None, None)


@pytest.fixture
def live(station):
    """The station's web app on a real port."""
    server = LiveServer(create_app(station.cfg, kiosk_secret="kiosk-secret-for-tests")).start()
    client = httpx.Client(base_url=server.url, timeout=httpx.Timeout(10.0, read=10.0))
    try:
        yield server, client
    finally:
        client.close()
        server.stop()


def _wait_subscribed(daemon: StubDaemon) -> None:
    deadline = time.monotonic() + 10
    while daemon.events.subscriber_count == 0:
        assert time.monotonic() < deadline, "the relay did not subscribe"
        time.sleep(0.01)


def _wait_online(reader: SseReader, online: bool) -> None:
    while reader.next("station")[1]["online"] is not online:
        pass


def test_daemon_events_reach_staff_masked_for_viewers(station, live) -> None:
    server, client = live
    viewer = SseReader(client, "/api/v1/events", station.auth("viewer"))
    operator = SseReader(client, "/api/v1/events", station.auth("operator"))
    try:
        _wait_online(viewer, True)
        _wait_online(operator, True)
        _wait_subscribed(station.daemon)
        station.daemon.events.publish("job", {"job": "JOB-STAGED", "state": "released", "latency_s": 0.42,
                                              "name": "Siti Nurhaliza", "note": "NIK 3171234567890123"})
        kind, seen = viewer.next("job")
        assert seen == {"job": "JOB-STAGED", "state": "released", "latency_s": 0.42, "name": "S*** N********",
                        "note": "NIK 3171**********23"}
        assert operator.next("job")[1]["name"] == "Siti Nurhaliza"
        station.daemon.events.publish("release", {"job": "JOB-STAGED", "slot": "A-1-05", "outcome": "opened",
                                                  "latency_s": 0.42, "pin_s": None})
        assert viewer.next("release")[1]["latency_s"] == 0.42
        # An action taken through the API is announced too.
        assert client.post("/api/v1/jobs/JOB-HELD/retry", headers=station.auth("operator")).status_code == 200
        assert viewer.next("job")[1] == {"job": "JOB-HELD", "state": "rendered"}
    finally:
        viewer.close()
        operator.close()
    metrics = client.get("/metrics").text
    assert "station_release_latency_seconds_count 1" in metrics
    assert 'station_release_latency_seconds_bucket{le="0.5"} 1' in metrics
    assert 'station_release_latency_seconds_bucket{le="0.3"} 0' in metrics


def test_the_kiosk_stream_carries_only_kiosk_views(station, live) -> None:
    server, client = live
    reader = SseReader(client, "/api/v1/kiosk/events", KIOSK)
    try:
        _wait_online(reader, True)
        _wait_subscribed(station.daemon)
        station.daemon.events.publish("job", {"job": "JOB-STAGED", "state": "released"})
        station.daemon.show(KioskView(Screen.OPENING, slot="A-1-05", board=1, door=5,
                                      job={"id": "JOB-STAGED", "masked_name": "Siti Nurhaliza", "nik": "x"}))
        kind, view = reader.next()
        assert kind == "kiosk" and view["door"] == 5
        assert view["job"] == {"masked_name": "S*** N********"}
    finally:
        reader.close()


def test_pages_hear_when_the_daemon_goes_and_comes_back(station, live) -> None:
    server, client = live
    reader = SseReader(client, "/api/v1/kiosk/events", KIOSK)
    try:
        _wait_online(reader, True)
        station.daemon.stop()
        _wait_online(reader, False)
        assert client.get("/api/v1/kiosk", headers=KIOSK).status_code == 503
        station.daemon = StubDaemon(station.daemon.path).start()
        _wait_online(reader, True)  # the relay reconnects by itself
        # (It announces the daemon on its first answer, then subscribes: pages re-read the view then.)
        assert client.get("/api/v1/kiosk", headers=KIOSK).json()["screen"] == "idle"
        _wait_subscribed(station.daemon)
        station.daemon.show(KioskView(Screen.THANKS))
        assert reader.next("kiosk")[1]["screen"] == "thanks"
    finally:
        reader.close()

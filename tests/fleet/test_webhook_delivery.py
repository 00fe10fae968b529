"""A real Alertmanager, configured from the shipped alertmanager.yml, delivers to the command center with its
secret (the receivers' http_config): the webhook that refuses everyone else still takes Alertmanager's calls."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from fleet_support import tool  # noqa: E402

from simulators.app_server import AppServer  # noqa: E402
from simulators.prometheus_lab import LabTiming, PrometheusLab  # noqa: E402
from station.fleet.app import create_app  # noqa: E402
from station.fleet.webhook import WebhookCredential  # noqa: E402

WAIT_S = 60.0


def test_alertmanager_delivers_with_the_shipped_credential_and_nothing_else_gets_in(tmp_path: Path) -> None:
    tool("prometheus")
    tool("prometheus-alertmanager")
    secret = tmp_path / "webhook.secret"
    center = AppServer(create_app("http://127.0.0.1:9", webhook=WebhookCredential.new_file(secret)),
                       name="command-center").start()
    lab = PrometheusLab(tmp_path / "monitoring", timing=LabTiming.fast(), webhook_base=center.url,
                        webhook_secret_file=secret)
    try:
        lab.start([])
        # Someone else, as a cross-origin page would post it: refused, and not listed.
        forged = httpx.post(f"{center.url}/alerts/on-call", content=b'{"alerts": []}',
                            headers={"Content-Type": "text/plain", "Origin": "https://evil.example"})
        assert forged.status_code == 401
        alert = {"labels": {"alertname": "StationDown", "station": "MPP-TEST-01", "severity": "critical"},
                 "annotations": {"summary": "Stasiun MPP-TEST-01 mati", "summary_en": "Station MPP-TEST-01 is down"}}
        httpx.post(f"{lab.alertmanager_url}/api/v2/alerts", json=[alert], timeout=10).raise_for_status()
        notes = center.app.state.notifications
        deadline = time.monotonic() + WAIT_S
        while not notes.latest() and time.monotonic() < deadline:
            time.sleep(0.2)
        taken = [(n["receiver"], n["alertname"], n["station"], n["status"]) for n in notes.latest()]
        assert ("on-call", "StationDown", "MPP-TEST-01", "firing") in taken, taken
    finally:
        lab.stop()
        center.stop()

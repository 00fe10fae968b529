"""Acknowledge and silence from the command center, through a real Alertmanager's API v2 (ADR 0340).

One lab (PrometheusLab: the shipped alertmanager.yml) for the module; the
command center in-process (AppServer) with a staff file of four members.
Alertmanager is the record: each silence names its author (`ROLE:NAME`,
from the token, never typed) and carries the comment.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fleet_support import tool  # noqa: E402

from simulators.app_server import AppServer  # noqa: E402
from simulators.prometheus_lab import LabTiming, PrometheusLab  # noqa: E402
from station.fleet.app import create_app  # noqa: E402
from station.fleet.staff import Staff  # noqa: E402
from station.runtime.roles import Role  # noqa: E402

pytestmark = pytest.mark.integration
ALERT = {"alertname": "PrinterBlocked", "station": "MPP-MKS-01"}


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, PrometheusLab, dict[str, str]]]:
    tool("prometheus")
    tool("prometheus-alertmanager")
    root = tmp_path_factory.mktemp("silences")
    staff_file = root / "staff"
    tokens = {role.word: Staff.add(staff_file, f"{role.word[:4]}-one", role) for role in Role}
    lab = PrometheusLab(root / "monitoring", timing=LabTiming.fast())
    server = None
    try:
        lab.start([])
        server = AppServer(create_app(lambda: lab.prometheus_url, alertmanager=lambda: lab.alertmanager_url,
                                      staff=Staff.from_file(staff_file), zone="Asia/Makassar"),
                           name="command-center").start()
        yield server, lab, tokens
    finally:
        if server is not None:
            server.stop()
        lab.stop()


def silences(lab: PrometheusLab) -> list[dict]:
    """Alertmanager's own record: its active silences."""
    reply = httpx.get(f"{lab.alertmanager_url}/api/v2/silences", timeout=10)
    reply.raise_for_status()
    return [s for s in reply.json() if s["status"]["state"] == "active"]


def ask(server: AppServer, token: str | None, body: dict, method: str = "POST", path: str = "/api/silences"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{server.url}{path}", json=body if method == "POST" else None, headers=headers,
                         timeout=10)


def test_an_operator_acknowledges_and_alertmanager_records_who_and_why(center) -> None:
    server, lab, tokens = center
    before = len(silences(lab))
    reply = ask(server, tokens["operator"], {"kind": "ack", **ALERT, "comment": "Budi sedang ke lokasi"})
    assert reply.status_code == 200, reply.text
    made = next(s for s in silences(lab) if s["id"] == reply.json()["id"])
    assert len(silences(lab)) == before + 1
    assert made["createdBy"] == "operator:oper-one"
    assert made["comment"] == "Ditangani · acknowledged: Budi sedang ke lokasi"
    assert {(m["name"], m["value"], m["isRegex"]) for m in made["matchers"]} == {
        ("alertname", "PrinterBlocked", False), ("station", "MPP-MKS-01", False)}
    lasts = (datetime.fromisoformat(made["endsAt"].replace("Z", "+00:00"))
             - datetime.fromisoformat(made["startsAt"].replace("Z", "+00:00"))).total_seconds()
    assert 3500 <= lasts <= 3700
    # The command center lists it among the notifications, by whom.
    notes = server.app.state.notifications.latest()
    assert notes[0]["status"] == "ack" and "operator:oper-one" in notes[0]["summary"]


def test_each_role_may_do_what_adr_0340_says_and_no_more(center) -> None:
    server, lab, tokens = center
    before = {s["id"] for s in silences(lab)}
    silence = {"kind": "silence", **ALERT, "minutes": 60, "comment": "Printer diganti, jadwal teknisi"}
    for token, body, status in ((None, silence, 401), ("not-a-token", silence, 401),
                                (tokens["viewer"], {"kind": "ack", **ALERT, "comment": "saya lihat"}, 403),
                                (tokens["operator"], silence, 403)):
        reply = ask(server, token, body)
        assert reply.status_code == status, (token, reply.text)
        assert "Traceback" not in reply.text
    assert {s["id"] for s in silences(lab)} == before  # nothing was made
    made = ask(server, tokens["technician"], silence)
    assert made.status_code == 200 and made.json()["by"] == "technician:tech-one"
    # A technician lifts it; an operator may not.
    assert ask(server, tokens["operator"], {}, "DELETE", f"/api/silences/{made.json()['id']}").status_code == 403
    assert ask(server, tokens["technician"], {}, "DELETE", f"/api/silences/{made.json()['id']}").status_code == 200
    assert made.json()["id"] not in {s["id"] for s in silences(lab)}


def test_a_bad_ask_is_one_sentence_naming_the_field_and_changes_nothing(center) -> None:
    server, lab, tokens = center
    before = {s["id"] for s in silences(lab)}
    good = {"kind": "silence", **ALERT, "minutes": 60, "comment": "jadwal perawatan"}
    for bad, field in (({**good, "kind": "mute"}, "kind"), ({**good, "minutes": 5}, "minutes"),
                       ({**good, "minutes": 60 * 24 * 30}, "minutes"), ({**good, "minutes": True}, "minutes"),
                       ({**good, "comment": ""}, "comment"), ({**good, "comment": "a\nb c"}, "comment"),
                       ({**good, "station": 'x", "isRegex": true'}, "station"), ({**good, "alertname": ".*"},
                                                                                 "alertname")):
        reply = ask(server, tokens["admin"], bad)
        assert reply.status_code == 400 and reply.json()["error"].startswith(field), (bad, reply.text)
    raw = httpx.post(f"{server.url}/api/silences", content=b"{", timeout=10,
                     headers={"Authorization": f"Bearer {tokens['admin']}", "Content-Type": "application/json"})
    assert raw.status_code == 400 and "Traceback" not in raw.text
    big = httpx.post(f"{server.url}/api/silences", content=b" " * 5000, timeout=10,
                     headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert big.status_code == 413
    assert {s["id"] for s in silences(lab)} == before


def test_the_page_data_shows_who_took_an_alert_until_when_in_local_time(center) -> None:
    server, lab, tokens = center
    made = ask(server, tokens["operator"], {"kind": "ack", "alertname": "StationDown", "station": "MPP-PAP-01",
                                            "comment": "listrik padam, PLN dihubungi"}).json()
    deadline = time.monotonic() + 20
    while True:
        view = httpx.get(f"{server.url}/api/fleet", timeout=10).json()
        shown = [s for s in view.get("silences", []) if s["id"] == made["id"]]
        if shown or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert shown and shown[0]["kind"] == "ack" and shown[0]["by"] == "operator:oper-one"
    assert shown[0]["comment"] == "listrik padam, PLN dihubungi" and shown[0]["until"].endswith(" WITA")
    assert view["updated"].endswith(" WITA")  # the command center's own zone
    me = httpx.get(f"{server.url}/api/staff/me", headers={"Authorization": f"Bearer {tokens['operator']}"}, timeout=10)
    assert me.json() == {"name": "oper-one", "role": "operator", "actor": "operator:oper-one"}


def test_without_a_staff_file_nobody_may_act(center) -> None:
    _, lab, tokens = center
    closed = AppServer(create_app("http://127.0.0.1:9", alertmanager=lab.alertmanager_url), name="closed").start()
    try:
        reply = ask(closed, tokens["admin"], {"kind": "ack", **ALERT, "comment": "siapa saja"})
        assert reply.status_code == 401
    finally:
        closed.stop()

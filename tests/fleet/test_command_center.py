"""The command center's rows from Prometheus's answers, its webhook, and `station simulate --stations` end to end."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from simulators.prometheus_lab import free_port
from station.fleet.app import create_app
from simulators.fleet.faults import FaultError, parse_fault
from station.fleet.view import build_rows
from station.fleet.webhook import WebhookCredential


from fleet_support import tool  # noqa: E402


def sample(value: float, **labels: str) -> dict:
    return {"metric": {"job": "mpp-station", **labels}, "value": [1.0, str(value)]}


A = {"instance": "10.0.0.1:8080", "station": "MPP-A-01", "province": "Jawa Barat"}
B = {"instance": "10.0.0.2:8080", "station": "MPP-B-01", "province": "Jawa Barat"}
C = {"instance": "10.0.0.3:8080", "station": "MPP-C-01", "province": "Bali"}


def test_rows_join_on_the_target_and_the_worst_come_first() -> None:
    rows = build_rows({
        "up": [sample(1, **A), sample(1, **B), sample(0, **C)],
        "info": [sample(1, **A, site="MPP Kota Bandung", kind="locker", version="0.1.0")],
        "daemon": [sample(1, **A), sample(1, **B)],
        "blocked": [sample(0, **A), sample(1, **B)],
        "reasons": [sample(1, **B, reason="media-jam"), sample(1, **B, reason="door-open")],
        "bus": [sample(1, **A), sample(1, **B)],
        "slots": [sample(3, **A, status="free"), sample(12, **A, status="occupied"), sample(1, **A, status="out_of_service")],
        "ready": [sample(12, **A)], "expiring": [sample(2, **A)], "alarms": [sample(1, **B)],
        "alerts": [sample(1, **B, alertname="PrinterBlocked", severity="warning"),
                   sample(1, **C, alertname="StationDown", severity="critical"),
                   sample(1, instance="10.9.9.9:1", alertname="Elsewhere", severity="critical")],
    })
    assert [(r.station, r.status) for r in rows] == [("MPP-C-01", "down"), ("MPP-B-01", "warning"),
                                                     ("MPP-A-01", "ok")]
    c, b, a = (row.as_dict() for row in rows)
    assert a["site"] == "MPP Kota Bandung" and (a["slots_free"], a["slots_total"]) == (3, 16)
    assert (a["ready"], a["expiring"], a["alarms"]) == (12, 2, None)
    assert b["printer_reasons"] == ["door-open", "media-jam"] and b["alerts"] == [{"name": "PrinterBlocked",
                                                                                    "severity": "warning"}]
    assert c["daemon"] is None and c["printer_blocked"] is None and c["ops_url"] == "http://10.0.0.3:8080/ops"


_value = st.one_of(st.none(), st.text(max_size=5), st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=4)),
                                                          max_size=3))


@given(st.dictionaries(st.sampled_from(["up", "info", "daemon", "blocked", "reasons", "bus", "slots", "ready",
                                        "expiring", "alarms", "alerts"]),
                       st.lists(st.fixed_dictionaries({"metric": st.dictionaries(
                           st.sampled_from(["instance", "station", "status", "reason", "alertname", "severity"]),
                           st.sampled_from(["x:1", "y:2", "free", "warning", "critical", "?"]), max_size=4),
                           "value": _value}), max_size=4), max_size=11))
def test_whatever_prometheus_answers_the_rows_are_built(results: dict) -> None:
    for row in build_rows(results):
        assert row.as_dict()["status"] in ("ok", "warning", "critical", "down")


SECRET = "s3cret-for-the-webhook-tests"
AUTH = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}


def test_the_webhook_takes_alertmanager_bodies_and_nothing_else() -> None:
    client = TestClient(create_app(f"http://127.0.0.1:{free_port()}", webhook=WebhookCredential(SECRET)),
                        headers=AUTH)
    body = {"receiver": "ops-desk", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "PrinterBlocked", "station": "MPP-A-01", "severity": "warning"},
         "annotations": {"summary": "Printer di stasiun MPP-A-01 terhenti", "summary_en": "The printer is blocked"}}]}
    assert client.post("/alerts/ops-desk", json=body).json() == {"taken": 1}
    assert client.post("/alerts/nobody", json=body).status_code == 404
    for bad in (b"{", b"[]", b'{"alerts": 3}', b'{"alerts": [1]}', b'{"alerts": [{"labels": []}]}', b"\xff",
                b"[" * 100_000):
        reply = client.post("/alerts/on-call", content=bad)
        assert reply.status_code == 400 and set(reply.json()) == {"error"}, bad[:20]
    assert client.post("/alerts/on-call", content=b" " * 1_000_001).status_code == 413
    chunked = client.post("/alerts/on-call", content=iter([b" " * 500_000] * 3))  # no Content-Length: cut as it comes
    assert chunked.status_code == 413
    notes = client.app.state.notifications.latest()
    assert [(n["receiver"], n["alertname"], n["station"]) for n in notes] == [("ops-desk", "PrinterBlocked",
                                                                             "MPP-A-01")]


def test_prometheus_away_is_one_sentence_and_the_page_makes_no_outside_fetch() -> None:
    client = TestClient(create_app(f"http://127.0.0.1:{free_port()}"))
    reply = client.get("/api/fleet")
    assert reply.status_code == 502 and reply.json()["error"].startswith("Prometheus at http://127.0.0.1:")
    page = client.get("/").text
    assert 'lang="id"' in page and "Pusat Komando" in page
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert asset.startswith(("/static/", "data:")), asset
        if asset.startswith("/static/"):
            text = client.get(asset).text
            assert "http://" not in text and "https://" not in text and "url(" not in text, asset


def test_fault_commands_parse_or_say_why() -> None:
    assert str(parse_fault("jam 3", 5)) == "jam 3" and parse_fault(" bus-down  5 ", 5).name == "bus-down"
    for bad in ("jam", "jam x", "melt 2", "jam 6", "jam 0", "kill 1 2", "jam ³"):
        with pytest.raises(FaultError):
            parse_fault(bad, 5)


@given(st.text(max_size=30), st.integers(1, 20))
def test_any_typed_text_is_a_fault_or_one_clear_line(text: str, stations: int) -> None:
    try:
        fault = parse_fault(text, stations)
    except FaultError as err:
        assert "\n" not in str(err)
    else:
        assert 1 <= fault.station <= stations and str(fault) == " ".join(text.split())


def test_the_webhook_refuses_callers_without_the_secret_and_bodies_not_json() -> None:
    """A page in a staff browser can post a cross-origin text/plain "simple request": it is refused."""
    body = b'{"alerts": [{"status": "firing", "labels": {"alertname": "StationDown"}}]}'
    client = TestClient(create_app(f"http://127.0.0.1:{free_port()}", webhook=WebhookCredential(SECRET)))
    cross_origin = {"Origin": "https://evil.example", "Content-Type": "text/plain"}
    for headers, status in ((cross_origin, 401), ({"Content-Type": "application/json"}, 401),
                            ({**cross_origin, "Authorization": "Bearer wrong-secret-of-some-length"}, 401),
                            ({**cross_origin, "Authorization": f"Bearer {SECRET}"}, 415),
                            ({"Authorization": f"Bearer {SECRET}", "Content-Type": "application/x-www-form-urlencoded"},
                             415),
                            ({"Authorization": f"Bearer {SECRET}"}, 415)):
        reply = client.post("/alerts/on-call", content=body, headers=headers)
        assert reply.status_code == status, (headers, reply.text)
        assert reply.headers["content-type"] == "application/problem+json"
    assert client.app.state.notifications.latest() == []
    # Basic auth as Alertmanager's basic_auth sends it: user "alertmanager", the secret as password.
    basic = base64.b64encode(f"alertmanager:{SECRET}".encode()).decode()
    wrong_user = base64.b64encode(f"admin:{SECRET}".encode()).decode()
    json_type = {"Content-Type": "application/json; charset=utf-8"}
    assert client.post("/alerts/on-call", content=body,
                       headers={**json_type, "Authorization": f"Basic {wrong_user}"}).status_code == 401
    assert client.post("/alerts/on-call", content=body,
                       headers={**json_type, "Authorization": f"Basic {basic}"}).json() == {"taken": 1}
    # Without a configured secret nothing is taken.
    closed = TestClient(create_app(f"http://127.0.0.1:{free_port()}"))
    assert closed.post("/alerts/on-call", content=body, headers=AUTH).status_code == 401


def test_fleet_serve_off_loopback_without_tls_is_one_clear_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "from station.cli import entry; entry()", "fleet", "serve",
                           "--host", "0.0.0.0", "--port", "0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "refusing to serve plain HTTP on 0.0.0.0" in done.stderr


def test_fleet_serve_with_tls_serves_https_and_takes_the_webhook(tmp_path: Path) -> None:
    import ssl
    import time

    import httpx

    sys.path.insert(0, str(Path(__file__).parents[1] / "security"))
    from tls_support import make_certificate

    cert, key, _, _ = make_certificate(tmp_path, "center")
    secret = tmp_path / "webhook.secret"
    secret.write_text(SECRET + "\n")
    process = subprocess.Popen([sys.executable, "-c", "from station.cli import entry; entry()", "fleet", "serve",
                                "--host", "127.0.0.1", "--port", "0", "--tls-cert", str(cert), "--tls-key",
                                str(key), "--webhook-secret-file", str(secret)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("command center on https://127.0.0.1:"), line
        port = int(line.split("https://127.0.0.1:")[1].split("/")[0])
        verify = ssl.create_default_context(cafile=str(cert))
        deadline = time.monotonic() + 30
        while True:
            try:
                reply = httpx.post(f"https://127.0.0.1:{port}/alerts/ops-desk", json={"alerts": []}, headers=AUTH,
                                   verify=verify, timeout=5)
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert reply.json() == {"taken": 0}
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.slow
def test_simulate_three_stations_exits_0_when_every_document_is_collected(tmp_path: Path) -> None:
    tool("prometheus")
    tool("prometheus-alertmanager")
    run = subprocess.run([sys.executable, "-c", "from station.cli import entry; entry()", "simulate", "--stations",
                          "3", "--documents", "3", "--auto-collect", "--exit-when-done", "--dir", str(tmp_path),
                          "--seed", "3", "--quiet", "--timeout", "240"],
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "command center: 3 of 3 stations shown up" in run.stdout
    assert "fleet: 9/9 documents collected at 3 stations" in run.stdout
    assert re.search(r"Prometheus\s+http://127\.0\.0\.1:\d+/alerts", run.stdout)


def test_typed_commands_that_are_wrong_say_so_in_one_line(tmp_path: Path) -> None:
    from simulators.fleet.simulate import FleetOptions, FleetSimulation

    simulation = FleetSimulation(FleetOptions(stations=3, folder=tmp_path))
    for typed, says in (("approve 5 9", "no station 9"), ("approve x", "approve takes a count"),
                        ("approve 0", "approve takes a count"), ("melt 2", "bad fault 'melt 2'")):
        assert simulation.command(typed).splitlines()[0].startswith(says.split(" '")[0]), typed
    assert [s.station_id for s in simulation.sites] == ["MPP-BDG-01", "MPP-SBY-01", "MPP-JKT-01"]


@given(st.text(max_size=80), st.binary(max_size=60))
def test_any_authorization_header_is_the_secret_or_a_401(header: str, raw: bytes) -> None:
    from station.errors import StationError

    credential = WebhookCredential(SECRET)
    for sent in (header, "Basic " + base64.b64encode(raw).decode(), "Bearer " + header):
        try:
            credential.check(sent)
        except StationError as err:
            assert err.http_status == 401 and "\n" not in str(err)
        else:
            assert SECRET in sent or base64.b64encode(f"alertmanager:{SECRET}".encode()).decode() in sent

"""(issue 24) A citizen without a phone collects with the typed code, in a whole-station run; no dead ends.

The whole station on simulators (`SimulatedStation`, its daemon and web app
as child processes on a free port): the back office issues a typed code with
every document; a citizen types it at the kiosk (`POST /api/v1/kiosk/code`),
then the PIN where the document has one, and the door opens. Wrong codes lock
a document as wrong PINs do; staff then hand it over after an ID check, through
the API (the ops page's endpoint) and through `station jobs handover`; a wrong
NIK tail is refused and audited.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from station_support import state, wait

import spool
from spool import audit
from spool.states import JobState
from spool.users import add_user
from simulators.backoffice.office import Approval
from simulators.station.simulate import Options, SimulatedStation
from station.release.handover import nik_values

pytestmark = pytest.mark.integration

STATION_CLI = [sys.executable, "-c", "from station.cli import entry; entry()"]


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedStation]:
    made = SimulatedStation(Options(folder=tmp_path_factory.mktemp("typed") / "station", documents=0, port=0,
                                    pin_ratio=0.0, printer_ppm=600, seed=24,
                                    env={"STATION_RELEASE_REFUSED_SCANS_PER_MINUTE": "100"}))
    made.start()
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture(scope="module")
def staff(station: SimulatedStation) -> dict[str, dict[str, str]]:
    conn = spool.connect(station.cfg.spool_path)
    try:
        return {"kiosk": {"Authorization": f"Bearer {add_user(conn, 'kiosk-tech', 'technician')}"},
                "desk": {"Authorization": f"Bearer {add_user(conn, 'rina', 'operator')}"}}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def web(station: SimulatedStation) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{station.options.port}", timeout=30) as client:
        yield client


def _staged(station: SimulatedStation, *, pin: bool, count: int = 1) -> list[Approval]:
    made = station.office.approve(count, station=station.cfg.station.id, pin=pin, kind="template")
    for approval in made:
        wait(lambda a=approval: state(station, a.id) is JobState.STAGED, 240, f"{approval.id} staged")
    return made


def _serving(web: httpx.Client) -> bool:
    try:
        return web.get("/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def _wrong(code: str) -> str:
    last = int(code[-4:])
    return f"{code[:-4]}{(last + 1) % 10000:04d}"


def test_a_citizen_without_a_phone_collects_with_the_code_and_the_pin(station, staff, web) -> None:
    plain, = _staged(station, pin=False)
    with_pin, = _staged(station, pin=True)
    wait(lambda: _serving(web), 60, "the web app")
    assert plain.code and with_pin.code and with_pin.pin

    opened = web.post("/api/v1/kiosk/code", headers=staff["kiosk"], json={"code": plain.code}).json()
    assert opened["screen"] in ("opening", "open"), opened
    wait(lambda: state(station, plain.id) is JobState.COLLECTED, 60, "collected by code")

    asked = web.post("/api/v1/kiosk/code", headers=staff["kiosk"], json={"code": with_pin.code.replace("-", " ")}).json()
    assert asked["screen"] == "pin" and asked["reset_at"], asked
    right = web.post("/api/v1/kiosk/pin", headers=staff["kiosk"], json={"session": asked["session"],
                                                                         "pin": with_pin.pin}).json()
    assert right["screen"] in ("opening", "open"), right
    wait(lambda: state(station, with_pin.id) is JobState.COLLECTED, 60, "collected by code and PIN")
    assert web.post("/api/v1/kiosk/code", headers=staff["kiosk"], json={"code": "12-34"}).status_code == 422


def test_wrong_codes_lock_out_and_staff_hand_over_after_an_id_check(station, staff, web) -> None:
    locked, by_cli = _staged(station, pin=False, count=2)
    wait(lambda: _serving(web), 60, "the web app")
    for approval in (locked, by_cli):
        views = [web.post("/api/v1/kiosk/code", headers=staff["kiosk"], json={"code": _wrong(approval.code)}).json()
                 for _ in range(station.cfg.release.pin_attempts)]
        assert [v["reason"] for v in views][-2:] == ["bad_code", "pin_locked"], views
        right = web.post("/api/v1/kiosk/code", headers=staff["kiosk"], json={"code": approval.code}).json()
        assert right["reason"] == "pin_locked"  # even the right code, like a locked PIN
    detail = web.get(f"/api/v1/jobs/{locked.id}", headers=staff["desk"]).json()
    assert "handover" in detail["actions"]
    alarms = web.get("/api/v1/alarms", headers=staff["desk"]).json()
    alarm_text = " ".join(a["message"] for a in alarms["alarms"] if a["kind"] == "pin_locked")
    assert "ID check" in alarm_text and "handover" in alarm_text

    nik = nik_values(locked.document)[0]
    wrong_tail = f"{(int(nik[-4:]) + 1) % 10000:04d}"
    refused = web.post(f"/api/v1/jobs/{locked.id}/handover", headers=staff["desk"],
                       json={"nik_last4": wrong_tail, "reason": "KTP checked at the desk"})
    assert refused.status_code == 403 and "do not match" in refused.json()["detail"]
    assert web.post(f"/api/v1/jobs/{locked.id}/handover", headers=staff["desk"],
                    json={"nik_last4": nik[-4:]}).status_code == 422  # a reason is required
    handed = web.post(f"/api/v1/jobs/{locked.id}/handover", headers=staff["desk"],
                      json={"nik_last4": nik[-4:], "reason": "KTP checked at the desk"})
    assert handed.status_code == 200, handed.text
    wait(lambda: state(station, locked.id) is JobState.COLLECTED, 60, "handed over and collected")
    wait(lambda: any(e["event"] == "released" for e in station.office.events(locked.id)), 60, "reported")
    released = [e for e in station.office.events(locked.id) if e["event"] == "released"][0]
    assert released["detail"]["by"] == "staff"

    conn = spool.connect(station.cfg.spool_path)
    try:
        trail = list(audit.entries(conn, job=locked.id))
        assert [e.actor for e in trail if e.action == "job.handover_refused"] == ["operator:rina"]
        assert [e.actor for e in trail if e.action == "job.released"] == ["operator:rina"], \
            [(e.action, e.actor) for e in trail]
        refusal = [e for e in trail if e.action == "job.handover_refused"][0]
        assert wrong_tail not in str(refusal.details) and nik[-4:] not in str(refusal.details)
    finally:
        conn.close()

    cli_nik = nik_values(by_cli.document)[0]
    done = subprocess.run([*STATION_CLI, "--config", str(station.config_path), "jobs", "handover", by_cli.id,
                           "--nik-last4", cli_nik[-4:], "--reason", "KTP checked at the desk", "--as", "budi"],
                          capture_output=True, text=True, timeout=120, env=station.env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{by_cli.id}: released" in done.stdout
    wait(lambda: state(station, by_cli.id) is JobState.COLLECTED, 60, "handed over by the CLI and collected")


def test_at_a_dispenser_the_code_and_pin_print_and_present_the_document(tmp_path_factory) -> None:
    """The same citizen at a dispenser: the code, the PIN, then page n of m while it prints, then the tray."""
    dispenser = SimulatedStation(Options(folder=tmp_path_factory.mktemp("typed-d") / "station", kind="dispenser",
                                         documents=0, port=0, pin_ratio=0.0, printer_ppm=600, seed=24,
                                         env={"STATION_RELEASE_REFUSED_SCANS_PER_MINUTE": "100"}))
    dispenser.start()
    try:
        conn = spool.connect(dispenser.cfg.spool_path)
        kiosk = {"Authorization": f"Bearer {add_user(conn, 'kiosk-tech', 'technician')}"}
        conn.close()
        approval, = dispenser.office.approve(1, station=dispenser.cfg.station.id, pin=True, kind="template")
        wait(lambda: state(dispenser, approval.id) is JobState.RENDERED, 240, "rendered, waiting for its citizen")
        with httpx.Client(base_url=f"http://127.0.0.1:{dispenser.options.port}", timeout=30) as web:
            wait(lambda: _serving(web), 60, "the web app")
            asked = web.post("/api/v1/kiosk/code", headers=kiosk, json={"code": approval.code}).json()
            assert asked["screen"] == "pin", asked
            printing = web.post("/api/v1/kiosk/pin", headers=kiosk, json={"session": asked["session"],
                                                                          "pin": approval.pin}).json()
            assert printing["screen"] == "printing" and printing["progress"]["pages"] >= 1, printing
        wait(lambda: state(dispenser, approval.id) in (JobState.COLLECTED, JobState.RETAINED), 120,
             "printed and presented")
        wait(lambda: [e["event"] for e in dispenser.office.events(approval.id)].count("released") == 1, 60,
             "the release reported")
    finally:
        dispenser.stop()

"""A technician's shell on a live station: `station status|jobs|alarms|locker` against `station simulate`."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from patience import wait
from simulation_child import STATION, SimulationChild

import spool
from spool import alarms, audit, jobs, machine
from spool.states import Flow, JobState


class Simulation(SimulationChild):
    """`station simulate --port 0 --dir D` in a child process, until stopped."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "--documents", "3", "--seed", "5", "--pin-ratio", "0", "--quiet")

    def station(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `station ARGS` against this station, as technician 'budi'."""
        env = {**os.environ, "STATION_CONFIG": str(self.folder / "station.toml")}
        return subprocess.run([*STATION, *args], capture_output=True, text=True, env=env, timeout=60)

    def conn(self):
        return spool.connect(self.folder / "spool.db")


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    sim = Simulation(tmp_path_factory.mktemp("shell") / "station")
    try:
        def staged() -> list[jobs.Job] | None:
            sim.check()
            if not (sim.folder / "spool.db").exists():
                return None
            conn = sim.conn()
            try:
                found = jobs.jobs_in(conn, JobState.STAGED, limit=10)
            finally:
                conn.close()
            return found if len(found) == 3 else None
        try:
            wait(staged, 180, "three documents staged")
        except AssertionError as err:
            raise AssertionError(f"{err}\nthe simulation printed:\n{sim.tail()}") from None
        yield sim
    finally:
        sim.stop()


def _actions(sim: Simulation, job: str) -> list[tuple[str, str]]:
    conn = sim.conn()
    try:
        return [(e.actor, e.action) for e in audit.entries(conn, job=job)]
    finally:
        conn.close()


def test_status_shows_devices_jobs_alarms_and_the_outbox(sim: Simulation) -> None:
    done = sim.station("status", "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["ready"] is True and status["jobs"]["staged"] >= 1
    assert status["devices"]["scanner"]["state"] == "online"
    assert [bus["state"] for bus in status["devices"]["buses"]] == ["online"]
    assert "outbox_pending" in status["backoffice"] and isinstance(status["alarms"], list)
    text = sim.station("status")
    assert text.returncode == 0 and "scanner: online" in text.stdout and "staged" in text.stdout


def test_status_says_when_the_feed_last_succeeded_and_the_headline_is_the_readiness(sim: Simulation) -> None:
    """(issue 25) `status` showed the feed's opaque cursor; its headline said "ready" whatever /readyz said."""
    text = sim.station("status")
    assert text.returncode == 0, text.stderr
    feed = next(line for line in text.stdout.splitlines() if line.startswith("feed:"))
    assert re.fullmatch(r"feed: last success \d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB \(\d+ s ago\)", feed), feed
    assert "cursor" not in text.stdout
    assert text.stdout.splitlines()[0].endswith(": ready")


def test_times_are_the_stations_local_time_and_utc_on_request(sim: Simulation) -> None:
    """(issue 25) The shell printed `2026-12-07T03:02:52.481Z`: people read WIB; --utc and JSON stay UTC."""
    local = sim.station("spool", "list", "--state", "staged")
    utc = sim.station("spool", "list", "--state", "staged", "--utc")
    as_json = sim.station("spool", "list", "--state", "staged", "--json")
    assert local.returncode == utc.returncode == as_json.returncode == 0, local.stderr + utc.stderr
    wib = re.findall(r"(\d{4}-\d\d-\d\d) (\d\d):(\d\d:\d\d) WIB", local.stdout)
    utcs = re.findall(r"(\d{4}-\d\d-\d\d) (\d\d):(\d\d:\d\d) UTC", utc.stdout)
    assert wib and len(wib) == len(utcs) and not re.search(r"\dT\d\d:\d\d:\d\d", local.stdout), local.stdout
    assert all((int(w[1]) - int(u[1])) % 24 == 7 and w[2] == u[2] for w, u in zip(wib, utcs, strict=True))
    assert all(job["updated_at"].endswith("Z") for job in json.loads(as_json.stdout))
    # The alarm of the issue: `2026-12-07T03:02:52.481Z` in the shell, `10:02:52 WIB` on the ops page.
    conn = sim.conn()
    try:
        alarm = alarms.raise_alarm(conn, "door_left_open", "door open for 60 s", slot="1-03")
        listed = sim.station("alarms", "list")
        row = next(line for line in listed.stdout.splitlines() if line.startswith(f"{alarm.id} "))
        assert re.search(r" \d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB ", row), listed.stdout
    finally:
        alarms.acknowledge(conn, alarm.id, actor="technician:budi")
        conn.close()


def test_an_occupied_slot_opens_only_with_a_reason(sim: Simulation) -> None:
    """(issue 25) `locker open A-1-04` opened a citizen's staged slot with no warning and no reason asked."""
    conn = sim.conn()
    try:
        job = jobs.jobs_in(conn, JobState.STAGED, limit=1)[0]
        before = len(list(audit.entries(conn)))
    finally:
        conn.close()
    refused = sim.station("locker", "open", job.slot, "--as", "budi")
    assert refused.returncode == 2 and refused.stdout == "", refused.stdout
    assert refused.stderr.count("\n") == 1 and job.id in refused.stderr and "--reason" in refused.stderr
    conn = sim.conn()
    try:
        assert not [e for e in list(audit.entries(conn))[before:] if e.slot == job.slot and e.action.startswith("manual")]
    finally:
        conn.close()


def test_selftest_with_the_daemon_running_says_how(sim: Simulation) -> None:
    """(issue 25) It said "in use by another process" and not what to do."""
    done = sim.station("locker", "selftest", "--auto")
    assert done.returncode == 1 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "station locker open" in done.stderr and "systemctl stop mpp-station" in done.stderr


def test_jobs_cancel_reprint_move_through_the_daemon(sim: Simulation) -> None:
    conn = sim.conn()
    first, second, third = sorted(j.id for j in jobs.jobs_in(conn, JobState.STAGED, limit=10))
    free = next(row["id"] for row in conn.execute("SELECT id FROM slots WHERE occupant IS NULL"
                                                   " AND out_of_service = 0 ORDER BY id DESC"))
    conn.close()

    cancelled = sim.station("jobs", "cancel", first, "--reason", "withdrawn at the desk", "--as", "budi")
    assert cancelled.returncode == 0 and cancelled.stdout.startswith(f"{first}: cancelled"), cancelled.stderr
    assert ("technician:budi", "job.cancelled") in _actions(sim, first)
    again = sim.station("jobs", "cancel", first, "--reason", "twice", "--as", "budi")
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "cancelled" in again.stderr

    moved = sim.station("jobs", "move", second, free, "--as", "budi", "--json")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["slot"] == free
    assert ("technician:budi", "job.moved") in _actions(sim, second)

    conn = sim.conn()
    old_slot = jobs.get_job(conn, third).slot
    conn.close()
    reprinted = sim.station("jobs", "reprint", third, "--as", "budi")
    assert reprinted.returncode == 0 and reprinted.stdout.strip() == f"{third}: rendered", reprinted.stderr
    # (issue 25) The old copy came out first: its slot opened, and the sensors said shut and empty.
    assert f"slot {old_slot} is open: take the old copy of {third} out" in reprinted.stderr
    trail = _actions(sim, third)
    assert ("technician:budi", "job.reprint_requested") in trail
    assert trail.index(("technician:budi", "manual_open.opened")) < trail.index(("technician:budi",
                                                                                  "job.reprint_requested"))

    unknown = sim.station("jobs", "retry", "NO-SUCH-JOB", "--as", "budi")
    assert unknown.returncode == 1 and "NO-SUCH-JOB" in unknown.stderr and "Traceback" not in unknown.stderr


def test_jobs_retry_a_held_job(sim: Simulation) -> None:
    # (The simulation's own staff retry held documents only in a scripted day: this one waits for us.)
    conn = sim.conn()
    ours = "TECH-RETRY-1"
    machine.create_job(conn, ours, flow=Flow.LOCKER, template="nib", template_version=1)
    machine.transition(conn, ours, JobState.HELD, actor="system", reason="printer_failed")  # fetch failed
    conn.close()
    from station.cli import main

    os.environ["STATION_CONFIG"] = str(sim.folder / "station.toml")
    try:
        assert main(["jobs", "retry", ours, "--as", "budi"]) == 0
    finally:
        del os.environ["STATION_CONFIG"]
    assert ("technician:budi", "job.retry") in _actions(sim, ours)


def test_alarms_list_and_ack(sim: Simulation) -> None:
    conn = sim.conn()
    raised = alarms.raise_alarm(conn, "door_left_open", "door open for 60 s", slot="1-02")
    conn.close()
    listed = sim.station("alarms", "list", "--json")
    assert listed.returncode == 0 and raised.id in [a["id"] for a in json.loads(listed.stdout)]
    acked = sim.station("alarms", "ack", str(raised.id), "--as", "budi")
    assert acked.returncode == 0 and "technician:budi" in acked.stdout, acked.stderr
    assert raised.id not in [a["id"] for a in json.loads(sim.station("alarms", "list", "--json").stdout)]
    twice = sim.station("alarms", "ack", str(raised.id), "--as", "budi")
    assert twice.returncode == 1 and len(twice.stderr.strip().splitlines()) == 1


def test_locker_goes_through_the_daemon(sim: Simulation) -> None:
    status = sim.station("locker", "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["from"] == "daemon", status.stderr
    slot = json.loads(status.stdout)["slots"][-1]["slot"]
    opened = sim.station("locker", "open", slot, "--as", "budi", "--reason", "latch check")
    assert opened.returncode == 0 and opened.stdout.strip() in ("opened", "already_open"), opened.stderr
    conn = sim.conn()
    try:
        entries = [(e.actor, e.action, e.slot) for e in audit.entries(conn) if e.slot == slot]
    finally:
        conn.close()
    assert ("technician:budi", "manual_open.intent", slot) in entries  # recorded before the lock moved
    nowhere = sim.station("locker", "open", "9-01", "--as", "budi")
    assert nowhere.returncode != 0 and len(nowhere.stderr.strip().splitlines()) == 1
    assert re.search(r"9-01", nowhere.stderr)


def test_without_a_daemon_the_shell_says_so(tmp_path: Path, station_dir: Path) -> None:
    env = {**os.environ, "STATION_CONFIG": str(station_dir / "station.toml")}
    # (`alarms list` reads the spool then: tests/vocabulary/test_words.py)
    for args in (["status"], ["jobs", "retry", "X"], ["alarms", "ack", "1"]):
        done = subprocess.run([*STATION, *args], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 69 and "not running" in done.stderr and done.stderr.count("\n") == 1, args

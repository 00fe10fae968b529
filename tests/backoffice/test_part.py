"""The back-office part inside the real daemon: documents in, every job change reported once, in order."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from backoffice_support import BEARER, STATION, outbox_rows

import spool
from spool import alarms, machine
from spool.states import JobState
from station import config
from spool import outbox
from station.backoffice.feed import FeedPart
from station.runtime.daemon import Daemon
from station.trust.store import TrustStore
from station.runtime import ops

LIFE = (JobState.RENDERED, JobState.PRINTING, JobState.PRINTED, JobState.STAGED, JobState.RELEASED,
        JobState.COLLECTED)
REPORTED = ["received", "printed", "staged", "released", "collected"]


@pytest.fixture
def cfg(station_dir: Path, office: Any, server: Any) -> config.Config:
    """A simulated station pointed at the simulated back office, trusting its issuer key."""
    path = station_dir / "station.toml"
    text = path.read_text()
    text = re.sub(r'(?m)^id = ".*"$', f'id = "{STATION}"', text, count=1)
    text = re.sub(r'(?m)^url = ".*"$', f'url = "{server.url}"', text, count=1)
    text = re.sub(r"(?m)^poll_seconds = .*$", "poll_seconds = 0.2", text, count=1)
    path.write_text(text)
    loaded = config.load(path, environ={})
    (station_dir / "backoffice.token").write_text(BEARER + "\n")
    store_path = loaded.path(loaded.paths.trust_store)
    TrustStore.load(store_path).with_key(office.issuer_entry()).save(store_path)
    return loaded


async def until(check: Any, what: str, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def run_daemon(cfg: config.Config, scenario: Any) -> None:
    async def main() -> None:
        daemon = Daemon(cfg, [FeedPart()])
        running = asyncio.create_task(daemon.run())
        try:
            await scenario(daemon)
        finally:
            daemon.request_stop()
            await asyncio.wait_for(running, 30)

    asyncio.run(main())


def live_through(conn: sqlite3.Connection, job_id: str) -> None:
    """What the other workers do to a job, through the state machine (as they do)."""
    for state in LIFE:
        machine.transition(conn, job_id, state, actor="system")


def test_documents_flow_in_and_every_change_flows_back_once_in_order(cfg: config.Config, office: Any,
                                                                      server: Any) -> None:
    approved = [a.id for a in office.approve(12)]
    conn = spool.connect(cfg.spool_path)

    async def scenario(daemon: Daemon) -> None:
        await until(lambda: conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 12, "documents taken")
        for job_id in approved[:6]:
            await asyncio.to_thread(live_through, conn, job_id)
        # The back office goes away; jobs go on; the events wait.
        await asyncio.to_thread(server.stop)
        for job_id in approved[6:]:
            await asyncio.to_thread(live_through, conn, job_id)
        status = daemon.control.handlers[ops.BACKOFFICE_STATUS]
        for _ in range(600):  # until the outbox has tried, and failed, to reach the back office
            if (await status({}, "system"))["outbox"]["failures"] > 0:
                break
            await asyncio.sleep(0.05)
        assert outbox.pending_count(conn) > 0
        await asyncio.to_thread(server.start)
        await until(lambda: len(office.events()) == 12 * len(REPORTED), "every event delivered")
        await until(lambda: outbox.pending_count(conn) == 0, "the outbox empty")
        for _ in range(600):  # the step that delivered the last event ends after its last commit
            seen = await status({}, "system")
            if seen["outbox"]["waiting_since"] is None:
                break
            await asyncio.sleep(0.05)
        assert seen["outbox_pending"] == 0 and seen["feed"]["stored"] == 12
        assert seen["outbox"]["failures"] > 0 and seen["outbox"]["waiting_since"] is None

    run_daemon(cfg, scenario)
    events = office.events()
    assert all(e["deliveries"] >= 1 for e in events)
    for job_id in approved:
        mine = [e["event"] for e in events if e["document_id"] == job_id]
        assert mine == REPORTED, job_id  # each once, in the order they happened
    staged = next(e for e in events if e["event"] == "staged")
    assert staged["detail"]["audit_seq"] > 0 and staged["station"] == STATION
    rows = outbox_rows(conn)
    assert len(rows) == len({(d, e) for d, e, _ in rows}) == 12 * len(REPORTED)


def test_a_station_without_its_token_runs_and_says_why(cfg: config.Config, office: Any) -> None:
    (cfg.base_dir / "backoffice.token").unlink()
    conn = spool.connect(cfg.spool_path)

    async def scenario(daemon: Daemon) -> None:
        await until(lambda: any(a.kind == "backoffice.no_credential" for a in alarms.list_alarms(conn)),
                    "an alarm about the missing token")

    run_daemon(cfg, scenario)


def test_held_jobs_report_their_reason(cfg: config.Config, office: Any) -> None:
    approved = office.approve(1)[0].id
    conn = spool.connect(cfg.spool_path)

    async def scenario(daemon: Daemon) -> None:
        await until(lambda: conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 1, "the document")
        await asyncio.to_thread(machine.transition, conn, approved, JobState.HELD, actor="system",
                                reason="template_signature")
        await until(lambda: any(e["event"] == "held" for e in office.events()), "held reported")

    run_daemon(cfg, scenario)
    held = next(e for e in office.events() if e["event"] == "held")
    assert held["detail"]["reason"] == "template_signature"


def test_a_job_change_wakes_the_outbox_without_its_poll(cfg: config.Config, office: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """(issue 27) With the outbox's safety poll at an hour, a job change of this process is delivered:
    its event rang the sender's bell; nothing else could have woken it."""
    from station.backoffice import feed as feed_module

    monkeypatch.setattr(feed_module, "OUTBOX_SAFETY_POLL_S", 3600.0)
    approved = office.approve(1)[0].id
    conn = spool.connect(cfg.spool_path)

    async def scenario(daemon: Daemon) -> None:
        await until(lambda: any(e["event"] == "received" for e in office.events()), "received reported")
        # Now the sender sleeps for an hour; the transition's event wakes it.
        await asyncio.to_thread(machine.transition, conn, approved, JobState.HELD, actor="system",
                                reason="template_signature")
        await until(lambda: any(e["event"] == "held" for e in office.events()), "held reported")

    run_daemon(cfg, scenario)

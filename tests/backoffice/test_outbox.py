"""The outbox: exactly once per (document, event), sent in order, waiting while the back office is away."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import pytest
from backoffice_support import STATION, client, outbox_rows, quick_backoff, run

from spool import alarms, audit, machine
from spool.db import write
from spool.states import Flow, JobState
from spool import outbox
from spool.outbox import OutboxError
from station.backoffice.outbox import Sender


def queue(conn: sqlite3.Connection, office: Any, count: int, events: tuple[str, ...] = ("received", "printed")
          ) -> list[tuple[str, str]]:
    """Approve `count` documents and queue `events` for each, interleaved; the queued order."""
    order = []
    ids = [a.id for a in office.approve(count)]
    for event in events:
        for doc_id in ids:
            assert outbox.enqueue(conn, doc_id, event, detail={"n": len(order)})
            order.append((doc_id, event))
    return order


def office_order(office: Any) -> list[tuple[str, str]]:
    return [(e["document_id"], e["event"]) for e in office.events()]


async def send(server: Any, conn: sqlite3.Connection, *, rounds: int = 20, timeout: float = 3.0) -> Sender:
    """Run the sender's steps (without the pauses) until the outbox is empty or `rounds` ran."""
    async with client(server.url, timeout=timeout) as http:
        sender = Sender(conn, http, station=STATION, backoff=quick_backoff())
        for _ in range(rounds):
            await sender.step()
            if outbox.pending_count(conn) == 0:
                break
        return sender


def test_enqueue_is_exactly_once_per_document_and_event(conn: sqlite3.Connection) -> None:
    assert outbox.enqueue(conn, "D1", "received", at="2026-03-01T00:00:00Z")
    assert not outbox.enqueue(conn, "D1", "received", at="2026-03-02T00:00:00Z", detail={"again": True})
    assert outbox.enqueue(conn, "D1", "printed")
    assert outbox.enqueue(conn, "D1", "staged")
    events = outbox.events_for(conn, "D1")
    assert [(e.event, e.at, e.detail) for e in events][0] == ("received", "2026-03-01T00:00:00Z", {})
    assert [e.event for e in events] == ["received", "printed", "staged"]


@pytest.mark.parametrize("args,kwargs", [(("D1", "lost"), {}), (("", "held"), {}),
                                         (("D1", "held"), {"detail": {"x": object()}}),
                                         (("D1", "held"), {"detail": {"x": "y" * 5000}}),
                                         (("D1", "held"), {"detail": {"x": float("nan")}})])
def test_enqueue_refuses_bad_events(conn: sqlite3.Connection, args: tuple[str, str], kwargs: dict[str, Any]) -> None:
    with pytest.raises(OutboxError):
        outbox.enqueue(conn, *args, **kwargs)
    assert outbox_rows(conn) == []


def test_enqueue_joins_the_transaction_of_the_change(conn: sqlite3.Connection) -> None:
    with pytest.raises(RuntimeError):
        with write(conn):
            outbox.enqueue(conn, "D1", "received")
            raise RuntimeError("the change failed")
    assert outbox_rows(conn) == []


def test_events_are_delivered_in_order_and_marked_sent(server: Any, office: Any, conn: sqlite3.Connection) -> None:
    order = queue(conn, office, 5)
    sender = run(send(server, conn))
    assert office_order(office) == order
    assert all(sent for _, _, sent in outbox_rows(conn)) and sender.status.delivered == 10
    received = office.events()[0]
    assert received["station"] == STATION and received["detail"] == {"n": 0} and received["deliveries"] == 1


@pytest.mark.parametrize("outage", ["stopped", "down", "error_rate", "slow"])
def test_while_the_back_office_is_away_events_wait_then_arrive_in_order(
        server: Any, office: Any, conn: sqlite3.Connection, outage: str) -> None:
    first = queue(conn, office, 3)
    if outage == "stopped":
        server.stop()
    elif outage == "slow":
        office.set_faults(slow_seconds=1.0)
    else:
        office.set_faults(**{outage: True if outage == "down" else 1.0})
    sender = run(send(server, conn, rounds=3, timeout=0.3))
    assert sender.status.waiting_since is not None and sender.status.delivered == 0
    assert outbox.pending_count(conn) == 6 and office_order(office) in ([], first[:1])  # slow: maybe one recorded
    attempts = conn.execute("SELECT attempts FROM outbox ORDER BY id LIMIT 1").fetchone()[0]
    assert attempts == 3
    more = queue(conn, office, 2, events=("staged",))  # events go on being queued meanwhile
    if outage == "stopped":
        server.start()
    office.set_faults(down=False, error_rate=0.0, slow_seconds=0.0)
    sender = run(send(server, conn))
    assert office_order(office) == first + more
    assert outbox.pending_count(conn) == 0 and sender.status.waiting_since is None


def test_a_lost_reply_is_sent_again_and_the_back_office_has_it_once(server: Any, office: Any,
                                                                     conn: sqlite3.Connection) -> None:
    order = queue(conn, office, 3)
    office.set_faults(lost_reply_rate=1.0)
    run(send(server, conn, rounds=4))
    assert outbox.pending_count(conn) == 6  # nothing confirmed
    office.set_faults(lost_reply_rate=0.0)
    run(send(server, conn))
    assert office_order(office) == order
    assert office.events()[0]["deliveries"] == 5  # four lost replies, then the confirmed one
    assert all(e["deliveries"] == 1 for e in office.events()[1:])


def test_an_event_the_back_office_refuses_for_good_does_not_block_the_rest(server: Any, office: Any,
                                                                           conn: sqlite3.Connection) -> None:
    outbox.enqueue(conn, "NOT-KNOWN-THERE", "held", detail={"reason": "malformed"})
    order = queue(conn, office, 2)
    sender = run(send(server, conn))
    assert office_order(office) == order and outbox.pending_count(conn) == 0
    assert sender.status.refused == 1
    alarm = next(a for a in alarms.list_alarms(conn) if a.kind == "backoffice.event_refused")
    assert alarm.job_id == "NOT-KNOWN-THERE" and "404" in alarm.message


def test_a_mix_of_faults_ends_with_every_event_exactly_once_in_order(server: Any, office: Any,
                                                                       conn: sqlite3.Connection) -> None:
    order = queue(conn, office, 15, events=("received", "printed", "staged"))
    office.set_faults(error_rate=0.3, lost_reply_rate=0.3)
    run(send(server, conn, rounds=60))
    office.set_faults(error_rate=0.0, lost_reply_rate=0.0)
    run(send(server, conn))
    assert office_order(office) == order
    assert outbox.pending_count(conn) == 0


def test_run_wakes_when_told_and_stops_when_asked(server: Any, office: Any, conn: sqlite3.Connection) -> None:
    async def scenario() -> list[tuple[str, str]]:
        async with client(server.url) as http:
            sender = Sender(conn, http, station=STATION, poll_seconds=3600, backoff=quick_backoff())
            stop = asyncio.Event()
            task = asyncio.create_task(sender.run(stop))
            await asyncio.sleep(0.05)
            order = queue(conn, office, 2)
            sender.wake()  # without this the next look would be an hour away
            for _ in range(500):
                if outbox.pending_count(conn) == 0:
                    break
                await asyncio.sleep(0.01)
            stop.set()
            await asyncio.wait_for(task, 5)
            return order

    order = run(scenario())
    assert office_order(office) == order


def test_the_machine_queues_each_reportable_change_once_in_order(conn: sqlite3.Connection) -> None:
    for job_id in ("A", "B"):
        machine.create_job(conn, job_id, flow=Flow.LOCKER, template="nib", template_version=1)
    for state in (JobState.RENDERED, JobState.PRINTING, JobState.RENDERED, JobState.PRINTING, JobState.PRINTED):
        machine.transition(conn, "A", state, actor="system")  # a reprint: printing twice, nothing reported
    machine.transition(conn, "B", JobState.HELD, actor="system", reason="bad_template")
    assert [(d, e) for d, e, _ in outbox_rows(conn)] == [("A", "received"), ("B", "received"), ("A", "printed"),
                                                         ("B", "held")]
    received, held = outbox.events_for(conn, "B")
    assert received.detail == {}  # as the intake always queued it
    entry = next(e for e in audit.entries(conn, job="B") if e.action == "job.held")
    assert held.detail == {"audit_seq": entry.seq, "reason": "bad_template"} and held.at == entry.at
    machine.transition(conn, "A", JobState.RENDERED, actor="system")
    machine.transition(conn, "A", JobState.PRINTING, actor="system")
    machine.transition(conn, "A", JobState.PRINTED, actor="system")  # printed again: reported once
    assert [e.event for e in outbox.events_for(conn, "A")] == ["received", "printed"]


def test_a_cancel_says_who_cancelled_and_from_which_slot(conn: sqlite3.Connection) -> None:
    for job_id in ("OFFICE", "OPERATOR"):
        machine.create_job(conn, job_id, flow=Flow.LOCKER, template="nib", template_version=1)
    machine.transition(conn, "OFFICE", JobState.CANCELLED, actor="system", reason="other", details={"by": "office"})
    machine.transition(conn, "OPERATOR", JobState.CANCELLED, actor="operator:ani", reason="x" * 300)
    office_cancel, = [e.detail for e in outbox.events_for(conn, "OFFICE") if e.event == "cancelled"]
    operator_cancel, = [e.detail for e in outbox.events_for(conn, "OPERATOR") if e.event == "cancelled"]
    assert office_cancel["by"] == "office" and office_cancel["reason"] == "other"
    assert operator_cancel["by"] == "operator" and operator_cancel["reason"] == "x" * 200


def _state(conn: sqlite3.Connection, job_id: str) -> str:
    return conn.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()[0]


def test_a_reported_transition_and_its_event_commit_together(conn: sqlite3.Connection) -> None:
    """A kill between the change and its event is impossible: one failing write and neither lands."""
    machine.create_job(conn, "D1", flow=Flow.LOCKER, template="nib", template_version=1)
    for state in (JobState.RENDERED, JobState.PRINTING):
        machine.transition(conn, "D1", state, actor="system")
    rows, head = outbox_rows(conn), audit.head(conn)
    # The event's write fails (the disk, say): the transition does not land either.
    conn.execute("CREATE TEMP TRIGGER outbox_fails BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.DatabaseError, match="disk full"):
        machine.transition(conn, "D1", JobState.PRINTED, actor="system")
    assert _state(conn, "D1") == "printing" and audit.head(conn) == head and outbox_rows(conn) == rows
    conn.execute("DROP TRIGGER outbox_fails")
    # The transition's commit fails after the event was queued: the event does not land either.
    with pytest.raises(sqlite3.DatabaseError, match="commit failed"):
        with write(conn):
            machine.transition(conn, "D1", JobState.PRINTED, actor="system")
            assert outbox_rows(conn)[-1][:2] == ("D1", "printed")  # queued, in the open transaction
            raise sqlite3.OperationalError("commit failed")
    assert _state(conn, "D1") == "printing" and audit.head(conn) == head and outbox_rows(conn) == rows
    machine.transition(conn, "D1", JobState.PRINTED, actor="system")
    assert _state(conn, "D1") == "printed" and outbox_rows(conn)[-1][:2] == ("D1", "printed")


def test_a_correction_reports_its_revision_from_then_on(conn: sqlite3.Connection) -> None:
    machine.create_job(conn, "D1", flow=Flow.LOCKER, template="nib", template_version=1)
    machine.correct(conn, "D1", 1, actor="system", details={"revision": 1, "from_revision": 0, "from": "received"})
    for state in (JobState.RENDERED, JobState.PRINTING, JobState.PRINTED):
        machine.transition(conn, "D1", state, actor="system")
    machine.correct(conn, "D1", 2, actor="system", details={"revision": 2, "from_revision": 1, "from": "printed"})
    rows = [(r["event"], r["key"], json.loads(r["detail"])) for r in
            conn.execute("SELECT * FROM outbox WHERE document_id = 'D1' ORDER BY id")]
    assert [(e, k) for e, k, _ in rows] == [("received", ""), ("received", "r1"), ("printed", "r1"),
                                            ("received", "r2")]
    assert rows[1][2] == {"revision": 1} and rows[2][2]["revision"] == 1 and rows[3][2] == {"revision": 2}
    assert [e.action for e in audit.entries(conn, job="D1")].count("job.corrected") == 2

"""Citizens' complaints (PROTOCOLS.md §7.1): queued once per kiosk alarm, delivered once, no personal data."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from backoffice_support import STATION, client, quick_backoff, run

from spool import alarms
from spool.db import write
from station.backoffice import complaints
from station.backoffice.outbox import Sender


async def _deliver(server: Any, conn: sqlite3.Connection, rounds: int = 20) -> Sender:
    async with client(server.url) as http:
        sender = Sender(conn, http, station=STATION, backoff=quick_backoff())
        for _ in range(rounds):
            await sender.step()
            if complaints.pending_count(conn) == 0:
                break
        return sender


def _report(conn: sqlite3.Connection, problem: str, *, job: str | None = None, slot: str | None = None) -> int:
    with write(conn):
        alarm = alarms.raise_alarm(conn, f"citizen_{problem}", "Citizen reports", job=job, slot=slot,
                                   actor="citizen")
        complaints.enqueue(conn, alarm.id, problem, job=job, slot=slot)
    return alarm.id


def test_a_complaint_about_a_document_and_one_about_the_station(conn, office, server) -> None:
    doc = office.approve(1)[0].id
    _report(conn, "door_stuck", job=doc, slot="1-05")
    _report(conn, "other")
    run(_deliver(server, conn))
    listed = office.complaints.listed()
    assert [(c["document_id"], c["problem"], c["slot"], c["deliveries"]) for c in listed] == [
        (doc, "door_stuck", "1-05", 1), (None, "other", None, 1)]
    assert complaints.pending_count(conn) == 0
    assert office.events() == []  # a complaint is not one of the document's progress events


def test_pressing_twice_sends_one_complaint(conn, office, server) -> None:
    first = _report(conn, "document_missing", slot="1-02")
    assert _report(conn, "document_missing", slot="1-02") == first  # the same open alarm
    run(_deliver(server, conn))
    assert len(office.complaints.listed()) == 1


def test_a_lost_reply_is_resent_and_kept_once(conn, office, server) -> None:
    _report(conn, "wrong_document")
    office.set_faults(lost_reply_rate=1.0)
    run(_deliver(server, conn, rounds=3))
    assert complaints.pending_count(conn) == 1  # the station never heard the answer
    office.set_faults(lost_reply_rate=0.0)
    run(_deliver(server, conn))
    [kept] = office.complaints.listed()
    assert kept["deliveries"] >= 2 and complaints.pending_count(conn) == 0


@pytest.mark.parametrize("detail", [{"problem": "fire"}, {"problem": "other", "name": "Siti Nurhaliza"},
                                    {"problem": "other", "slot": 5}, "door_stuck"])
def test_the_back_office_refuses_what_is_not_a_complaint(office, detail) -> None:
    body = {"event": "complaint", "at": "2026-03-01T10:00:00Z", "station": STATION, "detail": detail}
    assert office.record_complaint(STATION, None, body).status == 422
    assert office.complaints.listed() == []


def test_an_unknown_problem_is_not_queued(conn) -> None:
    with pytest.raises(ValueError):
        complaints.enqueue(conn, 1, "fire")

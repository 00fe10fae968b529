"""The feed against the simulated back office, in every misbehaviour: it never raises, never stores
an unverified document, and takes every good one once the back office behaves again."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from backoffice_support import (BEARER, STATION, assert_only_verified, client, job_ids, outbox_rows,
                                quick_backoff, refused, run)

from spool import alarms, audit
from station.backoffice import intake
from station.backoffice.intake import Feed, FeedPacing
from station.trust.store import TrustStore


async def drain(server: Any, conn: sqlite3.Connection, trust: TrustStore, *, rounds: int = 30,
                page_size: int = 5, timeout: float = 3.0, token: str = BEARER) -> Feed:
    """Run the feed's steps (as the daemon's loop would, without the pauses) until a short page."""
    async with client(server.url, timeout=timeout, token=token) as http:
        feed = Feed(conn, http, trust, station=STATION, flow="locker", pacing=FeedPacing(page_size, backoff=quick_backoff()))
        for _ in range(rounds):
            pause = await feed.step()
            assert pause >= 0
            if pause == feed.poll_seconds:  # a short page, taken: the feed is level with the back office
                break
        return feed


def test_documents_are_taken_page_by_page(server: Any, office: Any, conn: sqlite3.Connection,
                                          trust: TrustStore) -> None:
    approved = {a.id for a in office.approve(12)}
    feed = run(drain(server, conn, trust))
    assert job_ids(conn) == approved
    assert feed.status.pages == 3 and feed.status.stored == 12 and feed.status.failures == 0
    assert assert_only_verified(conn, trust) == 12
    assert intake.read_cursor(conn) is not None
    # Later approvals continue from the cursor.
    more = {a.id for a in office.approve(3)}
    run(drain(server, conn, trust))
    assert job_ids(conn) == approved | more


@pytest.mark.parametrize("fault", [{"error_rate": 1.0}, {"malformed_rate": 1.0}, {"down": True}])
def test_a_failing_back_office_changes_nothing_then_recovers(server: Any, office: Any, conn: sqlite3.Connection,
                                                             trust: TrustStore, fault: dict[str, Any]) -> None:
    approved = {a.id for a in office.approve(7)}
    office.set_faults(**fault)
    feed = run(drain(server, conn, trust, rounds=8))
    assert feed.status.failures == 8 and feed.status.stored == 0
    assert job_ids(conn) == set() and intake.read_cursor(conn) is None and outbox_rows(conn) == []
    if "malformed_rate" in fault:
        assert any(a.kind == "backoffice.malformed_reply" for a in alarms.list_alarms(conn))
    office.set_faults(error_rate=0.0, malformed_rate=0.0, down=False)
    run(drain(server, conn, trust))
    assert job_ids(conn) == approved and assert_only_verified(conn, trust) == 7


def test_every_kind_of_malformed_reply_is_refused(server: Any, office: Any, conn: sqlite3.Connection,
                                                  trust: TrustStore) -> None:
    office.approve(3)
    office.set_faults(malformed_rate=1.0)
    feed = run(drain(server, conn, trust, rounds=40))  # the simulator garbles six different ways
    assert feed.status.failures == 40 and job_ids(conn) == set()
    assert audit.verify(conn).ok


def test_slow_replies_time_out_and_are_retried(server: Any, office: Any, conn: sqlite3.Connection,
                                               trust: TrustStore) -> None:
    approved = {a.id for a in office.approve(4)}
    office.set_faults(slow_seconds=1.5)
    feed = run(drain(server, conn, trust, rounds=2, timeout=0.3))
    assert feed.status.failures == 2 and "no complete answer" in (feed.status.last_error or "")
    assert job_ids(conn) == set()
    office.set_faults(slow_seconds=0.2)  # slow, but within the timeout
    run(drain(server, conn, trust, timeout=3.0))
    assert job_ids(conn) == approved


def test_a_stopped_back_office_is_waited_for(server: Any, office: Any, conn: sqlite3.Connection,
                                             trust: TrustStore) -> None:
    approved = {a.id for a in office.approve(6)}
    server.stop()
    feed = run(drain(server, conn, trust, rounds=3))
    assert feed.status.failures == 3 and "Connect" in (feed.status.last_error or "")
    server.start()
    run(drain(server, conn, trust))
    assert job_ids(conn) == approved


@pytest.mark.parametrize("fault,reason", [("bad_signature_rate", "bad_signature"),
                                          ("unknown_key_rate", "unknown_key"),
                                          ("malformed_document_rate", "malformed")])
def test_spoiled_documents_are_refused_and_not_reported(server: Any, office: Any, conn: sqlite3.Connection,
                                                         trust: TrustStore, fault: str, reason: str) -> None:
    office.approve(6)
    office.set_faults(**{fault: 1.0})
    feed = run(drain(server, conn, trust))
    spoiled = office.spoiled()
    assert set(spoiled) == {a.id for a in office.approvals()} and set(spoiled.values()) == {reason}
    assert job_ids(conn) == set() and feed.status.refused == 6
    assert refused(conn) == {doc_id: {reason} for doc_id in spoiled}
    assert outbox_rows(conn) == []  # unverified: their ids prove nothing, so no `held` for them
    unknown_key_alarms = [a for a in alarms.list_alarms(conn) if a.kind == "backoffice.unknown_issuer_key"]
    assert len(unknown_key_alarms) == (1 if reason == "unknown_key" else 0)  # one, not one per document
    # Once the back office signs properly again, new documents flow; the spoiled stay refused.
    office.set_faults(**{fault: 0.0})
    fine = {a.id for a in office.approve(4)}
    run(drain(server, conn, trust))
    assert job_ids(conn) == fine and assert_only_verified(conn, trust) == 4


def test_duplicates_are_taken_once(server: Any, office: Any, conn: sqlite3.Connection, trust: TrustStore) -> None:
    approved = {a.id for a in office.approve(20)}
    office.set_faults(duplicate_rate=1.0)
    feed = run(drain(server, conn, trust, rounds=40))
    assert job_ids(conn) == approved and feed.status.duplicates > 0
    assert [e for _, e, _ in outbox_rows(conn)] == ["received"] * 20
    assert refused(conn) == {}


def test_conflicting_repeats_are_refused_and_alarmed(server: Any, office: Any, conn: sqlite3.Connection,
                                                     trust: TrustStore) -> None:
    approved = {a.id: a for a in office.approve(15)}
    office.set_faults(conflict_rate=1.0)
    run(drain(server, conn, trust, rounds=40))
    conflicts = office.conflicts()
    assert conflicts and job_ids(conn) == set(approved)
    for doc_id in conflicts:
        assert refused(conn)[doc_id] == {"conflict"}
        payload = conn.execute("SELECT payload FROM jobs WHERE id = ?", (doc_id,)).fetchone()[0]
        assert '"signature":"' + approved[doc_id].document["signature"] in payload  # the first one kept
    kinds = [a.kind for a in alarms.list_alarms(conn)]
    assert kinds.count("backoffice.document_conflict") == len(conflicts)


def test_a_wrong_bearer_token_is_alarmed(server: Any, office: Any, conn: sqlite3.Connection,
                                         trust: TrustStore) -> None:
    office.approve(2)
    feed = run(drain(server, conn, trust, rounds=2, token="not-the-token"))
    assert feed.status.failures == 2 and "401" in (feed.status.last_error or "")
    assert any(a.kind == "backoffice.unauthorized" for a in alarms.list_alarms(conn))
    assert job_ids(conn) == set()


def test_every_misbehaviour_at_once_then_calm(server: Any, office: Any, conn: sqlite3.Connection,
                                              trust: TrustStore) -> None:
    office.approve(40)
    office.set_faults(error_rate=0.2, malformed_rate=0.2, bad_signature_rate=0.1, unknown_key_rate=0.1,
                      malformed_document_rate=0.1, duplicate_rate=0.3, conflict_rate=0.2, slow_seconds=0.05)
    run(drain(server, conn, trust, rounds=60, page_size=4))
    office.set_faults(error_rate=0, malformed_rate=0, bad_signature_rate=0, unknown_key_rate=0,
                      malformed_document_rate=0, duplicate_rate=0, conflict_rate=0, slow_seconds=0)
    run(drain(server, conn, trust, rounds=60, page_size=4))
    spoiled = office.spoiled()
    assert job_ids(conn) == {a.id for a in office.approvals()} - set(spoiled)
    assert assert_only_verified(conn, trust) == 40 - len(spoiled)
    assert set(spoiled) <= set(refused(conn))
    rows = outbox_rows(conn)
    assert len(rows) == len({(d, e) for d, e, _ in rows})
    assert audit.verify(conn).ok

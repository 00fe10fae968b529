"""The simulated back office sends corrections and withdrawals (PROTOCOLS §7.1); the feed applies them."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import httpx
from backoffice_support import STATION, client, quick_backoff, run

from spool import jobs
from spool.states import JobState
from station.backoffice import document, withdrawal
from station.backoffice.intake import Feed, FeedPacing, IntakeResult
from station.trust.store import TrustStore


async def _poll(server: Any, conn: sqlite3.Connection, trust: TrustStore) -> IntakeResult:
    async with client(server.url) as http:
        feed = Feed(conn, http, trust, station=STATION, flow="locker", pacing=FeedPacing(10, backoff=quick_backoff()))
        result = await feed.poll_once()
        assert result is not None
        return result


def test_corrections_and_withdrawals_travel_the_feed(server: Any, office: Any, conn: sqlite3.Connection,
                                                     trust: TrustStore) -> None:
    first, second = (a.id for a in office.approve(2))
    assert run(_poll(server, conn, trust)).stored == [first, second]
    name = next(iter(office.approval(first).document["data"]))
    reply = httpx.post(f"{server.url}/sim/documents/{first}/correct", json={"data": {name: "NAMA BARU"}})
    assert reply.status_code == 200 and reply.json()["revision"] == 1
    assert document.check(reply.json(), trust).rev == 1
    assert httpx.post(f"{server.url}/sim/documents/{second}/withdraw", json={"reason": "duplicate_request"}
                      ).status_code == 200
    result = run(_poll(server, conn, trust))
    assert result.corrected == [first] and result.withdrawn == [second]
    assert json.loads(jobs.get_job(conn, first).payload or "{}")["data"][name] == "NAMA BARU"
    assert jobs.get_job(conn, second).state is JobState.CANCELLED
    listed = {d["id"]: d for d in httpx.get(f"{server.url}/sim/documents").json()}
    assert listed[first]["revision"] == 1 and listed[second]["withdrawn"] is True
    page = httpx.get(f"{server.url}/", timeout=5).text
    assert f'data-doc="{first}"' in page and "withdraw" in page


def test_bad_requests_to_the_simulator_are_refused(server: Any, office: Any) -> None:
    doc_id = office.approve(1)[0].id
    assert httpx.post(f"{server.url}/sim/documents/NOPE/correct").status_code == 404
    assert httpx.post(f"{server.url}/sim/documents/NOPE/withdraw").status_code == 404
    assert httpx.post(f"{server.url}/sim/documents/{doc_id}/correct", json={"data": {"x": 1}}).status_code == 400
    assert httpx.post(f"{server.url}/sim/documents/{doc_id}/withdraw", json={"reason": ""}).status_code == 400
    sent = office.withdraw(doc_id)
    assert withdrawal.check(sent, TrustStore(keys=(office.issuer_entry(),))).document_id == doc_id

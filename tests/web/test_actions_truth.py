"""Staff actions tell the truth: a later deadline only, an operator's cancel reaches the back office."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spool import rfc3339
from spool.errors import SpoolError
from spool.jobs import get_job
from spool import outbox
from station.web import actions


def test_extend_accepts_only_a_later_deadline(station) -> None:
    conn = station.conn()
    current = rfc3339.parse(get_job(conn, "JOB-STAGED").pickup_expires)
    now = current - timedelta(days=20)  # the job still waits for its citizen
    with pytest.raises(SpoolError, match="later than the current one"):
        actions.extend(conn, "JOB-STAGED", current - timedelta(days=1), actor="operator:rina", now=now)
    with pytest.raises(SpoolError, match="later than the current one"):
        actions.extend(conn, "JOB-STAGED", current, actor="operator:rina", now=now)
    assert get_job(conn, "JOB-STAGED").pickup_expires == current.strftime("%Y-%m-%dT%H:%M:%SZ")
    later = actions.extend(conn, "JOB-STAGED", current + timedelta(days=3), actor="operator:rina", now=now)
    assert later.pickup_expires == (current + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_operators_cancel_is_reported_to_the_back_office_by_operator(station, client) -> None:
    response = client.post("/api/v1/jobs/JOB-RECEIVED/cancel", headers=station.auth("operator"),
                           json={"reason": "citizen asked"})
    assert response.status_code == 200, response.text
    conn = station.conn()
    sent = [e.body("MPP-DEMO-01") for e in outbox.events_for(conn, "JOB-RECEIVED") if e.event == "cancelled"]
    assert len(sent) == 1 and sent[0]["detail"]["by"] == "operator" and sent[0]["detail"]["reason"] == "citizen asked"

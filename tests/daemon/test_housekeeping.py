"""Expiry and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import spool
from spool import audit, jobs, machine, slots
from spool.states import Flow, JobState
from station.parts import housekeeping

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _staged(conn, job_id: str, expires: datetime, slot: str) -> None:
    machine.create_job(conn, job_id, flow=Flow.LOCKER, template="nib", template_version=1,
                       pickup_expires=expires.isoformat().replace("+00:00", "Z"), payload='{"nama": "Budi"}')
    for state in ("rendered", "printing", "printed"):
        machine.transition(conn, job_id, state, actor="system")
    slots.occupy(conn, slot, job_id, actor="operator:rina")
    machine.transition(conn, job_id, "staged", actor="operator:rina")


def test_expiry_moves_only_jobs_past_their_window(tmp_path: Path) -> None:
    conn = spool.connect(tmp_path / "s.db", create=True)
    slots.add_slots(conn, [("A-1-01", "M", False), ("A-1-02", "M", False)])
    _staged(conn, "OLD", NOW - timedelta(minutes=1), "A-1-01")
    _staged(conn, "NEW", NOW + timedelta(days=2), "A-1-02")
    assert housekeeping.expire_due(conn, NOW) == ["OLD"]
    old = jobs.get_job(conn, "OLD")
    assert old.state is JobState.EXPIRED and old.slot == "A-1-01"  # the paper is still in the slot
    assert jobs.get_job(conn, "NEW").state is JobState.STAGED
    assert housekeeping.expire_due(conn, NOW) == []
    machine.transition(conn, "OLD", "returned", actor="technician:budi")
    assert jobs.get_job(conn, "OLD").slot is None


def test_retention_deletes_documents_and_clears_personal_data(tmp_path: Path) -> None:
    conn = spool.connect(tmp_path / "s.db", create=True)
    pdf = tmp_path / "DONE.pdf"
    pdf.write_bytes(b"%PDF-1.7 test")
    machine.create_job(conn, "DONE", flow=Flow.LOCKER, template="nib", template_version=1, payload='{"nik": "x"}')
    machine.transition(conn, "DONE", "cancelled", actor="operator:rina")
    machine.annotate(conn, "DONE", "job.rendered_late", actor="system", pdf_path=str(pdf))
    machine.create_job(conn, "LIVE", flow=Flow.LOCKER, template="nib", template_version=1, payload='{"nik": "y"}')
    later = datetime.now(UTC) + timedelta(days=8)
    assert housekeeping.delete_old_documents(conn, later, keep_days=7) == 1
    assert not pdf.exists() and jobs.get_job(conn, "DONE").pdf_path is None
    assert housekeeping.clear_personal_data(conn, later, keep_days=90) == 0
    assert housekeeping.clear_personal_data(conn, later + timedelta(days=90), keep_days=90) == 1
    assert jobs.get_job(conn, "DONE").payload is None
    assert jobs.get_job(conn, "LIVE").payload is not None
    assert audit.verify(conn).ok

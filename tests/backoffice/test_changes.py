"""Corrections, conflicts and withdrawals (PROTOCOLS.md §7.1), at intake, on a spool on disk."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spool import alarms, audit, jobs, machine, slots
from spool.states import Action, Flow, JobState
from station import operations
from station.parts import housekeeping
from station.trust import store as trust_module
from station.backoffice import document, intake, withdrawal
from station.backoffice.document import DocumentRefused
from station.config import Config
from station.errors import StationError
from station.events import EventBus
from station.templates.stage import Rendered, RenderStage
from station.trust.store import TrustStore

KEY = trust_module.new_private_key()
STRANGER = trust_module.new_private_key()
STORE = TrustStore(keys=(trust_module.entry_for(KEY, "issuer", sign_from=datetime(2026, 1, 1, tzinfo=UTC)),))
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DOC = "AK-C-00001"
S = JobState


STATION = "MPP-TEST-01"


def signed(revision: int | None = None, *, name: str = "SITI RAHAYU", key: Any = KEY,
           issued_at: str = "2026-03-01T08:00:00Z") -> dict[str, Any]:
    fields: dict[str, Any] = {"id": DOC, "template": "akta-kelahiran", "template_version": 3,
                              "data": {"nama": name, "nomor_akta": "3174-LT-01022026-0001"},
                              "pickup_expires": "2026-03-15T00:00:00Z", "issued_at": issued_at}
    if revision is not None:
        fields["revision"] = revision
    return document.sign(fields, key)


def withdrawn(reason: str = "data_error", *, key: Any = KEY, station: str = STATION, revision: int = 0,
              at: datetime = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)) -> dict[str, Any]:
    return withdrawal.make(DOC, reason, key, station=station, revision=revision, now=at)


def take(conn: sqlite3.Connection, *items: Any) -> intake.IntakeResult:
    return intake.take(conn, list(items), STORE, flow=Flow.LOCKER, now=NOW, station=STATION)


@pytest.fixture
def slot(conn: sqlite3.Connection) -> str:
    layout = Config().slot_layout()
    slots.add_slots(conn, layout)
    return layout[0][0]


def walk(conn: sqlite3.Connection, path: list[JobState], *, slot: str | None = None, pdf: Path | None = None) -> None:
    """The document, stored at revision 0, walked through `path` by the state machine."""
    take(conn, signed())
    for target in path:
        fields = {"pdf_path": str(pdf), "pdf_sha256": "0" * 64, "pages": 1} if target is S.RENDERED and pdf else {}
        if target is S.STAGED and slot is not None:
            slots.occupy(conn, slot, DOC, actor="system")
        machine.transition(conn, DOC, target, actor="system", reason="test" if target is S.HELD else None, **fields)


def outbox_events(conn: sqlite3.Connection) -> list[tuple[str, str, dict[str, Any]]]:
    return [(r["event"], r["key"], json.loads(r["detail"])) for r in conn.execute("SELECT * FROM outbox ORDER BY id")]


def open_kinds(conn: sqlite3.Connection) -> set[str]:
    return {a.kind for a in alarms.list_alarms(conn, open_only=True)}


# --- corrections ---------------------------------------------------------------

def test_a_correction_of_a_staged_document_replaces_it_and_pulls_the_old_paper(
        conn: sqlite3.Connection, slot: str, tmp_path: Path) -> None:
    pdf = tmp_path / "old.pdf"
    pdf.write_bytes(b"%PDF-1.7 the old form")
    walk(conn, [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED], slot=slot, pdf=pdf)
    result = take(conn, signed(1, name="SITI RAHAYU PUTRI"))
    assert result.corrected == [DOC] and not result.refused
    job = jobs.get_job(conn, DOC)
    assert job.state is S.RECEIVED and job.pdf_path is None and job.slot is None
    stored = json.loads(job.payload or "{}")
    assert stored["revision"] == 1 and stored["data"]["nama"] == "SITI RAHAYU PUTRI"
    assert not pdf.exists()  # the old PDF destroyed
    held = slots.get_slot(conn, slot)
    assert held.out_of_service and held.occupant is None and DOC in (held.service_note or "")
    assert "slot_old_paper" in open_kinds(conn)
    received = [(key, detail) for event, key, detail in outbox_events(conn) if event == "received"]
    assert received == [("", {}), ("r1", {"revision": 1})]  # the new revision is reported, once
    # Staff take the old paper out and put the slot back in service: the alarm clears itself.
    slots.set_service(conn, slot, False, actor="operator:rina")
    assert housekeeping.clear_ended(conn) == 1
    assert "slot_old_paper" not in open_kinds(conn)
    assert [e.action for e in audit.entries(conn)][-1] == "alarm.cleared"
    assert "SITI" not in json.dumps([e.details for e in audit.entries(conn)])
    assert audit.verify(conn).ok


def test_a_received_document_is_corrected_in_place_and_older_revisions_are_ignored(conn: sqlite3.Connection) -> None:
    take(conn, signed(2))
    assert take(conn, signed(3, name="BARU")).corrected == [DOC]
    assert jobs.get_job(conn, DOC).state is S.RECEIVED
    for stale in (signed(2), signed(3, name="BARU"), signed(1, name="LAMA")):
        assert take(conn, stale).duplicates == [DOC]
    assert json.loads(jobs.get_job(conn, DOC).payload or "{}")["revision"] == 3
    assert [e.action for e in audit.entries(conn, job=DOC)] == ["job.received", "job.corrected"]


def test_a_correction_while_printing_asks_staff_to_discard_the_printed_copy(conn: sqlite3.Connection) -> None:
    walk(conn, [S.RENDERED, S.PRINTING])
    assert take(conn, signed(1, name="BARU")).corrected == [DOC]
    assert jobs.get_job(conn, DOC).state is S.RECEIVED
    assert open_kinds(conn) == {"discard_printed_copy"}  # a task for a person: acknowledged, not sensed


def test_a_correction_after_release_is_refused_and_reported_once(conn: sqlite3.Connection, slot: str) -> None:
    walk(conn, [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.RELEASED, S.COLLECTED], slot=slot)
    before = jobs.get_job(conn, DOC)
    for _ in range(2):
        result = take(conn, signed(1, name="BARU"))
        assert [(r.document_id, r.reason) for r in result.refused] == [(DOC, "correction_refused")]
    assert jobs.get_job(conn, DOC) == before
    held = [(key, detail) for event, key, detail in outbox_events(conn) if event == "held"]
    assert held == [("correction:1", {"reason": "correction_refused", "state": "collected", "revision": 1})]
    assert audit.verify(conn).ok


# --- conflicts ---------------------------------------------------------------------

def test_a_conflict_holds_the_document_until_a_correction_replaces_it(conn: sqlite3.Connection) -> None:
    walk(conn, [S.RENDERED])
    result = take(conn, signed(name="SITI LAIN"))
    assert [(r.document_id, r.reason) for r in result.refused] == [(DOC, "conflict")]
    job = jobs.get_job(conn, DOC)
    assert (job.state, job.held_reason) == (S.HELD, "conflict")
    assert json.loads(job.payload or "{}")["data"]["nama"] == "SITI RAHAYU"  # neither is released
    conflict = alarms.open_alarms(conn, "backoffice.document_conflict", job=DOC)
    assert len(conflict) == 1 and conflict[0].severity == "critical"
    assert [(key, detail["reason"]) for event, key, detail in outbox_events(conn) if event == "held"] == \
        [("", "conflict")]  # reported `held`, reason conflict
    with pytest.raises(StationError, match="held for a conflict"):
        operations.retry(conn, DOC, actor="operator:rina")  # a person cannot release the first version
    take(conn, signed(name="SITI LAIN"))  # the same conflict again: still held, one alarm
    assert len(alarms.open_alarms(conn, "backoffice.document_conflict")) == 1
    assert take(conn, signed(1, name="SITI RAHAYU")).corrected == [DOC]
    assert jobs.get_job(conn, DOC).state is S.RECEIVED
    assert alarms.open_alarms(conn, "backoffice.document_conflict") == []


def test_a_conflict_on_a_job_held_for_something_else_holds_it_for_the_conflict(conn: sqlite3.Connection) -> None:
    walk(conn, [S.RENDERED, S.PRINTING, S.HELD])
    take(conn, signed(name="SITI LAIN"))
    assert jobs.get_job(conn, DOC).held_reason == "conflict"
    assert Action.RETRY not in operations.allowed(jobs.get_job(conn, DOC))


def test_a_conflict_after_release_is_reported_not_held(conn: sqlite3.Connection, slot: str) -> None:
    walk(conn, [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.RELEASED], slot=slot)
    take(conn, signed(name="SITI LAIN"))
    assert jobs.get_job(conn, DOC).state is S.RELEASED
    assert [(e, k) for e, k, _ in outbox_events(conn) if e == "held"] == [("held", "conflict:0")]


# --- withdrawals -----------------------------------------------------------------

def test_a_withdrawal_cancels_a_staged_document_and_staff_are_told_to_take_it_out(
        conn: sqlite3.Connection, slot: str) -> None:
    walk(conn, [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED], slot=slot)
    result = take(conn, withdrawn())
    assert result.withdrawn == [DOC]
    job = jobs.get_job(conn, DOC)
    assert job.state is S.CANCELLED and job.slot == slot  # the paper is still in the slot
    assert alarms.open_alarms(conn, "slot_withdrawn_paper", slot=slot)
    cancelled = [detail for event, _, detail in outbox_events(conn) if event == "cancelled"]
    assert len(cancelled) == 1 and cancelled[0]["by"] == "office" and cancelled[0]["reason"] == "data_error"
    assert take(conn, withdrawn()).duplicates == [DOC]
    slots.vacate(conn, slot, actor="technician:budi", reason="cancelled document taken out")
    assert housekeeping.clear_ended(conn) == 1 and open_kinds(conn) == set()
    assert audit.verify(conn).ok


def test_free_text_reasons_stay_out_of_the_audit(conn: sqlite3.Connection) -> None:
    walk(conn, [])
    take(conn, withdrawn("Data ibu salah: SITI AMINAH 3171012345678901"))
    assert jobs.get_job(conn, DOC).state is S.CANCELLED
    assert "AMINAH" not in json.dumps([e.details for e in audit.entries(conn)])
    assert [d["reason"] for e, _, d in outbox_events(conn) if e == "cancelled"] == ["other"]


def test_a_withdrawal_after_release_is_refused_and_reported(conn: sqlite3.Connection, slot: str) -> None:
    walk(conn, [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.RELEASED], slot=slot)
    result = take(conn, withdrawn())
    assert [(r.document_id, r.reason) for r in result.refused] == [(DOC, "withdrawal_refused")]
    assert jobs.get_job(conn, DOC).state is S.RELEASED
    held = [detail for event, _, detail in outbox_events(conn) if event == "held"]
    assert held == [{"reason": "withdrawal_refused", "state": "released", "revision": 0}]


def test_a_forged_withdrawal_changes_nothing(conn: sqlite3.Connection) -> None:
    walk(conn, [S.RENDERED])
    tampered = {**withdrawn(), "reason": "changed_after_signing"}
    foreign = withdrawn(key=STRANGER)
    result = take(conn, tampered, foreign)
    assert sorted(r.reason for r in result.refused) == ["bad_signature", "unknown_key"]
    assert jobs.get_job(conn, DOC).state is S.RENDERED
    assert "backoffice.withdrawal_bad_signature" in open_kinds(conn)
    assert [e for e, _, _ in outbox_events(conn)] == ["received"]


def test_a_withdrawal_of_a_document_never_held_is_ignored(conn: sqlite3.Connection) -> None:
    result = take(conn, withdrawn())
    assert result.ignored == [DOC] and not result.refused
    assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0


def test_a_withdrawal_after_its_document_in_one_page_applies_in_order(conn: sqlite3.Connection) -> None:
    result = take(conn, signed(), withdrawn())
    assert result.stored == [DOC] and result.withdrawn == [DOC]
    assert jobs.get_job(conn, DOC).state is S.CANCELLED


# --- (issue 21, point 11) withdrawals and corrections are bound to what they change ---------------------

def _unbound(conn: sqlite3.Connection, item: dict[str, Any], reason: str, revision: int = 0) -> None:
    """`item` changes nothing: refused, recorded, reported `held` once, an alarm raised."""
    before = jobs.get_job(conn, DOC)
    result = take(conn, item)
    assert [(r.document_id, r.reason) for r in result.refused] == [(DOC, reason)]
    after = jobs.get_job(conn, DOC)
    assert (after.state, after.payload) == (before.state, before.payload)
    assert (DOC, reason) in {(r["document_id"], r["reason"]) for r in intake.refused(conn)}
    held = [detail for event, _, detail in outbox_events(conn) if event == "held"]
    assert held == [{"reason": reason, "state": before.state.value, "revision": revision}]
    assert f"backoffice.{reason}" in open_kinds(conn)
    take(conn, item)  # the same again: reported once
    assert len([e for e, _, _ in outbox_events(conn) if e == "held"]) == 1
    assert audit.verify(conn).ok


def test_a_withdrawal_issued_before_the_document_it_names_is_refused(conn: sqlite3.Connection) -> None:
    """The old station cancelled a document with a withdrawal issued a day before it."""
    walk(conn, [S.RENDERED])
    _unbound(conn, withdrawn(at=datetime(2026, 2, 28, 8, 0, tzinfo=UTC)), "withdrawal_before_document")


def test_a_withdrawal_for_another_station_is_refused(conn: sqlite3.Connection) -> None:
    walk(conn, [S.RENDERED])
    _unbound(conn, withdrawn(station="MPP-OTHER-01"), "withdrawal_wrong_station")


def test_a_withdrawal_of_another_revision_is_refused(conn: sqlite3.Connection) -> None:
    walk(conn, [])
    take(conn, signed(1, name="BARU", issued_at="2026-03-01T08:10:00Z"))  # revision 1 is held now
    _unbound(conn, withdrawn(revision=0), "withdrawal_wrong_revision")
    assert take(conn, withdrawn(revision=1)).withdrawn == [DOC]  # the one it names, issued after it: acts


def test_a_withdrawal_in_the_old_form_is_refused_as_malformed(conn: sqlite3.Connection) -> None:
    """Fail closed (docs/adr/0110): a withdrawal naming no station and no revision cancels nothing."""
    walk(conn, [S.RENDERED])
    old_form = withdrawal.sign({"withdraw": DOC, "reason": "data_error", "issued_at": "2026-03-01T08:30:00Z"}, KEY)
    result = take(conn, old_form)
    assert [(r.document_id, r.reason) for r in result.refused] == [(DOC, "malformed")]
    assert jobs.get_job(conn, DOC).state is S.RENDERED
    assert (DOC, "withdrawal:malformed") in {(r["document_id"], r["reason"]) for r in intake.refused(conn)}
    assert "backoffice.withdrawal_malformed" in open_kinds(conn)


def test_a_station_that_cannot_name_itself_lets_no_withdrawal_act(conn: sqlite3.Connection) -> None:
    walk(conn, [S.RENDERED])
    result = intake.take(conn, [withdrawn()], STORE, flow=Flow.LOCKER, now=NOW)  # no station given
    assert [r.reason for r in result.refused] == ["withdrawal_wrong_station"]
    assert jobs.get_job(conn, DOC).state is S.RENDERED


def test_a_correction_issued_before_the_revision_it_replaces_is_refused(conn: sqlite3.Connection) -> None:
    walk(conn, [S.RENDERED])
    _unbound(conn, signed(1, name="BARU", issued_at="2026-02-28T08:00:00Z"), "correction_before_document", 1)


@given(minutes=st.integers(-3000, 60))  # up to NOW: later would be not_yet_valid
@settings(max_examples=30, deadline=None)
def test_a_withdrawal_acts_exactly_when_issued_at_or_after_its_revision(tmp_path_factory: Any, minutes: int) -> None:
    import spool

    conn = spool.connect(tmp_path_factory.mktemp("bound") / "spool.db", create=True)
    try:
        take(conn, signed())
        at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes)
        result = take(conn, withdrawn(at=at))
        assert (result.withdrawn == [DOC]) is (minutes >= 0)
        assert (jobs.get_job(conn, DOC).state is S.CANCELLED) is (minutes >= 0)
    finally:
        conn.close()


# --- the render stage ----------------------------------------------------------

def test_a_pdf_rendered_from_a_replaced_form_is_not_recorded(conn: sqlite3.Connection, tmp_path: Path) -> None:
    take(conn, signed())
    old_payload = jobs.get_job(conn, DOC).payload
    take(conn, signed(1, name="BARU"))  # corrected while the worker rendered the old one
    stage = RenderStage(tmp_path / "station.toml")
    stage.conn, stage.daemon = conn, SimpleNamespace(events=EventBus())  # type: ignore[assignment]
    pdf = tmp_path / "old.pdf"
    pdf.write_bytes(b"%PDF old")
    assert stage.replaced(Rendered(DOC, str(pdf), "0" * 64, 1), old_payload)
    assert jobs.get_job(conn, DOC).state is S.RECEIVED and not pdf.exists()
    assert not stage.replaced(Rendered(DOC, None), jobs.get_job(conn, DOC).payload)  # the current form goes on


# --- parsing -----------------------------------------------------------------------

@pytest.mark.parametrize("revision", [-1, True, "1", 1.0, 2**31])
def test_a_revision_must_be_a_small_non_negative_integer(revision: Any) -> None:
    item = signed()
    item["revision"] = revision
    with pytest.raises(DocumentRefused, match="revision"):
        document.parse(item)


def test_the_revision_is_covered_by_the_signature() -> None:
    item = {**signed(1), "revision": 2}
    with pytest.raises(DocumentRefused) as refused:
        document.check(item, STORE, now=NOW)
    assert refused.value.reason == "bad_signature"
    assert document.check(signed(), STORE, now=NOW).to_json() == signed()  # no revision field: none added


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                   max_size=4), max_leaves=12)


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(withdrawal.FIELDS + ("extra",)), JSONISH, max_size=6) | JSONISH)
def test_any_would_be_withdrawal_is_refused_with_a_reason_or_checks(item: Any) -> None:
    try:
        withdrawal.check(item, STORE, now=NOW)
    except DocumentRefused as err:
        assert err.reason in document.REASONS
    else:  # pragma: no cover - random data is never signed
        raise AssertionError("an unsigned withdrawal verified")


@settings(max_examples=60)
@given(st.sampled_from(("withdraw", "reason", "issued_at")), st.text(min_size=1, max_size=12))
def test_a_signed_withdrawal_changed_in_any_field_is_refused(name: str, text: str) -> None:
    good = withdrawn()
    assert withdrawal.check(good, STORE, now=NOW).document_id == DOC
    changed = {**good, name: good[name] + text}
    with pytest.raises(DocumentRefused):
        withdrawal.check(changed, STORE, now=NOW)


def test_retained_is_reported_to_the_back_office(conn: sqlite3.Connection) -> None:
    intake.take(conn, [signed()], STORE, flow=Flow.DISPENSER, now=NOW)
    for target in (S.RENDERED, S.RELEASED, S.PRINTING, S.PRINTED, S.RETAINED):
        machine.transition(conn, DOC, target, actor="system")
    assert [e for e, _, _ in outbox_events(conn)] == ["received", "released", "printed", "retained"]

"""One cancel for every path (issue 23, point 4): an operator's cancel tells staff about the paper, as a withdrawal does.

Before, an operator cancelling a staged document left the paper in its slot
with no word to staff; only the back office's withdrawal raised an alarm.
"""

from __future__ import annotations

import sqlite3

import pytest

from spool import alarms, audit, jobs, machine, slots
from spool.cancel import LOOSE_PAPER_ALARM, WITHDRAWN_PAPER_ALARM, cancel
from spool.errors import IllegalTransition
from spool.states import Flow, JobState
from station import operations
from station.backoffice import changes
from station.config import Config
from station.errors import StationError

S = JobState
OPERATOR = "operator:rina"


@pytest.fixture
def slot(conn: sqlite3.Connection) -> str:
    layout = Config().slot_layout()
    slots.add_slots(conn, layout)
    return layout[0][0]


def _job(conn: sqlite3.Connection, job_id: str, walk: list[JobState], *, flow: Flow = Flow.LOCKER,
         slot: str | None = None) -> jobs.Job:
    machine.create_job(conn, job_id, flow=flow, template="nib", template_version=1)
    for state in walk:
        if state is S.STAGED and slot is not None:
            slots.occupy(conn, slot, job_id, actor="system")
        machine.transition(conn, job_id, state, actor="system", reason="test" if state is S.HELD else None)
    return jobs.get_job(conn, job_id)


def _open(conn: sqlite3.Connection) -> list[alarms.Alarm]:
    return alarms.list_alarms(conn, open_only=True)


def test_an_operator_cancel_of_a_staged_document_tells_staff_to_take_it_out(conn: sqlite3.Connection,
                                                                             slot: str) -> None:
    _job(conn, "DOC-1", [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED], slot=slot)
    done = operations.cancel(conn, "DOC-1", actor=OPERATOR, reason="withdrawn at the desk")
    assert done.state is S.CANCELLED and done.slot == slot  # the paper is still in the slot
    [alarm] = _open(conn)
    # the withdrawal's words, word for word
    assert (alarm.kind, alarm.slot_id, alarm.job_id) == (WITHDRAWN_PAPER_ALARM, slot, "DOC-1")
    assert alarm.message == (f"slot {slot}: document DOC-1 was withdrawn; take it out"
                             " (station slots collect-expired)")
    entry = [e for e in audit.entries(conn) if e.action == "job.cancelled"][-1]
    assert entry.actor == OPERATOR and entry.details["by"] == "operator"
    assert audit.verify(conn).ok


@pytest.mark.parametrize("walk", [[S.RENDERED, S.PRINTING], [S.RENDERED, S.PRINTING, S.PRINTED],
                                  [S.RENDERED, S.PRINTING, S.PRINTED, S.HELD]])
def test_an_operator_cancel_of_printed_paper_not_in_a_slot_asks_to_discard_it(conn: sqlite3.Connection,
                                                                              walk: list[JobState]) -> None:
    _job(conn, "DOC-2", walk)
    operations.cancel(conn, "DOC-2", actor=OPERATOR, reason="wrong person")
    [alarm] = _open(conn)
    assert (alarm.kind, alarm.job_id) == (LOOSE_PAPER_ALARM, "DOC-2")
    assert alarm.message == ("document DOC-2 was withdrawn after printing: discard its printed copy"
                             " (at the printer or waiting to be loaded)")


@pytest.mark.parametrize(("flow", "walk"), [(Flow.LOCKER, []), (Flow.LOCKER, [S.RENDERED]),
                                            (Flow.LOCKER, [S.RENDERED, S.HELD]), (Flow.DISPENSER, [S.RENDERED]),
                                            (Flow.DISPENSER, [S.HELD])])
def test_a_cancel_before_anything_was_printed_raises_no_alarm(conn: sqlite3.Connection, flow: Flow,
                                                              walk: list[JobState]) -> None:
    _job(conn, "DOC-3", walk, flow=flow)
    assert operations.cancel(conn, "DOC-3", actor=OPERATOR, reason="not needed").state is S.CANCELLED
    assert _open(conn) == []


def test_a_refused_cancel_changes_nothing_and_raises_nothing(conn: sqlite3.Connection, slot: str) -> None:
    _job(conn, "DOC-4", [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.RELEASED], slot=slot)
    with pytest.raises(StationError) as refused:
        operations.cancel(conn, "DOC-4", actor=OPERATOR, reason="too late")
    assert refused.value.http_status == 409
    with pytest.raises(IllegalTransition):
        cancel(conn, "DOC-4", actor=OPERATOR, by="operator", reason="too late")
    assert jobs.get_job(conn, "DOC-4").state is S.RELEASED and _open(conn) == []


def test_the_withdrawal_and_the_operator_share_one_cancel() -> None:
    assert changes.cancel is cancel and operations.cancelling.cancel is cancel
    assert (changes.WITHDRAWN_PAPER_ALARM, changes.LOOSE_PAPER_ALARM) == (WITHDRAWN_PAPER_ALARM, LOOSE_PAPER_ALARM)

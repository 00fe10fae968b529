"""(issue 22) An attempt written off as `not-at-printer` and printed again: staff check the tray."""

from __future__ import annotations

import pytest


from spool import alarms
from station.release import tray_check
from station.errors import StationError

from .conftest import actions, crashed_after_intent, drive, forgotten_and_printed_again, stage_for, states


def test_a_written_off_attempt_printed_again_asks_staff_to_check_the_tray(conn, add_job, sim):
    job = add_job("doc-lost", pages=1)
    other = add_job("doc-fine", pages=1)
    crashed_after_intent(conn, job.id)  # the printer lost power with the station: no record of the attempt
    stage = stage_for(conn, sim)
    assert stage.recover().abandoned == [job.id]
    drive(stage, lambda: states(conn)[job.id] == "printed" and states(conn)[other.id] == "printed")
    [task] = tray_check.open_checks(conn, job.id)
    assert task.message.startswith("check the printer's output tray for an extra copy of document doc-lost")
    assert not tray_check.open_checks(conn, other.id)
    with pytest.raises(StationError) as refused:
        tray_check.confirm(conn, other.id, found=False, actor="operator:rina")
    assert refused.value.http_status == 409
    done = tray_check.confirm(conn, job.id, found=True, actor="operator:rina")
    assert done.acknowledged_by == "operator:rina" and not done.open
    assert "print.extra_copy_destroyed" in actions(conn, job.id)
    assert not alarms.open_alarms(conn, tray_check.EXTRA_COPY)
    with pytest.raises(StationError):
        tray_check.confirm(conn, job.id, found=False, actor="operator:rina")  # answered already


def test_a_job_the_printer_forgot_and_printed_again_asks_staff_to_check_the_tray(conn, add_job):
    """The issue's case: the printer lost power with the station and forgot the job it was printing."""
    with forgotten_and_printed_again(conn, add_job, "doc-forgot") as job:
        [task] = tray_check.open_checks(conn, job.id)
        assert "extra copy of document doc-forgot" in task.message
        tray_check.confirm(conn, job.id, found=False, actor="operator:rina")
        assert "print.extra_copy_none" in actions(conn, job.id)

"""`printer.blocked` clears itself when the printer is ready again, and after a restart too."""

from __future__ import annotations

from simulators.printer import SimPrinter
from spool import alarms, audit
from station.printing.stage import PrintStage

from .conftest import drive, states


def _blocked(conn) -> list[alarms.Alarm]:
    return alarms.open_alarms(conn, "printer.blocked", device="printer")


def test_paper_out_raises_and_refilling_clears_the_alarm(conn, add_job) -> None:
    printer = SimPrinter("sim", pages_per_minute=6000)
    try:
        job = add_job("doc-paper", pages=1)
        printer.paper_out()
        stage = PrintStage(conn, printer)
        stage.step()
        assert [a.severity for a in _blocked(conn)] == ["warning"]
        stage.step()
        assert len(alarms.list_alarms(conn)) == 1  # one alarm for the one stop
        printer.refill()
        drive(stage, lambda: states(conn)[job.id] == "printed")
        assert _blocked(conn) == []
        cleared = alarms.list_alarms(conn)[0]
        assert cleared.cleared_at is not None and cleared.cleared_by == "system" and cleared.acknowledged_at is None
        assert "alarm.cleared" in [e.action for e in audit.entries(conn)]
        # A later stop is a new alarm, not the old one reopened.
        printer.open_door()
        stage.step()
        assert len(_blocked(conn)) == 1 and _blocked(conn)[0].id != cleared.id
    finally:
        printer.close()


def test_an_alarm_left_open_by_a_stopped_station_clears_at_the_first_ready_reading(conn) -> None:
    alarms.raise_alarm(conn, "printer.blocked", "printer sim: media-empty", device="printer")
    printer = SimPrinter("sim", pages_per_minute=6000)
    try:
        PrintStage(conn, printer).step()  # a new stage (a restart) sees a ready printer
        assert _blocked(conn) == []
    finally:
        printer.close()

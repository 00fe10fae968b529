"""The clock guard: no release while the station's clock is behind the latest time its spool has recorded.

A clock that went back would let an expired token, or a document past its
pickup window, look valid again. The latest time the station has recorded
is kept in the spool (`spool.audit.latest_time`, raised by every audit
entry, never lowered), so the guard survives a restart: a station that
starts behind the mark raises `clock_behind` at once and refuses every scan
until its clock passes the mark; then the alarm clears itself.
"""

from __future__ import annotations

from collections.abc import Callable

from spool import alarms, audit

from station.release.kiosk import Screen
from .eligibility import moment
from .ports import Desk
from .session import ReleaseRefused

KIND = "clock_behind"
# Times written by several processes of one machine differ by the time between their reads of the clock.
TOLERANCE_S = 1.0


class ClockGuard:
    """Checks the clock against the spool's mark before a release; clears the alarm once the clock caught up."""

    def __init__(self, desk: Desk, clock: Callable[[], float]) -> None:
        self.desk = desk
        self.clock = clock
        self.behind = False  # the alarm is (believed) open: the tick looks whether the clock caught up

    def mark(self) -> float:
        """The latest time recorded, seconds since the epoch (0 for an empty spool)."""
        return moment(audit.latest_time(self.desk.conn)) or 0.0

    def start(self) -> None:
        """At start: a clock behind the mark raises the alarm now, not at the first citizen's scan."""
        audit.seed_latest(self.desk.conn)
        self.behind = bool(alarms.open_alarms(self.desk.conn, KIND))  # left open by the last run
        if self._is_behind(self.clock()):
            self._raise()
        else:
            self.tick()

    def check(self, now: float) -> None:
        """Refuse (`clock`) while `now` is behind the mark."""
        if self._is_behind(now):
            self._raise()
            raise ReleaseRefused("clock", "station clock behind its records", screen=Screen.ASK_STAFF)

    def tick(self) -> None:
        """Clear the alarm once the clock has passed the mark (cheap while no alarm is open)."""
        if not self.behind:
            return
        if self._is_behind(self.clock()):
            return
        self.behind = False
        if alarms.clear(self.desk.conn, KIND, why="the station clock passed the latest recorded time"):
            self.desk.publish("alarm", {"kind": KIND, "open": False})

    def _is_behind(self, now: float) -> bool:
        return now < self.mark() - TOLERANCE_S

    def _raise(self) -> None:
        self.behind = True
        self.desk.alarm(KIND, "the station clock is behind the latest recorded time;"
                              " releases are stopped until it is set right", severity="critical")

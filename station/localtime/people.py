"""Every time shown to a person is the station's local time, with its zone (docs/adr/0331).

The spool, the logs, JSON and the control socket keep RFC 3339 with an offset
(spool/rfc3339.py): that is for machines. A technician at a terminal, a
citizen on the back office's page and staff on their pages read the
station's wall clock, named: `2026-12-07 10:02:52 WIB`. Before, the shell
printed `2026-12-07T03:02:52.481Z` for the alarm the ops page showed as
`10:02:52 WIB`.

Indonesia's three zones have fixed offsets (no daylight saving since 1964):
a table, not the system's tz database, so a minimal image shows the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

from spool import rfc3339

# The station's configured zone (config.StationSection.timezone) -> its Indonesian name and UTC offset.
ZONES: dict[str, tuple[str, int]] = {
    "Asia/Jakarta": ("WIB", 7), "Asia/Pontianak": ("WIB", 7),
    "Asia/Makassar": ("WITA", 8), "Asia/Jayapura": ("WIT", 9),
}
DEFAULT_ZONE = "Asia/Jakarta"
Precision = Literal["seconds", "minutes"]


def zone_abbreviation(zone: str) -> str:
    """WIB, WITA or WIT for a configured zone (WIB for one this table does not know)."""
    return ZONES.get(zone, ZONES[DEFAULT_ZONE])[0]


def for_people(moment: datetime | str | float | None, zone: str = DEFAULT_ZONE, *, utc: bool = False,
               precision: Precision = "seconds", empty: str = "-") -> str:
    """`2026-12-07 10:02:52 WIB` (or `... UTC` with `utc`); `empty` for no time; unreadable text as it is.

    `moment`: an aware datetime, RFC 3339 text, or seconds since the epoch.
    """
    when = _moment(moment)
    if when is None:
        return empty if moment in (None, "") else str(moment)
    if utc:
        name, local = "UTC", when.astimezone(UTC)
    else:
        name, hours = ZONES.get(zone, ZONES[DEFAULT_ZONE])
        local = when.astimezone(timezone(timedelta(hours=hours), name))
    shape = "%Y-%m-%d %H:%M:%S" if precision == "seconds" else "%Y-%m-%d %H:%M"
    return f"{local.strftime(shape)} {name}"


def _moment(moment: datetime | str | float | None) -> datetime | None:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo is not None else moment.astimezone()
    if isinstance(moment, int | float) and not isinstance(moment, bool):
        try:
            return datetime.fromtimestamp(moment, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return rfc3339.parse_or_none(moment)

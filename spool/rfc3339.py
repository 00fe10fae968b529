"""RFC 3339 times as text: the one parser and the one formatter.

(issue 23) Times cross every boundary as text: the spool's records, the
back office's documents, the trust store, the control socket. Each place
used to write `fromisoformat(text.replace("Z", ...))` its own way, so each
accepted something slightly different. Here is the one reading: a full date,
`T`, a time to the second, an optional fraction and an explicit offset (`Z`
or `+hh:mm`). A time without an offset, a date alone, or a time that does
not exist is a `TimeTextError`. It lives in the spool because the spool
writes these times (`audit.now_text`) and may import nothing of the station.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

# ASCII digits only: `\d` would also take other scripts' digits.
_SHAPE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})")

SHAPE_MESSAGE = "must be an RFC 3339 time with an offset"


class TimeTextError(ValueError):
    """Text that is not an RFC 3339 time: `str()` says why, to follow the name of the field at fault."""


def parse(text: object) -> datetime:
    """An RFC 3339 time with its offset as an aware UTC datetime (fractions beyond microseconds are cut)."""
    match = _SHAPE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise TimeTextError(SHAPE_MESSAGE)
    moment, fraction, offset = match.groups()
    read = moment + (fraction or "")[:7] + offset  # Python takes at most microseconds
    try:
        # An offset of 24 h or more, or a day that does not exist, is a ValueError;
        # a moment off the calendar in UTC (year 1 ahead of UTC) an OverflowError.
        return datetime.fromisoformat(read.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise TimeTextError(f"is not a real time: {read!r}") from None


def parse_or_none(text: object) -> datetime | None:
    """`parse`, with None for a missing or unreadable time (a record that predates a field, a broken row)."""
    try:
        return parse(text)
    except TimeTextError:
        return None


def seconds_or_none(text: object) -> float | None:
    """`parse_or_none` as seconds since the epoch."""
    moment = parse_or_none(text)
    return None if moment is None else moment.timestamp()


def format_time(moment: datetime, timespec: Literal["seconds", "milliseconds"] = "milliseconds") -> str:
    """A datetime as RFC 3339 in UTC with `Z`: `2026-01-01T00:00:00.000Z` (or to the second).

    A naive datetime is taken as local time, as `datetime.astimezone` does.
    """
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")

"""The one RFC 3339 reading (issue 23): format then parse round-trips; bad text is one clear error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spool import rfc3339
from spool.rfc3339 import TimeTextError

# Moments whose UTC form stays on the calendar.
moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                       timezones=st.builds(timezone, st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
                           lambda minutes: timedelta(minutes=minutes))))


@settings(max_examples=300)
@given(moments)
def test_format_then_parse_round_trips(moment: datetime) -> None:
    assert rfc3339.parse(rfc3339.format_time(moment)) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert rfc3339.parse(rfc3339.format_time(moment, "seconds")) == moment.replace(microsecond=0)
    assert rfc3339.parse(moment.isoformat()) == moment  # any offset, any fraction: the same instant, in UTC
    assert rfc3339.parse(moment.isoformat()).tzinfo is UTC


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=40), st.none(), st.integers(), st.binary(max_size=10)))
def test_anything_else_is_one_clear_error(text: object) -> None:
    try:
        moment = rfc3339.parse(text)
    except TimeTextError as err:
        assert str(err) == rfc3339.SHAPE_MESSAGE or str(err).startswith("is not a real time")
        assert rfc3339.parse_or_none(text) is None and rfc3339.seconds_or_none(text) is None
    else:  # the rare generated text that is a time
        assert isinstance(text, str) and moment.tzinfo is UTC


@pytest.mark.parametrize("text", [
    "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00Z", "2026-01-01t00:00:00z",
    "２０２６-01-01T00:00:00Z", "2026-01-01T00:00:00+0100", " 2026-01-01T00:00:00Z", "",
])
def test_not_rfc3339_shape(text: str) -> None:
    with pytest.raises(TimeTextError, match="must be an RFC 3339 time with an offset"):
        rfc3339.parse(text)


@pytest.mark.parametrize("text", [
    "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+24:00", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
])
def test_not_a_real_time(text: str) -> None:
    with pytest.raises(TimeTextError, match="is not a real time"):
        rfc3339.parse(text)


def test_fractions_beyond_microseconds_are_cut() -> None:
    assert rfc3339.parse("2026-01-01T00:00:00.123456789Z") == datetime(2026, 1, 1, 0, 0, 0, 123456, UTC)


def test_the_audit_writes_what_the_parser_reads() -> None:
    from spool.audit import now_text

    text = now_text()
    assert text.endswith("Z") and len(text) == len("2026-01-01T00:00:00.000Z")
    assert abs(rfc3339.parse(text) - datetime.now(UTC)) < timedelta(seconds=5)

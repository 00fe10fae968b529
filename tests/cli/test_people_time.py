"""(issue 25, docs/adr/0331) Every time shown to a person is the station's local time with its zone."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from spool import rfc3339
from station.cli.common import clock
from station.cli.locker_guard import say_outcome
from station.localtime import ZONES, for_people

MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC))


@given(MOMENTS, st.sampled_from(sorted(ZONES)))
def test_a_shown_time_is_the_same_moment_in_the_stations_zone(moment: datetime, zone: str) -> None:
    name, hours = ZONES[zone]
    shown = for_people(rfc3339.format_time(moment), zone)
    assert shown.endswith(f" {name}")
    back = datetime.strptime(shown[: -len(name) - 1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) - timedelta(hours=hours)
    assert back == moment.replace(microsecond=0)
    assert for_people(moment, zone, utc=True) == moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def test_the_zones_people_know() -> None:
    at = "2026-12-07T03:02:52.481Z"  # the alarm of issue 25
    assert for_people(at) == "2026-12-07 10:02:52 WIB"
    assert for_people(at, "Asia/Pontianak") == "2026-12-07 10:02:52 WIB"
    assert for_people(at, "Asia/Makassar") == "2026-12-07 11:02:52 WITA"
    assert for_people(at, "Asia/Jayapura") == "2026-12-07 12:02:52 WIT"
    assert for_people(None) == "-" and for_people("not a time") == "not a time"


def test_the_shells_clock_follows_utc_and_the_configuration(station_dir) -> None:
    config = str(station_dir / "station.toml")
    text = (station_dir / "station.toml").read_text()  # a station in Makassar
    assert 'timezone = "Asia/Jakarta"' in text
    (station_dir / "station.toml").write_text(text.replace('timezone = "Asia/Jakarta"', 'timezone = "Asia/Makassar"'))
    at = "2026-12-07T03:02:52Z"
    assert clock(argparse.Namespace(config=config))(at) == "2026-12-07 11:02:52 WITA"
    assert clock(argparse.Namespace(config=config, utc=True))(at) == "2026-12-07 03:02:52 UTC"


def test_a_jam_says_what_to_do_next(capsys) -> None:
    """(issue 25) A jammed `locker open` answered only "jammed"."""
    say_outcome("jammed", "A-1-04")
    out, err = capsys.readouterr()
    assert out == "jammed\n"  # scripts still read the word
    assert err.count("\n") == 1 and "A-1-04" in err and "push the door shut" in err and "slots retire A-1-04" in err
    say_outcome("opened", "A-1-04")
    assert capsys.readouterr() == ("opened\n", "")

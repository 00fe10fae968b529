"""The command center says what is so (issue 25, point 8): reasons in words, what recovered, the site of a
station that is down, and times in each station's own zone (WIB, WITA, WIT)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from drivers.printer import BLOCKING
from simulators.prometheus_lab import free_port
from station.fleet.app import Notifications, create_app
from station.fleet.view import build_rows
from station.fleet.words import PRINTER_REASONS, ZONE_NAMES, local_time, zone_for

DOWN = {"instance": "10.0.0.3:8080", "station": "MPP-JKT-01", "province": "DKI Jakarta"}
EAST = {"instance": "10.0.0.4:8080", "station": "MPP-MKS-01", "province": "Sulawesi Selatan"}
# 2026-12-07 03:02:52 UTC: 10.02.52 in Jakarta, 11.02.52 in Makassar, 12.02.52 in Jayapura.
AT = datetime(2026, 12, 7, 3, 2, 52, tzinfo=UTC).timestamp()


def sample(value: float, **labels: str) -> dict:
    return {"metric": {"job": "mpp-station", **labels}, "value": [1.0, str(value)]}


def test_a_printer_reason_is_shown_in_words_in_both_languages() -> None:
    assert BLOCKING <= set(PRINTER_REASONS)  # every reason that stops paper has words
    rows = build_rows({"up": [sample(1, **EAST)], "blocked": [sample(1, **EAST)],
                       "reasons": [sample(1, **EAST, reason="media-jam"), sample(1, **EAST, reason="toner-odd")]})
    shown = rows[0].as_dict()["printer_reason_words"]
    assert shown == [{"code": "media-jam", "id": "kertas macet", "en": "paper jam"},
                     {"code": "toner-odd", "id": "toner-odd", "en": "toner-odd"}]  # unknown: its code, never dropped


def test_a_station_that_is_down_keeps_its_site_name() -> None:
    """Issue 25: "DKI Jakarta" instead of "MPP DKI Jakarta" once the station stopped answering."""
    seen = sample(1, **DOWN, site="MPP DKI Jakarta", kind="locker", version="0.1.0")
    row = build_rows({"up": [sample(0, **DOWN)], "seen": [seen], "info": []})[0].as_dict()
    assert (row["status"], row["site"], row["province"], row["kind"]) == ("down", "MPP DKI Jakarta", "DKI Jakarta",
                                                                          "locker")
    # What the station says now wins over what it said before.
    now = sample(1, **DOWN, site="MPP DKI Jakarta Baru", kind="locker", version="0.2.0")
    assert build_rows({"up": [sample(1, **DOWN)], "seen": [seen], "info": [now]})[0].site == "MPP DKI Jakarta Baru"


def test_a_resolved_notification_says_what_recovered() -> None:
    notes = Notifications()
    alert = {"labels": {"alertname": "PrinterBlocked", "station": "MPP-MKS-01", "severity": "warning",
                        "province": "Sulawesi Selatan"},
             "annotations": {"summary": "Printer di stasiun MPP-MKS-01 terhenti lebih dari 5 menit.",
                             "summary_en": "The printer at station MPP-MKS-01 has been blocked for over 5 minutes.",
                             "resolved": "Printer di stasiun MPP-MKS-01 kembali siap mencetak.",
                             "resolved_en": "The printer at station MPP-MKS-01 prints again."}}
    notes.take("ops-desk", {"alerts": [{**alert, "status": "firing"}]})
    notes.take("ops-desk", {"alerts": [{**alert, "status": "resolved"}]})
    resolved, firing = notes.latest()
    assert (resolved["summary"], resolved["summary_en"]) == ("Printer di stasiun MPP-MKS-01 kembali siap mencetak.",
                                                             "The printer at station MPP-MKS-01 prints again.")
    assert "terhenti" in firing["summary"]


def test_times_are_each_stations_own_with_wib_wita_or_wit() -> None:
    assert local_time(AT, zone_for("DKI Jakarta")) == "10.02.52 WIB"
    assert local_time(AT, zone_for("Sulawesi Selatan")) == "11.02.52 WITA"
    assert local_time(AT, zone_for("Papua")) == "12.02.52 WIT"
    assert local_time(AT, zone_for("Kalimantan Barat"), seconds=False) == "10.02 WIB"
    notes = Notifications()
    notes.take("on-call", {"alerts": [{"status": "firing", "labels": {"alertname": "StationDown", "station": "MPP-MKS-01",
                                                                      "province": "Sulawesi Selatan"}}]})
    assert notes.latest()[0]["when"].endswith(" WITA")
    row = build_rows({"up": [sample(1, **EAST)]})[0].as_dict()
    assert (row["zone"], row["zone_name"]) == ("Asia/Makassar", "WITA")
    view = TestClient(create_app(f"http://127.0.0.1:{free_port()}", zone="Asia/Jayapura"))
    assert view.get("/api/fleet").status_code == 502  # no Prometheus: one sentence, as before


@given(st.text(max_size=30), st.floats(0, 4e9))
def test_any_province_gives_a_known_zone(province: str, at: float) -> None:
    zone = zone_for(province)
    assert zone in ZONE_NAMES and local_time(at, zone).endswith(" " + ZONE_NAMES[zone])


def test_the_staff_file_holds_hashes_and_a_bad_line_is_named(tmp_path) -> None:
    import pytest

    from station.errors import StationError
    from station.fleet.staff import Staff
    from station.runtime.roles import Role

    path = tmp_path / "staff"
    token = Staff.add(path, "rina", Role.OPERATOR)
    assert token not in path.read_text() and path.stat().st_mode & 0o077 == 0
    who = Staff.from_file(path).identify(f"Bearer {token}")
    assert (who.name, who.role, who.actor) == ("rina", Role.OPERATOR, "operator:rina")
    for header in ("", "Bearer", f"Basic {token}", "Bearer wrong", "Bearer " + "x" * 5000):
        with pytest.raises(StationError) as refused:
            Staff.from_file(path).identify(header)
        assert refused.value.http_status == 401
    path.write_text(path.read_text() + "# a comment\nboss rina 1234\n")
    with pytest.raises(StationError, match=r"staff:3: a member is `ROLE NAME SHA256`"):
        Staff.from_file(path)
    with pytest.raises(StationError, match="a staff name"):
        Staff.add(path, "Rina Sari", Role.OPERATOR)

"""What the command center says in words: printer reasons (the station's vocabulary) and time zones."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from station.localtime.people import DEFAULT_ZONE, ZONES
from station.vocabulary.devices import PRINTER_REASONS, printer_reason

__all__ = ["DEFAULT_ZONE", "PRINTER_REASONS", "ZONE_NAMES", "local_time", "printer_reason", "zone_for"]

# The zones people in Indonesia name: WIB (UTC+7), WITA (UTC+8), WIT (UTC+9): station.localtime's one table.
ZONE_NAMES = {zone: name for zone, (name, _hours) in ZONES.items()}
# Every province lies in one zone; a station's inventory label `province` says which.
_WITA = ("Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Selatan", "Kalimantan Timur",
         "Kalimantan Utara", "Sulawesi Utara", "Gorontalo", "Sulawesi Tengah", "Sulawesi Barat", "Sulawesi Selatan",
         "Sulawesi Tenggara")
_WIT = ("Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya", "Papua Selatan", "Papua Tengah",
        "Papua Pegunungan")
_PONTIANAK = ("Kalimantan Barat", "Kalimantan Tengah")
PROVINCE_ZONES = {**{p: "Asia/Makassar" for p in _WITA}, **{p: "Asia/Jayapura" for p in _WIT},
                  **{p: "Asia/Pontianak" for p in _PONTIANAK}}


def zone_for(province: str, default: str = DEFAULT_ZONE) -> str:
    """The IANA zone of a province (western Indonesia's, `default`, for any other or none)."""
    return PROVINCE_ZONES.get(province.strip(), default)


def local_time(at: float, zone: str, *, seconds: bool = True) -> str:
    """`at` (Unix seconds) as people there read it: "10.02.52 WIB" (Indonesian clock dots, the zone named)."""
    moment = datetime.fromtimestamp(at, _zone(zone))
    return moment.strftime("%H.%M.%S" if seconds else "%H.%M") + " " + ZONE_NAMES.get(zone, moment.strftime("%Z"))


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return ZoneInfo(DEFAULT_ZONE)

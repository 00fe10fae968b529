"""What the command center says in words, Indonesian and English: printer reasons and time zones.

A printer's reason comes from IPP (`media-jam`) or the station (`scheduler-unreachable`);
staff read "kertas macet · paper jam". Every reason that stops paper
(drivers.printer.BLOCKING) has words here: a test holds the two lists together.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

# IPP printer-state-reasons (RFC 8011 5.4.12) and the station's own, in words.
PRINTER_REASONS: dict[str, tuple[str, str]] = {
    "media-jam": ("kertas macet", "paper jam"),
    "media-empty": ("kertas habis", "out of paper"),
    "media-needed": ("perlu kertas", "paper needed"),
    "media-low": ("kertas hampir habis", "paper low"),
    "door-open": ("pintu printer terbuka", "printer door open"),
    "cover-open": ("tutup printer terbuka", "printer cover open"),
    "interlock-open": ("pengunci printer terbuka", "printer interlock open"),
    "toner-empty": ("toner habis", "toner empty"),
    "toner-low": ("toner hampir habis", "toner low"),
    "marker-supply-empty": ("tinta/toner habis", "ink or toner empty"),
    "marker-supply-low": ("tinta/toner hampir habis", "ink or toner low"),
    "output-area-full": ("baki keluaran penuh", "output tray full"),
    "input-tray-missing": ("baki kertas tidak terpasang", "paper tray missing"),
    "output-tray-missing": ("baki keluaran tidak terpasang", "output tray missing"),
    "offline": ("printer luring", "printer offline"),
    "shutdown": ("printer dimatikan", "printer shut down"),
    "paused": ("printer dijeda", "printer paused"),
    "scheduler-unreachable": ("layanan cetak tidak menjawab", "print service not answering"),
    "not-accepting-jobs": ("printer menolak pekerjaan", "printer not accepting jobs"),
}


def printer_reason(code: str) -> dict[str, str]:
    """One reason as the page shows it; an unknown one keeps its code in both languages (never dropped)."""
    indonesian, english = PRINTER_REASONS.get(code, (code, code))
    return {"code": code, "id": indonesian, "en": english}


# The zones people in Indonesia name: WIB (UTC+7), WITA (UTC+8), WIT (UTC+9).
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DEFAULT_ZONE = "Asia/Jakarta"
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

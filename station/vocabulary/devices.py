"""Devices in words, Indonesian and English: their states ("terhubung · online") and a printer's reasons
("kertas macet · paper jam" for `media-jam`).

A reason comes from IPP (RFC 8011 5.4.12, `media-jam`) or the station (`scheduler-unreachable`).
Every reason that stops paper (drivers.printer.BLOCKING) has words here: a test holds the two
lists together. The ops page, the command center and the shell say the same words.
"""

from __future__ import annotations

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


# A device's state as the daemon reports it (station/web/metrics.py DEVICE_STATUSES, and a printer's IPP state).
DEVICE_STATES: dict[str, tuple[str, str]] = {
    "online": ("terhubung", "online"),
    "offline": ("luring", "offline"),
    "busy": ("sibuk", "busy"),
    "hardware_error": ("kerusakan perangkat", "hardware error"),
    "user_error": ("perlu tindakan petugas", "needs staff action"),
    "starting": ("sedang dimulai", "starting"),
    "unreachable": ("tidak terjangkau", "unreachable"),
    "stopped": ("berhenti", "stopped"),
    "unknown": ("tidak diketahui", "unknown"),
    "idle": ("siap", "idle"),
    "processing": ("sedang mencetak", "printing"),
}

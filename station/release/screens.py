"""What the kiosk says, in Indonesian and English, for every screen and refusal the counter shows."""

from __future__ import annotations

import json
from typing import Any

from spool.jobs import Job

from station.trust import token as tokens
from ..logs import mask_name

# Where a document is, when its token cannot release it now: each its own words.
NOT_READY = "not_ready"
STATE_REASONS = ("not_ready", "in_progress", "cancelled", "expired", "returned", "held", "collected", "retained")
# Refusals about the station, not the token: the token is not spent.
BUSY = "busy"
BIN_NOT_EMPTY = "bin_not_empty"
DEVICE_UNKNOWN = "device_unknown"

_SCREENS: dict[str, dict[str, str]] = {
    "opening": {"id": "Pintu sedang dibuka.", "en": "The door is opening."},
    "open": {"id": "Ambil dokumen Anda, lalu tutup pintunya.", "en": "Take your document, then close the door."},
    "thanks": {"id": "Terima kasih. Dokumen Anda sudah diambil.", "en": "Thank you. Your document has been collected."},
    "item_left": {"id": "Dokumen masih di dalam loker. Silakan minta bantuan petugas atau kode QR baru.",
                  "en": "Your document is still in the locker. Please ask a staff member or request a new QR code."},
    "printing": {"id": "Dokumen Anda sedang dicetak. Mohon tunggu.", "en": "Your document is being printed. Please wait."},
    "presented": {"id": "Ambil dokumen Anda dari tempat keluaran.", "en": "Take your document from the output tray."},
    "locked_out": {"id": "Terlalu banyak kode yang ditolak. Tunggu sebentar atau minta bantuan petugas.",
                   "en": "Too many codes were refused. Wait a moment or ask a staff member."},
    "ask_staff": {"id": "Mohon maaf, terjadi kendala. Petugas sudah diberi tahu dan akan membantu Anda.",
                  "en": "Sorry, something went wrong. Staff have been told and will help you."},
    "not_ready": {"id": "Dokumen Anda belum siap. Silakan kembali nanti.",
                  "en": "Your document is not ready yet. Please come back later."},
    "cancelled": {"id": "Dokumen ini dibatalkan oleh kantor penerbit dan tidak dapat diambil di sini."
                        " Silakan hubungi kantor penerbit atau petugas.",
                  "en": "This document was withdrawn by the issuing office and cannot be collected here."
                        " Please contact the issuing office or a staff member."},
    "expired": {"id": "Batas waktu pengambilan dokumen ini sudah lewat. Silakan minta bantuan petugas.",
                "en": "The pickup window for this document has passed. Please ask a staff member."},
    "returned": {"id": "Dokumen ini sudah dikembalikan ke kantor penerbit. Silakan ambil di kantor tersebut.",
                 "en": "This document has been returned to the issuing office. Please collect it there."},
    "held": {"id": "Dokumen Anda perlu diperiksa petugas. Silakan minta bantuan petugas.",
             "en": "Your document needs a staff member's attention. Please ask a staff member."},
    "collected": {"id": "Dokumen ini sudah diambil.", "en": "This document has already been collected."},
    "in_progress": {"id": "Dokumen ini sedang diambil. Jika tidak ada pintu yang terbuka untuk Anda, minta bantuan"
                          " petugas.",
                    "en": "This document is being collected right now. If no door opened for you, ask a staff"
                          " member."},
    "retained": {"id": "Dokumen Anda tidak diambil tepat waktu dan disimpan oleh petugas. Silakan minta bantuan"
                       " petugas.",
                 "en": "Your document was not taken in time and is kept by staff. Please ask a staff member."},
    "repeat": {"id": "Kode ini sudah membuka pintu Anda.", "en": "This code has already opened your door."},
    "busy": {"id": "Mesin sedang melayani orang lain. Mohon tunggu sebentar, lalu pindai lagi.",
             "en": "The machine is serving someone else. Please wait a moment, then scan again."},
    "bin_not_empty": {"id": "Mesin sedang disiapkan petugas. Mohon tunggu atau minta bantuan petugas.",
                      "en": "Staff are preparing the machine. Please wait or ask a staff member."},
    "device_unknown": {"id": "Mesin belum siap. Mohon tunggu sebentar atau minta bantuan petugas.",
                       "en": "The machine is not ready. Please wait a moment or ask a staff member."},
}
_SCREENS["internal"] = _SCREENS["ask_staff"]
# (issue 15) the spool cannot be written (disk full): no release may start.
_SCREENS["out_of_service"] = {"id": "Mesin ini sedang tidak dapat digunakan. Silakan hubungi petugas.",
                              "en": "This machine cannot be used right now. Please ask a staff member."}


def message(reason: str) -> dict[str, str]:
    """Both sentences for a screen or a refusal word: {"id": ..., "en": ...}."""
    if reason in tokens.REASONS:
        return tokens.citizen_messages(reason)
    return dict(_SCREENS.get(reason, _SCREENS["ask_staff"]))


# (issue 24) A document cancelled here by staff: the desk can help, the issuing office need not be called.
_SCREENS["cancelled_staff"] = {
    "id": "Dokumen ini dibatalkan oleh petugas stasiun ini. Silakan tanyakan di meja layanan.",
    "en": "This document was cancelled by this station's staff. Please ask at the service desk."}


def cancelled(by: str) -> dict[str, str]:
    """Who cancelled, in words: this station's staff ("ask at the desk") or the issuing office."""
    return message("cancelled_staff" if by == "staff" else "cancelled")


def wrong_station(name: str) -> dict[str, str]:
    """The station the token names, so the citizen knows where to go."""
    return {"id": f"Dokumen Anda tidak dapat diambil di mesin ini. Dokumen Anda menunggu di {name}.",
            "en": f"Your document is not collected at this machine. It waits at {name}."}


def not_ready(estimate_s: float) -> dict[str, str]:
    """Not ready yet, with when it should be (whole minutes, at least one)."""
    minutes = max(1, int(-(-estimate_s // 60)))
    return {"id": f"Dokumen Anda belum siap. Perkiraan siap dalam sekitar {minutes} menit. Silakan kembali nanti.",
            "en": f"Your document is not ready yet. It should be ready in about {minutes}"
                  f" minute{'s' if minutes != 1 else ''}. Please come back then."}


def waiting(seconds: float) -> dict[str, str]:
    """The busy sentence with how long to wait."""
    wait = max(5, int(round(seconds / 5.0)) * 5)
    return {"id": f"Mesin sedang melayani orang lain. Mohon tunggu sekitar {wait} detik, lalu pindai lagi.",
            "en": f"The machine is serving someone else. Please wait about {wait} seconds, then scan again."}


def document_of(job: Job) -> dict[str, Any]:
    """The document as received (personal data: never logged, never shown but masked)."""
    try:
        value = json.loads(job.payload or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def job_view(job: Job) -> dict[str, Any]:
    """What the kiosk may show of a job: its holder's name, masked, and its kind (a signed PDF is labelled)."""
    data = document_of(job).get("data") or {}
    name = next((v for k, v in data.items() if "nama" in k.lower() or "name" in k.lower()), None)
    return {"masked_name": mask_name(name) if isinstance(name, str) else None, "kind": job.kind}

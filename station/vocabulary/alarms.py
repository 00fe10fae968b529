"""Every alarm kind the station raises, with a title and a message in Indonesian and English.

The spool keeps the message a part wrote (English, for logs and the back
office); what a person reads is said here, from the alarm's own fields
(`{slot}`, `{job}`, `{device}`), so the ops page and the CLI say the same.
Kinds made from a word (`backoffice.<reason>`, `citizen_<problem>`) are
said by their family. tests/vocabulary/ checks every kind in the source has
words here.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .words import Words

TAKE_OUT_HINT = Words("keluarkan lewat \"Keluarkan dokumen\" di halaman operasional (atau station slots collect-expired)",
                      "take it out with \"Take documents out\" on the operations page (or station slots collect-expired)")


class AlarmWords(NamedTuple):
    title: Words
    message: Words


def _a(title_id: str, title_en: str, message_id: str, message_en: str) -> AlarmWords:
    return AlarmWords(Words(title_id, title_en), Words(message_id, message_en))


def _take_out(title_id: str, title_en: str, what_id: str, what_en: str) -> AlarmWords:
    return _a(title_id, title_en, f"{what_id}; {TAKE_OUT_HINT.id}", f"{what_en}; {TAKE_OUT_HINT.en}")


ALARMS: dict[str, AlarmWords] = {
    # Slots and doors.
    "no_free_slot": _a("Tidak ada slot kosong", "No free slot",
                       "Dokumen tercetak menunggu slot kosong: keluarkan dokumen kedaluwarsa atau yang dibatalkan",
                       "Printed documents wait for a free slot: take expired or cancelled documents out"),
    "slot_not_empty": _a("Slot tidak kosong", "Slot not empty", "Slot {slot} seharusnya kosong tetapi berisi",
                         "Slot {slot} should be empty but is not"),
    "slot_not_configured": _a("Slot tidak dikonfigurasi", "Slot not configured",
                              "Slot {slot} tidak ada lagi di konfigurasi tetapi berisi dokumen: keluarkan dengan tangan",
                              "Slot {slot} is no longer configured but holds a document: take it out by hand"),
    "loading_door_open": _a("Pintu terbuka saat pengisian", "Door open while loading",
                            "Slot {slot} dibiarkan terbuka saat pengisian", "Slot {slot} was left open while loading"),
    "door_forced": _a("Pintu dibuka paksa", "Door forced", "Pintu {slot} terbuka tanpa perintah buka",
                      "Door {slot} opened without an unlock"),
    "door_left_open": _a("Pintu dibiarkan terbuka", "Door left open", "Pintu {slot} terlalu lama terbuka",
                         "Door {slot} has been open too long"),
    "door_not_closed": _a("Pintu tidak ditutup", "Door not closed", "Pintu {slot} tidak terlihat tertutup setelah diambil",
                          "Door {slot} not seen closed after its release"),
    "latch_jammed": _a("Kunci macet", "Latch jammed", "Slot {slot} tidak terbuka untuk dokumen {job}",
                       "Slot {slot} did not open for document {job}"),
    "unlock_not_sent": _a("Perintah buka gagal", "Unlock not sent", "Slot {slot} tidak dapat dibuka",
                          "Slot {slot} could not be unlocked"),
    "unlock_unknown": _a("Hasil buka tidak diketahui", "Unlock outcome unknown",
                         "Slot {slot}: perintah buka terkirim, hasilnya tidak diketahui",
                         "Slot {slot}: unlock sent, outcome unknown"),
    "release_interrupted": _a("Penyerahan terputus", "Release interrupted",
                              "Slot {slot}: stasiun berhenti saat penyerahan; periksa slotnya",
                              "Slot {slot}: the station stopped during a release; check the slot"),
    "slot_check": _a("Periksa slot", "Check the slot", "Buka slot {slot} bersama teknisi dan periksa isinya",
                     "Open slot {slot} with a technician and look inside"),
    "bus_unreachable": _a("Bus kunci tidak terjangkau", "Lock bus unreachable",
                          "Bus kunci {device} tidak menjawab", "Lock bus {device} does not answer"),
    # Take-out tasks (ADR 0321): paper in a slot that must come out.
    "documents_expired_in_slots": _take_out("Dokumen kedaluwarsa di slot", "Expired documents in slots",
                                            "Dokumen yang tidak diambil menunggu di slot",
                                            "Documents not collected wait in their slots"),
    "slot_withdrawn_paper": _take_out("Dokumen dibatalkan di slot", "Cancelled document in a slot",
                                      "Slot {slot}: dokumen {job} dibatalkan", "Slot {slot}: document {job} was cancelled"),
    "slot_old_paper": _take_out("Salinan lama di slot", "Old copy in a slot", "Slot {slot}: dokumen {job} dikoreksi",
                                "Slot {slot}: document {job} was corrected"),
    "reprint_old_copy": _take_out("Salinan lama sebelum cetak ulang", "Old copy before a reprint",
                                  "Slot {slot}: keluarkan salinan lama {job}, lalu dokumen dicetak ulang",
                                  "Slot {slot}: take the old copy of {job} out, then it is printed again"),
    "discard_printed_copy": _a("Musnahkan salinan tercetak", "Discard a printed copy",
                               "Dokumen {job} dibatalkan setelah dicetak: musnahkan salinannya (di printer atau menunggu"
                               " diisi)", "Document {job} was cancelled after printing: discard its printed copy (at the"
                               " printer or waiting to be loaded)"),
    "extra_copy": _a("Periksa baki printer", "Check the printer tray",
                     "Mungkin ada salinan tambahan {job} di baki printer: periksa dan musnahkan",
                     "There may be an extra copy of {job} in the printer tray: look and destroy it"),
    # The citizen at the counter.
    "pin_locked": _a("PIN terkunci", "PIN locked", "Dokumen {job}: PIN salah terlalu sering",
                     "Document {job}: the PIN was wrong too many times"),
    "scanner_locked_out": _a("Pemindai dikunci sementara", "Scanner locked out",
                             "Terlalu banyak pindaian ditolak; pemindai diabaikan sebentar",
                             "Too many refused scans; the scanner is ignored for a while"),
    "document_retained": _a("Dokumen ditahan mesin", "Document retained", "Dokumen {job} tidak diambil dan ditahan",
                            "Document {job} was not taken and was retained"),
    "bin_not_empty": _a("Baki pengambilan berisi", "Pickup bin not empty",
                        "Ada kertas di baki pengambilan yang bukan milik siapa pun: keluarkan",
                        "Paper in the pickup bin belongs to no one being served: take it out"),
    "shutter_failed": _a("Penutup tidak terbuka", "Shutter failed", "Penutup dispenser tidak terbuka",
                         "The dispenser's shutter did not open"),
    "intent_open": _a("Tindakan belum selesai", "Action left open", "Sebuah tindakan stasiun terbuka terlalu lama: periksa",
                      "A station action has been open too long: look at it"),
    "internal_error": _a("Kesalahan internal", "Internal error", "Kesalahan internal saat melayani; lihat log stasiun",
                         "Internal error while serving; see the station log"),
    "clock_behind": _a("Jam stasiun mundur", "Station clock behind",
                       "Jam stasiun di belakang waktu terakhir yang tercatat; penyerahan dihentikan",
                       "The station clock is behind the latest recorded time; releases are stopped"),
    # Printer, disk, trust and web.
    "printer.blocked": _a("Printer berhenti", "Printer blocked", "Printer {device} tidak dapat mencetak: lihat Perangkat",
                          "Printer {device} cannot print: see Devices"),
    "printer.refused": _a("Printer menolak", "Printer refuses jobs", "Printer menolak pekerjaan: periksa CUPS",
                          "The printer refuses jobs: check CUPS"),
    "disk.low": _a("Ruang disk menipis", "Disk space low", "Ruang disk stasiun menipis", "The station's disk space is low"),
    "disk.full": _a("Disk penuh", "Disk full", "Disk stasiun hampir penuh: stasiun berhenti menerima",
                    "The station's disk is nearly full: the station stops taking work"),
    "disk.rendering_paused": _a("Penyiapan dokumen dijeda", "Rendering paused",
                                "Disk menipis: stasiun berhenti menyiapkan dokumen baru sampai ada ruang",
                                "Disk space is low: the station renders no new document until there is room"),
    "disk.unwritable": _a("Disk tidak dapat ditulis", "Disk unwritable", "Disk stasiun tidak dapat ditulis",
                          "The station's disk cannot be written"),
    "trust_store_unreadable": _a("Penyimpanan kunci tidak terbaca", "Trust store unreadable",
                                 "Penyimpanan kunci tidak dapat dibaca: token, dokumen dan PIN tidak dapat diperiksa",
                                 "The trust store cannot be read: no token, document or PIN can be verified"),
    "web.not_serving": _a("Halaman tidak tersedia", "Pages not serving",
                          "Halaman kios dan operasional tidak dapat disajikan", "The kiosk and operations pages cannot be served"),
    "pdf.no_ca_bundle": _a("Tidak ada CA untuk PDF", "No CA for signed PDFs",
                           "PDF bertanda tangan datang dan tidak ada CA yang dipercaya: PDF ditahan",
                           "A signed PDF came and no CA is trusted for signed PDFs: it is held"),
    "pdf.ca_bundle_unreadable": _a("CA PDF tidak terbaca", "PDF CA unreadable",
                                   "Berkas CA untuk PDF tidak dapat dibaca: PDF bertanda tangan ditahan",
                                   "The CA bundle for signed PDFs cannot be read: signed PDFs are held"),
    # The back office.
    "backoffice.document_conflict": _a("Dokumen bertentangan", "Document conflict",
                                       "Dokumen {job} berubah saat sedang diproses: ditahan",
                                       "Document {job} changed while it was being handled: held"),
    "backoffice.no_credential": _a("Kredensial back office tidak ada", "Back office credential missing",
                                   "Stasiun tidak dapat masuk ke back office", "The station cannot sign in to the back office"),
    "backoffice.unreadable_document": _a("Dokumen tidak terbaca", "Unreadable document",
                                         "Back office mengirim dokumen yang tidak dapat dibaca",
                                         "The back office sent a document that cannot be read"),
    "backoffice.document_refused": _a("Dokumen ditolak", "Document refused", "Dokumen {job} ditolak stasiun",
                                      "Document {job} was refused by the station"),
    "backoffice.unknown_issuer_key": _a("Kunci penerbit tidak dikenal", "Unknown issuer key",
                                        "Dokumen ditandatangani dengan kunci yang tidak dikenal stasiun",
                                        "A document is signed with a key the station does not know"),
    "backoffice.checkpoint_refused": _a("Checkpoint ditolak", "Checkpoint refused",
                                        "Back office menolak checkpoint stasiun", "The back office refused the station's checkpoint"),
    "backoffice.complaint_refused": _a("Laporan ditolak", "Complaint refused",
                                       "Back office menolak laporan masalah warga", "The back office refused a citizen's complaint"),
    "backoffice.event_refused": _a("Peristiwa ditolak", "Event refused", "Back office menolak peristiwa dokumen {job}",
                                   "The back office refused an event of document {job}"),
}

# Kinds made from a word, by their prefix: the longest matching prefix speaks for them.
FAMILIES: dict[str, AlarmWords] = {
    "backoffice.": _a("Back office", "Back office", "Perubahan dokumen {job} dari back office ditolak",
                      "A change of document {job} from the back office was refused"),
    "citizen_": _a("Laporan warga", "Citizen report", "Warga melaporkan masalah di slot {slot}",
                   "A citizen reports a problem at slot {slot}"),
    "slot_": _a("Slot tidak terbuka", "Slot did not open", "Slot {slot} tidak terbuka untuk pengisian",
                "Slot {slot} did not open for loading"),
    "disk.": _a("Disk", "Disk", "Periksa disk stasiun", "Check the station's disk"),
    "pdf.": _a("PDF bertanda tangan", "Signed PDF", "PDF bertanda tangan ditahan", "Signed PDFs are held"),
    "printer.": _a("Printer", "Printer", "Periksa printer", "Check the printer"),
}
FALLBACK = _a("Alarm", "Alarm", "Lihat rincian alarm", "See the alarm's details")


def words_for(kind: str) -> AlarmWords:
    """The words for `kind`: its own, its family's, or the plain fallback."""
    if kind in ALARMS:
        return ALARMS[kind]
    for prefix in sorted(FAMILIES, key=len, reverse=True):
        if kind.startswith(prefix):
            return FAMILIES[prefix]
    return FALLBACK


def alarm_title(kind: str, language: str) -> str:
    return words_for(kind).title.get(language)


def alarm_text(alarm: dict[str, Any], language: str) -> str:
    """The message of an alarm (as `Alarm.as_dict()` gives it) in `language`, from its slot, job and device."""
    fields = {"slot": alarm.get("slot_id") or "-", "job": alarm.get("job_id") or "-",
              "device": str(alarm.get("device") or "").removeprefix("bus:") or "-"}
    return words_for(str(alarm.get("kind", ""))).message.get(language).format(**fields)

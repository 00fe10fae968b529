// The operations page's words in Indonesian and English, and its one time format
// (YYYY-MM-DD HH:MM:SS in the station's time zone, with WIB, WITA or WIT).
// Alarm kinds and messages, door, item and slot states are not here: they are the
// station's vocabulary (station/vocabulary, served at /ops/vocabulary.json), which the
// command line speaks too (ADR 0320).
"use strict";

const OpsWords = (() => {
  const WORDS = {
    id: {
      title: "MPP Station · Operasional", live: "langsung", offline: "luring", signOut: "Keluar",
      banner: "Stasiun luring: daemon tidak menjawab. Spool di bawah sesuai bacaan terakhir; tindakan perangkat tidak tersedia.",
      signIn: "Masuk", signInHelp: "Tempel token API Anda (dibuat dengan station users add NAMA --role PERAN).",
      token: "Token", badToken: "Token itu tidak berlaku (atau sudah dinonaktifkan).", unreachable: "Stasiun tidak dapat dihubungi.",
      spool: "Spool", filter: "Saring pekerjaan menurut status", all: "semua", jobs: "Pekerjaan",
      job: "Pekerjaan", state: "Status", template: "Templat", slot: "Slot", updated: "Diperbarui", whyHeld: "Alasan ditahan",
      newest: "Terbaru", older: "Lebih lama", noJobs: "tidak ada pekerjaan", documentData: "Data dokumen",
      maskedForRole: "(disamarkan untuk peran Anda)", auditTrail: "Jejak audit", at: "Waktu", actor: "Pelaku",
      action: "Tindakan", details: "Rincian", slots: "Slot", devices: "Perangkat", alarms: "Alarm",
      showAcknowledged: "tampilkan yang sudah ditanggapi", noAlarms: "tidak ada alarm terbuka", acknowledge: "Tanggapi",
      acknowledgedBy: "ditanggapi oleh", daemonSilent: "tidak diketahui: daemon stasiun tidak menjawab",
      back: "Kembali", ok: "OK", reason: "Alasan", note: "Catatan", date: "Tanggal",
      printer: "printer", scanner: "pemindai", lockBus: "bus kunci", show: "lihat", backInService: "dipakai lagi",
      openDoor: "buka pintu", accessible: "mudah dijangkau", openAlarms: "alarm terbuka", refused: "ditolak",
      flow: "alur", heldWhile: "ditahan saat", pickupUntil: "ambil sebelum", pages: "halaman",
      printAttempts: "percobaan cetak", printerJob: "pekerjaan printer", pinFailures: "PIN salah", created: "dibuat",
      language: "Bahasa", document: "Dokumen", signedPdf: "PDF bertanda tangan",
      actions: { retry: "coba lagi", cancel: "batalkan", reprint: "cetak ulang", move: "pindahkan", extend: "perpanjang",
                 confirm_collected: "pastikan sudah diambil", paper_inside: "dokumen masih di dalam",
                 tray_found: "satu salinan ditemukan dan dimusnahkan", tray_none: "tidak ada salinan di baki" },
      states: { received: "diterima", rendered: "disiapkan", printing: "dicetak", printed: "tercetak",
                staged: "siap diambil", released: "dibuka", collected: "diambil", held: "ditahan",
                expired: "kedaluwarsa", returned: "dikembalikan", retained: "ditahan mesin", cancelled: "dibatalkan" },
      cancelTitle: (id) => `Batalkan ${id}`, cancelText: "Dokumen tidak akan diserahkan. Tulis alasannya (tanpa data pribadi).",
      moveTitle: (id) => `Pindahkan ${id}`, moveText: (slot) => `Sekarang di slot ${slot}. Pindahkan ke:`,
      moveLabel: "Slot (PAPAN-KUNCI, mis. 1-07)", extendTitle: (id) => `Perpanjang pengambilan ${id}`,
      extendText: (until) => `Ambil sebelum ${until}. Hari terakhir yang baru:`,
      oosTitle: (id) => `Slot ${id} tidak dipakai`, oosText: "Stasiun berhenti memakai slot ini.",
      openTitle: (id) => `Buka pintu ${id}`, openText: "Pintu terbuka sekarang. Tulis alasannya (diaudit).",
      retried: (id) => `${id}: dikerjakan lagi`, cancelled: (id) => `${id}: dibatalkan`,
      reprinted: (id) => `${id}: cetak ulang diminta`, moving: (id, slot) => `${id}: dipindah ke ${slot}`,
      extended: (id) => `${id}: waktu pengambilan diperpanjang`, settled: (id) => `${id}: dicatat`,
      trayChecked: (id) => `${id}: pemeriksaan baki dicatat`, inService: (id) => `${id} dipakai lagi`,
      outService: (id) => `${id} tidak dipakai`, openRequested: (id) => `${id}: pintu diminta terbuka`,
      takeOut: "Keluarkan dokumen", takeOutWhy: "Mengapa", takeOutHelp: "Dokumen kedaluwarsa, dibatalkan, atau salinan lama sebelum cetak ulang. Slot dibuka satu per satu; sensor pintu dan barang memastikan slot kosong.",
      noTakeOut: "tidak ada dokumen yang perlu dikeluarkan", takeOutStart: "Mulai keluarkan", takeOutOne: "Keluarkan",
      takeOutSkip: "Lewati", takeOutStop: "Berhenti", takeOutOpening: (slot) => `Membuka slot ${slot}…`,
      takeOutStep: (slot, id) => `Slot ${slot} terbuka: ambil dokumen ${id}, lalu tutup pintunya.`,
      takeOutWaiting: "Menunggu sensor: pintu tertutup dan slot kosong.", takeOutNotOpened: (slot, why) => `Slot ${slot} tidak terbuka (${why}); dilewati, laporkan ke teknisi.`,
      takeOutDone: (slot, id) => `Slot ${slot} kosong: ${id} dicatat.`, takeOutAllDone: "Semua slot sudah kosong.",
      takeOutProgress: (n, total) => `${n} dari ${total}`, reprintTakeOut: (slot) => `Cetak ulang: keluarkan dulu salinan lama dari slot ${slot}.`,
      acknowledged: (id) => `alarm ${id} ditanggapi`, clearedByStation: (at) => `diselesaikan oleh stasiun ${at}`, refusedStatus: (status) => `ditolak (${status})`,
    },
    en: {
      title: "MPP Station · Operations", live: "live", offline: "offline", signOut: "Sign out",
      banner: "Station offline: the daemon does not answer. The spool below is as last read; device actions are unavailable.",
      signIn: "Sign in", signInHelp: "Paste your API token (made with station users add NAME --role ROLE).",
      token: "Token", badToken: "That token is not valid (or was disabled).", unreachable: "The station cannot be reached.",
      spool: "Spool", filter: "Filter jobs by state", all: "all", jobs: "Jobs",
      job: "Job", state: "State", template: "Template", slot: "Slot", updated: "Updated", whyHeld: "Why held",
      newest: "Newest", older: "Older", noJobs: "no jobs", documentData: "Document data",
      maskedForRole: "(masked for your role)", auditTrail: "Audit trail", at: "At", actor: "Actor",
      action: "Action", details: "Details", slots: "Slots", devices: "Devices", alarms: "Alarms",
      showAcknowledged: "show acknowledged", noAlarms: "no open alarms", acknowledge: "Acknowledge",
      acknowledgedBy: "acknowledged by", daemonSilent: "unknown: the station daemon does not answer",
      back: "Back", ok: "OK", reason: "Reason", note: "Note", date: "Date",
      printer: "printer", scanner: "scanner", lockBus: "lock bus", show: "show", backInService: "back in service",
      openDoor: "open door", accessible: "accessible", openAlarms: "open alarm(s)", refused: "refused",
      flow: "flow", heldWhile: "held while", pickupUntil: "pickup until", pages: "pages",
      printAttempts: "print attempts", printerJob: "printer job", pinFailures: "PIN failures", created: "created",
      language: "Language", document: "Document", signedPdf: "signed PDF",
      actions: { retry: "retry", cancel: "cancel", reprint: "reprint", move: "move", extend: "extend",
                 confirm_collected: "confirm collected", paper_inside: "paper still inside",
                 tray_found: "one copy found and destroyed", tray_none: "no copy in the tray" },
      states: { received: "received", rendered: "rendered", printing: "printing", printed: "printed",
                staged: "staged", released: "released", collected: "collected", held: "held",
                expired: "expired", returned: "returned", retained: "retained", cancelled: "cancelled" },
      cancelTitle: (id) => `Cancel ${id}`, cancelText: "The document will not be released. Say why (no personal data).",
      moveTitle: (id) => `Move ${id}`, moveText: (slot) => `Now in slot ${slot}. Move it to:`,
      moveLabel: "Slot (BOARD-LOCK, e.g. 1-07)", extendTitle: (id) => `Extend pickup of ${id}`,
      extendText: (until) => `Pickup until ${until}. New last day:`,
      oosTitle: (id) => `Slot ${id} out of service`, oosText: "The station will stop using this slot.",
      openTitle: (id) => `Open door ${id}`, openText: "The door opens now. Say why (audited).",
      retried: (id) => `${id}: sent back to work`, cancelled: (id) => `${id}: cancelled`,
      reprinted: (id) => `${id}: reprint requested`, moving: (id, slot) => `${id}: moving to ${slot}`,
      extended: (id) => `${id}: pickup extended`, settled: (id) => `${id}: recorded`,
      trayChecked: (id) => `${id}: tray check recorded`, inService: (id) => `${id} back in service`,
      outService: (id) => `${id} out of service`, openRequested: (id) => `${id}: open requested`,
      takeOut: "Take documents out", takeOutWhy: "Why", takeOutHelp: "Expired and cancelled documents, and old copies before a reprint. Slots open one at a time; the door and item sensors confirm each is empty.",
      noTakeOut: "no document to take out", takeOutStart: "Start taking out", takeOutOne: "Take out",
      takeOutSkip: "Skip", takeOutStop: "Stop", takeOutOpening: (slot) => `Opening slot ${slot}…`,
      takeOutStep: (slot, id) => `Slot ${slot} is open: take document ${id} out, then close the door.`,
      takeOutWaiting: "Waiting for the sensors: door closed and slot empty.", takeOutNotOpened: (slot, why) => `Slot ${slot} did not open (${why}); skipped, tell a technician.`,
      takeOutDone: (slot, id) => `Slot ${slot} is empty: ${id} recorded.`, takeOutAllDone: "Every slot is empty.",
      takeOutProgress: (n, total) => `${n} of ${total}`, reprintTakeOut: (slot) => `Reprint: first take the old copy out of slot ${slot}.`,
      acknowledged: (id) => `alarm ${id} acknowledged`, clearedByStation: (at) => `cleared by the station ${at}`, refusedStatus: (status) => `refused (${status})`,
    },
  };
  // Indonesia's three zones, by the IANA names a station may configure.
  const ZONE_NAMES = { "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT" };
  const OFFSETS = { WIB: "+07:00", WITA: "+08:00", WIT: "+09:00" };  // no summer time in Indonesia

  let language = localStorage.getItem("station-language") === "en" ? "en" : "id";
  let zone = "Asia/Jakarta";
  let vocabulary = null;  // the station's words, once loaded: {id: {...}, en: {...}}

  // The station's vocabulary: words only (no station state), so it loads before anyone signs in.
  async function load() {
    const { status, data } = await Station.api("/ops/vocabulary.json");
    if (status === 200) vocabulary = data;
    apply();
  }
  const V = () => (vocabulary ? vocabulary[language] : null);

  // An alarm kind's words: its own, its family's (longest prefix), or the plain fallback.
  function alarmWords(kind) {
    const words = V();
    if (!words) return { title: kind, message: "" };
    if (words.alarms[kind]) return words.alarms[kind];
    const family = Object.keys(words.families).sort((a, b) => b.length - a.length).find((p) => kind.startsWith(p));
    return family ? words.families[family] : words.fallback;
  }
  function alarmText(alarm) {
    const fields = { slot: alarm.slot_id || "-", job: alarm.job_id || "-",
                     device: String(alarm.device || "").replace(/^bus:/, "") || "-" };
    const message = alarmWords(alarm.kind).message;
    return message ? message.replace(/\{(slot|job|device)\}/g, (_, key) => fields[key]) : alarm.message;
  }
  const vocab = (table, key) => (V() && V()[table][key]) || key;

  function t(key, ...args) {
    const word = WORDS[language][key];
    return typeof word === "function" ? word(...args) : word ?? key;
  }

  // Fills every element marked data-words="key" (text) or data-words-label="key" (aria-label).
  function apply(root = document) {
    document.documentElement.lang = language;
    document.title = t("title");
    root.querySelectorAll("[data-words]").forEach((node) => { node.textContent = t(node.dataset.words); });
    root.querySelectorAll("[data-words-label]").forEach((node) => { node.setAttribute("aria-label", t(node.dataset.wordsLabel)); });
    root.querySelectorAll("[data-slot-word]").forEach((node) => { node.textContent = vocab("slot", node.dataset.slotWord); });
  }

  // One time format everywhere: 2026-11-28 14:05:09 WIB (in the station's zone, whatever the browser's).
  function time(text) {
    if (!text) return "";
    const moment = new Date(text);
    if (Number.isNaN(moment.getTime())) return String(text);
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: "2-digit", hourCycle: "h23" }).formatToParts(moment).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${ZONE_NAMES[zone] || zone}`;
  }

  return {
    t, apply, time, load, alarmText,
    alarmTitle: (kind) => alarmWords(kind).title,
    door: (value) => vocab("door", value), item: (value) => vocab("item", value), slot: (key) => vocab("slot", key),
    takeOutWhy: (why) => vocab("take_out", why),
    device: (state) => vocab("device", state), printerReason: (code) => vocab("printer_reason", code),
    get language() { return language; },
    setLanguage(value) { language = value === "en" ? "en" : "id"; localStorage.setItem("station-language", language); apply(); },
    setZone(value) { if (value) zone = value; },
    offset: () => OFFSETS[ZONE_NAMES[zone]] || "+07:00",
    state: (word) => WORDS[language].states[word] || word,
    action: (word) => WORDS[language].actions[word] || word,
  };
})();

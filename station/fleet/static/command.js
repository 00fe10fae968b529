// The command center: every station from /api/fleet (built from Prometheus), refreshed every 5 s.
// Everything shown is set as text (a station's site name is the station's own word, never markup).
// Indonesian first, English beside it; ?lang=en (or the button) shows English only.
// Signed in with a staff token (kept for this tab only), staff acknowledge and silence alerts.
"use strict";

const REFRESH_MS = 5000;
const STATUS = {
  ok: ["Normal", "ok"], warning: ["Perlu dicek", "warning"], critical: ["Kritis", "critical"], down: ["Mati", "down"],
};
const NOTE_STATES = {
  firing: ["Aktif", "firing"], resolved: ["Pulih", "resolved"], ack: ["Ditangani", "acknowledged"],
  silence: ["Disenyapkan", "silenced"],
};
const ROLE_RANK = { viewer: 1, operator: 2, technician: 3, admin: 4 };
const MINUTES = { 15: ["15 menit", "15 minutes"], 60: ["1 jam", "1 hour"], 240: ["4 jam", "4 hours"],
  1440: ["24 jam", "24 hours"] };
const TOKEN_KEY = "mpp-command-token";
const english = new URLSearchParams(location.search).get("lang") === "en";
let staff = null;      // {name, role, actor} once signed in
let lastView = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// Both languages as spans; the stylesheet shows one or both (html.lang-en hides the Indonesian).
function bilingual(id, en) {
  return el("span", {}, el("span", { class: "id" }, id), " ", el("span", { class: "en", lang: "en" }, en));
}

function words(id, en) {
  return english ? en : id;
}

function badge(kind, id, en) {
  if (!en) return el("span", { class: "badge " + kind }, id);
  return el("span", { class: "badge " + kind }, el("span", { class: "id" }, id),
    el("span", { class: "id sep" }, " · "), el("span", { class: "en", lang: "en" }, en));
}

function orDash(value) {
  return value === null || value === undefined ? "–" : value;
}

function printerCell(row) {
  if (!row.up || row.printer_blocked === null) return badge("unknown", "?", "");
  if (!row.printer_blocked) return badge("ok", "Siap", "ready");
  const reasons = row.printer_reason_words.map((r) => bilingual(r.id, r.en));
  const list = el("span", { class: "reasons", "data-reasons": row.printer_reasons.join(" ") });
  reasons.forEach((r, i) => { if (i) list.append(", "); list.append(r); });
  return el("span", {}, badge("warning", "Terhenti", "blocked"), " ", list);
}

function busCell(row) {
  if (!row.up || row.bus_up === null) return badge("unknown", "?", "");
  return row.bus_up ? badge("ok", "Tersambung", "up") : badge("critical", "Putus", "down");
}

function may(role) {
  return staff !== null && (ROLE_RANK[staff.role] || 0) >= ROLE_RANK[role];
}

function actButton(kind, id, en, alert, row, silence) {
  const button = el("button", { type: "button", class: "act", "data-act": kind, "data-alert": alert.name }, bilingual(id, en));
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    if (kind === "lift") lift(silence); else openAct(kind, alert.name, row);
  });
  return button;
}

function alertItem(alert, row, quiet) {
  const silence = quiet.find((s) => s.alertname === alert.name && s.station === row.station);
  const item = el("div", { class: "alert", "data-alert": alert.name }, badge(alert.severity || "unknown", alert.name, ""));
  if (silence) {
    const [id, en] = NOTE_STATES[silence.kind] || NOTE_STATES.silence;
    item.dataset.silenced = silence.kind;
    item.append(" ", el("span", { class: "muted taken" }, bilingual(id, en), " " + silence.by + " ",
      bilingual("s/d", "until"), " " + silence.until));
    if (may("technician")) item.append(" ", actButton("lift", "Cabut", "lift", alert, row, silence));
  } else {
    if (may("operator")) item.append(" ", actButton("ack", "Tangani", "acknowledge", alert, row));
    if (may("technician")) item.append(" ", actButton("silence", "Senyapkan", "silence", alert, row));
  }
  return item;
}

function stationRow(row, quiet) {
  const [id, en] = STATUS[row.status];
  const link = el("a", { href: row.ops_url, target: "_blank", rel: "noopener", "data-station": row.station }, row.station);
  const place = el("span", { class: "muted site" }, [row.site, row.province].filter(Boolean).join(" · "));
  const name = el("td", {}, link, el("br"), place);
  const slots = row.slots_free === null ? "–" : row.slots_free + " / " + row.slots_total;
  const alerts = el("td", { class: "alerts" }, ...row.alerts.map((a) => alertItem(a, row, quiet)));
  const tr = el("tr", { class: "station status-" + row.status, "data-station": row.station, "data-status": row.status },
    name, el("td", {}, badge(row.status, id, en)), el("td", {}, printerCell(row)), el("td", {}, busCell(row)),
    el("td", { class: "num" }, slots), el("td", { class: "num" }, orDash(row.ready)),
    el("td", { class: "num" }, orDash(row.expiring)), el("td", { class: "num" }, orDash(row.alarms)), alerts);
  tr.addEventListener("click", (event) => {
    if (event.target !== link && !event.target.closest("button")) window.open(row.ops_url, "_blank", "noopener");
  });
  return tr;
}

function noteItem(note) {
  const [id, en] = NOTE_STATES[note.status] || [note.status, note.status];
  const kind = note.status === "resolved" ? "ok" : note.status === "firing" ? (note.severity || "unknown") : "info";
  return el("li", { "data-alert": note.alertname, "data-station": note.station, "data-status": note.status },
    el("time", {}, note.when), " ", badge(kind, id, en), " ", el("b", {}, note.alertname), " · " + note.station + " ",
    el("span", { class: "muted" }, "→ " + note.receiver), " ", bilingual(note.summary, note.summary_en));
}

function render(view) {
  lastView = view;
  for (const key of ["ok", "warning", "critical", "down"]) document.getElementById("count-" + key).textContent = view.counts[key];
  document.getElementById("count-total").textContent = view.total;
  document.getElementById("count-alerts").textContent = view.alerts_firing;
  const rows = document.getElementById("station-rows");
  const quiet = view.silences || [];
  rows.replaceChildren(...(view.stations.length ? view.stations.map((row) => stationRow(row, quiet))
    : [el("tr", {}, el("td", { colspan: 9, class: "muted" }, bilingual("Belum ada stasiun.", "No stations yet.")))]));
  const notes = document.getElementById("notifications");
  if (view.notifications.length) notes.replaceChildren(...view.notifications.map(noteItem));
  document.getElementById("updated").replaceChildren(bilingual("Diperbarui", "updated"), " " + view.updated);
}

async function refresh() {
  const banner = document.getElementById("unreachable");
  try {
    const reply = await fetch("/api/fleet", { cache: "no-store" });
    const body = await reply.json();
    if (!reply.ok) throw new Error(body.error || reply.status);
    render(body);
    banner.hidden = true;
    document.body.dataset.loaded = "1";
  } catch (err) {
    document.getElementById("unreachable-why").textContent = "(" + err.message + ")";
    banner.hidden = false;
  }
}

// -- staff: sign in, acknowledge, silence -------------------------------------------

async function staffCall(method, path, body) {
  const reply = await fetch(path, { method, cache: "no-store", headers: {
    Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY), ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined });
  let answer = {};
  try { answer = await reply.json(); } catch (err) { answer = {}; }
  if (!reply.ok) throw new Error(answer.error || answer.detail || String(reply.status));
  return answer;
}

async function whoami() {
  if (!sessionStorage.getItem(TOKEN_KEY)) { staff = null; } else {
    try { staff = await staffCall("GET", "/api/staff/me"); } catch (err) { staff = null; sessionStorage.removeItem(TOKEN_KEY); }
  }
  const who = document.getElementById("who");
  who.hidden = staff === null;
  who.textContent = staff ? staff.actor : "";
  document.body.dataset.staff = staff ? staff.role : "";
  document.getElementById("sign-in").hidden = staff !== null;
  document.getElementById("sign-out").hidden = staff === null;
  if (lastView) render(lastView);
}

let acting = null;

function openAct(kind, alertname, row) {
  acting = { kind, alertname, station: row.station };
  const title = kind === "ack" ? ["Tangani peringatan", "acknowledge an alert"] : ["Senyapkan peringatan", "silence an alert"];
  document.getElementById("act-title").replaceChildren(bilingual(...title));
  document.getElementById("act-what").textContent = alertname + " · " + row.station + (row.site ? " · " + row.site : "");
  document.getElementById("act-minutes-field").hidden = kind !== "silence";
  document.getElementById("act-submit").replaceChildren(kind === "ack" ? bilingual("Tangani (1 jam)", "acknowledge (1 hour)")
    : bilingual("Senyapkan", "silence"));
  document.getElementById("act-error").textContent = "";
  document.getElementById("act-comment").value = "";
  document.getElementById("act-dialog").showModal();
}

async function lift(silence) {
  try {
    await staffCall("DELETE", "/api/silences/" + encodeURIComponent(silence.id));
  } catch (err) {
    document.getElementById("unreachable-why").textContent = "(" + err.message + ")";
  }
  refresh();
}

function setUp() {
  document.documentElement.lang = english ? "en" : "id";
  document.documentElement.classList.toggle("lang-en", english);
  for (const node of document.querySelectorAll(".id")) if (english) node.setAttribute("lang", "id");
  const language = document.getElementById("language");
  language.textContent = english ? "Bahasa Indonesia" : "English";
  language.lang = english ? "id" : "en";
  language.addEventListener("click", () => {
    const url = new URL(location.href);
    if (english) url.searchParams.delete("lang"); else url.searchParams.set("lang", "en");
    location.assign(url.toString());
  });
  for (const option of document.querySelectorAll("#act-minutes option")) {
    const [id, en] = MINUTES[option.value];
    option.textContent = english ? en : id + " · " + en;
  }
  for (const button of document.querySelectorAll("dialog [data-close]")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
  document.getElementById("sign-in").addEventListener("click", () => {
    document.getElementById("sign-in-error").textContent = "";
    document.getElementById("sign-in-dialog").showModal();
  });
  document.getElementById("sign-out").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); whoami(); });
  document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
    document.getElementById("token").value = "";
    await whoami();
    if (staff) document.getElementById("sign-in-dialog").close();
    else document.getElementById("sign-in-error").textContent = words("Token tidak dikenal.", "Unknown token.");
  });
  document.getElementById("act-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { ...acting, comment: document.getElementById("act-comment").value };
    if (acting.kind === "silence") body.minutes = Number(document.getElementById("act-minutes").value);
    try {
      await staffCall("POST", "/api/silences", body);
      document.getElementById("act-dialog").close();
      refresh();
    } catch (err) {
      document.getElementById("act-error").textContent = err.message;
    }
  });
}

setUp();
whoami();
refresh();
setInterval(refresh, REFRESH_MS);

// The command center: every station from /api/fleet (built from Prometheus), refreshed every 5 s.
// Everything shown is set as text (a station's site name is the station's own word, never markup).
"use strict";

const REFRESH_MS = 5000;
const STATUS = {
  ok: ["Normal", "ok"], warning: ["Perlu dicek", "warning"], critical: ["Kritis", "critical"], down: ["Mati", "down"],
};

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

function bilingual(id, en) {
  return el("span", {}, id + " ", el("span", { class: "en" }, en));
}

function badge(kind, id, en) {
  return el("span", { class: "badge " + kind }, id + (en ? " · " + en : ""));
}

function orDash(value) {
  return value === null || value === undefined ? "–" : value;
}

function printerCell(row) {
  if (!row.up || row.printer_blocked === null) return badge("unknown", "?", "");
  if (!row.printer_blocked) return badge("ok", "Siap", "ready");
  return el("span", {}, badge("warning", "Terhenti", "blocked"), " ", el("span", { class: "muted" }, row.printer_reasons.join(", ")));
}

function busCell(row) {
  if (!row.up || row.bus_up === null) return badge("unknown", "?", "");
  return row.bus_up ? badge("ok", "Tersambung", "up") : badge("critical", "Putus", "down");
}

function stationRow(row) {
  const [id, en] = STATUS[row.status];
  const link = el("a", { href: row.ops_url, target: "_blank", rel: "noopener", "data-station": row.station }, row.station);
  const name = el("td", {}, link, el("br"), el("span", { class: "muted" }, [row.site, row.province].filter(Boolean).join(" · ")));
  const slots = row.slots_free === null ? "–" : row.slots_free + " / " + row.slots_total;
  const alerts = el("td", { class: "alerts" }, ...row.alerts.map((a) => badge(a.severity || "unknown", a.name, "")));
  const tr = el("tr", { class: "station status-" + row.status, "data-station": row.station, "data-status": row.status },
    name, el("td", {}, badge(row.status, id, en)), el("td", {}, printerCell(row)), el("td", {}, busCell(row)),
    el("td", { class: "num" }, slots), el("td", { class: "num" }, orDash(row.ready)),
    el("td", { class: "num" }, orDash(row.expiring)), el("td", { class: "num" }, orDash(row.alarms)), alerts);
  tr.addEventListener("click", (event) => { if (event.target !== link) window.open(row.ops_url, "_blank", "noopener"); });
  return tr;
}

function noteItem(note) {
  const when = new Date(note.at * 1000).toLocaleTimeString("id-ID");
  const state = note.status === "resolved" ? badge("ok", "Selesai", "resolved") : badge(note.severity || "unknown", "Aktif", "firing");
  return el("li", { "data-alert": note.alertname, "data-station": note.station, "data-status": note.status },
    when + " ", state, " ", el("b", {}, note.alertname), " → " + note.receiver + ": " + note.summary + " ",
    el("span", { class: "en" }, note.summary_en));
}

function render(view) {
  for (const key of ["ok", "warning", "critical", "down"]) document.getElementById("count-" + key).textContent = view.counts[key];
  document.getElementById("count-total").textContent = view.total;
  document.getElementById("count-alerts").textContent = view.alerts_firing;
  const rows = document.getElementById("station-rows");
  rows.replaceChildren(...(view.stations.length ? view.stations.map(stationRow)
    : [el("tr", {}, el("td", { colspan: 9, class: "muted" }, bilingual("Belum ada stasiun.", "No stations yet.")))]));
  const notes = document.getElementById("notifications");
  if (view.notifications.length) notes.replaceChildren(...view.notifications.map(noteItem));
  document.getElementById("updated").textContent = "Diperbarui " + new Date(view.at * 1000).toLocaleTimeString("id-ID") + " · updated";
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

refresh();
setInterval(refresh, REFRESH_MS);

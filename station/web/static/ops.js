// The operations page: the spool live by state, jobs and their audit trails,
// slots, devices and alarms, and the actions the signed-in role allows.
"use strict";

(() => {
  const { api, follow, el } = Station;
  const W = OpsWords;
  const t = W.t;
  const RANK = { viewer: 1, operator: 2, technician: 3, admin: 4 };
  const STATES = ["received", "rendered", "printing", "printed", "staged", "released", "collected", "held",
                  "expired", "returned", "retained", "cancelled"];
  const $ = (id) => document.getElementById(id);

  let token = tokenFromLink() || sessionStorage.getItem("station-token") || "";
  let me = null;
  let filter = null;          // the state the job list shows (null: all)
  let pageBefore = [];        // stack of `before` values for paging back to newer pages
  let nextBefore = null;
  let selectedJob = null;
  let selectedSlot = null;
  let online = false;
  let stream = null;

  // A login link (`/ops#token=TOKEN`, as the demos print it) signs in once; the token then leaves the
  // address bar and the history at once (a fragment is never sent to a server, nor in a Referer).
  function tokenFromLink() {
    const found = new URLSearchParams(location.hash.slice(1)).get("token");
    if (!found) return "";
    history.replaceState(null, "", location.pathname + location.search);
    sessionStorage.setItem("station-token", found.trim());
    return found.trim();
  }

  const can = (role) => Boolean(me) && RANK[me.role] >= RANK[role];
  const call = (path, options = {}) => api(path, { ...options, token });

  function notice(text, isError = false) {
    const node = $("notice");
    node.textContent = text;
    node.classList.toggle("error", isError);
    node.hidden = false;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => { node.hidden = true; }, isError ? 8000 : 4000);
  }

  // The station's state is shown to a signed-in user only: the login page says nothing of it.
  function setOnline(value) {
    online = value;
    $("live").dataset.words = value ? "live" : "offline";
    $("live").textContent = t(value ? "live" : "offline");
    $("live").className = `live ${value ? "on" : "off"}`;
    $("live").hidden = !me;
    $("offline-banner").hidden = value || !me;
  }

  // Asks for one value in a dialog; resolves to the text, or null when dismissed.
  function ask(title, text, label, { type = "text", value = "", pattern = null } = {}) {
    const dialog = $("ask");
    $("ask-title").textContent = title;
    $("ask-text").textContent = text;
    $("ask-label").textContent = label;
    const input = $("ask-input");
    input.type = type;
    input.value = value;
    input.required = true;
    if (pattern) input.pattern = pattern; else input.removeAttribute("pattern");
    return new Promise((resolve) => {
      const done = (result) => {
        dialog.close();
        $("ask-form").onsubmit = null;
        $("ask-cancel").onclick = null;
        resolve(result);
      };
      $("ask-form").onsubmit = (event) => { event.preventDefault(); if (input.reportValidity()) done(input.value); };
      $("ask-cancel").onclick = () => done(null);
      dialog.oncancel = () => done(null);
      dialog.showModal();
      input.focus();
    });
  }

  async function act(path, body, success) {
    const { status, data } = await call(path, { method: "POST", body });
    if (status === 200) {
      notice(success);
      refreshSoon(["spool", "jobs", "detail", "slots", "alarms"]);
      return data;
    }
    notice(data && (data.detail || data.error) ? data.detail || data.error : t("refusedStatus", status), true);
    return null;
  }

  // --- spool by state --------------------------------------------------------
  async function loadSpool() {
    const { status, data } = await call("/api/v1/spool");
    if (status !== 200) return;
    W.setZone(data.timezone);
    $("station-name").textContent = `· ${data.station} · ${data.name}`;
    const chips = [el("button", { type: "button", class: "chip", "aria-pressed": String(filter === null),
                                  onclick: () => setFilter(null) }, t("all"))];
    for (const state of STATES) {
      const count = data.counts[state] || 0;
      chips.push(el("button", { type: "button", class: `chip state-${state}`, "data-state": state,
                                "aria-pressed": String(filter === state), onclick: () => setFilter(state) },
                    W.state(state), el("b", { "data-count": state, text: String(count) })));
    }
    $("state-chips").replaceChildren(...chips);
  }

  function setFilter(state) {
    filter = state;
    pageBefore = [];
    loadSpool();
    loadJobs(null);
  }

  // --- jobs --------------------------------------------------------------------
  let currentBefore = null;
  async function loadJobs(before = currentBefore) {
    currentBefore = before;
    const query = new URLSearchParams({ limit: "50" });
    if (filter) query.append("state", filter);
    if (before) query.set("before", String(before));
    const { status, data } = await call(`/api/v1/jobs?${query}`);
    if (status !== 200) return;
    nextBefore = data.next_before;
    $("jobs-filter").textContent = filter ? `· ${W.state(filter)}` : "";
    $("older").disabled = !nextBefore;
    $("newest").disabled = !before;
    $("job-rows").replaceChildren(...data.jobs.map((job) => el("tr", {
      "data-job": job.id, tabindex: "0", "aria-selected": String(job.id === selectedJob),
      onclick: () => selectJob(job.id), onkeydown: (e) => { if (e.key === "Enter") selectJob(job.id); },
    }, el("td", {}, el("code", { text: job.id })), el("td", {}, el("span", { class: `state ${job.state}`, "data-state": job.state, text: W.state(job.state) })),
       el("td", {}, documentKind(job)), el("td", {}, job.slot ? el("code", { text: job.slot }) : ""),
       el("td", { class: "when", text: W.time(job.updated_at) }), el("td", { text: job.held_reason || "" }))));
    if (!data.jobs.length) $("job-rows").append(el("tr", {}, el("td", { colspan: "6", class: "muted", text: t("noJobs") })));
  }

  // A rendered document names its template; an agency-signed PDF (printed as sent) says so.
  function documentKind(job) {
    return job.kind === "pdf" ? el("span", { class: "kind-pdf", text: t("signedPdf") })
                              : el("span", { text: `${job.template}@${job.template_version}` });
  }

  // --- job detail ----------------------------------------------------------------
  async function selectJob(id) {
    selectedJob = id;
    document.querySelectorAll("#job-rows tr").forEach((row) => row.setAttribute("aria-selected", String(row.dataset.job === id)));
    await loadDetail();
    $("detail").scrollIntoView({ block: "nearest" });
  }

  async function loadDetail() {
    if (!selectedJob) return;
    const { status, data } = await call(`/api/v1/jobs/${encodeURIComponent(selectedJob)}`);
    if (status !== 200) { $("detail").hidden = true; return; }
    const job = data.job;
    $("detail").hidden = false;
    $("detail-title").replaceChildren(`${t("job")} `, el("code", { text: job.id }), " ",
                                      el("span", { id: "detail-state", class: `state ${job.state}`, "data-state": job.state,
                                                   text: W.state(job.state) }));
    const fields = [["flow", job.flow], ["document", documentKind(job).textContent], ["slot", job.slot],
                    ["whyHeld", job.held_reason], ["heldWhile", job.held_from && W.state(job.held_from)],
                    ["pickupUntil", W.time(job.pickup_expires)], ["pages", job.pages], ["printAttempts", job.print_attempts],
                    ["printerJob", job.printer_job_id], ["pinFailures", job.pin_failures], ["created", W.time(job.created_at)],
                    ["updated", W.time(job.updated_at)]];
    $("detail-fields").replaceChildren(...fields.filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => el("tr", {}, el("th", { text: t(k) }), el("td", { text: String(v) }))));
    $("data-masked").textContent = data.masked ? t("maskedForRole") : "";
    $("detail-data").replaceChildren(...Object.entries(data.data).map(([k, v]) =>
      el("tr", {}, el("th", { text: k }), el("td", { text: v === null ? "" : String(v) }))));
    $("audit-rows").replaceChildren(...data.audit.map((entry) => el("tr", {},
      el("td", { text: String(entry.seq) }), el("td", { text: W.time(entry.at) }),
      el("td", { text: entry.actor }), el("td", { text: entry.action }), el("td", { text: entry.slot || "" }),
      el("td", {}, el("code", { text: JSON.stringify(entry.details) })))));
    $("detail-actions").replaceChildren(...data.actions.map((action) => jobButton(job, action)));
  }

  function jobButton(job, action) {
    const path = `/api/v1/jobs/${encodeURIComponent(job.id)}/${action}`;
    const handlers = {
      retry: async () => act(path, undefined, t("retried", job.id)),
      cancel: async () => {
        const reason = await ask(t("cancelTitle", job.id), t("cancelText"), t("reason"));
        if (reason) await act(path, { reason }, t("cancelled", job.id));
      },
      // A staged document's old copy comes out first: the station opened its slot (ADR 0321).
      reprint: async () => {
        const data = await act(path, undefined, t("reprinted", job.id));
        const opened = data && data.result && data.result.take_out;
        if (opened) await OpsTakeOut.reprint(opened);
      },
      handover: async () => OpsHandover.run(job, path, act),  // (issue 24) ops-handover.js
      confirm_collected: async () => act(path, undefined, t("settled", job.id)),
      paper_inside: async () => act(path, undefined, t("settled", job.id)),
      tray_found: async () => act(`/api/v1/jobs/${encodeURIComponent(job.id)}/tray_check`, { found: true },
                                  t("trayChecked", job.id)),
      tray_none: async () => act(`/api/v1/jobs/${encodeURIComponent(job.id)}/tray_check`, { found: false },
                                 t("trayChecked", job.id)),
      move: async () => {
        const slot = await ask(t("moveTitle", job.id), t("moveText", job.slot), t("moveLabel"),
                               { pattern: "[A-Za-z0-9]+(-[0-9]+)+" });
        if (slot) await act(path, { slot }, t("moving", job.id, slot));
      },
      extend: async () => {
        const current = job.pickup_expires ? job.pickup_expires.slice(0, 10) : "";
        const day = await ask(t("extendTitle", job.id), t("extendText", W.time(job.pickup_expires) || "-"),
                              t("date"), { type: "date", value: current });
        if (day) await act(path, { pickup_expires: `${day}T23:59:59${W.offset()}` }, t("extended", job.id));
      },
    };
    return el("button", { type: "button", "data-action": action, class: action === "cancel" ? "danger" : "",
                          onclick: handlers[action] }, W.action(action));
  }

  // --- slots ---------------------------------------------------------------------
  let slotsById = {};
  async function loadSlots() {
    const { status, data } = await call("/api/v1/slots");
    if (status !== 200) return;
    slotsById = Object.fromEntries(data.slots.map((s) => [s.id, s]));
    $("slot-grid").replaceChildren(...data.slots.map((slot) => {
      const classes = ["slot", slot.occupant ? "occupied" : "free"];  // (the legend's words are the vocabulary's)
      if (slot.door === "open") classes.push("door-open");
      if (slot.open_alarms) classes.push("alarm");
      if (slot.out_of_service) classes.push("oos");
      return el("button", { type: "button", class: classes.join(" "), "data-slot": slot.id,
                            title: slot.occupant ? `${slot.occupant} (${W.state(slot.job_state)})` : W.slot("free"),
                            onclick: () => selectSlot(slot.id) },
                el("b", { text: slot.id }), el("span", { text: slot.occupant ? W.state(slot.job_state) || W.slot("occupied") : W.slot("free") }),
                el("span", { class: "muted", "data-door": slot.door, text: W.door(slot.door) }));
    }));
    if (selectedSlot) renderSlotPanel();
  }

  function selectSlot(id) { selectedSlot = id; renderSlotPanel(); }

  function renderSlotPanel() {
    const slot = slotsById[selectedSlot];
    const panel = $("slot-panel");
    if (!slot) { panel.hidden = true; return; }
    panel.hidden = false;
    const buttons = [];
    if (slot.occupant) buttons.push(el("button", { type: "button", class: "secondary", onclick: () => selectJob(slot.occupant) },
                                       `${t("show")} ${slot.occupant}`));
    if (can("operator")) {
      buttons.push(slot.out_of_service
        ? el("button", { type: "button", "data-slot-action": "in-service",
                         onclick: () => act(`/api/v1/slots/${slot.id}/service`, { out_of_service: false }, t("inService", slot.id)) },
             t("backInService"))
        : el("button", { type: "button", "data-slot-action": "out-of-service", onclick: async () => {
            const note = await ask(t("oosTitle", slot.id), t("oosText"), t("note"));
            if (note) await act(`/api/v1/slots/${slot.id}/service`, { out_of_service: true, note }, t("outService", slot.id));
          } }, W.slot("out_of_service")));
    }
    if (can("technician")) {
      buttons.push(el("button", { type: "button", class: "danger", "data-slot-action": "open", disabled: !online, onclick: async () => {
        const reason = await ask(t("openTitle", slot.id), t("openText"), t("reason"));
        if (reason) {
          const data = await act(`/api/v1/slots/${slot.id}/open`, { reason }, t("openRequested", slot.id));
          if (data) notice(`${slot.id}: ${data.outcome}`);
        }
      } }, t("openDoor")));
    }
    panel.replaceChildren(el("h3", { text: `${t("slot")} ${slot.id}` }),
      el("p", {}, `${slot.size}${slot.accessible ? `, ${t("accessible")}` : ""} · ${W.door(slot.door)} · ${W.item(slot.item)}`,
         slot.out_of_service ? ` · ${W.slot("out_of_service")}: ${slot.service_note || ""}` : "",
         slot.open_alarms ? ` · ${slot.open_alarms} ${t("openAlarms")}` : ""),
      el("div", { class: "actions" }, buttons));
  }

  // --- devices ---------------------------------------------------------------------
  async function loadDevices() {
    const { status, data } = await call("/api/v1/devices");
    const list = $("device-list");
    if (status !== 200) {
      list.replaceChildren(el("li", { class: "muted", text: t("daemonSilent") }));
      return;
    }
    const rows = [];
    // data-device is the device's machine name (for scripts and tests); the label is in the page's language.
    const row = (key, name, device) => el("li", { "data-device": key }, el("b", { text: name }),
      el("span", { class: `status ${device.state || device.status}`, "data-state": device.state || device.status || "unknown",
                   text: W.device(device.state || device.status || "unknown") }),
      el("span", { class: "muted", text: [...(device.reasons || []).filter((r) => r !== "none").map(W.printerReason),
                                          device.detail].filter(Boolean).join(", ") }));
    if (data.printer) rows.push(row("printer", t("printer"), data.printer));
    for (const bus of data.buses || []) rows.push(row(`lock bus ${bus.name}`, `${t("lockBus")} ${bus.name}`, bus));
    if (data.scanner) rows.push(row("scanner", t("scanner"), data.scanner));
    list.replaceChildren(...rows);
  }

  // --- alarms ----------------------------------------------------------------------
  async function loadAlarms() {
    const showAll = $("show-acknowledged").checked;
    const { status, data } = await call(`/api/v1/alarms?open=${showAll ? "false" : "true"}&limit=100`);
    if (status !== 200) return;
    // Kind and message in the page's language, from the station's vocabulary (never a raw identifier).
    const items = data.alarms.map((alarm) => el("li", { class: `${alarm.severity}${alarm.open ? "" : " done"}`, "data-alarm": String(alarm.id),
                                                        "data-kind": alarm.kind },
      el("span", { class: "what" }, el("b", { text: W.alarmTitle(alarm.kind) }), " ", W.alarmText(alarm),
         alarm.job_id ? el("span", {}, ` · ${t("job")} `, el("a", { href: "#", onclick: (e) => { e.preventDefault(); selectJob(alarm.job_id); } }, alarm.job_id)) : "",
         alarm.slot_id ? ` · ${t("slot")} ${alarm.slot_id}` : ""),
      el("span", { class: "muted", text: alarm.open ? W.time(alarm.raised_at)
                                                      : alarm.cleared_at ? t("clearedByStation", W.time(alarm.cleared_at))
                                                      : `${t("acknowledgedBy")} ${alarm.acknowledged_by}` }),
      alarm.open && can("operator")
        ? el("button", { type: "button", "data-ack": String(alarm.id),
                         onclick: () => act(`/api/v1/alarms/${alarm.id}/acknowledge`, undefined, t("acknowledged", alarm.id)) },
             t("acknowledge"))
        : null));
    $("alarm-list").replaceChildren(...(items.length ? items : [el("li", { class: "muted done", text: t("noAlarms") })]));
  }

  // --- live ------------------------------------------------------------------------
  const loaders = { spool: loadSpool, jobs: () => loadJobs(), detail: loadDetail, slots: loadSlots, devices: loadDevices,
                    alarms: loadAlarms, takeout: () => OpsTakeOut.load() };
  const pending = new Set();
  let timer = null;
  function refreshSoon(parts) {
    parts.forEach((p) => pending.add(p));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const now = [...pending];
      pending.clear();
      now.forEach((p) => loaders[p]());
    }, 150);
  }
  const AFFECTS = { job: ["spool", "jobs", "detail", "slots", "takeout"], slot: ["slots", "takeout"], device: ["devices", "slots"],
                    alarm: ["alarms", "slots", "spool", "takeout"],
                    station: ["spool", "jobs", "detail", "slots", "devices", "alarms", "takeout"] };

  async function start() {
    const { status, data } = await call("/api/v1/me");
    if (status !== 200 || data.role === "kiosk") {
      sessionStorage.removeItem("station-token");
      token = "";
      me = null;
      setOnline(false);
      $("dashboard").hidden = true;
      $("login").hidden = false;
      $("sign-out").hidden = true;
      if (status === 401) $("login-error").textContent = t("badToken");
      if (status === 0) $("login-error").textContent = t("unreachable");
      return;
    }
    me = data;
    setOnline(online);
    $("whoami").textContent = `${me.name} (${me.role})`;
    $("login").hidden = true;
    $("dashboard").hidden = false;
    $("sign-out").hidden = false;
    refreshSoon(Object.keys(loaders));
    if (stream) stream.stop();  // (signed in again, by a login link: one stream)
    stream = follow("/api/v1/events", token, (kind, event) => {
      if (kind === "station") setOnline(Boolean(event.online));
      else if (!online && kind !== "kiosk") setOnline(true);
      if (AFFECTS[kind]) refreshSoon(AFFECTS[kind]);
    }, (connected, code) => {
      if (code === 401) { start(); return; }
      if (!connected) setOnline(false);
    });
  }

  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem("station-token", token);
    $("token").value = "";
    $("login-error").textContent = "";
    start();
  });
  // A login link opened in a tab already on this page changes only the fragment: sign in with it too.
  window.addEventListener("hashchange", () => {
    const found = tokenFromLink();
    if (found) { token = found; $("login-error").textContent = ""; start(); }
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem("station-token");
    if (stream) stream.stop();
    location.reload();
  });
  $("older").addEventListener("click", () => { if (nextBefore) { pageBefore.push(currentBefore); loadJobs(nextBefore); } });
  $("newest").addEventListener("click", () => { pageBefore = []; loadJobs(null); });
  $("show-acknowledged").addEventListener("change", loadAlarms);
  // Language: a switch in the header; the whole page is drawn again in the other language.
  function showLanguage() {
    document.querySelectorAll("button[data-language]").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.language === W.language));
    });
    W.apply();
    if (me) refreshSoon(Object.keys(loaders));
  }
  document.querySelectorAll("button[data-language]").forEach((button) => {
    button.addEventListener("click", () => { W.setLanguage(button.dataset.language); showLanguage(); });
  });
  // What the take-out flow borrows from the page (ops-takeout.js).
  OpsTakeOut.attach({ call, notice, can, refreshSoon, online: () => online });
  showLanguage();
  // The words first (they are no station state): no alarm is ever drawn with a raw identifier.
  W.load().finally(() => { if (token) start(); else { $("login").hidden = false; setOnline(false); } });
})();

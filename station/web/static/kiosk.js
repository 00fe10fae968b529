// The citizen's screen. It draws what the daemon's counter says (kiosk views,
// pushed as Server-Sent Events) and sends what the citizen does: a PIN, a
// problem report, a scan from a keyboard-wedge scanner.
"use strict";

(() => {
  const { api, follow, el } = Station;
  const token = document.querySelector('meta[name="kiosk-token"]').content;
  const screenNode = document.getElementById("screen");
  const figure = document.getElementById("figure");
  const msgId = document.getElementById("msg-id");
  const msgEn = document.getElementById("msg-en");
  const extra = document.getElementById("extra");
  const problemButton = document.getElementById("problem-button");
  const dialog = document.getElementById("problem-dialog");
  const choices = document.getElementById("problem-choices");
  const announcer = document.getElementById("announce");

  // Captions of each screen; the daemon's own message, when it sends one, wins.
  const CAPTIONS = {
    idle: ["Pindai kode QR di ponsel Anda", "Scan the QR code on your phone"],
    checking: ["Sedang memeriksa kode Anda…", "Checking your code…"],
    pin: ["Masukkan PIN Anda", "Enter your PIN"],
    opening: ["Pintu {door} sedang dibuka", "Door {door} is opening"],
    open: ["Ambil dokumen Anda, lalu tutup pintu {door}", "Take your document, then close door {door}"],
    printing: ["Dokumen Anda sedang dicetak", "Your document is being printed"],
    presented: ["Ambil dokumen Anda dari baki", "Take your document from the tray"],
    thanks: ["Terima kasih", "Thank you"],
    refused: ["Kode ini tidak dapat dipakai", "This code cannot be used"],
    ask_staff: ["Petugas sedang dipanggil. Mohon tunggu di sini.", "A staff member has been called. Please wait here."],
    locked_out: ["Mohon tunggu sebentar, lalu coba lagi", "Please wait a moment, then try again"],
    problem_reported: ["Masalah Anda sudah dilaporkan. Petugas akan segera datang.",
                       "Your problem has been reported. A staff member is coming."],
    offline: ["Mesin ini sedang tidak dapat digunakan. Silakan hubungi petugas.",
              "This machine cannot be used right now. Please ask a staff member."],
    out_of_service: ["Mesin ini sedang tidak dapat digunakan. Silakan hubungi petugas.",
                     "This machine cannot be used right now. Please ask a staff member."],
    disabled: ["Layar ini belum diaktifkan", "This screen is not enabled"],
  };
  // The problem words of PROTOCOLS.md §7.1 (sent on to the back office as they are).
  const PROBLEMS = [
    ["door_stuck", "Pintu tidak terbuka", "The door will not open"],
    ["document_missing", "Dokumen tidak ada", "The document is missing"],
    ["wrong_document", "Dokumen salah", "It is the wrong document"],
    ["other", "Masalah lain", "Something else"],
  ];
  const STEPS = [
    ["received", "Diterima", "Received"], ["rendered", "Disiapkan", "Prepared"],
    ["printing", "Dicetak", "Printing"], ["printed", "Tercetak", "Printed"], ["staged", "Siap diambil", "Ready"],
  ];
  const DOOR_SCREENS = new Set(["opening", "open"]);
  const NO_PROBLEM_BUTTON = new Set(["checking", "pin", "problem_reported", "offline", "disabled", "locked_out",
                                     "out_of_service"]);
  // Screens that end a visit: if nothing else arrives, the screen goes back to idle.
  const SETTLE = { thanks: 20000, refused: 30000, problem_reported: 30000 };

  let layout = { boards: [{ address: 1, locks: 16, columns: 4 }] };
  let view = { screen: "idle" };
  let online = false;
  let pin = "";
  let settleTimer = null;
  let countdownTimer = null;
  let announced = "";
  let kioskEvents = 0;  // kiosk events seen so far (a fresher view than a read in flight)

  function caption(screen, doorText) {
    const pair = CAPTIONS[screen] || CAPTIONS.idle;
    return pair.map((text) => text.replace("{door}", doorText));
  }

  function doorText(v) {
    if (v.door == null) return v.slot || "";
    return layout.boards.length > 1 ? `${v.door} (${v.board ?? "?"})` : String(v.door);
  }

  function render(next) {
    view = next;
    const screen = online || next.screen === "disabled" ? next.screen : "offline";
    screenNode.dataset.screen = screen;
    figure.replaceChildren();
    extra.replaceChildren();
    let [id, en] = caption(screen, doorText(next));
    const msg = next.message || {};
    // The daemon's sentence wins, except where the page's own names the door.
    if (screen !== "offline" && msg.id && msg.en && !DOOR_SCREENS.has(screen)) { id = msg.id; en = msg.en; }
    if (screen === "opening" || screen === "open") {
      // The door number stands out; the drawing shows where it is.
      msgId.replaceChildren(...withDoor(id, doorText(next)));
      figure.append(cabinets(next));
    } else {
      msgId.textContent = id;
    }
    msgEn.textContent = en;
    if (screen === "idle") figure.append(picture(PHONE, "Ponsel dengan kode QR / A phone showing a QR code"));
    if (screen === "thanks") figure.append(picture(TICK, "Selesai / Done"));
    if (screen === "checking") {
      // The box clips the turning ring's corners (a rotated box would stick out of the layout).
      figure.append(el("div", { class: "spinner-box", role: "img", "aria-label": "Sedang memeriksa / Checking" },
                       el("div", { class: "spinner" })));
    }
    if (screen === "pin") {
      figure.append(pinPad());
      const job = next.job || {};
      if (job.wrong) {
        extra.append(el("p", { id: "pin-wrong" }, `PIN salah. Sisa percobaan: ${job.attempts_left ?? "?"}`,
                        el("br"), el("small", { lang: "en" }, `Wrong PIN. Attempts left: ${job.attempts_left ?? "?"}`)));
      }
    }
    if (screen === "refused" && (next.reason === "not_ready" || next.reason === "not_staged") && next.job) {
      extra.append(progress(next.job));
    }
    if (screen === "thanks" && next.job && next.job.masked_name) extra.append(el("p", { text: next.job.masked_name }));
    if (next.job && next.job.kind === "pdf") {
      extra.append(el("p", { class: "kind-pdf" }, "Dokumen elektronik bertanda tangan (PDF)",
                      el("br"), el("small", { lang: "en" }, "Electronically signed document (PDF)")));
    }
    clearInterval(countdownTimer);
    if ((screen === "locked_out" || next.reason === "busy") && next.retry_after_s) countdown(next.retry_after_s);
    problemButton.hidden = NO_PROBLEM_BUTTON.has(screen);
    announce(screen, id, en);
    clearTimeout(settleTimer);
    if (SETTLE[screen]) settleTimer = setTimeout(() => render({ screen: "idle" }), SETTLE[screen]);
  }

  // Screen readers hear each new screen once (not every PIN digit): both sentences, in their languages.
  function announce(screen, id, en) {
    const key = `${screen}|${id}|${en}`;
    if (key === announced) return;
    announced = key;
    announcer.replaceChildren(el("span", { lang: "id" }, id), " ", el("span", { lang: "en" }, en));
  }

  // Small inline drawings (nothing is fetched from the network).
  const PHONE = '<svg viewBox="0 0 220 300"><rect x="40" y="10" width="140" height="250" rx="18" fill="#1b1b1b" stroke="#fff" stroke-width="6"/>' +
    '<rect x="62" y="60" width="96" height="96" fill="#fff"/><g fill="#000"><rect x="68" y="66" width="26" height="26"/>' +
    '<rect x="126" y="66" width="26" height="26"/><rect x="68" y="124" width="26" height="26"/><rect x="104" y="100" width="12" height="12"/>' +
    '<rect x="126" y="126" width="10" height="10"/><rect x="142" y="138" width="10" height="12"/><rect x="104" y="72" width="10" height="14"/></g>' +
    '<path d="M110 200 v60 m-22 -22 l22 22 l22 -22" stroke="#ffd400" stroke-width="10" fill="none" stroke-linecap="round"/>' +
    '<rect x="40" y="270" width="140" height="20" rx="6" fill="#ffd400"/></svg>';
  const TICK = '<svg viewBox="0 0 200 200"><circle cx="100" cy="100" r="86" fill="none" stroke="#3ee07a" stroke-width="12"/>' +
    '<path d="M58 104 l28 28 l56 -62" stroke="#3ee07a" stroke-width="14" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';

  function picture(svgText, label) {
    const holder = el("div", { class: "picture", role: "img", "aria-label": label });
    holder.innerHTML = svgText;
    return holder;
  }

  function withDoor(text, door) {
    const at = text.indexOf(door);
    if (!door || at < 0) return [text];
    return [text.slice(0, at), el("span", { id: "door-number", class: "door-number", text: door }),
            text.slice(at + door.length)];
  }

  // One cabinet per lock board, locks numbered left to right, top to bottom; the opening one lit.
  function cabinets(v) {
    const svgNs = "http://www.w3.org/2000/svg";
    const cell = 60, gap = 8, pad = 16, between = 40;
    const sizes = layout.boards.map((b) => {
      const cols = Math.min(b.columns, b.locks);
      const rows = Math.ceil(b.locks / cols);
      return { cols, rows, w: cols * (cell + gap) - gap + 2 * pad, h: rows * (cell + gap) - gap + 2 * pad };
    });
    const width = sizes.reduce((sum, s) => sum + s.w, 0) + between * (sizes.length - 1);
    const height = Math.max(...sizes.map((s) => s.h)) + 40;
    const svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("viewBox", `-4 -4 ${width + 8} ${height + 8}`);  // room for the outer strokes
    svg.setAttribute("class", "cabinets");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `Pintu ${v.door ?? ""} / Door ${v.door ?? ""}`);
    const add = (parent, tag, attrs, text) => {
      const node = document.createElementNS(svgNs, tag);
      for (const [k, val] of Object.entries(attrs)) node.setAttribute(k, val);
      if (text !== undefined) node.textContent = text;
      parent.append(node);
      return node;
    };
    let x = 0;
    layout.boards.forEach((board, index) => {
      const s = sizes[index];
      add(svg, "rect", { x, y: 0, width: s.w, height: s.h, rx: 10, fill: "#1b1b1b", stroke: "#c8c8c8", "stroke-width": 4 });
      for (let lock = 1; lock <= board.locks; lock++) {
        const col = (lock - 1) % s.cols, row = Math.floor((lock - 1) / s.cols);
        const cx = x + pad + col * (cell + gap), cy = pad + row * (cell + gap);
        const lit = board.address === (v.board ?? 1) && lock === v.door;
        const slotId = `${board.address}-${String(lock).padStart(2, "0")}`;
        add(svg, "rect", { x: cx, y: cy, width: cell, height: cell, rx: 6, id: `slot-${slotId}`,
                           class: lit ? "lit" : "", fill: lit ? "#ffd400" : "#2c2c2c", stroke: lit ? "#fff" : "#5a5a5a",
                           "stroke-width": lit ? 5 : 2 });
        add(svg, "text", { x: cx + cell / 2, y: cy + cell / 2 + 9, "text-anchor": "middle", "font-size": lit ? 30 : 22,
                           "font-weight": lit ? 700 : 400, fill: lit ? "#000" : "#c8c8c8" }, String(lock));
      }
      if (layout.boards.length > 1) {
        add(svg, "text", { x: x + s.w / 2, y: s.h + 30, "text-anchor": "middle", "font-size": 24, fill: "#c8c8c8" },
            `Lemari ${board.address} · Cabinet ${board.address}`);
      }
      x += s.w + between;
    });
    return svg;
  }

  function progress(job) {
    const state = job && job.state;
    if (state === "held") {
      return el("p", { id: "progress" }, "Dokumen Anda sedang diperiksa petugas. ",
                el("small", { lang: "en" }, "Staff are checking your document."));
    }
    const at = STEPS.findIndex(([s]) => s === state);
    return el("ol", { id: "progress", class: "steps", "aria-label": "Kemajuan / Progress" },
              STEPS.map(([s, id, en], i) => el("li", { class: at < 0 ? "" : i < at ? "done" : i === at ? "now" : "" },
                                                 id, el("small", { lang: "en" }, en))));
  }

  function pinPad() {
    const dots = el("div", { id: "pin-dots", class: "pin-dots", "aria-hidden": "true",
                             text: "●".repeat(pin.length) || "·" });
    const press = (key) => () => pinKey(key);
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) =>
      el("button", { type: "button", "data-key": d, onclick: press(d) }, d));
    keys.push(el("button", { type: "button", class: "erase", "data-key": "erase", "aria-label": "Hapus / Erase",
                             onclick: press("Backspace") }, "⌫"));
    keys.push(el("button", { type: "button", "data-key": "0", onclick: press("0") }, "0"));
    keys.push(el("button", { type: "button", class: "ok", "data-key": "ok", "aria-label": "OK", onclick: press("Enter") },
                 "OK"));
    return el("div", { class: "pin" }, dots, el("div", { class: "keypad", role: "group", "aria-label": "PIN" }, keys));
  }

  async function pinKey(key) {
    if (/^[0-9]$/.test(key) && pin.length < 12) pin += key;
    else if (key === "Backspace") pin = pin.slice(0, -1);
    else if (key === "Enter" && pin.length >= 4) {
      const typed = pin;
      pin = "";
      render({ ...view, screen: "checking", message: {} });
      const { status, data } = await api("/api/v1/kiosk/pin", { method: "POST", token,
                                                                 body: { session: view.session || "", pin: typed } });
      if (status === 200 && data) render(data);
      else render({ screen: "refused", message: {} });
      return;
    }
    const dots = document.getElementById("pin-dots");
    if (dots) dots.textContent = "●".repeat(pin.length) || "·";
  }

  function countdown(seconds) {
    clearInterval(countdownTimer);
    let left = Math.ceil(seconds);
    const node = el("p", { id: "countdown", "aria-hidden": "true", text: `${left} s` });
    extra.append(node);
    countdownTimer = setInterval(() => {
      left -= 1;
      node.textContent = `${Math.max(left, 0)} s`;
      if (left <= 0) { clearInterval(countdownTimer); render({ screen: "idle" }); }
    }, 1000);
  }

  function openProblems() {
    choices.replaceChildren(...PROBLEMS.map(([key, id, en]) =>
      el("button", { type: "button", "data-problem": key, onclick: () => report(key) }, el("span", { lang: "id" }, id),
         el("small", { lang: "en" }, en))));
    dialog.hidden = false;
    choices.querySelector("button").focus();
  }

  function closeProblems() {
    dialog.hidden = true;
    problemButton.focus();
  }

  async function report(problem) {
    dialog.hidden = true;
    const { status } = await api("/api/v1/kiosk/problem", { method: "POST", token,
                                                             body: { problem, session: view.session || null } });
    render(status === 200 ? { screen: "problem_reported", message: {} } : { screen: "offline" });
  }

  // A keyboard-wedge scanner types the QR text and Enter: collect it and hand it over.
  let typed = "";
  let typedAt = 0;
  document.addEventListener("keydown", (event) => {
    if (!dialog.hidden) {
      if (event.key === "Escape") closeProblems();
      return;
    }
    if (view.screen === "pin" && online) {
      if (/^[0-9]$/.test(event.key) || event.key === "Backspace" || event.key === "Enter") {
        event.preventDefault();
        pinKey(event.key);
      }
      return;
    }
    const now = Date.now();
    if (now - typedAt > 500) typed = "";
    typedAt = now;
    if (event.key === "Enter" && typed.length >= 5) {
      event.preventDefault();
      const text = typed;
      typed = "";
      scan(text);
    } else if (event.key.length === 1) {
      typed += event.key;
    }
  });

  async function scan(text) {
    render({ screen: "checking", message: {} });
    const { status, data } = await api("/api/v1/kiosk/scan", { method: "POST", token, body: { text } });
    if (status === 200 && data) render(data);
    else if (status === 0 || status === 503) { online = false; render(view); }
  }

  async function refresh() {
    const before = kioskEvents;
    const { status, data } = await api("/api/v1/kiosk", { token });
    if (status === 401) { render({ screen: "disabled" }); return; }
    // A kiosk event that came while this answer travelled is newer than the answer: it stands.
    if (kioskEvents !== before) return;
    online = status === 200;
    render(status === 200 && data ? data : view);
  }

  async function start() {
    if (!token) { render({ screen: "disabled" }); problemButton.hidden = true; return; }
    const got = await api("/api/v1/kiosk/layout", { token });
    if (got.status === 200 && got.data) {
      layout = got.data;
      document.getElementById("station-name").textContent = layout.station;
    }
    await refresh();
    follow("/api/v1/kiosk/events", token, (kind, data) => {
      if (kind === "station") {
        // Said first on every connection (the stream already listens) and when the daemon comes
        // or goes: read the view afresh, so nothing that happened before the stream is missed.
        online = Boolean(data.online);
        const live = () => { screenNode.dataset.live = "true"; };
        if (online) refresh().then(live); else { render(view); live(); }
      } else if (kind === "kiosk") {
        kioskEvents += 1;
        online = true;
        if (data.screen !== "pin") pin = "";
        render(data);
      }
    }, (connected, status) => {
      if (status === 401) { location.reload(); return; }
      if (!connected) { screenNode.dataset.live = "false"; online = false; render(view); }
    });
  }

  problemButton.addEventListener("click", openProblems);
  document.getElementById("problem-cancel").addEventListener("click", closeProblems);
  const clock = document.getElementById("clock");
  const tick = () => { clock.textContent = new Date().toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit" }); };
  tick();
  setInterval(tick, 15000);
  start();
})();

// The citizen's screen. It draws what the daemon's counter says (kiosk views, pushed as Server-Sent Events)
// and sends what the citizen does: a scan, a typed pickup code, a PIN, a problem report. Everything works from
// the 12-key keypad (kiosk-voice.js holds the key map); the station speaks each screen in speech mode.
"use strict";

(() => {
  const { api, follow, el } = Station;
  const { picture, tray, cabinets, steps, grouped, pad, twoLine } = KioskDraw;
  const voice = KioskVoice;
  const token = document.querySelector('meta[name="kiosk-token"]').content;
  const $ = (id) => document.getElementById(id);
  const screenNode = $("screen"), figure = $("figure"), msgId = $("msg-id"), msgEn = $("msg-en"), extra = $("extra");
  const problemButton = $("problem-button"), largeButton = $("large-button"), dialog = $("problem-dialog");
  const choices = $("problem-choices"), announcer = $("announce"), banner = $("banner"), privacy = $("privacy");

  // Captions of each screen; the daemon's own message, when it sends one, wins.
  const CAPTIONS = {
    idle: ["Pindai kode QR di ponsel Anda", "Scan the QR code on your phone"],
    code: ["Ketik kode pengambilan (12 angka)", "Type your pickup code (12 digits)"],
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
  // The problem words of PROTOCOLS.md §7.1 (sent on to the back office as they are); keys 1-4 choose.
  const PROBLEMS = [
    ["door_stuck", "Pintu tidak terbuka", "The door will not open"],
    ["document_missing", "Dokumen tidak ada", "The document is missing"],
    ["wrong_document", "Dokumen salah", "It is the wrong document"],
    ["other", "Masalah lain", "Something else"],
  ];
  const DOOR_SCREENS = new Set(["opening", "open"]);
  const NO_PROBLEM_BUTTON = new Set(["checking", "pin", "code", "problem_reported", "offline", "disabled", "locked_out",
                                     "out_of_service"]);
  // Screens that end a visit: if nothing else arrives, the screen goes back to idle.
  const SETTLE = { thanks: 20000, refused: 30000, problem_reported: 30000 };
  const BANNER_MS = 8000;
  const RESET_SHOWN_S = 30;   // the PIN screen's reset countdown shows this long before the reset
  const RESET_SPOKEN_S = 10;  // ... and is spoken once at this many seconds

  let layout = { boards: [{ address: 1, locks: 16, columns: 4 }], kind: "locker" };
  let view = { screen: "idle" };
  let online = false;
  let pin = "";
  let code = "";
  let fromCode = false;       // the PIN screen came after a typed code: Back returns to it
  let lockEnd = 0;            // the lockout's end (ms); a later view never moves it later
  let timers = [];
  let settleTimer = null;
  let bannerTimer = null;
  let announced = "";
  let spoken = "";
  let kioskEvents = 0;  // kiosk events seen so far (a fresher view than a read in flight)

  const at = (text) => { const t = Date.parse(text || ""); return Number.isNaN(t) ? null : t; };
  const secondsTo = (ms) => Math.max(0, Math.ceil((ms - Date.now()) / 1000));
  const line = (attrs, id, en) => el("p", attrs, el("span", { lang: "id" }, id), el("br"), el("small", { lang: "en" }, en));

  function caption(screen, doorText) {
    const pair = CAPTIONS[screen] || CAPTIONS.idle;
    return pair.map((text) => text.replace("{door}", doorText));
  }

  function doorText(v) {
    if (v.door == null) return v.slot || "";
    return layout.boards.length > 1 ? `${v.door} (${v.board ?? "?"})` : String(v.door);
  }

  // A countdown that redraws itself each second; `done` runs once when it reaches zero.
  function every(node, endMs, draw, done) {
    const tick = () => {
      const left = secondsTo(endMs);
      draw(node, left);
      if (left <= 0) { clearInterval(timer); if (done) done(); }
    };
    const timer = setInterval(tick, 1000);
    timers.push(timer);
    tick();
    return node;
  }

  function render(next) {
    const before = view.screen;
    view = next;
    const screen = online || next.screen === "disabled" || next.screen === "code" ? next.screen : "offline";
    screenNode.dataset.screen = screen;
    figure.replaceChildren();
    extra.replaceChildren();
    timers.forEach(clearInterval);
    timers = [];
    let [id, en] = caption(screen, doorText(next));
    const msg = next.message || {};
    // The daemon's sentence wins, except where the page's own names the door.
    if (screen !== "offline" && msg.id && msg.en && !DOOR_SCREENS.has(screen)) { id = msg.id; en = msg.en; }
    if (DOOR_SCREENS.has(screen)) {
      // The door number stands out; the drawing shows where it is.
      msgId.replaceChildren(...withDoor(id, doorText(next)));
      figure.append(cabinets(layout, next));
    } else {
      msgId.textContent = id;
    }
    msgEn.textContent = en;
    (DRAW[screen] || (() => {}))(next);
    if (next.job && next.job.kind === "pdf") {
      extra.append(line({ class: "kind-pdf" }, "Dokumen elektronik bertanda tangan (PDF)",
                        "Electronically signed document (PDF)"));
    }
    if (next.reason === "busy" && next.retry_after_s) lockout(next);
    problemButton.hidden = NO_PROBLEM_BUTTON.has(screen);
    showBanner(next);
    announce(screen, id, en);
    speak(screen, next);
    if (before === "thanks" && screen === "idle") endVisit();
    clearTimeout(settleTimer);
    if (SETTLE[screen]) settleTimer = setTimeout(() => render({ screen: "idle" }), SETTLE[screen]);
  }

  // What each screen draws besides its sentence.
  const DRAW = {
    idle() {
      figure.append(picture(KioskDraw.PHONE, "Ponsel dengan kode QR / A phone showing a QR code"));
      extra.append(twoLine({ id: "code-button", class: "secondary" }, "Tidak bisa memindai? Ketik kode",
                           "Cannot scan? Type the code", () => startCode("")));
    },
    thanks(v) {
      figure.append(picture(KioskDraw.TICK, "Selesai / Done"));
      if (v.job && v.job.masked_name) extra.append(el("p", { text: v.job.masked_name }));
    },
    checking() {
      // The box clips the turning ring's corners (a rotated box would stick out of the layout).
      figure.append(el("div", { class: "spinner-box", role: "img", "aria-label": "Sedang memeriksa / Checking" },
                       el("div", { class: "spinner" })));
    },
    code() {
      figure.append(el("div", { class: "pin" },
        el("div", { id: "code-digits", class: "code-digits", "aria-label": "Kode / Code", text: grouped(code) }),
        pad("Kode / Code", (k) => keyOnCode(k))));
      extra.append(twoLine({ id: "code-cancel", class: "secondary", "data-key": "cancel" }, "Batal", "Cancel",
                           () => keyOnCode("cancel")));
    },
    pin(v) {
      const job = v.job || {};
      if (job.wrong) {
        // Above the pad, large: the citizen sees it before typing again.
        figure.append(line({ id: "pin-wrong", role: "alert" }, `PIN salah. Sisa percobaan: ${job.attempts_left ?? "?"}`,
                            `Wrong PIN. Attempts left: ${job.attempts_left ?? "?"}`));
      }
      figure.append(el("div", { class: "pin" },
        el("div", { id: "pin-dots", class: "pin-dots", "aria-hidden": "true", text: "●".repeat(pin.length) || "·" }),
        pad("PIN", (k) => keyOnPin(k))));
      extra.append(el("div", { class: "pin-ways" },
        twoLine({ id: "pin-back", class: "secondary", "data-key": "back" }, "Kembali", "Back", () => keyOnPin("back")),
        twoLine({ id: "pin-cancel", class: "secondary", "data-key": "cancel" }, "Batal", "Cancel", () => keyOnPin("cancel"))),
        line({ id: "pin-hint", class: "hint" }, "Tidak punya PIN? PIN dikirim instansi penerbit bersama kode Anda.",
             "No PIN? The issuing office sent it with your code."));
      const reset = at(v.reset_at);
      if (reset) {
        extra.append(every(el("p", { id: "reset-countdown", class: "hint", role: "timer" }), reset, (node, left) => {
          node.hidden = left > RESET_SHOWN_S;
          node.textContent = `Layar kembali ke awal dalam ${left} detik · The screen resets in ${left} s`;
          if (left === RESET_SPOKEN_S) voice.act("say", { screen: "pin_reset", seconds: left });
        }));
      }
    },
    locked_out(v) { lockout(v); },
    printing(v) {
      const p = v.progress;
      if (!p || !p.pages) return;
      const eta = Date.now() + (p.eta_s || 0) * 1000;
      figure.append(el("div", { id: "print-progress", class: "bar-track", role: "progressbar", "aria-valuemin": "0",
                                "aria-valuemax": String(p.pages), "aria-valuenow": String(p.page),
                                "aria-label": "Halaman / Page" },
                       el("div", { class: "bar-fill", style: `width: ${Math.round(100 * p.page / p.pages)}%` })));
      extra.append(every(el("p", { id: "print-pages", class: "big-line" }), eta, (node, left) => {
        node.replaceChildren(el("span", { lang: "id" }, `Halaman ${p.page} dari ${p.pages}` +
                                (left ? ` · sekitar ${left} detik` : "")), el("br"),
                             el("small", { lang: "en" }, `Page ${p.page} of ${p.pages}` + (left ? ` · about ${left} s` : "")));
      }));
    },
    presented(v) {
      figure.append(tray(layout.tray_below !== false));
      const retain = at(v.retain_at);
      if (!retain) return;
      extra.append(every(el("p", { id: "retain-countdown", class: "big-line", role: "timer" }), retain, (node, left) => {
        node.replaceChildren(el("span", { lang: "id" }, `Kertas disimpan mesin dalam ${left} detik`), el("br"),
                             el("small", { lang: "en" }, `The paper is kept by the machine in ${left} s`));
      }));
    },
    refused(v) {
      if ((v.reason === "not_ready" || v.reason === "not_staged") && v.job) extra.append(steps(v.job));
    },
  };

  // The lockout's countdown: large, read from `until` (or retry_after_s once), never moved later by a new view.
  function lockout(v) {
    const end = at(v.until) ?? (Date.now() + (v.retry_after_s || 0) * 1000);
    lockEnd = lockEnd > Date.now() ? Math.min(lockEnd, end) : end;
    extra.append(every(el("p", { id: "countdown", class: "countdown", role: "timer" }), lockEnd, (node, left) => {
      node.replaceChildren(el("span", { class: "count" }, String(left)), " ",
                           el("span", { lang: "id" }, "detik"), " · ", el("span", { lang: "en" }, "seconds"));
    }, () => { if (view.screen === "locked_out" || view.reason === "busy") render({ screen: "idle" }); }));
  }

  // A line for the next person in the queue: small, beside the screen that stays.
  function showBanner(v) {
    if (v.screen === "idle") { banner.hidden = true; return; }
    if (!v.banner || !v.banner.id) return;
    banner.replaceChildren(el("span", { lang: "id" }, v.banner.id), " · ", el("span", { lang: "en", text: v.banner.en || "" }));
    banner.style.height = `${Math.floor(document.querySelector("header.bar").getBoundingClientRect().height)}px`;  // over the header only
    banner.hidden = false;
    clearTimeout(bannerTimer);
    const until = at(v.banner_until);
    bannerTimer = setTimeout(() => { banner.hidden = true; }, until ? Math.max(0, until - Date.now()) : BANNER_MS);
  }

  // Screen readers hear each new screen once (not every PIN digit): both sentences, in their languages.
  function announce(screen, id, en) {
    const key = `${screen}|${id}|${en}`;
    if (key === announced) return;
    announced = key;
    announcer.replaceChildren(el("span", { lang: "id" }, id), " ", el("span", { lang: "en" }, en));
  }

  // The station speaks each new screen (in speech mode) and chimes when a door opens or shuts.
  function speak(screen, v) {
    const job = v.job || {};
    const key = [screen, v.reason, (v.message || {}).id, v.door, job.wrong, job.attempts_left,
                 (v.progress || {}).page].join("|");
    if (key === spoken || screen === "disabled") return;
    spoken = key;
    voice.act("screen", { screen });
  }

  function endVisit() {
    document.body.classList.remove("large", "blank");
    largeButton.setAttribute("aria-pressed", "false");
    privacy.hidden = true;
    code = "";
    fromCode = false;
  }

  function withDoor(text, door) {
    const index = text.indexOf(door);
    if (!door || index < 0) return [text];
    return [text.slice(0, index), el("span", { id: "door-number", class: "door-number", text: door }),
            text.slice(index + door.length)];
  }

  function startCode(first) {
    code = first;
    render({ screen: "code", message: {} });
  }

  async function keyOnCode(key) {
    if (/^[0-9]$/.test(key)) {
      if (code.length < 12) { code += key; voice.act("tone"); }
    } else if (key === "clear") {
      code = code.slice(0, -1);
    } else if (key === "cancel" || key === "back") {
      code = "";
      render({ screen: "idle" });
      return;
    } else if (key === "enter") {
      if (code.length !== 12) { voice.act("say", { screen: "code_short" }); return; }
      const typed = code;
      fromCode = true;
      render({ screen: "checking", message: {} });
      const { status, data } = await api("/api/v1/kiosk/code", { method: "POST", token, body: { code: typed } });
      if (status === 200 && data) render(data);
      else if (status === 0 || status === 503) { online = false; render(view); }
      else render({ screen: "refused", reason: "bad_code", message: {} });
      return;
    }
    const digits = $("code-digits");
    if (digits) digits.textContent = grouped(code);
  }

  async function keyOnPin(key) {
    if (/^[0-9]$/.test(key)) {
      if (pin.length < 12) { pin += key; voice.act("tone"); }
    } else if (key === "clear") {
      pin = pin.slice(0, -1);
    } else if (key === "cancel" || key === "back") {
      // The citizen leaves the PIN screen: the session ends; Back returns to a typed code.
      pin = "";
      const back = key === "back" && fromCode;
      const { status, data } = await api("/api/v1/kiosk/pin/cancel", { method: "POST", token,
                                                                        body: { session: view.session || "" } });
      if (back) startCode(code);
      else render(status === 200 && data ? data : { screen: "idle" });
      return;
    } else if (key === "enter" && pin.length >= 4) {
      const typed = pin;
      pin = "";
      render({ ...view, screen: "checking", message: {} });
      const { status, data } = await api("/api/v1/kiosk/pin", { method: "POST", token,
                                                                 body: { session: view.session || "", pin: typed } });
      if (status === 200 && data) render(data);
      else render({ screen: "refused", message: {} });
      return;
    }
    const dots = $("pin-dots");
    if (dots) dots.textContent = "●".repeat(pin.length) || "·";
  }

  function openProblems() {
    choices.replaceChildren(...PROBLEMS.map(([key, id, en], i) =>
      el("button", { type: "button", "data-problem": key, onclick: () => report(key) },
         el("span", { lang: "id" }, `${i + 1} · ${id}`), el("small", { lang: "en" }, en))));
    dialog.hidden = false;
    choices.querySelector("button").focus();
    voice.act("screen", { screen: "problem_menu" });
  }

  function closeProblems() {
    dialog.hidden = true;
    problemButton.focus();
    spoken = "";
    speak(view.screen, view);
  }

  async function report(problem) {
    dialog.hidden = true;
    const { status } = await api("/api/v1/kiosk/problem", { method: "POST", token,
                                                             body: { problem, session: view.session || null } });
    render(status === 200 ? { screen: "problem_reported", message: {} } : { screen: "offline" });
  }

  function toggleLarge() {
    const on = document.body.classList.toggle("large");
    largeButton.setAttribute("aria-pressed", String(on));
    voice.act("say", { screen: on ? "large_on" : "large_off" });
  }

  function togglePrivacy() {
    if (!voice.state.mode && privacy.hidden) return;  // the screen goes dark only for a citizen who listens
    privacy.hidden = !privacy.hidden;
    document.body.classList.toggle("blank", !privacy.hidden);
    voice.act("say", { screen: privacy.hidden ? "screen_on" : "screen_off" });
  }

  // Keys that work on every screen (the keypad's function keys); true when the key was used.
  const EVERYWHERE = {
    help: () => voice.act("help", { screen: screenNode.dataset.screen }),
    repeat: () => voice.act("repeat"),
    volume_up: () => voice.act("volume_up"),
    volume_down: () => voice.act("volume_down"),
    large_text: toggleLarge,
    screen_off: togglePrivacy,
    problem: () => { if (!problemButton.hidden) openProblems(); },
  };

  function onKey(key, fn) {
    if (!dialog.hidden) {
      if (fn === "cancel") closeProblems();
      else if (fn === "digit" && key >= "1" && key <= String(PROBLEMS.length)) report(PROBLEMS[Number(key) - 1][0]);
      return true;
    }
    if (EVERYWHERE[fn]) { EVERYWHERE[fn](); return true; }
    const screen = screenNode.dataset.screen;
    const padKey = fn === "digit" ? key : fn;
    if (screen === "code") { keyOnCode(padKey); return true; }
    if (screen === "pin" && online) { keyOnPin(padKey); return true; }
    if (screen === "idle" && (fn === "digit" || fn === "enter")) { startCode(fn === "digit" ? key : ""); return true; }
    if (screen === "refused" && (fn === "enter" || fn === "cancel")) { render({ screen: "idle" }); return true; }
    if (fn) voice.act("silence");  // any other key stops the voice
    return Boolean(fn);
  }

  // A keyboard-wedge scanner types the QR text and Enter fast: collect it and hand it over. A key that starts
  // no such burst is a keypad key (a QR's text starts "MPP1:", never a digit or a function key).
  let typed = "";
  let typedAt = 0;
  document.addEventListener("keydown", (event) => {
    if (!dialog.hidden && event.key === "Escape") { closeProblems(); return; }
    if (event.target instanceof HTMLButtonElement && event.key === "Enter") return;  // Enter presses a focused button
    const now = Date.now();
    if (now - typedAt > 500) typed = "";
    typedAt = now;
    if (typed) {  // inside a scanner's burst
      if (event.key === "Enter" && typed.length >= 5) {
        event.preventDefault();
        const text = typed;
        typed = "";
        scan(text);
      } else if (event.key.length === 1) {
        typed += event.key;
      }
      return;
    }
    const fn = voice.functionOf(event.key);
    if (fn && onKey(event.key, fn)) { event.preventDefault(); return; }
    if (event.key.length === 1 && !/^[0-9]$/.test(event.key)) typed = event.key;
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
    if (view.screen === "code" && data && data.screen === "idle") return;  // typing a code is the page's own screen
    render(status === 200 && data ? data : view);
  }

  async function start() {
    if (!token) { render({ screen: "disabled" }); problemButton.hidden = true; voice.clock($("clock"), ""); return; }
    await voice.load(token);
    const got = await api("/api/v1/kiosk/layout", { token });
    if (got.status === 200 && got.data) {
      layout = { ...layout, ...got.data };
      $("station-name").textContent = layout.station;
    }
    voice.clock($("clock"), layout.timezone);
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
        if (view.screen === "code" && data.screen === "idle") return;  // the citizen is typing a code
        render(data);
      } else if (kind === "speech") {
        voice.changed(data);
      }
    }, (connected, status) => {
      if (status === 401) { location.reload(); return; }
      if (!connected) { screenNode.dataset.live = "false"; online = false; render(view); }
    });
  }

  problemButton.addEventListener("click", openProblems);
  largeButton.addEventListener("click", toggleLarge);
  $("problem-cancel").addEventListener("click", closeProblems);
  start();
})();

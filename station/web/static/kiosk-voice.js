// The kiosk's keypad, voice and display settings: which key does what (the station's key map), asking the
// station to speak (speech runs on the station, never in the browser), large text sized for the real screen,
// and the clock in the station's own time zone.
"use strict";

const KioskVoice = (() => {
  const { api } = Station;
  // ADA 707.7.2 measures the uppercase I; DejaVu Sans's capitals stand 0.729 of the font size (0.70: rendered
  // glyphs land on whole pixels, so a margin).
  const CAP_HEIGHT = 0.70;
  const ZONES = { "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT" };

  let token = "";
  let keys = {};
  let screenSize = { diagonal_inches: 32, min_char_mm: 4.8 };
  const state = { mode: false, volume: 5 };

  async function load(kioskToken) {
    token = kioskToken;
    const { status, data } = await api("/api/v1/kiosk/voice", { token });
    if (status === 200 && data) {
      keys = data.keys || {};
      screenSize = data.screen || screenSize;
      changed(data.speech || {});
    }
    sizeText();
    window.addEventListener("resize", sizeText);
    return state;
  }

  // The function of a key press: "digit", a function of the key map (enter, clear, cancel, help...), or null.
  function functionOf(key) {
    if (/^[0-9]$/.test(key)) return "digit";
    for (const [name, bound] of Object.entries(keys)) if (bound === key) return name;
    return null;
  }

  // One request after another, in the order the citizen acted (help, then the screen it opened...).
  let queue = Promise.resolve();
  function act(action, extra = {}) {
    if (!token) return queue;
    queue = queue.then(async () => {
      const { status, data } = await api("/api/v1/kiosk/voice", { method: "POST", token, body: { action, ...extra } });
      if (status === 200 && data) changed(data);
    });
    return queue;
  }

  function changed(data) {
    Object.assign(state, data);
    document.getElementById("screen").dataset.speech = state.mode ? "on" : "off";
  }

  // The least font size that keeps a capital at least min_char_mm high on this screen (large-text mode).
  function sizeText() {
    const diagonalMm = (screenSize.diagonal_inches || 32) * 25.4;
    const pxPerMm = Math.hypot(window.innerWidth, window.innerHeight) / diagonalMm;
    const least = Math.ceil((screenSize.min_char_mm || 4.8) * pxPerMm / CAP_HEIGHT);
    document.documentElement.style.setProperty("--least-text", `${least}px`);
  }

  function clock(node, zone) {
    const name = ZONES[zone] ? zone : "Asia/Jakarta";
    const format = new Intl.DateTimeFormat("id-ID", { hour: "2-digit", minute: "2-digit", timeZone: name });
    const tick = () => { node.textContent = `${format.format(new Date())} ${ZONES[name]}`; };
    tick();
    setInterval(tick, 15000);
  }

  return { load, functionOf, act, changed, clock, state };
})();

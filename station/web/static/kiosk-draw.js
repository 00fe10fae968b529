// The kiosk's drawings and pads: inline SVG (nothing is fetched from the network) and the digit pads.
"use strict";

const KioskDraw = (() => {
  const { el } = Station;

  const PHONE = '<svg viewBox="0 0 220 300"><rect x="40" y="10" width="140" height="250" rx="18" fill="#1b1b1b" stroke="#fff" stroke-width="6"/>' +
    '<rect x="62" y="60" width="96" height="96" fill="#fff"/><g fill="#000"><rect x="68" y="66" width="26" height="26"/>' +
    '<rect x="126" y="66" width="26" height="26"/><rect x="68" y="124" width="26" height="26"/><rect x="104" y="100" width="12" height="12"/>' +
    '<rect x="126" y="126" width="10" height="10"/><rect x="142" y="138" width="10" height="12"/><rect x="104" y="72" width="10" height="14"/></g>' +
    '<path d="M110 200 v60 m-22 -22 l22 22 l22 -22" stroke="#ffd400" stroke-width="10" fill="none" stroke-linecap="round"/>' +
    '<rect x="40" y="270" width="140" height="20" rx="6" fill="#ffd400"/></svg>';
  const TICK = '<svg viewBox="0 0 200 200"><circle cx="100" cy="100" r="86" fill="none" stroke="#3ee07a" stroke-width="12"/>' +
    '<path d="M58 104 l28 28 l56 -62" stroke="#3ee07a" stroke-width="14" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';
  // The dispenser seen from the front: the screen, and the paper tray lit (below the screen, or beside it).
  const TRAY_BELOW = '<svg viewBox="0 0 240 320"><rect x="20" y="8" width="200" height="304" rx="14" fill="#1b1b1b" stroke="#c8c8c8" stroke-width="4"/>' +
    '<rect x="44" y="30" width="152" height="110" rx="6" fill="#2c2c2c" stroke="#5a5a5a" stroke-width="3"/>' +
    '<text x="120" y="95" text-anchor="middle" font-size="22" fill="#c8c8c8">Layar · Screen</text>' +
    '<path d="M120 160 v52 m-20 -20 l20 20 l20 -20" stroke="#ffd400" stroke-width="9" fill="none" stroke-linecap="round"/>' +
    '<rect id="tray" x="44" y="226" width="152" height="52" rx="8" fill="#ffd400" stroke="#fff" stroke-width="4"/>' +
    '<rect x="70" y="236" width="100" height="18" fill="#fff"/></svg>';
  const TRAY_BESIDE = '<svg viewBox="0 0 320 240"><rect x="8" y="20" width="304" height="200" rx="14" fill="#1b1b1b" stroke="#c8c8c8" stroke-width="4"/>' +
    '<rect x="28" y="44" width="130" height="100" rx="6" fill="#2c2c2c" stroke="#5a5a5a" stroke-width="3"/>' +
    '<text x="93" y="100" text-anchor="middle" font-size="20" fill="#c8c8c8">Layar · Screen</text>' +
    '<path d="M172 94 h44 m-18 -18 l18 18 l-18 18" stroke="#ffd400" stroke-width="9" fill="none" stroke-linecap="round"/>' +
    '<rect id="tray" x="232" y="60" width="62" height="120" rx="8" fill="#ffd400" stroke="#fff" stroke-width="4"/></svg>';

  function picture(svgText, label) {
    const holder = el("div", { class: "picture", role: "img", "aria-label": label });
    holder.innerHTML = svgText;
    return holder;
  }

  function tray(below) {
    return picture(below ? TRAY_BELOW : TRAY_BESIDE,
                   below ? "Baki kertas di bawah layar / The paper tray below the screen"
                         : "Baki kertas di samping layar / The paper tray beside the screen");
  }

  // One cabinet per lock board, locks numbered left to right, top to bottom; the opening one lit.
  function cabinets(layout, v) {
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

  const STEPS = [
    ["received", "Diterima", "Received"], ["rendered", "Disiapkan", "Prepared"],
    ["printing", "Dicetak", "Printing"], ["printed", "Tercetak", "Printed"], ["staged", "Siap diambil", "Ready"],
  ];

  function steps(job) {
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

  // The code shows as RRRR-SSSS-SSSS while it is typed (underscores where digits are still to come).
  function grouped(code) {
    const padded = code.padEnd(12, "_");
    return `${padded.slice(0, 4)}-${padded.slice(4, 8)}-${padded.slice(8, 12)}`;
  }

  // A telephone pad: 1-9, erase, 0, OK, each a button with the key it stands for.
  function pad(label, press) {
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) =>
      el("button", { type: "button", "data-key": d, onclick: () => press(d) }, d));
    keys.push(el("button", { type: "button", class: "erase", "data-key": "erase", "aria-label": "Hapus / Erase",
                             onclick: () => press("clear") }, "⌫"));
    keys.push(el("button", { type: "button", "data-key": "0", onclick: () => press("0") }, "0"));
    keys.push(el("button", { type: "button", class: "ok", "data-key": "ok", "aria-label": "OK", onclick: () => press("enter") },
                 "OK"));
    return el("div", { class: "keypad", role: "group", "aria-label": label }, keys);
  }

  function twoLine(attrs, id, en, onclick) {
    return el("button", { type: "button", ...attrs, onclick }, el("span", { lang: "id" }, id), el("small", { lang: "en" }, en));
  }

  return { PHONE, TICK, picture, tray, cabinets, steps, grouped, pad, twoLine };
})();

// (issue 24) "Hand over after an ID check": a document locked by wrong PINs or codes is no dead end.
// Staff check the citizen's KTP, type the last 4 digits of its NIK and a reason; the station checks the
// digits against the document and opens the door (POST /api/v1/jobs/{id}/handover). ops.js calls
// OpsHandover.run from its job buttons (one line); everything else of the action lives here.
"use strict";

const OpsHandover = (() => {
  const { el } = Station;
  const WORDS = {
    id: {
      action: "Serahkan setelah cek KTP",
      title: (job) => `Serahkan ${job} setelah memeriksa KTP`,
      text: "PIN atau kode warga salah terlalu banyak. Periksa KTP warga, lalu ketik 4 angka terakhir NIK-nya."
        + " Stasiun mencocokkannya dengan dokumen dan membuka pintu. Angka NIK tidak disimpan.",
      nik: "4 angka terakhir NIK (dari KTP)",
      reason: "Alasan (dicatat di audit, tanpa data pribadi)",
      back: "Kembali", ok: "Serahkan",
      done: (job) => `${job} diserahkan: pintu dibuka.`,
    },
    en: {
      action: "Hand over after ID check",
      title: (job) => `Hand ${job} over after checking the KTP`,
      text: "The citizen's PIN or code was wrong too many times. Check their ID card (KTP), then type the last"
        + " 4 digits of its NIK. The station matches them with the document and opens the door. The digits are"
        + " not stored.",
      nik: "Last 4 digits of the NIK (from the KTP)",
      reason: "Reason (goes to the audit; no personal data)",
      back: "Back", ok: "Hand over",
      done: (job) => `${job} handed over: the door opens.`,
    },
  };
  const word = (key, ...args) => {
    const value = WORDS[OpsWords.language === "en" ? "en" : "id"][key];
    return typeof value === "function" ? value(...args) : value;
  };

  // The job button reads its label from OpsWords: this action's label comes from here.
  const actionWord = OpsWords.action;
  OpsWords.action = (name) => (name === "handover" ? word("action") : actionWord(name));

  let dialog = null;
  function build() {
    dialog = el("dialog", { id: "handover", "aria-labelledby": "handover-title" },
      el("form", { id: "handover-form", method: "dialog" },
        el("h2", { id: "handover-title" }),
        el("p", { id: "handover-text" }),
        el("label", { id: "handover-nik-label", for: "handover-nik" }),
        el("input", { id: "handover-nik", name: "nik_last4", inputmode: "numeric", autocomplete: "off",
                      pattern: "[0-9]{4}", maxlength: "4", minlength: "4", required: true }),
        el("label", { id: "handover-reason-label", for: "handover-reason" }),
        el("input", { id: "handover-reason", name: "reason", autocomplete: "off", maxlength: "200", required: true }),
        el("div", { class: "actions" },
          el("button", { type: "button", id: "handover-cancel", class: "secondary" }),
          el("button", { type: "submit", id: "handover-ok" }))));
    document.body.append(dialog);
  }

  // Asks for the two values; resolves to {nik_last4, reason}, or null when dismissed.
  function ask(jobId) {
    if (!dialog) build();
    const $ = (id) => document.getElementById(id);
    $("handover-title").textContent = word("title", jobId);
    $("handover-text").textContent = word("text");
    $("handover-nik-label").textContent = word("nik");
    $("handover-reason-label").textContent = word("reason");
    $("handover-cancel").textContent = word("back");
    $("handover-ok").textContent = word("ok");
    $("handover-nik").value = "";
    $("handover-reason").value = "";
    return new Promise((resolve) => {
      const done = (result) => {
        dialog.close();
        $("handover-form").onsubmit = null;
        $("handover-cancel").onclick = null;
        $("handover-nik").value = "";  // the digits do not stay on the page
        resolve(result);
      };
      $("handover-form").onsubmit = (event) => {
        event.preventDefault();
        if ($("handover-nik").reportValidity() && $("handover-reason").reportValidity()) {
          done({ nik_last4: $("handover-nik").value, reason: $("handover-reason").value.trim() });
        }
      };
      $("handover-cancel").onclick = () => done(null);
      dialog.oncancel = () => done(null);
      dialog.showModal();
      $("handover-nik").focus();
    });
  }

  // The job button's action: ask, then post through ops.js's `act` (its notices and refreshes).
  async function run(job, path, act) {
    const body = await ask(job.id);
    if (body) await act(path, body, word("done", job.id));
  }

  return { run, ask };
})();

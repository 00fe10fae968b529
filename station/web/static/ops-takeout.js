// The guided take-out (ADR 0321): expired and cancelled documents, and old copies before a reprint,
// slot by slot. The station opens a slot; staff take the paper out and close the door; the page
// waits for the door and item sensors (as the station reports them) and asks the station to record
// it, which checks the sensors again itself. Nothing is recorded on a click alone.
"use strict";

const OpsTakeOut = (() => {
  const { el } = Station;
  const W = OpsWords;
  const t = W.t;
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 500;
  let page = null;      // what ops.js lends: call, notice, can, online, refreshSoon, selectJob
  let tasks = [];
  let running = false;
  let stopAsked = false;

  function attach(ops) {
    page = ops;
    $("take-out-start").addEventListener("click", () => runAll());
    $("take-out-stop").addEventListener("click", () => { stopAsked = true; });
  }

  const path = (job, what = "") => `/api/v1/take-out/${encodeURIComponent(job)}${what}`;

  async function load() {
    if (!page || !page.can("operator")) { $("take-out").hidden = true; return; }
    const { status, data } = await page.call("/api/v1/take-out");
    if (status !== 200) return;
    tasks = data.tasks;
    $("take-out").hidden = false;
    $("take-out-count").textContent = tasks.length ? `· ${tasks.length}` : "";
    $("take-out-rows").replaceChildren(...tasks.map((task) => el("tr", { "data-take-out": task.job },
      el("td", {}, el("code", { text: task.slot })), el("td", {}, el("code", { text: task.job })),
      el("td", { text: W.takeOutWhy(task.why) }),
      el("td", {}, el("button", { type: "button", class: "secondary", "data-take-out-one": task.job,
                                  disabled: running || !page.online(), onclick: () => runSeveral([task]) },
                      t("takeOutOne"))))));
    if (!tasks.length) $("take-out-rows").append(el("tr", {}, el("td", { colspan: "4", class: "muted", text: t("noTakeOut") })));
    $("take-out-start").disabled = running || !tasks.length || !page.online();
  }

  function step(text, { error = false, sensors = "" } = {}) {
    const node = $("take-out-step");
    node.hidden = false;
    node.classList.toggle("error", error);
    node.replaceChildren(el("p", { text }), sensors ? el("p", { class: "muted", "data-sensors": "", text: sensors }) : "");
  }

  async function runAll() { await runSeveral([...tasks]); }

  async function runSeveral(list) {
    if (running || !list.length) return;
    running = true;
    stopAsked = false;
    $("take-out-stop").hidden = false;
    $("take-out-start").disabled = true;
    let done = 0;
    for (const [index, task] of list.entries()) {
      if (stopAsked) break;
      if (await takeOne(task, t("takeOutProgress", index + 1, list.length))) done += 1;
    }
    running = false;
    $("take-out-stop").hidden = true;
    if (done === list.length && list.length > 1) step(t("takeOutAllDone"));  // (one slot: its own line says it)
    page.refreshSoon(["takeout", "spool", "jobs", "detail", "slots", "alarms"]);
  }

  // Opens the slot of one task, then waits for the sensors; true once the station recorded it.
  async function takeOne(task, progress = "") {
    step(`${progress ? `${progress} · ` : ""}${t("takeOutOpening", task.slot)}`);
    const { status, data } = await page.call(path(task.job, "/open"), { method: "POST" });
    if (status !== 200) {
      step(data && data.detail ? data.detail : t("refusedStatus", status), { error: true });
      return false;
    }
    return follow(task, data.outcome, progress);
  }

  // The slot is open (or was asked to open): wait for door closed and no item, then confirm.
  async function follow(task, outcome, progress = "") {
    const head = progress ? `${progress} · ` : "";
    if (outcome !== "opened" && outcome !== "already_open") {
      step(head + t("takeOutNotOpened", task.slot, outcome), { error: true });
      return false;
    }
    $("take-out").scrollIntoView({ block: "nearest" });
    while (!stopAsked) {
      const { status, data } = await page.call("/api/v1/take-out");
      const now = status === 200 ? data.tasks.find((found) => found.job === task.job) : undefined;
      if (status === 200 && !now) break;  // recorded already (another screen, or the station)
      if (now) {
        step(`${head}${t("takeOutStep", task.slot, task.job)} ${t("takeOutWaiting")}`,
             { sensors: `${W.door(now.door)} · ${W.item(now.item)}` });
        if (now.door === "closed" && now.item !== "present") {
          const confirmed = await page.call(path(task.job, "/confirm"), { method: "POST" });
          if (confirmed.status === 200) break;
          if (confirmed.status !== 409) {
            step(confirmed.data && confirmed.data.detail ? confirmed.data.detail : t("refusedStatus", confirmed.status),
                 { error: true });
            return false;
          }
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    if (stopAsked) return false;
    step(head + t("takeOutDone", task.slot, task.job));
    page.notice(t("takeOutDone", task.slot, task.job));
    page.refreshSoon(["takeout", "spool", "jobs", "detail", "slots", "alarms"]);
    return true;
  }

  // A reprint of a staged document: the station opened its slot for the old copy; see it through.
  async function reprint(opened) {
    if (running) return;
    running = true;
    stopAsked = false;
    $("take-out-stop").hidden = false;
    const task = { job: opened.job, slot: opened.slot, why: "reprint" };
    await follow(task, opened.outcome, t("reprintTakeOut", opened.slot));
    running = false;
    $("take-out-stop").hidden = true;
    page.refreshSoon(["takeout"]);
  }

  return { attach, load, reprint };
})();

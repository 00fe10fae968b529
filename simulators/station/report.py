"""What a simulated day is judged by: the paper and the doors, the audit and its checkpoints, the events."""

from __future__ import annotations

from collections import Counter as Tally
from typing import Any, Protocol

import spool
from spool import alarms, audit, intents, jobs

from station.trust import checkpoint
from station.release import tray_check
from station.trust import store as trust
from station.config import Config
from station.errors import StationError
from simulators.station.world import World



class SimulatedStation(Protocol):
    """What the report reads of a simulated station (`simulators.station.simulate.SimulatedStation`)."""

    cfg: Config
    world: World
    office: Any
    kills: int
    power_cycles: int

    def finished(self) -> set[Any]:
        """The states a document ends a scripted day in."""

    def counts(self) -> dict[str, int]:
        """Jobs per state now."""

    def done(self) -> bool:
        """Every document finished and the back office told."""

    def missing_events(self, wanted: set[str]) -> list[str]:
        """Documents the back office has not heard every step of."""


def report(station: SimulatedStation) -> tuple[dict[str, Any], bool]:
    """The JSON summary of a run, and whether every check passed."""
    conn = spool.connect(station.cfg.spool_path)
    try:
        verdict = audit.verify(conn)
        actions = Tally(e.action for e in audit.entries(conn))
        # Every audited attempt beyond the first may leave a sheet: a reprint, a spooler's resend, and an
        # attempt written off because the printer held no record of it (a printer that lost power with the
        # station may have printed it and forgotten).
        reprints = Tally(e.job for e in audit.entries(conn)
                         if e.action in ("job.reprint", "print.resent", "print.abandoned"))
        checkpoints_ok, problems = _checkpoints(station, conn)
        # (issue 22) documents whose tray the station asked staff to check, and what is still asked
        tray_tasks = {a.job_id for a in alarms.list_alarms(conn, limit=100_000) if a.kind == tray_check.EXTRA_COPY}
        tray_open = sorted({a.job_id or "" for a in alarms.open_alarms(conn, tray_check.EXTRA_COPY)})
        listed = jobs.list_jobs(conn, limit=100_000)
        states = {j.id: j.state for j in listed}
        # Which lock bus each document was collected from: the slot its citizen's last unlock was for
        # (named BUS-BOARD-LOCK).
        unlocked = {j.id: [i.slot for i in intents.of_job(conn, j.id, intents.Kind.UNLOCK) if i.slot]
                    for j in listed if j.state.value == "collected"}
        by_bus = Tally(slots[-1].split("-", 1)[0] for slots in unlocked.values() if slots)
    finally:
        conn.close()
    paper = station.world.paper
    # A sheet printed more often than its audited attempts allow is paper nobody accounted for.
    unaccounted = sorted(doc for doc, n in paper.printed.items() if n > 1 + reprints[doc])
    wanted = {a.id for a in station.office.approvals(station.cfg.station.id)}  # a fleet shares one back office
    # (issue 22) A sheet left in the tray that no task asked staff to look for is paper nobody counted; a document
    # not in a state it ends a day in (collected; retained at a dispenser) did not settle.
    with station.world._lock:
        left = sorted(doc for doc, n in station.world.tray.items() if n > 0)
    untasked = [doc for doc in left if doc not in tray_tasks]
    unsettled = sorted(doc for doc in wanted if states.get(doc) not in station.finished())
    events = [e for e in station.office.events() if e["document_id"] in wanted]
    per_key = Tally((e["document_id"], e["event"]) for e in events)
    summary = {
        "documents": len(wanted),
        "documents_by_kind": dict(Tally(a.kind for a in station.office.approvals())),
        "counts": station.counts(),
        "collected_by_bus": dict(sorted(by_bus.items())),
        "audit_intact": verdict.ok, "audit_entries": verdict.count, "audit_problem": verdict.reason,
        "checkpoints_verified": checkpoints_ok, "checkpoint_problems": problems,
        # Counted from the doors: a door (or the shutter) seen open twice on one document's paper.
        "released_twice": paper.report()["opened_twice"],
        **{k: v for k, v in paper.report().items() if k != "opened_twice"},
        "printed_without_audited_reprint": unaccounted,
        "sheets_left_in_tray": left[:20], "sheets_left_in_tray_without_task": untasked[:20],
        "tray_checks_open": tray_open[:20], "documents_unsettled": unsettled[:20],
        "documents_unsettled_by_state": dict(Tally(str(states.get(d, "missing")) for d in unsettled)),
        "releases_recovered": actions.get("release.recovered", 0),
        "reprints": sum(reprints.values()),
        "daemon_kills": station.kills, "bus_power_cycles": station.power_cycles,
        "backoffice_events": len(events),
        "backoffice_events_by_kind": dict(Tally(e["event"] for e in events)),
        "events_duplicated": sorted(f"{d}:{e}" for (d, e), n in per_key.items() if n > 1),
        "documents_missing_events": station.missing_events(wanted)[:20],
    }
    good = (station.done() and verdict.ok and not problems and not summary["released_twice"]
            and not summary["events_duplicated"] and not summary["documents_missing_events"]
            and not summary["paper_to_wrong_person"] and not summary["door_opened_without_its_citizen"]
            and not unaccounted and not untasked and not unsettled)
    return summary, good


def _checkpoints(station: SimulatedStation, conn: Any) -> tuple[int, list[str]]:
    store = trust.TrustStore.load(station.cfg.path(station.cfg.paths.trust_store))  # type: ignore[arg-type]
    verified, problems = 0, []
    for made in checkpoint.stored(conn, station.cfg.station.id):
        try:
            checkpoint.verify(conn, made, store)
            verified += 1
        except StationError as err:
            problems.append(str(err))
    return verified, problems

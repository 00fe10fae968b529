"""Jobs for the web tests, walked through their life by the real state machine."""

from __future__ import annotations

import json

from spool import intents, machine, slots
from spool.states import Flow, JobState

PAYLOAD = json.dumps({"id": "x", "data": {"nama": "Siti Nurhaliza", "nik": "3171234567890123",
                                           "tempat_lahir": "Jakarta"}})


def make_job(conn, job_id: str, path: list[JobState], *, flow: Flow = Flow.LOCKER, slot: str | None = None,
             reason: str = "printer failed 3 times") -> None:
    """A job walked through `path` (held moves get `reason`); staged jobs take `slot`."""
    machine.create_job(conn, job_id, flow=flow, template="akta-kelahiran", template_version=3, payload=PAYLOAD,
                       pickup_expires="2026-12-31T09:00:00Z")
    for target in path:
        if target is JobState.STAGED and slot:
            slots.occupy(conn, slot, job_id, actor="system")
        machine.transition(conn, job_id, target, actor="system",
                           reason=reason if target is JobState.HELD else None)
        if target is JobState.RELEASED and slot:  # the counter's unlock, as its ledger holds it
            opened = intents.record(conn, intents.Kind.UNLOCK, job=job_id, slot=slot)
            intents.finish(conn, opened.id, "opened")

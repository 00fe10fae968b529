"""`station locker open`'s care for people (issue 25): a slot holding a citizen's document opens only with a
reason, and an outcome that is not an opening says what to do next."""

from __future__ import annotations

import argparse
import sys

from ..errors import ConfigError, StationError
from .common import load_config


# (issue 25) A jam said only "jammed": what the technician does next, in order.
NEXT_STEP = {
    "jammed": "the latch did not release. Next: push the door shut firmly (a bent door or a full slot presses on"
              " the latch) and open it once more; if it stays jammed, take the slot out of use"
              " (station slots retire SLOT, once it is empty) and check the lock's wiring and power",
    "unknown": "the unlock left but its effect was not seen. Next: look at the door before anything else;"
               " never repeat the open blindly",
}


def say_outcome(outcome: str, slot: str) -> None:
    """The outcome word on standard output (scripts read it); what to do next, when needed, on standard error."""
    print(outcome)
    if outcome in NEXT_STEP:
        print(f"station: {slot}: {NEXT_STEP[outcome].replace('SLOT', slot)}", file=sys.stderr)


def refuse_an_occupied_slot_without_a_reason(args: argparse.Namespace) -> None:
    """(issue 25) A slot holding a citizen's document opens only with a reason, which the audit keeps.

    Without one, say which document it holds and how to go on; nothing moves. An empty slot needs none.
    """
    occupant = _occupant(args)
    if occupant is None:
        if args.reason is None:
            args.reason = "opened with 'station locker open'"
        return
    slot, job_id, state = occupant
    if args.reason is None:
        raise StationError(f"slot {slot} holds document {job_id} ({state}): opening it exposes a citizen's paper;"
                           f" say why with --reason TEXT (audited), e.g. --reason 'take out for reprint'."
                           " Nothing was opened")


def _occupant(args: argparse.Namespace) -> tuple[str, str, str] | None:
    """(slot, document, its state) when the configured station's spool says the slot holds a document."""
    import spool
    from spool import jobs, slots

    try:
        cfg = load_config(args)
        conn = spool.connect(cfg.spool_path, readonly=True)
    except (ConfigError, spool.SpoolError, OSError):
        return None  # no station to ask: the open goes on as before (the bus answers for itself)
    try:
        sid = slots.resolve(conn, args.slot)
        found = slots.get_slot(conn, sid).occupant
        job = jobs.find_job(conn, found) if found else None
    except (spool.SpoolError, StationError):
        return None
    finally:
        conn.close()
    return None if found is None else (sid, found, job.state.value if job is not None else "unknown")

"""`station jobs cancel|retry|reprint|move|confirm-collected|paper-inside|tray-checked|handover`: a technician acts on jobs
through the running daemon."""

from __future__ import annotations

import argparse

from . import shell, take_out_wait
from .common import add_command, add_group, load_config, print_json
from station.runtime import ops

EXIT = """\
Through the running daemon, audited as technician:NAME (--as NAME, default
your login name). Exit status: 0 done; 1 refused (the job's state does not
allow it, or no such job: the line says why); 69 the daemon is not running."""


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "jobs", help="cancel, retry, reprint, move, settle or hand over a job (through the"
                      " daemon)",
                      description="Act on one job through the running daemon.\n\n" + EXIT)
    for name, help_text, op in (
            ("cancel", "withdraw a job before release (with a reason)", ops.JOB_CANCEL),
            ("retry", "send a held job back to the stage that failed", ops.JOB_RETRY),
            ("reprint", "print a printed or staged document again (damaged paper); a staged one's slot opens first for"
             " the old copy", ops.JOB_REPRINT),
            ("move", "move a staged document to another slot (both doors open, one after the other)", ops.JOB_MOVE),
            ("confirm-collected", "staff looked: a released document's slot is empty (collected)",
             ops.JOB_CONFIRM_COLLECTED),
            ("paper-inside", "staff looked: a released document is still in its slot (waits again; a dispenser"
             " retains it)", ops.JOB_PAPER_INSIDE),
            ("tray-checked", "staff looked in the printer's tray for an extra copy (--found or --none)",
             ops.JOB_TRAY_CHECKED),
            ("handover", "hand a document locked by wrong PINs or codes over after an ID check (the last 4"
             " digits of the NIK on the citizen's KTP, and a reason)", ops.JOB_HANDOVER)):
        parser = add_command(group, name, help=help_text, description=f"{help_text[0].upper()}{help_text[1:]}.\n\n"
                             + EXIT, run=run)
        parser.set_defaults(op=op)
        parser.add_argument("job", metavar="JOB", help="job (document) id")
        if name in ("cancel", "handover"):
            parser.add_argument("--reason", required=True, help="why (no personal data); audited")
        if name == "handover":
            parser.add_argument("--nik-last4", required=True, metavar="NNNN",
                                help="the last 4 digits of the NIK on the citizen's KTP (never recorded)")
        if name == "move":
            parser.add_argument("slot", metavar="SLOT", help="the slot to move it to")
        if name == "reprint":  # (issue 25) a staged document's old copy comes out first, sensor-confirmed
            parser.add_argument("--timeout", type=float, default=120.0,
                                help="seconds to wait for the old copy to be taken out (default: %(default)s)")
        if name == "tray-checked":
            found = parser.add_mutually_exclusive_group(required=True)
            found.add_argument("--found", dest="found", action="store_true", default=None,
                               help="one copy found and destroyed")
            found.add_argument("--none", dest="found", action="store_false", help="no copy in the tray")
        shell.add_actor_option(parser)
        parser.add_argument("--json", action="store_true", help="JSON instead of one line")


def run(args: argparse.Namespace) -> int:
    """Any `station jobs` command."""
    cfg = load_config(args)
    body = {"job": args.job}
    if getattr(args, "reason", None) is not None:
        body["reason"] = args.reason
    if getattr(args, "slot", None) is not None:
        body["slot"] = args.slot
    if getattr(args, "found", None) is not None:
        body["found"] = args.found
    if getattr(args, "nik_last4", None) is not None:
        body["nik_last4"] = args.nik_last4
    result = shell.call(cfg, args.op, body, actor=shell.technician(args.actor))
    if isinstance(result, dict) and result.get("take_out"):
        result = take_out_wait.finish(cfg, result["take_out"], actor=shell.technician(args.actor), timeout=args.timeout)
    if args.json:
        print_json(result)
    else:
        extra = f" in slot {result['slot']}" if result.get("slot") else ""
        print(f"{result.get('job', args.job)}: {result.get('state', 'done')}{extra}")
    return 0

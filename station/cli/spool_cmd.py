"""`station spool ...`: look at the jobs in the spool."""

from __future__ import annotations

import argparse

from spool import audit, jobs
from spool.states import JobState

from . import import_cmd
from .common import add_command, add_group, clock, open_spool, print_json, print_table


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "spool", help="list and inspect jobs in the spool")
    lister = add_command(group, "list", help="jobs, newest first",
                         description="List jobs, newest first, as a table (or --json).", run=run_list)
    lister.add_argument("--state", action="append", choices=[s.value for s in JobState],
                        help="only jobs in this state (repeatable)")
    lister.add_argument("--limit", type=_positive, default=50, help="how many (default: %(default)s)")
    lister.add_argument("--json", action="store_true", help="JSON instead of a table")
    shower = add_command(group, "show", help="one job with its audit trail",
                         description="Show one job and every audit entry about it.", run=run_show)
    shower.add_argument("job", metavar="JOB", help="job (document) id")
    shower.add_argument("--json", action="store_true", help="JSON instead of text")
    import_cmd.register(group)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return value


def run_list(args: argparse.Namespace) -> int:
    cfg, conn = open_spool(args, readonly=True)
    found = jobs.list_jobs(conn, states=args.state, limit=args.limit)
    if args.json:
        print_json([job.summary() for job in found])
        return 0
    if not found:
        print("no jobs" + (f" in {', '.join(args.state)}" if args.state else ""))
        return 0
    shown = clock(args, cfg)
    print_table(["id", "state", "template", "slot", "updated", "reason"],
                [(j.id, j.state.value, "signed pdf" if j.kind == "pdf" else f"{j.template}@{j.template_version}",
                  j.slot, shown(j.updated_at), j.held_reason) for j in found])
    return 0


def run_show(args: argparse.Namespace) -> int:
    cfg, conn = open_spool(args, readonly=True)
    job = jobs.get_job(conn, args.job)
    trail = [entry.to_json() for entry in audit.entries(conn, job=job.id)]
    if args.json:
        print_json({"job": job.summary(), "audit": trail})
        return 0
    shown = clock(args, cfg)
    for key, value in job.summary().items():
        if value is not None:
            print(f"{key:>16}: {shown(value) if key.endswith(('_at', '_expires')) else value}")
    print("\naudit trail:")
    print_table(["seq", "at", "actor", "action", "slot", "details"],
                [(e["seq"], shown(e["at"]), e["actor"], e["action"], e["slot"],
                  audit.canonical_json(e["details"]).decode()) for e in trail])
    return 0

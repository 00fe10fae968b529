"""`station audit ...`: verify and export the audit chain."""

from __future__ import annotations

import argparse
import json
import sys

from spool import audit

from .common import add_command, add_group, open_spool


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "audit", help="verify and export the audit chain")
    add_command(group, "verify", help="check the chain end to end",
                description="Recompute every hash of the audit chain. Exit 0 when intact; exit 1\n"
                            "when not, naming the first bad sequence number.", run=run_verify)
    exporter = add_command(group, "export", help="entries as JSON lines",
                           description="Print audit entries as JSON lines, oldest first.", run=run_export)
    exporter.add_argument("--since", type=int, default=0, metavar="N",
                          help="only entries with a sequence number above N")


def run_verify(args: argparse.Namespace) -> int:
    _, conn = open_spool(args, readonly=True)
    verdict = audit.verify(conn)
    if verdict.ok:
        print(f"audit chain intact: {verdict.count} entries, head {verdict.head}")
        return 0
    print(f"audit chain BROKEN at sequence {verdict.bad_seq}: {verdict.reason}")
    return 1


def run_export(args: argparse.Namespace) -> int:
    _, conn = open_spool(args, readonly=True)
    for entry in audit.entries(conn, since=args.since):
        sys.stdout.write(json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
    return 0

"""`station alarms list|ack`: the station's alarms, through the running daemon."""

from __future__ import annotations

import argparse

from . import shell
from .common import add_command, add_group, load_config, print_json, print_table
from station.runtime import ops


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "alarms", help="list and acknowledge alarms (through the daemon)",
                      description="The station's alarms, through the running daemon.\n\nExit status: 0;"
                                  " 1 refused (no such alarm, already acknowledged); 69 the daemon is not running.")
    lister = add_command(group, "list", help="open alarms, newest first (--all: acknowledged too)", run=run_list)
    lister.add_argument("--all", action="store_true", help="acknowledged ones too")
    lister.add_argument("--limit", type=int, default=100, help="how many (1-1000, default: %(default)s)")
    lister.add_argument("--json", action="store_true", help="JSON instead of a table")
    acker = add_command(group, "ack", help="acknowledge an alarm (audited as technician:NAME)", run=run_ack)
    acker.add_argument("alarm", metavar="ALARM", type=int, help="alarm number (from 'station alarms list')")
    shell.add_actor_option(acker)
    acker.add_argument("--json", action="store_true", help="JSON instead of one line")


def run_list(args: argparse.Namespace) -> int:
    """`station alarms list`."""
    cfg = load_config(args)
    found = shell.call(cfg, ops.ALARM_LIST, {"open": not args.all, "limit": args.limit})["alarms"]
    if args.json:
        print_json(found)
        return 0
    if not found:
        print("no open alarms" if not args.all else "no alarms")
        return 0
    print_table(["id", "raised", "severity", "kind", "job", "slot", "acknowledged by", "message"],
                [(a["id"], a["raised_at"], a["severity"], a["kind"], a.get("job_id"), a.get("slot_id"),
                  a.get("acknowledged_by"), a["message"]) for a in found])
    return 0


def run_ack(args: argparse.Namespace) -> int:
    """`station alarms ack ALARM`."""
    cfg = load_config(args)
    alarm = shell.call(cfg, ops.ALARM_ACK, {"alarm": args.alarm}, actor=shell.technician(args.actor))
    if args.json:
        print_json(alarm)
    else:
        print(f"alarm {alarm['id']} acknowledged by {alarm['acknowledged_by']}")
    return 0

"""`station alarms list|ack`: the station's alarms, through the running daemon (listed from the spool without it)."""

from __future__ import annotations

import argparse
import sys

from spool import alarms

from . import shell
from .common import add_command, add_group, clock, load_config, open_spool, print_json, print_table
from station.errors import StationError
from station.runtime import ops
from station.vocabulary import alarm_text, alarm_title
from station.vocabulary.words import LANGUAGES, language_of_environment


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "alarms", help="list and acknowledge alarms (through the daemon)",
                      description="The station's alarms, through the running daemon.\n\nExit status: 0;"
                                  " 1 refused (no such alarm, already acknowledged); 69 the daemon is not running"
                                  " (`list` then reads the spool, and says so).")
    lister = add_command(group, "list", help="open alarms, newest first (--all: acknowledged too)", run=run_list)
    lister.add_argument("--all", action="store_true", help="acknowledged ones too")
    lister.add_argument("--limit", type=int, default=100, help="how many (1-1000, default: %(default)s)")
    lister.add_argument("--json", action="store_true", help="JSON instead of a table")
    lister.add_argument("--language", choices=LANGUAGES, default=None,
                        help="words of the table: id or en (default: from LANG, English unless it says id)")
    acker = add_command(group, "ack", help="acknowledge an alarm (audited as technician:NAME)", run=run_ack)
    acker.add_argument("alarm", metavar="ALARM", type=int, help="alarm number (from 'station alarms list')")
    shell.add_actor_option(acker)
    acker.add_argument("--json", action="store_true", help="JSON instead of one line")


def run_list(args: argparse.Namespace) -> int:
    """`station alarms list`."""
    cfg = load_config(args)
    if shell.daemon_running(cfg):
        found = shell.call(cfg, ops.ALARM_LIST, {"open": not args.all, "limit": args.limit})["alarms"]
    else:
        # (issue 25) When the daemon is down is when alarms matter: the spool has them, read-only.
        if not 1 <= args.limit <= 1000:
            raise StationError("--limit must be between 1 and 1000")
        _, conn = open_spool(args, readonly=True)
        try:
            found = [a.as_dict() for a in alarms.list_alarms(conn, open_only=not args.all, limit=args.limit)]
        finally:
            conn.close()
        print("the station daemon is not running: alarms as the spool holds them (none is raised or cleared"
              " until it runs; start it with 'station run')", file=sys.stderr)
    language = args.language or language_of_environment()
    if args.json:
        print_json(found)
        return 0
    if not found:
        print("no open alarms" if not args.all else "no alarms")
        return 0
    # The words are the vocabulary's (the ops page says the same); --json keeps the kind and the stored message.
    # The time is the station's, with its zone (docs/adr/0331), as the ops page shows it; --utc for UTC.
    shown = clock(args, cfg)
    print_table(["id", "raised", "severity", "alarm", "job", "slot", "acknowledged by", "message"],
                [(a["id"], shown(a["raised_at"]), a["severity"], alarm_title(a["kind"], language), a.get("job_id"),
                  a.get("slot_id"), a.get("acknowledged_by"), alarm_text(a, language)) for a in found])
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

"""`station users ...`: who may use the spool API, with which role."""

from __future__ import annotations

import argparse

from spool.users import ROLES, add_user, disable_user, enable_user, list_users, rotate_user
from . import shell
from .common import add_command, add_group, clock, open_spool, print_json, print_table


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station users add|list|disable|enable|rotate`."""
    group = add_group(commands, "users", help="API users and their tokens")
    adder = add_command(group, "add", help="add a user and print their token (once)", run=run_add,
                        description="Add a user with a role and print their bearer token. The token is"
                                    " shown only now; the spool keeps its hash.\n\nRoles, each with"
                                    " what the ones before it can do:\n  viewer      read (personal"
                                    " data masked)\n  operator    retry, cancel, reprint, move, extend,"
                                    " slots out of service, acknowledge alarms\n  technician  open a"
                                    " door (with a reason), act at the kiosk\n  admin       everything")
    adder.add_argument("name", metavar="NAME", help="user name (A-Z a-z 0-9 . _ @ -)")
    adder.add_argument("--role", required=True, choices=ROLES, help="what the user may do")
    lister = add_command(group, "list", help="users, their roles, and whether they are disabled",
                         run=run_list)
    lister.add_argument("--json", action="store_true", help="JSON instead of a table")
    disabler = add_command(group, "disable", help="disable a user (their token stops working at once)",
                           run=run_disable)
    disabler.add_argument("name", metavar="NAME", help="user name")
    enabler = add_command(group, "enable", help="enable a disabled user again (their token works again)",
                          run=run_enable)
    enabler.add_argument("name", metavar="NAME", help="user name")
    rotator = add_command(group, "rotate", help="give a user a new token and print it (once); the old one"
                                                " stops working at once", run=run_rotate)
    rotator.add_argument("name", metavar="NAME", help="user name")
    rotator.add_argument("--json", action="store_true", help='JSON: {"user", "token"}')
    for parser in (adder, disabler, enabler, rotator):
        shell.add_actor_option(parser)


def run_add(args: argparse.Namespace) -> int:
    """Add a user; print their token once."""
    _, conn = open_spool(args)
    token = add_user(conn, args.name, args.role, actor=shell.technician(args.actor))
    print(f"user {args.name} added with role {args.role}; their token (shown only now):")
    print(token)
    return 0


def run_list(args: argparse.Namespace) -> int:
    """List the users."""
    cfg, conn = open_spool(args, readonly=True)
    found = list_users(conn)
    if args.json:
        print_json([{"name": u.name, "role": u.role, "created_at": u.created_at, "disabled": u.disabled}
                    for u in found])
        return 0
    if not found:
        print("no users (add one: station users add NAME --role operator)")
        return 0
    print_table(["name", "role", "created", "disabled"],
                [(u.name, u.role, clock(args, cfg)(u.created_at), "yes" if u.disabled else "") for u in found])
    return 0


def run_disable(args: argparse.Namespace) -> int:
    """Disable a user."""
    _, conn = open_spool(args)
    disable_user(conn, args.name, actor=shell.technician(args.actor))
    print(f"user {args.name} disabled")
    return 0


def run_enable(args: argparse.Namespace) -> int:
    """Enable a user again."""
    _, conn = open_spool(args)
    enable_user(conn, args.name, actor=shell.technician(args.actor))
    print(f"user {args.name} enabled")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    """Give a user a new token; print it once."""
    _, conn = open_spool(args)
    token = rotate_user(conn, args.name, actor=shell.technician(args.actor))
    if args.json:
        print_json({"user": args.name, "token": token})
    else:
        print(f"user {args.name} has a new token (shown only now; the old one no longer works):")
        print(token)
    return 0

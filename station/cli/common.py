"""What the commands share: the --config option, opening the spool, printing tables."""

from __future__ import annotations

import argparse
import functools
import json
import sqlite3
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import spool

from .. import config as config_module
from .. import localtime
from ..config import Config

Runner = Callable[[argparse.Namespace], int]


def _config_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="station configuration (default: $STATION_CONFIG, then ./station.toml)")
    parent.add_argument("--utc", action="store_true", default=argparse.SUPPRESS,
                        help="times in UTC in the text (default: the station's local time, WIB/WITA/WIT)")
    return parent


def add_command(commands: argparse._SubParsersAction, name: str, *, help: str,
                description: str | None = None, run: Runner | None = None) -> argparse.ArgumentParser:
    """Add a command that takes --config, shows `help` in the list and `description` in its --help."""
    parser = commands.add_parser(name, help=help, description=description or help,
                                 parents=[_config_parent()],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    if run is not None:
        parser.set_defaults(run=run)
    return parser


def add_group(commands: argparse._SubParsersAction, name: str, *, help: str,
              description: str | None = None) -> argparse._SubParsersAction:
    """Add a command that has subcommands (`station spool list`)."""
    parser = add_command(commands, name, help=help, description=description)
    parser.set_defaults(run=lambda args: _print_help(parser))
    return parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND", title="commands")


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def load_config(args: argparse.Namespace) -> Config:
    """The configuration this command runs with."""
    return config_module.load(config_module.resolve_path(getattr(args, "config", None)))


def from_config(args: argparse.Namespace, flag: Any, option: str, pick: Callable[[Config], Any]) -> Any:
    """A flag's value when given, else the station configuration's (`pick`); one clear error without either.

    Trust store, keys and the station id come from the configuration in every
    command; a flag overrides it.
    """
    if flag is not None:
        return flag
    try:
        cfg = load_config(args)
    except config_module.ConfigError as err:
        raise config_module.ConfigError(f"give {option}, or a station configuration: {err}") from None
    return pick(cfg)


def trust_store_path(args: argparse.Namespace, flag: str | None, option: str = "--trust FILE") -> Any:
    """The trust store file: the flag's, else the configuration's."""
    return from_config(args, flag, option, lambda cfg: cfg.path(cfg.paths.trust_store))


def open_spool(args: argparse.Namespace, *, readonly: bool = False) -> tuple[Config, sqlite3.Connection]:
    """The configuration and an open spool connection."""
    cfg = load_config(args)
    return cfg, spool.connect(cfg.spool_path, readonly=readonly)


def clock(args: argparse.Namespace, cfg: Config | None = None) -> Callable[[Any], str]:
    """How this command shows a time to a person (docs/adr/0331): the station's local time with its zone,
    `2026-12-07 10:02:52 WIB`; UTC with --utc. JSON output keeps RFC 3339 and never goes through this."""
    if cfg is None:
        try:
            cfg = load_config(args)
        except (config_module.ConfigError, OSError):
            cfg = None  # a command that runs without a station (keys list --store FILE): WIB, as the default
    zone = cfg.station.timezone if cfg is not None else localtime.people.DEFAULT_ZONE
    return functools.partial(localtime.for_people, zone=zone, utc=bool(getattr(args, "utc", False)))


def print_json(value: Any) -> None:
    """One JSON document on standard output."""
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain aligned table (what a technician reads on a terminal)."""
    text_rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in text_rows:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    line = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line.rstrip())
    for row in text_rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())

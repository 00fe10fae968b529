"""What the technician's shell commands share: the running daemon, and who is acting.

`station status`, `station jobs ...`, `station alarms ...` (and `station
locker ...` when the daemon runs) talk to the daemon over its control socket,
as `lpstat` and `cancel` talk to cupsd: the daemon decides, records, and
tells the pages. Every change is audited as `technician:NAME`.
"""

from __future__ import annotations

import argparse
import getpass
import re
from typing import Any

from ..config import Config
from station.runtime.control import ControlClient, ControlError
from ..errors import StationError
from station.runtime import ops
from station.runtime.roles import Role

EXIT_REFUSED = 1
EXIT_NO_DAEMON = 69  # EX_UNAVAILABLE (sysexits.h): the station daemon is not running


class DaemonRefused(StationError):
    """The daemon said no (the job's state, a role, an unknown job): exit 1."""

    exit_code = EXIT_REFUSED


class NoDaemon(StationError):
    """The daemon is not running or does not answer: exit 69."""

    exit_code = EXIT_NO_DAEMON


def add_actor_option(parser: argparse.ArgumentParser) -> None:
    """`--as NAME`: who the audit names (default: the login name)."""
    parser.add_argument("--as", dest="actor", metavar="NAME",
                        help="technician name for the audit (default: your login name)")


def technician(name: str | None) -> str:
    """The audit actor `technician:NAME` (login name by default; odd characters become '-')."""
    if name is None:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
    cleaned = re.sub(r"[^A-Za-z0-9._@-]", "-", name)[:64] or "unknown"
    return Role.TECHNICIAN.actor(cleaned)


def client(cfg: Config, timeout: float = 20.0) -> ControlClient:
    """A client for this station's control socket."""
    return ControlClient(cfg.path(cfg.paths.control_socket), timeout=timeout)  # type: ignore[arg-type]


def daemon_running(cfg: Config) -> bool:
    """True when the station's daemon answers on its control socket."""
    path = cfg.path(cfg.paths.control_socket)
    if path is None or not path.exists():
        return False
    try:
        client(cfg, timeout=3.0).call(ops.STATION_PING)
    except ControlError:
        return False
    return True


def call(cfg: Config, op: str, args: dict[str, Any] | None = None, actor: str = "system") -> Any:
    """One daemon command; `NoDaemon` or `DaemonRefused` with the daemon's sentence."""
    try:
        return client(cfg).call(op, args or {}, actor)
    except ControlError as err:
        if err.http_status == 503:
            raise NoDaemon(f"the station daemon is not running (no answer on {cfg.path(cfg.paths.control_socket)});"
                           " start it with 'station run'") from None
        if err.http_status == 404 and str(err) == f"unknown command {op!r}":
            raise NoDaemon(f"the running daemon does not offer {op!r}: restart it with this version") from None
        raise DaemonRefused(str(err)) from None

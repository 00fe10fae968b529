"""`station serve`: the spool API, the kiosk screen and the operations page (uvicorn, own process)."""

from __future__ import annotations

import argparse
import asyncio

from .. import logs
from .common import add_command, load_config

DESCRIPTION = """\
Serve the spool API (/api/v1, OpenAPI at /openapi.json), live events, /metrics,
/healthz and /readyz, the kiosk screen (/kiosk) and the operations page (/ops)
on [api] host and port: HTTPS with [api] tls_cert and tls_key; without them
only on loopback (bearer tokens never cross a LAN in clear). The daemon
starts this itself; run it by hand to look
at a station's spool while the daemon is stopped (actions that need a device
then answer 503).

Staff sign in on /ops with a token from: station users add NAME --role ROLE"""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station serve`."""
    parser = add_command(commands, "serve", help="serve the spool API, kiosk screen and operations page",
                         description=DESCRIPTION, run=run)
    parser.add_argument("--host", help="address to listen on (default: [api] host)")
    parser.add_argument("--port", type=int, help="port (default: [api] port; 0: any free port)")
    parser.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or Ctrl-C."""
    from ..web.serve import ADDRESS_WAIT_S, bind, serve, tls_settings

    cfg = load_config(args)
    logs.setup(cfg.log.level, cfg.path(cfg.paths.log))
    scheme = "https" if tls_settings(cfg, args.host or cfg.api.host) else "http"  # refuses plain HTTP on a LAN
    sock = bind(args.host or cfg.api.host, cfg.api.port if args.port is None else args.port,
                wait_s=ADDRESS_WAIT_S if args.parent_pid else 0.0)
    host, port = sock.getsockname()[:2]
    print(f"serving {cfg.station.id} on {scheme}://{host}:{port}/ (kiosk: /kiosk, operations: /ops)", flush=True)
    asyncio.run(serve(cfg, sock, parent_pid=args.parent_pid))
    return 0

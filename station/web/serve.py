"""Running the web app with uvicorn, in its own process, on a socket bound here.

Binding the socket ourselves means port 0 works (tests, several stations on
one machine) and the real port is known: it is written to
`run/web.json` beside the control socket for tools to find.

With `[api] tls_cert` and `tls_key` uvicorn serves HTTPS. Without them the
app listens on loopback only: staff bearer tokens never cross a LAN in
clear (unless `[api] allow_plain_http` says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import json
import logging
import os
import signal
import socket
import threading
import time
from pathlib import Path

import uvicorn

from station.config import Config
from station.errors import StationError

from .app import create_app

log = logging.getLogger("station.web")

# SSE streams end themselves on shutdown; what is still open after this is cut.
GRACEFUL_STOP_S = 3.0
PARENT_CHECK_S = 1.0
ORPHAN_EXIT_S = 10.0  # beyond the graceful stop, before an orphan ends itself
# Started by a daemon: how long to wait for the address while a killed daemon's web process exits.
ADDRESS_WAIT_S = 3.0


def bind(host: str, port: int, *, wait_s: float = 0.0) -> socket.socket:
    """A listening TCP socket on host:port (port 0: any free port).

    `wait_s`: how long to keep trying while the address is in use (the web
    process of a daemon that was killed is still on its way out).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = time.monotonic() + wait_s
    while True:
        # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto says TCP;
        # with proto 0 every response waited ~40 ms on the client's delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            break
        except OSError as err:
            sock.close()
            if err.errno == errno.EADDRINUSE and time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            raise StationError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or `localhost`) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_settings(cfg: Config, host: str) -> dict[str, str]:
    """uvicorn's TLS options for this configuration; refuses plain HTTP beyond loopback."""
    cert, key = cfg.path(cfg.api.tls_cert), cfg.path(cfg.api.tls_key)
    if (cert is None) != (key is None):
        raise StationError("[api] tls_cert and tls_key go together: set both, or neither")
    if cert is not None and key is not None:
        for what, path in (("tls_cert", cert), ("tls_key", key)):
            if not path.is_file():
                raise StationError(f"[api] {what}: no file at {path}")
        return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    if not is_loopback(host) and not cfg.api.allow_plain_http:
        raise StationError(f"refusing to serve plain HTTP on {host}: bearer tokens would cross the network in"
                           " clear. Set [api] tls_cert and tls_key (HTTPS), or listen on 127.0.0.1")
    return {}


def info_path(cfg: Config) -> Path:
    """Where the running web process writes its address."""
    return cfg.path(cfg.paths.control_socket).with_name("web.json")  # type: ignore[union-attr]


async def serve(cfg: Config, sock: socket.socket, *, parent_pid: int | None = None) -> None:
    """Serve the app on `sock` until SIGTERM/SIGINT, or until the parent process is gone."""
    host, port = sock.getsockname()[:2]
    tls = tls_settings(cfg, host)
    scheme = "https" if tls else "http"
    app = create_app(cfg)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=GRACEFUL_STOP_S, timeout_keep_alive=30,
                                           **tls))
    info = info_path(cfg)
    _stop_on_signals(server)
    watcher = asyncio.create_task(_watch_parent(server, parent_pid)) if parent_pid else None
    closer = asyncio.create_task(_end_streams_on_exit(server, app.state.web.stopping))
    try:
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        if server.started:
            info.parent.mkdir(parents=True, exist_ok=True)
            tmp = info.with_suffix(".tmp")
            tmp.write_text(json.dumps({"pid": os.getpid(), "host": host, "port": port, "scheme": scheme}))
            tmp.replace(info)
            log.info("web app serving", extra={"fields": {"url": f"{scheme}://{host}:{port}/", "pid": os.getpid()}})
        await serving
    finally:
        closer.cancel()
        if watcher is not None:
            watcher.cancel()
        with contextlib.suppress(FileNotFoundError, ValueError, OSError):
            if json.loads(info.read_text()).get("pid") == os.getpid():
                info.unlink()


def _stop_on_signals(server: uvicorn.Server) -> None:
    """SIGTERM/SIGINT stop the server, even before uvicorn listens for them itself.

    uvicorn re-raises the signal it caught once it has shut down; with this
    handler in place that ends in a clean exit (status 0, web.json removed)
    instead of death by the signal.
    """
    def stop(signum: int, frame: object) -> None:
        server.should_exit = True

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, stop)


async def _end_streams_on_exit(server: uvicorn.Server, stopping: asyncio.Event) -> None:
    """Once uvicorn is asked to exit, end the open event streams (it waits for open responses)."""
    while not server.should_exit:
        await asyncio.sleep(0.1)
    stopping.set()


async def _watch_parent(server: uvicorn.Server, parent_pid: int) -> None:
    """Stop when the daemon that started us is gone (we were re-parented, or it no longer exists)."""
    while True:
        await asyncio.sleep(PARENT_CHECK_S)
        if os.getppid() != parent_pid:
            log.warning("the station daemon (pid %s) is gone: stopping the web app", parent_pid)
            server.should_exit = True
            # An orphan must not outlive a shutdown that hangs: it would hold the port and the spool.
            await asyncio.sleep(GRACEFUL_STOP_S + ORPHAN_EXIT_S)
            log.error("the web app did not stop within %.0f s of its daemon's end: exiting",
                      GRACEFUL_STOP_S + ORPHAN_EXIT_S)
            os._exit(1)

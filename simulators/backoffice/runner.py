"""Running the simulated back office: in a thread (tests, `station simulate`) or in the foreground.

`BackOfficeServer(office).start()` serves on a free port (or a given one)
in a thread of its own; `stop()` then `start()` again takes the back office
off the network and brings it back on the same address, which is what
"the back office is down" looks like to a station (connection refused).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time

import uvicorn

from .app import create_app
from .office import BackOffice


class BackOfficeServer:
    """A uvicorn server for one `BackOffice`, in a background thread."""

    def __init__(self, office: BackOffice, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.office = office
        self.host = host
        self.port = port
        self.app = create_app(office)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        """The base URL stations use (`[backoffice] url`)."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """True while serving."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> BackOfficeServer:
        """Serve (again) on the same port; returns when the server accepts connections."""
        if self.running:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1, timeout_keep_alive=5)
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # not the main thread
        self._server = server
        self._thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                                        name=f"backoffice-sim:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the back-office simulator did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving: connections are refused until `start()`."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> BackOfficeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(office: BackOffice, *, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (the `station sim backoffice` command)."""
    config = uvicorn.Config(create_app(office), host=host, port=port, log_level="warning",
                            access_log=False, lifespan="off", timeout_graceful_shutdown=1)
    uvicorn.Server(config).run()

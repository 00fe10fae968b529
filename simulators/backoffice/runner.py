"""Running the simulated back office: in a thread (tests, `station simulate`) or in the foreground.

`BackOfficeServer(office).start()` serves on a free port (or a given one)
in a thread of its own (`simulators/app_server.py`); `stop()` then `start()`
again takes the back office off the network and brings it back on the same
address, which is what "the back office is down" looks like to a station
(connection refused).
"""

from __future__ import annotations

import uvicorn

from ..app_server import AppServer
from .app import create_app
from .office import BackOffice


class BackOfficeServer(AppServer):
    """A uvicorn server for one `BackOffice`, in a background thread."""

    def __init__(self, office: BackOffice, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(create_app(office), host=host, port=port, name="backoffice-sim")
        self.office = office

    def start(self, timeout: float = 10.0) -> BackOfficeServer:
        """Serve (again) on the same port; returns when the server accepts connections."""
        super().start(timeout)
        return self

    def __enter__(self) -> BackOfficeServer:
        return self.start()


def serve_forever(office: BackOffice, *, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (the `station sim backoffice` command)."""
    config = uvicorn.Config(create_app(office), host=host, port=port, log_level="warning",
                            access_log=False, lifespan="off", timeout_graceful_shutdown=1)
    uvicorn.Server(config).run()

"""A real uvicorn serving an app on 127.0.0.1 in a thread (for SSE and browser tests)."""

from __future__ import annotations

import asyncio
import threading
import time

import uvicorn

from station.web.serve import bind


class LiveServer:
    """Serves `app` on a free port until stopped."""

    def __init__(self, app) -> None:
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on",
                                                    timeout_graceful_shutdown=2))
        self._thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])),
                                        daemon=True)

    def start(self) -> LiveServer:
        """Start and wait until it accepts requests."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.should_exit = True
        self._thread.join(10)
        self.sock.close()

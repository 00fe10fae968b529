"""HTTPS: the web app serves TLS with a configured certificate; plain HTTP stays on loopback;
the back-office client always verifies, and `[backoffice] ca_file` pins a CA."""

from __future__ import annotations

import asyncio
import http.server
import os
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


from tls_support import make_certificate  # noqa: E402

from station import config  # noqa: E402
from station.backoffice.client import BackofficeClient, check_url  # noqa: E402
from station.errors import ConfigError  # noqa: E402

STATION = str(Path(sys.executable).with_name("station"))


def _serve(cfg_path: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([STATION, "--config", str(cfg_path), "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "STATION_CONFIG": "", **env})


def test_the_web_app_serves_https_with_a_certificate_made_here(station_dir: Path, tmp_path: Path) -> None:
    cert, key, _, _ = make_certificate(tmp_path, "web")
    process = _serve(station_dir / "station.toml", {"STATION_API_TLS_CERT": str(cert), "STATION_API_TLS_KEY": str(key)})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving MPP-DEMO-01 on https://127.0.0.1:"), line
        url = line.split(" on ")[1].split(" ")[0].rstrip("/")
        deadline = time.monotonic() + 20
        while True:
            try:
                reply = httpx.get(f"{url}/healthz", verify=ssl.create_default_context(cafile=str(cert)), timeout=5)
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert reply.status_code in (200, 503) and reply.url.scheme == "https"
        with pytest.raises(httpx.ConnectError):  # a client that does not know the certificate refuses it
            httpx.get(f"{url}/healthz", timeout=5)
        with pytest.raises(httpx.HTTPError):  # and nothing answers in clear on that port
            httpx.get(url.replace("https://", "http://") + "/healthz", timeout=5)
    finally:
        process.terminate()
        process.wait(10)


def test_plain_http_beyond_loopback_is_refused_in_one_line(station_dir: Path) -> None:
    done = subprocess.run([STATION, "--config", str(station_dir / "station.toml"), "serve", "--host", "0.0.0.0",
                           "--port", "0"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "STATION_CONFIG": ""})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "refusing to serve plain HTTP on 0.0.0.0" in done.stderr
    assert "Traceback" not in done.stderr


# -- the back-office client -----------------------------------------------------------------

class _Documents(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        body = b'{"documents": [], "cursor": "c0"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def agency(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """An HTTPS server whose certificate the agency's CA signed: (url, the agency CA, another CA)."""
    ca_path, _, ca_cert, ca_key = make_certificate(tmp_path, "agency-ca")
    other_ca, *_ = make_certificate(tmp_path, "other-ca")
    cert, key, _, _ = make_certificate(tmp_path, "backoffice", ca=(ca_cert, ca_key))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Documents)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca_path, other_ca
    finally:
        server.shutdown()
        server.server_close()


def _documents(url: str, ca_file: Path | None) -> object:
    async def ask() -> object:
        async with BackofficeClient(url, "token-0123456789", timeout=5, ca_file=ca_file) as client:
            return await client.get_documents("MPP-DEMO-01", None, 10)
    return asyncio.run(ask())


def test_the_back_office_is_verified_against_the_pinned_ca(agency: tuple[str, Path, Path]) -> None:
    url, agency_ca, other_ca = agency
    assert _documents(url, agency_ca).ok  # type: ignore[attr-defined]
    refused = _documents(url, other_ca)  # a certificate from any other CA: no answer at all
    assert refused.status is None and "CERTIFICATE_VERIFY_FAILED" in refused.error  # type: ignore[attr-defined]
    assert _documents(url, None).status is None  # the system's CAs do not know the agency's either


def test_the_back_office_token_never_travels_in_clear(station_dir: Path) -> None:
    for url in ("https://backoffice.example.go.id", "http://127.0.0.1:8700", "http://localhost:8700"):
        check_url(url)
    for url in ("http://10.20.0.5:8700", "http://backoffice.example.go.id", "ftp://x", "https://"):
        with pytest.raises(ConfigError):
            check_url(url)
    cfg = config.load(station_dir / "station.toml", environ={"STATION_BACKOFFICE_URL": "http://10.20.0.5"})
    (station_dir / "backoffice.token").write_text("token-0123456789\n")
    with pytest.raises(ConfigError):
        BackofficeClient.from_config(cfg)

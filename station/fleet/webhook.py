"""Who may post to the command center's Alertmanager webhook, and in what form.

Alertmanager authenticates with what its receiver's `http_config` says
(deploy/prometheus/alertmanager.yml): `authorization` with a
`credentials_file` (sent as `Authorization: Bearer SECRET`), or
`basic_auth` with the username `alertmanager` and a `password_file` holding
the same secret. A call without it is 401 before its body is read (the
gate, station/web/gate.py); a body that is not `application/json` is 415,
so a page in a staff browser cannot post a cross-origin `text/plain` form
at it. Without a configured secret the webhook takes nothing: it fails
closed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from pathlib import Path

from starlette.datastructures import Headers

from station.errors import StationError
from station.files import write_atomic

WEBHOOK_PREFIX = "/alerts/"
BASIC_USER = "alertmanager"
MIN_SECRET = 16


class WebhookCredential:
    """The shared secret Alertmanager presents; None: no webhook is taken."""

    def __init__(self, secret: str | None) -> None:
        if secret is not None and len(secret) < MIN_SECRET:
            raise StationError(f"the webhook secret is too short (at least {MIN_SECRET} characters)")
        self._secret = secret.encode() if secret is not None else None

    @classmethod
    def from_file(cls, path: Path) -> WebhookCredential:
        """The secret in `path` (its first line; the file Alertmanager's credentials_file names)."""
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as err:
            raise StationError(f"cannot read the webhook secret at {path}: {getattr(err, 'strerror', err)}") from None
        return cls(text)

    @classmethod
    def new_file(cls, path: Path) -> WebhookCredential:
        """A new random secret written to `path` (owner-only), for a lab's Alertmanager to read."""
        write_atomic(path, secrets.token_urlsafe(32).encode())
        return cls.from_file(path)

    def check(self, header: str) -> None:
        """Raise 401 unless `header` (Authorization) carries the secret, as Bearer or as Basic."""
        if self._secret is None:
            raise StationError("this command center takes no webhooks: start it with --webhook-secret-file",
                               http_status=401)
        scheme, _, value = header.partition(" ")
        given = _bearer(value) if scheme.lower() == "bearer" else _basic(value) if scheme.lower() == "basic" else None
        if given is None or not hmac.compare_digest(given, self._secret):
            raise StationError("the webhook needs Alertmanager's credential (Authorization: Bearer, or basic auth)",
                               http_status=401)

    def guard(self, path: str, headers: Headers) -> str | None:
        """The gate's guard: the webhook's caller is Alertmanager with the secret, posting JSON."""
        if not path.startswith(WEBHOOK_PREFIX):
            return None
        self.check(headers.get("authorization", ""))
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise StationError("the webhook takes application/json only", http_status=415)
        return "alertmanager"


def _bearer(value: str) -> bytes | None:
    return value.strip().encode() or None


def _basic(value: str) -> bytes | None:
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password.encode() if sep and user == BASIC_USER else None

"""Templates kept verified and compiled in memory, so a bundle is checked once, not per document.

The trust store is read live: given a function that returns the current
store (a `TrustFile`), the cache verifies every template again as soon as
the store changes, so a revoked template key renders nothing new.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..errors import Refused, StationError
from station.trust.store import TrustStore
from .bundle import SIGNATURE_FILE
from .manifest import TEMPLATE_ID
from .template import Template, load_template
from .versions import VersionLedger

_TEMPLATE_ID = re.compile(TEMPLATE_ID)


class TemplateUnavailable(StationError):
    """The document asks for a template version this station does not hold."""

    reason = "template_version"

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=1, http_status=409)


class TemplateMismatch(Refused):
    """The folder of the template a document names holds a bundle signed as another template."""

    def __init__(self, message: str) -> None:
        super().__init__("template_mismatch", message)


class TemplateCache:
    """Verified, compiled templates by folder; a folder is verified again when its signature changes."""

    def __init__(self, trust: TrustStore | Callable[[], TrustStore], *, ledger: VersionLedger | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._trust = trust
        self.ledger = ledger
        self.clock = clock
        self._entries: dict[Path, Template] = {}
        self._verified_under: TrustStore | None = None
        self._lock = threading.Lock()

    @property
    def trust(self) -> TrustStore:
        """The trust store as it is now."""
        return self._trust() if callable(self._trust) else self._trust

    def load(self, folder: str | Path) -> Template:
        """The template in `folder`, verified and compiled (from memory when its signature is unchanged)."""
        path = Path(folder).resolve()
        with self._lock:
            trust = self.trust
            if trust is not self._verified_under:
                # A key added or revoked: nothing verified under the old store counts any more.
                self._entries.clear()
                self._verified_under = trust
            cached = self._entries.get(path)
            if cached is not None and cached.bundle.signature_sha256 == _signature_digest(path):
                return cached
            self._entries.pop(path, None)
            template = load_template(path, trust, ledger=self.ledger, now=self.clock())
            self._entries[path] = template
            return template

    def find(self, root: str | Path, template_id: str, version: int) -> Template:
        """The template a document names, from `root/<template_id>`: that id, in exactly that version."""
        if not isinstance(template_id, str) or not _TEMPLATE_ID.match(template_id):
            raise TemplateMismatch("a template id is a short lower-case id (a-z, 0-9, -)")
        template = self.load(Path(root) / template_id)
        if template.bundle.template != template_id:
            raise TemplateMismatch(f"the folder {template_id} holds a bundle signed as {template.bundle.template}")
        if template.version != version:
            raise TemplateUnavailable(f"the document needs {template_id}@{version}; this station holds"
                                      f" {template.ref}")
        return template

    def use_trust(self, trust: TrustStore | Callable[[], TrustStore]) -> None:
        """Switch to another trust store (or provider): every template is verified again."""
        with self._lock:
            self._trust = trust
            self._entries.clear()
            self._verified_under = None

    def clear(self) -> None:
        """Forget every template."""
        with self._lock:
            self._entries.clear()


def _signature_digest(folder: Path) -> str | None:
    try:
        return hashlib.sha256((folder / SIGNATURE_FILE).read_bytes()).hexdigest()
    except OSError:
        return None

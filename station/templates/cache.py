"""Templates kept verified and compiled in memory, so a bundle is checked once, not per document."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..errors import StationError
from ..trust import TrustStore
from .bundle import SIGNATURE_FILE
from .template import Template, load_template
from .versions import VersionLedger


class TemplateUnavailable(StationError):
    """The document asks for a template version this station does not hold."""

    reason = "template_version"

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=1, http_status=409)


class TemplateCache:
    """Verified, compiled templates by folder; a folder is verified again when its signature changes."""

    def __init__(self, trust: TrustStore, *, ledger: VersionLedger | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.trust = trust
        self.ledger = ledger
        self.clock = clock
        self._entries: dict[Path, Template] = {}
        self._lock = threading.Lock()

    def load(self, folder: str | Path) -> Template:
        """The template in `folder`, verified and compiled (from memory when its signature is unchanged)."""
        path = Path(folder).resolve()
        with self._lock:
            cached = self._entries.get(path)
            if cached is not None and cached.bundle.signature_sha256 == _signature_digest(path):
                return cached
            template = load_template(path, self.trust, ledger=self.ledger, now=self.clock())
            self._entries[path] = template
            return template

    def find(self, root: str | Path, template_id: str, version: int) -> Template:
        """The template a document names, from `root/<template_id>`, in exactly that version."""
        template = self.load(Path(root) / template_id)
        if template.version != version:
            raise TemplateUnavailable(f"the document needs {template_id}@{version}; this station holds"
                                      f" {template.ref}")
        return template

    def use_trust(self, trust: TrustStore) -> None:
        """Switch to a new trust store (a key added or revoked): every template is verified again."""
        with self._lock:
            self.trust = trust
            self._entries.clear()

    def clear(self) -> None:
        """Forget every template."""
        with self._lock:
            self._entries.clear()


def _signature_digest(folder: Path) -> str | None:
    try:
        return hashlib.sha256((folder / SIGNATURE_FILE).read_bytes()).hexdigest()
    except OSError:
        return None

"""What the station decided about a signed PDF: accepted, or refused with a reason word."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import Refused

# Why a signed PDF is refused, as machine words (held jobs carry them; the back office hears them).
REASONS = (
    "pdf_too_large",           # over the byte or page limit
    "pdf_malformed",           # not a PDF that parses strictly
    "pdf_hostile",             # encryption, JavaScript, embedded files, launch actions, too many objects
    "pdf_digest_mismatch",     # the bytes are not those the document's sha256 names
    "pdf_unsigned",            # no signature at all
    "pdf_modified",            # changed after signing (or a signature that does not cover the file)
    "pdf_untrusted_signer",    # no chain to a CA in the bundle (or an empty bundle)
    "pdf_signer_revoked",      # the signer (or a CA above it) was revoked before the signing time
    "pdf_expired",             # the signer's certificate was not valid at the signing time
    "pdf_key_usage",           # the signer's certificate is not for signing
    "pdf_revocation_unknown",  # no usable revocation data in the file (the station checks offline)
    "pdf_signing_time",        # signed in the future (by the station's clock)
    "pdf_signer_policy",       # not a document signer: a CA, or no document-signing EKU or policy the station lists
)


class PdfRefused(Refused):
    """A signed PDF is not accepted; `reason` is one of `REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"not a signed-PDF reason: {reason!r}")
        super().__init__(reason, message)


@dataclass(frozen=True)
class ChainLink:
    """One certificate of the signer's chain, as a technician reads it."""

    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str

    def as_dict(self) -> dict[str, str]:
        """The link as JSON."""
        return {"subject": self.subject, "issuer": self.issuer, "serial": self.serial,
                "not_before": self.not_before, "not_after": self.not_after}


@dataclass(frozen=True)
class Verdict:
    """The decision on one PDF; `reason` is None when it was accepted.

    `signer`, `signed_at` and `chain` are filled in as far as the checks got
    (a refused PDF may still name its signer, for the technician).
    `signed_at` is a trusted timestamp's time when `timestamped`, else the
    time the signer declares (shown, not trusted). `sha256` and `size` are
    the file's; `printed_size` and `printed_sha256` (accepted only) are the
    signed revision's: the first `printed_size` bytes, what the station
    stores and prints.
    """

    reason: str | None
    message: str
    sha256: str
    size: int
    pages: int | None = None
    signer: str | None = None
    signed_at: datetime | None = None
    chain: tuple[ChainLink, ...] = field(default=())
    timestamped: bool = False
    printed_size: int | None = None
    printed_sha256: str | None = None

    @property
    def accepted(self) -> bool:
        """True when every check passed."""
        return self.reason is None

    def as_dict(self) -> dict[str, Any]:
        """The verdict as JSON (`station pdf verify --json`)."""
        return {"decision": "accepted" if self.accepted else "refused", "reason": self.reason,
                "message": self.message, "sha256": self.sha256, "size": self.size, "pages": self.pages,
                "signer": self.signer, "signed_at": self.signed_at.isoformat() if self.signed_at else None,
                "timestamped": self.timestamped, "printed_size": self.printed_size,
                "printed_sha256": self.printed_sha256,
                "chain": [link.as_dict() for link in self.chain]}

"""A back-office item not taken: which one, and the `Refusal` that says why.

(issue 23) Intake and changes record their refusals as this one record
around the one `Refusal` value, where each had its own record before.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Refusal


@dataclass(frozen=True)
class RefusedItem:
    """A document (or withdrawal) not stored or not applied: its id when readable, and the refusal."""

    document_id: str | None
    refusal: Refusal
    what: str = "document"  # or "withdrawal"

    @property
    def reason(self) -> str:
        """The refusal's machine word."""
        return self.refusal.reason

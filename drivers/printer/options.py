"""Job options the station sends with a document: media, sides, copies, as IPP strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import BadOptions

SIDES = frozenset({"one-sided", "two-sided-long-edge", "two-sided-short-edge"})
MAX_COPIES = 10
_MEDIA = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# Options the station's own driver logic adds; callers may not set them.
RESERVED = frozenset({"raw", "document-format", "job-name", "job-hold-until"})


def print_options(*, media: str, sides: str = "one-sided", copies: int = 1) -> dict[str, str]:
    """The options for one document, checked and as strings (what pycups needs)."""
    return check_options({"media": media, "sides": sides, "copies": copies})


def check_options(options: Mapping[str, Any]) -> dict[str, str]:
    """Check options a template asked for; every value becomes a string."""
    out: dict[str, str] = {}
    for key, value in options.items():
        if key == "media":
            if not isinstance(value, str) or not _MEDIA.match(value):
                raise BadOptions(f"media {value!r} is not an IPP media keyword such as iso_a4_210x297mm")
            out[key] = value
        elif key == "sides":
            if value not in SIDES:
                raise BadOptions(f"sides {value!r}: expected one of {', '.join(sorted(SIDES))}")
            out[key] = str(value)
        elif key == "copies":
            copies = _integer(value)
            if copies is None or not 1 <= copies <= MAX_COPIES:
                raise BadOptions(f"copies {value!r}: expected a whole number from 1 to {MAX_COPIES}")
            out[key] = str(copies)
        elif key in RESERVED:
            raise BadOptions(f"option {key!r} is set by the station, not by a template")
        else:
            raise BadOptions(f"unknown print option {key!r} (expected media, sides, copies)")
    return out


def copies_of(options: Mapping[str, str]) -> int:
    """How many copies the options ask for (1 when unset)."""
    return int(options.get("copies", "1"))


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 3:
        return int(value)
    return None

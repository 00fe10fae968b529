"""The back-office simulator's misbehaviours, switchable at start and at run time.

Rates are probabilities per request (or per served document) from 0 to 1;
1 means always. `parse_setting("bad_signature=0.3")` reads the form the
command line and the admin endpoint use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any


class FaultError(ValueError):
    """A fault setting that does not exist or is out of range."""


@dataclass(frozen=True)
class Faults:
    """What the simulated back office does wrong."""

    error_rate: float = 0.0          # API requests answer 500 (nothing recorded)
    slow_seconds: float = 0.0        # every API reply waits this long first
    malformed_rate: float = 0.0      # a documents reply is not the §7 JSON (garbled, truncated, wrong shape)
    bad_signature_rate: float = 0.0  # a served document is tampered with after signing
    unknown_key_rate: float = 0.0    # a served document is signed by a key no station trusts
    malformed_document_rate: float = 0.0  # a served document lacks a field or has a wrong type
    duplicate_rate: float = 0.0      # a page repeats documents served before (and within itself)
    conflict_rate: float = 0.0       # a repeat comes with other content, properly signed
    lost_reply_rate: float = 0.0     # an event is recorded, then the reply is a 500
    down: bool = False               # every API request answers 503

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON."""
        return asdict(self)

    def updated(self, changes: dict[str, Any]) -> Faults:
        """A copy with `changes` applied, each checked."""
        known = {f.name: f for f in fields(self)}
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise FaultError(f"no fault {name!r}; known: {', '.join(known)}")
            if name == "down":
                if not isinstance(value, bool) and value in (0, 1):
                    value = bool(value)
                if not isinstance(value, bool):
                    raise FaultError("down must be true or false")
                checked[name] = value
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FaultError(f"{name} must be a number")
            value = float(value)
            if name == "slow_seconds":
                if not 0 <= value <= 600:
                    raise FaultError("slow_seconds must be between 0 and 600")
            elif not 0 <= value <= 1:
                raise FaultError(f"{name} is a rate between 0 and 1")
            checked[name] = value
        return replace(self, **checked)


def parse_setting(text: str) -> dict[str, Any]:
    """`name=value` (value a number, or true/false for `down`) as a one-entry change."""
    name, sep, value = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep:
        raise FaultError(f"expected NAME=VALUE, got {text!r}")
    lowered = value.strip().lower()
    if lowered in ("true", "on", "yes"):
        return {name: True}
    if lowered in ("false", "off", "no"):
        return {name: False}
    try:
        return {name: float(lowered)}
    except ValueError:
        raise FaultError(f"{name}: not a number: {value!r}") from None

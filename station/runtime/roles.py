"""Staff roles, one enum for the web app and the control socket (ADR 0261).

Roles are ranked: viewer < operator < technician < admin; a rule names the
least role it needs. The audit names a caller `ROLE:NAME` (`operator:rina`);
the control socket parses that actor string once, here, and both doors
refuse a caller below the rule with the same `RoleRefused` (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from station.errors import StationError


class Role(IntEnum):
    """Staff roles, ranked: each can do what the ones below it can."""

    VIEWER = 1
    OPERATOR = 2
    TECHNICIAN = 3
    ADMIN = 4

    @property
    def word(self) -> str:
        """How users, actors and messages spell the role."""
        return self.name.lower()

    def actor(self, name: str) -> str:
        """The audit's name for `name` acting in this role."""
        return f"{self.word}:{name}"


class RoleRefused(StationError):
    """The caller's role is below what the action needs (403), the same from the web app and the socket."""


def require(have: Role | None, need: Role, what: str) -> None:
    """Refuse unless `have` reaches `need`; `what` names the action in the refusal."""
    if have is None or have < need:
        you = have.word if have is not None else "no staff role"
        raise RoleRefused(f"{what} needs the {need.word} role (you are {you})", http_status=403)


@dataclass(frozen=True)
class Actor:
    """A control-socket caller, parsed from its actor string ("technician:budi", "citizen", "system")."""

    text: str
    role: Role | None
    name: str

    @classmethod
    def parse(cls, text: str) -> Actor:
        """The actor `text` names; one with no known `ROLE:` prefix has no staff role."""
        word, sep, name = text.partition(":")
        role = Role.__members__.get(word.upper()) if sep and word.islower() else None
        return cls(text, role, name if role is not None else text)

    def require(self, need: Role, what: str) -> str:
        """This actor's text, once its role reaches `need` (`RoleRefused` otherwise)."""
        require(self.role, need, what)
        return self.text

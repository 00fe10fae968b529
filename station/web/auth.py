"""Who is asking: bearer tokens, roles, and what each route requires.

Roles (`station.runtime.roles`, shared with the control socket) are ranked:
viewer < operator < technician < admin; a route names the
least role it needs. The kiosk screen has a credential of its own (the key
in `[paths] kiosk_key`, see `kiosk_key.py`; never granted for coming from
loopback) that reaches the kiosk routes and nothing else. Viewers read
masked personal data; actions are audited as `ROLE:NAME`, the kiosk's as
`citizen`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from station.errors import StationError
from station.runtime.roles import Role, require as require_role

from . import kiosk_key
from spool.users import user_for_token


SECURITY_SCHEME = "bearerToken"
SECURITY_SCHEMES = {SECURITY_SCHEME: {
    "type": "http", "scheme": "bearer",
    "description": "A token from `station users add NAME --role ROLE` (the kiosk screen has its own)."}}


class AuthError(StationError):
    """No valid credential (401) or too weak a role (403)."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    name: str
    role: Role | None  # None: the kiosk screen
    kiosk: bool = False

    @property
    def actor(self) -> str:
        """How the audit names this caller."""
        if self.kiosk:
            return "citizen"
        return self.role.actor(self.name)  # type: ignore[union-attr]

    @property
    def masked(self) -> bool:
        """Whether personal data must be masked for this caller."""
        return self.kiosk or self.role is Role.VIEWER

    def at_least(self, role: Role) -> bool:
        """True when this caller's role reaches `role`."""
        return self.role is not None and self.role >= role


KIOSK = Principal("kiosk", None, kiosk=True)


class Requirement:
    """A route's access rule, used as a FastAPI dependency; the route table test reads `.role`."""

    def __init__(self, role: Role, *, kiosk: bool = False) -> None:
        self.role = role
        self.kiosk = kiosk

    async def __call__(self, request: Request) -> Principal:
        # The gate (gate.py) found the caller from the headers before the body was read.
        found = request.scope.get("user")
        principal = found if isinstance(found, Principal) else authenticate(request)
        if principal.kiosk:
            if not self.kiosk:
                raise AuthError("the kiosk screen cannot do this", http_status=403)
        else:
            require_role(principal.role, self.role, "this")  # the control socket refuses the same way
        return principal

    def describe(self) -> dict[str, Any]:
        """The rule as the OpenAPI document shows it (`x-required-role`)."""
        return {"x-required-role": self.role.word, "x-kiosk-allowed": self.kiosk,
                "security": [{SECURITY_SCHEME: []}]}


def authenticate(request: Request) -> Principal:
    """The caller of this request, from `Authorization: Bearer TOKEN`; 401 otherwise."""
    return identify(request.headers.get("authorization", ""), request.app.state.web)


def identify(header: str, state: Any) -> Principal:
    """The caller an `Authorization` header names (`state`: the web state, for the kiosk key and users)."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("missing bearer token (Authorization: Bearer TOKEN)", http_status=401)
    if kiosk_key.matches(token, state.kiosk_key()):
        return KIOSK
    if len(token) > 256:
        raise AuthError("invalid or disabled token", http_status=401)
    user = user_for_token(state.spool.conn(), token)
    if user is None:
        raise AuthError("invalid or disabled token", http_status=401)
    return Principal(user.name, Role[user.role.upper()])


def require(role: Role, *, kiosk: bool = False) -> Requirement:
    """The dependency for a route that needs at least `role` (and, with `kiosk`, the kiosk screen too)."""
    return Requirement(role, kiosk=kiosk)


VIEWER = require(Role.VIEWER)
OPERATOR = require(Role.OPERATOR)
TECHNICIAN = require(Role.TECHNICIAN)
ADMIN = require(Role.ADMIN)
# Reading the kiosk view: the kiosk screen itself, or any staff member.
KIOSK_READ = require(Role.VIEWER, kiosk=True)
# Acting as the citizen at the kiosk: the kiosk screen, or a technician testing it.
KIOSK_ACT = require(Role.TECHNICIAN, kiosk=True)

"""(issue 25) A demo hands out the keys: an operator and a technician, and a login link for the ops page.

`make demo` and `station simulate` (one station or a fleet) would otherwise start a station nobody can
log in to: the operations page and the command center's links to it ask for a token. The tokens are
shown once, on the simulator's own screen, as `station users add` shows them; a resumed folder gets new
ones (the spool keeps only their hashes).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import spool
from spool import users

# The demo's staff, one per role a person on the floor needs.
STAFF = (("demo-operator", "operator"), ("demo-technician", "technician"))


@dataclass(frozen=True)
class StaffKeys:
    """The demo's tokens, by role."""

    operator: str
    technician: str

    def login_link(self, base: str) -> str:
        """The ops page, logged in as the operator (the fragment never reaches a server or its log)."""
        return f"{base}/ops#token={self.operator}"


def new_keys() -> StaffKeys:
    """Tokens for a whole simulated fleet: the same operator and technician at every station, so that one
    token opens every ops page the command center links to."""
    return StaffKeys(operator=secrets.token_urlsafe(32), technician=secrets.token_urlsafe(32))


def hand_out(spool_path: Path, given: StaffKeys | None = None) -> StaffKeys:
    """Make (or, on a resumed folder, re-key) the demo's operator and technician; their tokens (`given`: these)."""
    conn = spool.connect(spool_path)
    try:
        known = {user.name for user in users.list_users(conn)}
        chosen = {role: getattr(given, role) if given is not None else None for _, role in STAFF}
        tokens = {role: (users.rotate_user(conn, name, token=chosen[role]) if name in known
                         else users.add_user(conn, name, role, token=chosen[role])) for name, role in STAFF}
    finally:
        conn.close()
    return StaffKeys(operator=tokens["operator"], technician=tokens["technician"])

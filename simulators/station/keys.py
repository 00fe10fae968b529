"""(issue 25) A demo hands out the keys: an operator and a technician, and a login link for the ops page.

`make demo` and `station simulate` (one station or a fleet) would otherwise start a station nobody can
log in to: the operations page and the command center's links to it ask for a token. The tokens are
shown once, on the simulator's own screen, as `station users add` shows them; a resumed folder gets new
ones (the spool keeps only their hashes).
"""

from __future__ import annotations

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


def hand_out(spool_path: Path) -> StaffKeys:
    """Make (or, on a resumed folder, re-key) the demo's operator and technician; their tokens."""
    conn = spool.connect(spool_path)
    try:
        known = {user.name for user in users.list_users(conn)}
        tokens = {role: (users.rotate_user(conn, name) if name in known
                         else users.add_user(conn, name, role)) for name, role in STAFF}
    finally:
        conn.close()
    return StaffKeys(operator=tokens["operator"], technician=tokens["technician"])

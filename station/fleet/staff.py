"""Who may act on the command center: staff tokens, each with a role (ADR 0340).

The command center has no spool: its staff live in a file (`--staff-file`),
one member a line, `ROLE NAME SHA256`, the hash of the token as the station
stores its users' (spool.users.token_hash): the file never holds a token.
`station fleet staff-add` appends a member and prints the token once. The
roles are the station's (station.runtime.roles); the caller becomes the same
`Principal` the station's web app uses, so actions are recorded as `ROLE:NAME`.
"""

from __future__ import annotations

import hmac
import re
import secrets
from pathlib import Path

from spool.users import token_hash
from station.errors import StationError
from station.runtime.roles import Role
from station.web.auth import AuthError, Principal

NAME = re.compile(r"[a-z][a-z0-9._-]{0,31}")
MAX_TOKEN = 256


class Staff:
    """The members of a staff file; empty: nobody may act (the page stays read-only)."""

    def __init__(self, members: dict[str, Principal] | None = None) -> None:
        self._members = dict(members or {})  # token hash -> who

    @classmethod
    def from_file(cls, path: Path) -> Staff:
        """The members in `path`; a line that is not `ROLE NAME SHA256` is refused, naming its number."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise StationError(f"cannot read the staff file {path}: {getattr(err, 'strerror', err)}") from None
        members = {}
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split()
            role = Role.__members__.get(parts[0].upper()) if len(parts) == 3 and parts[0].islower() else None
            if role is None or not NAME.fullmatch(parts[1]) or not re.fullmatch(r"[0-9a-f]{64}", parts[2]):
                raise StationError(f"{path}:{number}: a member is `ROLE NAME SHA256` (role: viewer, operator, "
                                   "technician or admin)")
            members[parts[2]] = Principal(parts[1], role)
        return cls(members)

    @staticmethod
    def add(path: Path, name: str, role: Role) -> str:
        """Append a member to `path` (made owner-only); returns the new token, which is stored nowhere."""
        if not NAME.fullmatch(name):
            raise StationError(f"a staff name is lower-case letters, digits, '.', '_' or '-' (not {name!r})")
        token = secrets.token_urlsafe(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{role.word} {name} {token_hash(token)}\n")
        return token

    def identify(self, header: str) -> Principal:
        """The member an `Authorization: Bearer TOKEN` header names; 401 otherwise."""
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthError("sign in: this needs a staff token (Authorization: Bearer TOKEN)", http_status=401)
        digest = token_hash(token) if len(token) <= MAX_TOKEN else ""
        for known, who in self._members.items():
            if hmac.compare_digest(known, digest):
                return who
        raise AuthError("invalid staff token", http_status=401)

"""API users: bearer tokens stored hashed, one role each, in the spool's `users` table.

A token is `secrets.token_urlsafe(32)` shown once when the user is added;
the spool keeps only its SHA-256 (hex), so a copied spool gives no access.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass

from . import audit
from .db import write
from .errors import SpoolError

ROLES = ("viewer", "operator", "technician", "admin")
# The same characters the audit accepts after `ROLE:`, so every user can be an actor.
USER_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


class UserError(SpoolError):
    """A user cannot be added or changed as asked."""


@dataclass(frozen=True)
class User:
    """One person (or tool) allowed to use the API."""

    name: str
    role: str
    created_at: str
    disabled: bool


def token_hash(token: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row: sqlite3.Row) -> User:
    return User(row["name"], row["role"], row["created_at"], bool(row["disabled"]))


def add_user(conn: sqlite3.Connection, name: str, role: str, *, actor: str = "system", token: str | None = None) -> str:
    """Add a user with a new token; returns the token (the only time it exists in clear).

    `token`: one made by the caller (a simulated fleet gives its demo operator one token for every station)."""
    if not isinstance(name, str) or not USER_NAME.match(name):
        raise UserError(f"bad user name {name!r}: 1 to 64 of A-Z a-z 0-9 . _ @ -")
    if role not in ROLES:
        raise UserError(f"bad role {role!r}: one of {', '.join(ROLES)}")
    token = _new_or_given(token)
    with write(conn):
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise UserError(f"user {name!r} exists already")
        entry = audit.append(conn, actor, "user.added", details={"user": name, "role": role})
        conn.execute("INSERT INTO users (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
                     (name, role, token_hash(token), entry.at))
    return token


def list_users(conn: sqlite3.Connection) -> list[User]:
    """Every user, by name."""
    return [_user(r) for r in conn.execute("SELECT * FROM users ORDER BY name")]


def disable_user(conn: sqlite3.Connection, name: str, *, actor: str = "system") -> User:
    """Disable a user: their token stops working at once (audited)."""
    with write(conn):
        row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UserError(f"no user {name!r}")
        if row["disabled"]:
            raise UserError(f"user {name!r} is already disabled")
        audit.append(conn, actor, "user.disabled", details={"user": name})
        conn.execute("UPDATE users SET disabled = 1 WHERE name = ?", (name,))
    return _user(conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone())


def enable_user(conn: sqlite3.Connection, name: str, *, actor: str = "system") -> User:
    """Enable a disabled user again: their token works again (audited)."""
    with write(conn):
        row = _existing(conn, name)
        if not row["disabled"]:
            raise UserError(f"user {name!r} is not disabled")
        audit.append(conn, actor, "user.enabled", details={"user": name})
        conn.execute("UPDATE users SET disabled = 0 WHERE name = ?", (name,))
    return _user(_existing(conn, name))


def rotate_user(conn: sqlite3.Connection, name: str, *, actor: str = "system", token: str | None = None) -> str:
    """Give a user a new token (or `token`); the old one stops working at once (audited). Returns the new token."""
    token = _new_or_given(token)
    with write(conn):
        _existing(conn, name)
        audit.append(conn, actor, "user.token_rotated", details={"user": name})
        conn.execute("UPDATE users SET token_hash = ? WHERE name = ?", (token_hash(token), name))
    return token


def _new_or_given(token: str | None) -> str:
    """A fresh token, or the caller's when it is as strong as one (32 random bytes, URL-safe)."""
    if token is None:
        return secrets.token_urlsafe(32)
    if not isinstance(token, str) or len(token) < 43 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise UserError("a given token must be 43 or more URL-safe characters (secrets.token_urlsafe(32))")
    return token


def _existing(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise UserError(f"no user {name!r}")
    return row


def user_for_token(conn: sqlite3.Connection, token: str) -> User | None:
    """The enabled user holding this token, or None."""
    row = conn.execute("SELECT * FROM users WHERE token_hash = ? AND disabled = 0",
                       (token_hash(token),)).fetchone()
    return None if row is None else _user(row)

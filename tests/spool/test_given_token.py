"""(issue 25) A simulated fleet gives its demo operator one token for every station: `add_user` and `rotate_user`
take a caller's token, but only one as strong as the spool's own (32 random bytes, URL-safe)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

import spool
from spool import users


def test_a_given_token_is_stored_hashed_and_a_weak_one_is_refused(tmp_path: Path) -> None:
    conn = spool.connect(tmp_path / "spool.db", create=True)
    given = secrets.token_urlsafe(32)
    assert users.add_user(conn, "demo-operator", "operator", token=given) == given
    assert users.user_for_token(conn, given).name == "demo-operator"
    assert given not in str(conn.execute("SELECT * FROM users").fetchall())
    again = secrets.token_urlsafe(32)
    assert users.rotate_user(conn, "demo-operator", token=again) == again
    assert users.user_for_token(conn, given) is None and users.user_for_token(conn, again) is not None
    for weak in ("short", "x" * 42, "y" * 43 + "!"):
        with pytest.raises(users.UserError, match="43 or more"):
            users.add_user(conn, "other", "viewer", token=weak)
    assert [u.name for u in users.list_users(conn)] == ["demo-operator"]
    conn.close()

"""`station users`: tokens printed once, stored hashed, disabled at once; clear errors."""

from __future__ import annotations

import hashlib

import pytest

from spool import audit
from station.cli import main


def _run(station_dir, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(station_dir / "station.toml"), "users", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_prints_the_token_once_and_stores_its_hash(station, client, capsys) -> None:
    code, out, _ = _run(station.dir, capsys, "add", "budi", "--role", "operator")
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert len(token) >= 40
    conn = station.conn()
    stored = conn.execute("SELECT token_hash FROM users WHERE name = 'budi'").fetchone()[0]
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token.encode() not in (station.dir / "spool.db").read_bytes()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["actor"] == "operator:budi"
    entry = list(audit.entries(conn))[-1]
    assert (entry.action, entry.details) == ("user.added", {"user": "budi", "role": "operator"})
    code, out, _ = _run(station.dir, capsys, "list")
    assert code == 0 and "budi" in out and "operator" in out and token not in out
    code, _, _ = _run(station.dir, capsys, "disable", "budi")
    assert code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    code, out, _ = _run(station.dir, capsys, "list", "--json")
    assert '"disabled": true' in out


@pytest.mark.parametrize("args, message", [
    (("add", "budi santoso", "--role", "operator"), "bad user name"),
    (("add", "viewer-1", "--role", "viewer"), "exists already"),
    (("disable", "nobody"), "no user"),
])
def test_bad_requests_are_one_clear_line(station, capsys, args, message) -> None:
    before = station.conn().execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    code, out, err = _run(station.dir, capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert station.conn().execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before


def test_a_bad_role_is_refused_by_the_parser(station, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        _run(station.dir, capsys, "add", "x", "--role", "root")
    assert exit_.value.code == 2


def test_rotate_and_enable_take_effect_at_once(station, client, capsys) -> None:
    code, out, _ = _run(station.dir, capsys, "add", "sari", "--role", "viewer", "--as", "tono")
    old = out.strip().splitlines()[-1]
    code, out, _ = _run(station.dir, capsys, "rotate", "sari", "--as", "tono")
    new = out.strip().splitlines()[-1]
    assert code == 0 and new != old
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert _run(station.dir, capsys, "disable", "sari")[0] == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 401
    code, out, _ = _run(station.dir, capsys, "enable", "sari", "--as", "tono")
    assert code == 0 and out.strip() == "user sari enabled"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    code, _, err = _run(station.dir, capsys, "enable", "sari")
    assert code != 0 and err.strip() == "station: error: user 'sari' is not disabled"
    code, _, err = _run(station.dir, capsys, "rotate", "nobody")
    assert code != 0 and err.strip() == "station: error: no user 'nobody'"
    actions = [(e.actor, e.action) for e in audit.entries(station.conn()) if e.details.get("user") == "sari"]
    assert ("technician:tono", "user.token_rotated") in actions and ("technician:tono", "user.enabled") in actions
    assert new not in str(list(audit.entries(station.conn())))

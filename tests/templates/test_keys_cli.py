"""`station keys new | trust add | trust revoke | trust list`."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from templates_support import run

from station.trust import store as trust


def test_new_key_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "keys", "new", "--purpose", "station", "--out", str(tmp_path / "k"),
                         "--sign-from", "2026-01-01T00:00:00Z", "--valid-days", "30")
    assert code == 0, err
    pem, public = tmp_path / "k" / "station.pem", tmp_path / "k" / "station.public.json"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    entry = trust.TrustedKey.from_entry(json.loads(public.read_text()))
    assert entry.purpose == "station" and entry.kid in out
    assert trust.kid_of(trust.public_raw(trust.load_private_key(pem))) == entry.kid
    assert trust.format_time(entry.sign_from) == "2026-01-01T00:00:00Z"
    assert trust.format_time(entry.sign_until) == "2026-01-31T00:00:00Z"
    # Never overwritten.
    code, _, err = run(capsys, "keys", "new", "--purpose", "station", "--out", str(tmp_path / "k"))
    assert code != 0 and "already exists" in err
    with pytest.raises(SystemExit) as caught:  # argparse: a usage error, exit status 2
        run(capsys, "keys", "new", "--purpose", "oracle", "--out", str(tmp_path / "k"))
    assert caught.value.code == 2


def test_trust_add_revoke_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for purpose in ("issuer", "template"):
        assert run(capsys, "keys", "new", "--purpose", purpose, "--out", str(tmp_path))[0] == 0
    store = tmp_path / "trust.json"
    for purpose in ("issuer", "template"):
        code, out, err = run(capsys, "keys", "trust", "add", str(tmp_path / f"{purpose}.public.json"),
                             "--store", str(store))
        assert code == 0, err
        assert f"trusted {purpose} key" in out
    loaded = trust.TrustStore.load(store)
    assert [k.purpose for k in loaded.keys] == ["issuer", "template"]
    code, _, err = run(capsys, "keys", "trust", "add", str(tmp_path / "issuer.public.json"), "--store", str(store))
    assert code != 0 and "already" in err
    kid = loaded.keys[0].kid
    code, out, _ = run(capsys, "keys", "trust", "revoke", kid, "--store", str(store))
    assert code == 0
    assert trust.TrustStore.load(store).keys[0].status == "revoked"
    code, out, _ = run(capsys, "keys", "trust", "list", "--store", str(store))
    assert code == 0 and kid in out and "revoked" in out
    code, _, err = run(capsys, "keys", "trust", "revoke", "0000000000000000", "--store", str(store))
    assert code != 0 and "no key" in err


def test_a_tampered_entry_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "keys", "new", "--purpose", "issuer", "--out", str(tmp_path))[0] == 0
    entry = json.loads((tmp_path / "issuer.public.json").read_text())
    entry["kid"] = "0" * 16
    (tmp_path / "bad.json").write_text(json.dumps(entry))
    code, _, err = run(capsys, "keys", "trust", "add", str(tmp_path / "bad.json"), "--store", str(tmp_path / "t.json"))
    assert code != 0 and "does not match" in err
    assert not (tmp_path / "t.json").exists()

"""A tampered bundle is refused, with a reason, by `template verify` and by `render`; nothing is written."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from templates_support import TEMPLATES, Lab, run

from station.trust import store as trust
from station.templates import BundleRefused, MemoryLedger, load_template, sign_bundle, verify_bundle
from station.templates.bundle import SIGNATURE_FILE, signing_message

BUNDLE_FILES = sorted(str(p.relative_to(TEMPLATES / "akta-kelahiran"))
                      for p in (TEMPLATES / "akta-kelahiran").rglob("*") if p.is_file())


def refused_both_ways(lab: Lab, capsys: pytest.CaptureFixture[str], bundle: Path, reason: str) -> None:
    """`template verify` exits 1 naming `reason`; `render` does too and writes no file."""
    code, out, err = run(capsys, "template", "verify", str(bundle), "--trust", str(lab.trust_path))
    assert code == 1, out + err
    assert f"refused: {reason}:" in err
    assert "Traceback" not in err
    out_pdf = lab.root / "out" / "doc.pdf"
    out_pdf.parent.mkdir(exist_ok=True)
    data = lab.write_data(lab.example())
    code, out, err = run(capsys, *lab.render_args(bundle, data, out_pdf))
    assert code == 1, out + err
    assert f"refused: {reason}:" in err
    assert list(out_pdf.parent.iterdir()) == []


def test_the_shipped_bundles_verify(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("akta-kelahiran", "kartu-keluarga", "nib"):
        code, out, err = run(capsys, "template", "verify", str(lab.bundle(name)), "--trust", str(lab.trust_path))
        assert code == 0, err
        assert out.startswith(f"valid: {name}@")


@pytest.mark.parametrize("path", BUNDLE_FILES)
def test_any_changed_byte_of_any_file_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str], path: str) -> None:
    bundle = lab.bundle()
    target = bundle / path
    data = bytearray(target.read_bytes())
    for offset in (0, len(data) // 2, len(data) - 1):
        data[offset] ^= 0x01
    target.write_bytes(bytes(data))
    # A changed SIGNATURE.json is either no longer JSON of the right shape, or its signature breaks.
    reasons = ("malformed", "bad_signature") if path == SIGNATURE_FILE else ("file_changed",)
    with pytest.raises(BundleRefused) as caught:
        verify_bundle(bundle, lab.store)
    assert caught.value.reason in reasons
    refused_both_ways(lab, capsys, bundle, caught.value.reason)


def test_one_byte_of_the_manifest_is_enough(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    manifest = bundle / "template.toml"
    manifest.write_bytes(manifest.read_bytes().replace(b'size = 19\n', b'size = 18\n', 1))
    refused_both_ways(lab, capsys, bundle, "file_changed")


def test_an_added_file_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    (bundle / "fonts" / "extra.ttf").write_bytes(b"not listed")
    refused_both_ways(lab, capsys, bundle, "unlisted_file")


def test_a_hidden_added_file_is_refused_too(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    (bundle / ".notes").write_text("hidden")
    refused_both_ways(lab, capsys, bundle, "unlisted_file")


def test_a_removed_file_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    (bundle / "background.pdf").unlink()
    refused_both_ways(lab, capsys, bundle, "missing_file")


def test_a_symlink_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    target = bundle / "background.pdf"
    moved = lab.root / "elsewhere.pdf"
    target.rename(moved)
    os.symlink(moved, target)
    refused_both_ways(lab, capsys, bundle, "malformed")


def test_an_unsigned_bundle_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    (bundle / SIGNATURE_FILE).unlink()
    refused_both_ways(lab, capsys, bundle, "unsigned")


def test_a_signature_by_an_unknown_key_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    stranger = trust.new_private_key()
    sign_bundle(bundle, stranger, template="akta-kelahiran", version=1)
    refused_both_ways(lab, capsys, bundle, "unknown_key")


def test_a_signature_by_a_revoked_key_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    demo_kid = trust.TrustStore.load(TEMPLATES / "trust.json").keys[0].kid
    code, out, _ = run(capsys, "keys", "trust", "revoke", demo_kid, "--store", str(lab.trust_path))
    assert code == 0 and demo_kid in out
    refused_both_ways(lab, capsys, bundle, "revoked_key")


def test_a_station_key_cannot_sign_templates(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    sign_bundle(bundle, lab.station_key, template="akta-kelahiran", version=1)
    refused_both_ways(lab, capsys, bundle, "unknown_key")


def test_a_signature_over_other_content_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = lab.bundle()
    body = json.loads((bundle / SIGNATURE_FILE).read_text())
    body["version"] = 2  # the same signature, now claiming another version
    (bundle / SIGNATURE_FILE).write_text(json.dumps(body))
    refused_both_ways(lab, capsys, bundle, "bad_signature")


def test_a_key_outside_its_window_is_refused(lab: Lab) -> None:
    bundle = lab.bundle()
    key = trust.new_private_key()
    entry = trust.entry_for(key, "template", sign_from=datetime(2020, 1, 1, tzinfo=UTC), valid_days=30,
                            verify_grace_days=30)
    sign_bundle(bundle, key, template="akta-kelahiran", version=1)
    with pytest.raises(BundleRefused) as caught:
        verify_bundle(bundle, trust.TrustStore(keys=(entry,)))
    assert caught.value.reason == "key_window"
    later = trust.entry_for(key, "template", sign_from=datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(BundleRefused) as caught:
        verify_bundle(bundle, trust.TrustStore(keys=(later,)))
    assert caught.value.reason == "key_window"


def test_a_lower_version_than_one_accepted_is_refused(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """The guard persists between invocations: here in trust.versions.json beside the trust store."""
    bundle = lab.bundle()
    manifest = bundle / "template.toml"
    manifest.write_text(manifest.read_text().replace("version = 1\n", "version = 2\n", 1))
    code, _, err = run(capsys, "template", "sign", str(bundle), "--key", str(lab.template_pem))
    assert code == 0, err
    code, out, err = run(capsys, "template", "verify", str(bundle), "--trust", str(lab.trust_path))
    assert code == 0, err
    assert "akta-kelahiran@2" in out
    versions = json.loads((lab.root / "trust.versions.json").read_text())
    assert versions == {"templates": {"akta-kelahiran": 2}}
    old = Path(shutil.copytree(TEMPLATES / "akta-kelahiran", lab.root / "old"))  # version 1, well signed
    refused_both_ways(lab, capsys, old, "rollback")
    # The same version again is fine.
    code, _, err = run(capsys, "template", "verify", str(bundle), "--trust", str(lab.trust_path))
    assert code == 0, err


def test_the_guard_lives_in_the_spool_when_a_station_is_configured(
        lab: Lab, capsys: pytest.CaptureFixture[str], station_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import spool
    from spool import audit

    config = station_dir / "station.toml"
    monkeypatch.setenv("STATION_CONFIG", str(config))
    conn = spool.connect(station_dir / "spool.db")
    with spool.write(conn):
        conn.execute("INSERT OR REPLACE INTO station (key, value) VALUES ('template.akta-kelahiran.version', '5')")
    refused_both_ways(lab, capsys, lab.bundle(), "rollback")
    assert not (lab.root / "trust.versions.json").exists()
    conn.execute("DELETE FROM station WHERE key = 'template.akta-kelahiran.version'")
    code, _, err = run(capsys, "template", "verify", str(lab.bundle()), "--trust", str(lab.trust_path))
    assert code == 0, err
    row = conn.execute("SELECT value FROM station WHERE key = 'template.akta-kelahiran.version'").fetchone()
    assert row[0] == "1"
    actions = [e.action for e in audit.entries(conn)]
    assert "template.accepted" in actions
    assert audit.verify(conn).ok


def test_a_malformed_version_record_is_an_error_not_a_fresh_start(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    (lab.root / "trust.versions.json").write_text("{not json")
    code, _, err = run(capsys, "template", "verify", str(lab.bundle()), "--trust", str(lab.trust_path))
    assert code != 0
    assert "unreadable" in err


def test_a_manifest_that_disagrees_with_its_signature_is_refused(lab: Lab) -> None:
    bundle = lab.bundle()
    manifest = bundle / "template.toml"
    manifest.write_text(manifest.read_text().replace("version = 1\n", "version = 7\n", 1))
    sign_bundle(bundle, lab.template_key, template="akta-kelahiran", version=1)
    with pytest.raises(Exception) as caught:
        load_template(bundle, lab.store, ledger=MemoryLedger())
    assert getattr(caught.value, "reason", "") == "invalid_template"
    assert "akta-kelahiran@7" in str(caught.value)


def test_the_signed_message_is_the_protocol_one() -> None:
    message = signing_message("akta-kelahiran", 3, {"template.toml": "ab" * 32})
    assert message == (b'MPP1/template\n{"files":{"template.toml":"' + b"ab" * 32
                       + b'"},"template":"akta-kelahiran","version":3}')


def test_verification_keeps_the_bytes_it_verified(lab: Lab) -> None:
    bundle = lab.bundle()
    verified = verify_bundle(bundle, lab.store)
    (bundle / "template.toml").write_text("changed after verification")
    assert verified.files["template.toml"] == (TEMPLATES / "akta-kelahiran" / "template.toml").read_bytes()

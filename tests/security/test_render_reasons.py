"""Render refusals are words of a closed vocabulary, and one failing job is paused on its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import spool
from station import config
from station.templates import stage as rendering
from station.trust import store as trust
from station.templates.reasons import RENDER_REASONS, reason_word
from station.templates.cache import TemplateCache
from station.templates.versions import SpoolLedger

TEMPLATES_CODE = Path(__file__).resolve().parents[2] / "station" / "templates"


def test_every_reason_the_renderer_raises_is_a_word_of_the_vocabulary() -> None:
    raised = set()
    for source in TEMPLATES_CODE.glob("*.py"):
        text = source.read_text()
        raised |= set(re.findall(r'FieldError\([^,()]+, "([a-z_]+)"', text))
        raised |= set(re.findall(r'BundleRefused\("([a-z_]+)"', text))
    assert len(raised) > 20 and raised <= RENDER_REASONS, raised - RENDER_REASONS
    assert reason_word("unknown_field:nik.3174012345678901") == "render_refused"
    assert reason_word(None) == "render_refused" and reason_word("revoked_key") == "revoked_key"


@pytest.fixture
def worker(station_dir: Path) -> config.Config:
    """The render worker's state, set up in this process (as `_start_worker` does in the worker)."""
    cfg = config.load(station_dir / "station.toml", environ={})
    conn = spool.connect(cfg.spool_path)
    rendering._worker.update(cfg=cfg, key=trust.load_private_key(cfg.path(cfg.paths.station_key)),
                             cache=TemplateCache(trust.TrustFile(cfg.path(cfg.paths.trust_store)),
                                                 ledger=SpoolLedger(conn)))
    yield cfg
    rendering._worker.clear()
    conn.close()


def _example(name: str) -> dict:
    root = Path(__file__).resolve().parents[2] / "templates"
    data = json.loads(next((root / "examples").glob(f"{name}*.json")).read_text())
    return data.get("data", data)


def test_a_poisoned_document_is_refused_with_a_word_and_nothing_of_its_own(worker: config.Config) -> None:
    data = _example("akta-kelahiran")
    good = {"template": "akta-kelahiran", "template_version": 1, "data": data}
    done = rendering.render_one("GOOD:1", json.dumps(good))
    assert done.refused is None and Path(done.path).name == "GOOD_3A1.pdf"
    assert Path(done.path).stat().st_mode & 0o777 == 0o600
    for payload, word in (({**good, "data": {**data, "nik.3174012345678901": "x"}}, "unknown_field"),
                          ({**good, "template": "../akta-kelahiran"}, "template_mismatch"),
                          ({**good, "template_version": 9}, "template_version"),
                          ({**good, "template_version": "x"}, "document_malformed"),
                          ("not json", "document_malformed")):
        text = payload if isinstance(payload, str) else json.dumps(payload)
        assert rendering.render_one("POISON-1", text).refused == word


def test_a_failing_job_backs_off_alone_and_is_held_after_repeated_failures() -> None:
    now = [0.0]
    backoff = rendering.Backoff(first_s=2.0, most_s=10.0, clock=lambda: now[0])
    assert [backoff.failed("A") for _ in range(3)] == [1, 2, 3]
    assert backoff.waiting("A") and not backoff.waiting("B")  # the others go on
    now[0] = 7.9
    assert backoff.waiting("A")  # 2, 4, then 8 s
    now[0] = 8.1
    assert not backoff.waiting("A")
    backoff.failed("A")
    now[0] += 10.5
    assert not backoff.waiting("A")  # capped at 10 s
    backoff.succeeded("A")
    assert len(backoff) == 0

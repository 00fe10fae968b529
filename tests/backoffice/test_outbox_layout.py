"""Where the outbox's parts live (ADR 235): the spool queues, the back-office package only sends."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SENDING = ("station/backoffice/outbox.py", "station/backoffice/checkpoint_send.py", "station/backoffice/changes.py")


def sql_calls(source: str) -> list[int]:
    """Lines that run SQL on a connection (`.execute`, `.executemany`, `.executescript`)."""
    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr in ("execute", "executemany", "executescript")]


def received_queued(source: str) -> list[int]:
    """Lines that queue a `received` event by hand (`enqueue(conn, doc, "received", ...)`)."""
    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) == "enqueue"
            and any(isinstance(arg, ast.Constant) and arg.value == "received" for arg in node.args)]


def test_the_sending_modules_run_no_sql_of_their_own() -> None:
    found = {name: lines for name in SENDING if (lines := sql_calls((ROOT / name).read_text()))}
    assert found == {}, f"SQL outside spool/ (use spool.outbox and its neighbours): {found}"


def test_received_is_queued_one_way_only() -> None:
    """By the state machine (`spool.outbox.report_received`), never by hand."""
    found = {path.relative_to(ROOT).as_posix(): lines for folder in ("station", "spool", "simulators")
             for path in sorted((ROOT / folder).rglob("*.py")) if (lines := received_queued(path.read_text()))}
    assert list(found) == ["spool/outbox.py"] and len(found["spool/outbox.py"]) == 1, found  # report_received


def test_the_scans_find_what_they_look_for() -> None:
    """The old intake and corrections queued `received` by hand; the old sender read its own SQL."""
    assert received_queued('outbox.enqueue(conn, doc.id, "received")\n') == [1]
    assert received_queued('enqueue(conn, job.id, "received", key=k, detail={"revision": 2})\n') == [1]
    assert received_queued('outbox.enqueue(conn, doc_id, "held", detail={"reason": "x"})\n') == []
    assert sql_calls('conn.execute("UPDATE checkpoints SET sent_at = ? WHERE seq = ?", (at, seq))\n') == [1]

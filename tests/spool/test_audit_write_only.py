"""The audit chain is written by code and read by people: no decision in station/ reads it (ADR 0236).

A reader is a call of `spool.audit`'s reading functions (`entries`,
`verify`, `head`, `last_at`) or SQL that selects from the `audit` table.
Only the audit's own commands (verify, listing, export, checkpoints) and
read-only views (the API's job trail and status, metrics, the doctor) may
read it; each is named below with why. Everything else takes the state it
needs from its own table (the outbox from `spool.outbox`, queued by the
state machine).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = frozenset({"entries", "verify", "head", "last_at"})
AUDIT_SQL = re.compile(r"\b(FROM|JOIN)\s+audit\b")  # SQL as this code base writes it (prose says "from the audit")

# (module, what it reads): why it may.
ALLOWED: dict[tuple[str, str], str] = {
    ("station/cli/audit_cmd.py", "verify"): "the audit's own `verify` command",
    ("station/cli/audit_cmd.py", "entries"): "the audit's own listing and export",
    ("station/cli/spool_cmd.py", "entries"): "`spool show`: a job's audit trail, for a person",
    ("station/web/routes/jobs.py", "entries"): "the API's read-only view of a job and its trail",
    ("station/web/routes/station_info.py", "head"): "the API's read-only station summary",
    ("station/runtime/daemon.py", "head"): "the `ping` control answer: status for a person",
    ("station/trust/checkpoint.py", "head"): "a signed checkpoint is of the chain's head (the audit's own)",
    ("station/trust/checkpoint.py", "SQL"): "checking a checkpoint against the chain (the audit's own verify)",
    ("station/web/audit_counts.py", "SQL"): "metrics counters tallied from audit rows: a read-only view",
    ("station/runtime/doctor.py", "SQL"): "the doctor's diagnosis (the newest entry's time): read-only",
}


def readers_in(source: str) -> set[str]:
    """What a module's source reads of the audit: reader names called, and "SQL" for a select from it."""
    tree = ast.parse(source)
    modules: set[str] = set()  # names bound to spool.audit
    functions: dict[str, str] = {}  # local name -> reader imported from spool.audit
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "spool":
            modules |= {alias.asname or alias.name for alias in node.names if alias.name == "audit"}
        elif isinstance(node, ast.ImportFrom) and node.module == "spool.audit":
            functions |= {alias.asname or alias.name: alias.name for alias in node.names if alias.name in READERS}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname for alias in node.names if alias.name == "spool.audit" and alias.asname}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr in READERS
                    and (isinstance(func.value, ast.Name) and func.value.id in modules
                         or ast.unparse(func.value) == "spool.audit")):
                found.add(func.attr)
            elif isinstance(func, ast.Name) and func.id in functions:
                found.add(functions[func.id])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and AUDIT_SQL.search(node.value):
            found.add("SQL")
    return found


def test_no_module_in_station_reads_the_audit_to_decide() -> None:
    offending = []
    for path in sorted((ROOT / "station").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        offending += [f"{name}: {what}" for what in sorted(readers_in(path.read_text()))
                      if (name, what) not in ALLOWED]
    assert not offending, "these read the audit chain; give them the state they need from their own table:\n" \
        + "\n".join(offending)


def test_the_scan_finds_the_readers_it_looks_for() -> None:
    """The old outbox collector (it followed the chain to decide what to report) is caught, every way."""
    old_collector = '''
def _collect_batch(conn, since, limit):
    return conn.execute("SELECT seq, at, actor, action, job_id, slot_id, details FROM audit"
                        " WHERE seq > ? ORDER BY seq LIMIT ?", (since, limit)).fetchall()
'''
    assert readers_in(old_collector) == {"SQL"}
    assert readers_in("from spool import audit\nrows = list(audit.entries(conn, since=3))\n") == {"entries"}
    assert readers_in("from spool import audit as chain\nchain.head(conn)\n") == {"head"}
    assert readers_in("from spool.audit import entries as walk\nwalk(conn)\n") == {"entries"}
    assert readers_in("import spool.audit\nspool.audit.verify(conn)\n") == {"verify"}
    assert readers_in("from spool import audit\naudit.append(conn, 'system', 'x')\n") == set()  # writing is fine
    assert readers_in("help = 'one job with its audit trail'\n") == set()

"""The audit chain is written by code and read by people: no decision in station/ reads it (ADR 0236).

A reader is a spool function that reads the chain (`READERS`: the audit's
own `entries`, `verify`, `head`, `last_at`, and the few spool reads built on
it), or SQL in station/ that selects from the `audit` table. Only the audit's
own commands (verify, listing, export, checkpoints) and read-only views (the
API's job trail and status, metrics, the doctor) may call one; each is named
in `ALLOWED` with why. Everything else takes the state it needs from its own
table (the outbox from `spool.outbox`, queued by the state machine). A new
spool function that reads the chain must be added to `READERS`, so that its
callers are checked too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# spool module -> its functions that read the audit chain.
READERS: dict[str, frozenset[str]] = {
    "audit": frozenset({"entries", "verify", "head", "last_at"}),
    "metrics": frozenset({"audit_head", "audit_tally"}),
    "peek": frozenset({"last_audit_time"}),
}
AUDIT_SQL = re.compile(r"\b(FROM|JOIN)\s+audit\b")  # SQL as this code base writes it (prose says "from the audit")

# (module, what it reads): why it may.
ALLOWED: dict[tuple[str, str], str] = {
    ("station/cli/audit_cmd.py", "audit.verify"): "the audit's own `verify` command",
    ("station/cli/audit_cmd.py", "audit.entries"): "the audit's own listing and export",
    ("station/cli/spool_cmd.py", "audit.entries"): "`spool show`: a job's audit trail, for a person",
    ("station/web/routes/jobs.py", "audit.entries"): "the API's read-only view of a job and its trail",
    ("station/web/routes/station_info.py", "audit.head"): "the API's read-only station summary",
    ("station/runtime/daemon.py", "audit.head"): "the `ping` control answer: status for a person",
    ("station/trust/checkpoint.py", "audit.head"): "a signed checkpoint is of the chain's head (the audit's own)",
    ("station/trust/checkpoint.py", "audit.entries"): "checking a checkpoint against the chain (the audit's own)",
    ("station/web/audit_counts.py", "metrics.audit_head"): "metrics counters tallied from audit rows: a view",
    ("station/web/audit_counts.py", "metrics.audit_tally"): "metrics counters tallied from audit rows: a view",
    ("station/cli/doctor_checks.py", "peek.last_audit_time"): "the doctor's diagnosis of the clock: read-only",
}


def readers_in(source: str, package: str = "spool") -> set[str]:
    """What a module's source reads of the audit: "module.reader" for each reader called, "SQL" for a select.

    `package` is how the source names the spool ("spool" from station/, "" for a module inside spool/).
    """
    tree = ast.parse(source)
    modules: dict[str, str] = {}  # local name -> spool module holding readers
    functions: dict[str, str] = {}  # local name -> "module.reader"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "") == package and node.level == (0 if package else 1):
            modules |= {alias.asname or alias.name: alias.name for alias in node.names if alias.name in READERS}
        elif isinstance(node, ast.ImportFrom):
            name = (node.module or "").removeprefix(f"{package}.") if package else (node.module or "")
            if name in READERS and (node.level == 0 if package else node.level == 1):
                functions |= {alias.asname or alias.name: f"{name}.{alias.name}" for alias in node.names
                              if alias.name in READERS[name]}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname: alias.name.split(".")[-1] for alias in node.names
                        if alias.asname and alias.name.split(".")[-1] in READERS and alias.name.startswith("spool.")}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = ast.unparse(func.value)
                module = modules.get(owner) or (owner.removeprefix("spool.") if owner.startswith("spool.") else None)
                if module in READERS and func.attr in READERS[module]:
                    found.add(f"{module}.{func.attr}")
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


def test_every_spool_function_that_reads_the_audit_is_a_known_reader() -> None:
    """A new read of the chain in spool/ must join `READERS`, so its callers are checked above."""
    known = {f"{module}.{name}" for module, names in READERS.items() for name in names}
    unknown = []
    for path in sorted((ROOT / "spool").glob("*.py")):
        if path.stem in ("schema", "outbox"):  # the migrations; the outbox reads none (its docstring names it)
            continue
        source = path.read_text()
        tree = ast.parse(source)
        queries = {target.id for node in tree.body if isinstance(node, ast.Assign)  # module-level SQL texts
                   and isinstance(node.value, ast.Constant) and AUDIT_SQL.search(str(node.value.value))
                   for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                body = ast.unparse(node)
                reads = (AUDIT_SQL.search(body) or readers_in(f"{_imports(source)}\n{body}", package="")
                         or any(isinstance(n, ast.Name) and n.id in queries for n in ast.walk(node)))
                if reads and f"{path.stem}.{node.name}" not in known and path.stem != "audit":
                    unknown.append(f"spool/{path.name}: {node.name}")
    assert unknown == [], "spool functions that read the audit chain; add them to READERS:\n" + "\n".join(unknown)


def _imports(source: str) -> str:
    return "\n".join(ast.unparse(node) for node in ast.parse(source).body
                     if isinstance(node, ast.Import | ast.ImportFrom))


def test_the_scan_finds_the_readers_it_looks_for() -> None:
    """The old outbox collector (it followed the chain to decide what to report) is caught, every way."""
    old_collector = '''
def _collect_batch(conn, since, limit):
    return conn.execute("SELECT seq, at, actor, action, job_id, slot_id, details FROM audit"
                        " WHERE seq > ? ORDER BY seq LIMIT ?", (since, limit)).fetchall()
'''
    assert readers_in(old_collector) == {"SQL"}
    assert readers_in("from spool import audit\nrows = list(audit.entries(conn, since=3))\n") == {"audit.entries"}
    assert readers_in("from spool import audit as chain\nchain.head(conn)\n") == {"audit.head"}
    assert readers_in("from spool.audit import entries as walk\nwalk(conn)\n") == {"audit.entries"}
    assert readers_in("import spool.audit\nspool.audit.verify(conn)\n") == {"audit.verify"}
    assert readers_in("from spool import metrics as reads\nreads.audit_tally(c, 1, 2)\n") == {"metrics.audit_tally"}
    assert readers_in("from .audit import last_at\nlast_at(conn)\n", package="") == {"audit.last_at"}
    assert readers_in("from spool import audit\naudit.append(conn, 'system', 'x')\n") == set()  # writing is fine
    assert readers_in("help = 'one job with its audit trail'\n") == set()

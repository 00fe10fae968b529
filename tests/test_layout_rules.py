"""The spool owns its tables (issue 23): no SQL is executed outside `spool/`.

An AST scan of `station/` and `drivers/` finds every `.execute(`,
`.executemany(` and `.executescript(` call, and every string that is SQL
(a statement keyword in capitals followed by its shape: `SELECT ... FROM`,
`INSERT INTO`, `UPDATE x SET`, ...). The simulators may keep databases of
their own (a back-office simulator) but name none of the spool's tables.
In `spool/`, only `spool/cursors.py` names the keys of the `station` table.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from spool.schema import MIGRATIONS

ROOT = Path(__file__).parents[1]
PRODUCT = ("station", "drivers")
EXECUTE = frozenset({"execute", "executemany", "executescript"})
SQL = re.compile(r"^\s*(SELECT\b.*\bFROM\b|SELECT\s+\d|INSERT\s+(OR\s+[A-Z]+\s+)?INTO\b|REPLACE\s+INTO\b"
                 r"|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|CREATE\s+(TABLE|INDEX|UNIQUE|VIEW|TRIGGER)\b"
                 r"|ALTER\s+TABLE\b|DROP\s+(TABLE|INDEX)\b|PRAGMA\s+\w|BEGIN(\s+(IMMEDIATE|DEFERRED|EXCLUSIVE))?\s*$"
                 r"|COMMIT\s*$|ROLLBACK\b|SAVEPOINT\s+\w|RELEASE\s+\w|VACUUM\s*$|WITH\s+\w+\s+AS\s*\()", re.DOTALL)
SPOOL_TABLES = frozenset(re.findall(r"CREATE TABLE (\w+)", "\n".join(MIGRATIONS))) - {"outbox_keyed"}

# Files allowed SQL for a while, named one by one so that the list only shrinks: a file that no longer
# executes SQL fails `test_the_pending_list_only_shrinks` until its line is deleted here. (Empty since
# the outbox's SQL moved into `spool/outbox.py`, issue 23.)
PENDING: frozenset[str] = frozenset()


def _text(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's literal parts (what it says without its values)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(p.value if isinstance(p, ast.Constant) else " x " for p in node.values)
    return None


def sql_executed(source: str, path: str) -> list[str]:
    """Each place in `source` that executes SQL or spells it out."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in EXECUTE:
            found.append(f"{where}: .{node.func.attr}(")
        text = _text(node)
        if text is not None and SQL.match(text):
            found.append(f"{where}: SQL text {text.strip()[:40]!r}")
    return sorted(set(found))


def spool_tables_named(source: str, path: str) -> list[str]:
    """Each SQL string in `source` that names one of the spool's tables."""
    found = []
    for node in ast.walk(ast.parse(source)):
        text = _text(node)
        if text is not None and SQL.match(text):
            named = SPOOL_TABLES & set(re.findall(r"\b\w+\b", text))
            if named:
                found.append(f"{path}:{node.lineno}: {', '.join(sorted(named))}")  # type: ignore[attr-defined]
    return sorted(set(found))


def _sources(*folders: str) -> list[tuple[str, str]]:
    return [(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
            for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def test_the_rule_finds_what_it_is_for() -> None:
    """Old code of each kind (issue 23's count found about 60 such statements in station/)."""
    old = '''
row = conn.execute("SELECT raised_at FROM alarms WHERE kind = ? ORDER BY id DESC LIMIT 1", (kind,))
rows = conn.execute(f"SELECT id, pdf_path FROM jobs WHERE state IN ({states}) AND {extra}", (cutoff,))
_QUERY = """
SELECT action, COUNT(*) AS n
FROM audit WHERE seq > ? GROUP BY action
"""
cur.executemany(sql, rows)
conn.executescript(script)
INSERT = "INSERT OR REPLACE INTO station (key, value) VALUES (?, ?)"
self.conn.execute("BEGIN")
'''
    found = sql_executed(old, "old.py")
    assert sorted(int(f.split(":")[1]) for f in found) == [2, 2, 3, 3, 4, 8, 9, 10, 11, 11]
    assert spool_tables_named(old, "old.py") == ["old.py:10: station", "old.py:2: alarms", "old.py:3: jobs",
                                                 "old.py:4: audit"]


def test_the_rule_leaves_prose_and_other_calls_alone() -> None:
    prose = '''
"""Select the slot, update the job, then delete from the queue."""
message = "UPDATE: the door opened"
firmware.run(request)
words = ("SELECT", "BEGIN now")
'''
    assert sql_executed(prose, "prose.py") == []


def test_no_sql_is_executed_outside_the_spool() -> None:
    found = [hit for path, source in _sources(*PRODUCT) if path not in PENDING
             for hit in sql_executed(source, path)]
    assert found == [], "SQL belongs in spool/ (a function there that says what it reads or writes):\n" + \
        "\n".join(found)


def test_the_pending_list_only_shrinks() -> None:
    stale = [path for path in sorted(PENDING)
             if not (ROOT / path).exists() or not sql_executed((ROOT / path).read_text(encoding="utf-8"), path)]
    assert stale == [], f"no SQL left in {stale}: delete them from PENDING in {Path(__file__).name}"


def test_the_simulators_touch_no_spool_table() -> None:
    found = [hit for path, source in _sources("simulators") for hit in spool_tables_named(source, path)]
    assert found == [], "a simulator reads the station's spool through spool/'s functions:\n" + "\n".join(found)


@pytest.mark.parametrize("key", ['"backoffice.cursor"', '"last_vacuum"', '.version"'])
def test_each_cursor_key_is_spelled_in_one_place(key: str) -> None:
    """The `station` table's keys live in `spool/cursors.py`; nothing else spells one."""
    spelled = [path for path, source in _sources("station", "spool", "drivers", "simulators")
               if key in source and path != "spool/cursors.py" and path not in PENDING]
    assert spelled == []


def test_refused_documents_are_written_in_one_place() -> None:
    writers = [path for path, source in _sources("station", "spool", "drivers", "simulators")
               if "INTO refused_documents" in source and path not in PENDING]
    assert writers == ["spool/refusals.py"]

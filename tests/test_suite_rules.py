"""Rules the suite keeps to, so that it passes on any machine: no test binds a fixed port.

A test that starts a server on a literal port fails wherever something else
listens there (a demo on 8080, a Prometheus on 9090). Servers take port 0, or
a free port they are told. This reads every test's source and names the place
that breaks the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _literal_port(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isdigit():
        return int(node.value)
    return None


def _strings(node: ast.List | ast.Tuple) -> list[str | None]:
    return [e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None for e in node.elts]


def fixed_ports(source: str, path: str) -> list[str]:
    """Each place in `source` where a server is given a literal, non-zero port."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in ("port", "command_port") and _literal_port(keyword.value):
                    found.append(f"{where}: {keyword.arg}={_literal_port(keyword.value)}")
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "bind" and node.args and isinstance(node.args[0], ast.Tuple) and len(node.args[0].elts) == 2:
                if _literal_port(node.args[0].elts[1]):
                    found.append(f"{where}: bind to a fixed port")
        if isinstance(node, ast.List | ast.Tuple):
            words = _strings(node)
            for n, word in enumerate(words[:-1]):
                nxt = words[n + 1]
                if word in ("--port", "--command-port") and nxt is not None and nxt.isdigit() and int(nxt):
                    found.append(f"{where}: {word} {nxt}")
            # `station simulate` listens on 8080 unless told otherwise (a fleet's stations take free ports)
            if "simulate" in words and "--help" not in words and "--port" not in words \
                    and "--stations" not in words and len(words) > 2:
                found.append(f"{where}: simulate without --port 0")
    return found


def test_the_rule_finds_what_it_is_for() -> None:
    bad = '''
run(["station", "simulate", "--dir", d, "--documents", "3"])
run(["station", "serve", "--port", "8080"])
Options(folder=f, port=8080)
sock.bind(("127.0.0.1", 9090))
'''
    good = '''
run(["station", "simulate", "--dir", d, "--port", "0"])
run(["station", "simulate", "--stations", "3", "--dir", d])
Options(folder=f, port=0)
sock.bind(("127.0.0.1", 0))
'''
    assert len(fixed_ports(bad, "bad.py")) == 4
    assert fixed_ports(good, "good.py") == []


def test_no_test_gives_a_server_a_fixed_port() -> None:
    here = Path(__file__).resolve()
    found = [place for path in sorted(TESTS.rglob("*.py")) if path.resolve() != here
             for place in fixed_ports(path.read_text(), str(path.relative_to(TESTS)))]
    assert found == [], "servers in tests take port 0 or a free port they are told:\n" + "\n".join(found)

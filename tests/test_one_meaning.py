"""One meaning per name (issue 23): one refusal value and error, one `Document`, one RFC 3339 reading,
and no import circle in the release.

These read the source: a second `class Refused`, a new `fromisoformat` or a
module of the release importing one that imports it back fails here, naming
the place.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from station.errors import Refusal, Refused, StationError

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("station", "spool", "drivers")


def _sources(*packages: str) -> dict[str, ast.Module]:
    return {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
            for package in packages for path in sorted((ROOT / package).rglob("*.py"))}


def _classes(name: str) -> list[str]:
    return [f"{path}:{node.lineno}" for path, tree in _sources(*PRODUCT).items()
            for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and node.name == name]


@pytest.mark.parametrize("name", ["Refusal", "Refused", "Document"])
def test_one_class_per_name(name: str) -> None:
    assert len(_classes(name)) == 1, _classes(name)


def test_the_refusal_is_a_value_and_the_refused_error_carries_it() -> None:
    refusal = Refusal("malformed", "id is missing")
    assert dataclasses.is_dataclass(refusal) and refusal == Refusal("malformed", "id is missing")
    with pytest.raises(dataclasses.FrozenInstanceError):
        refusal.reason = "other"  # type: ignore[misc]
    err = Refused("malformed", "id is missing")
    assert isinstance(err, StationError) and err.refusal == refusal
    assert (err.reason, err.detail, str(err), err.http_status, err.exit_code) == (
        "malformed", "id is missing", "malformed: id is missing", 422, 1)


def test_one_rfc3339_reading() -> None:
    """Times are read and written by `spool.rfc3339` only: no `fromisoformat` or `+00:00` -> `Z` elsewhere."""
    found = []
    for path, tree in _sources(*PRODUCT, "simulators").items():
        if path == "spool/rfc3339.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "fromisoformat":
                found.append(f"{path}:{node.lineno} fromisoformat")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace" \
                    and [getattr(a, "value", None) for a in node.args] in (["+00:00", "Z"], ["Z", "+00:00"]):
                found.append(f"{path}:{node.lineno} replace{tuple(a.value for a in node.args)}")
    assert not found, found


def _imports(path: str, tree: ast.Module) -> set[str]:
    """The modules of the same package a module imports (relative or absolute, TYPE_CHECKING ones too)."""
    package = path.rsplit("/", 1)[0].replace("/", ".")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_import_circle_in_the_release() -> None:
    sources = _sources("station/release")
    modules = {path[:-3].replace("/", "."): path for path in sources}
    graph = {module: sorted(_imports(path, sources[path]) & set(modules) - {module})
             for module, path in modules.items()}
    circles = []

    def visit(module: str, trail: list[str]) -> None:
        for nxt in graph[module]:
            if nxt in trail:
                circles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in done:
                visit(nxt, trail + [nxt])
        done.add(module)

    done: set[str] = set()
    for module in graph:
        if module not in done:
            visit(module, [module])
    assert not circles, circles

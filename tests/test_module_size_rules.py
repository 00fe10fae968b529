"""Rules of the floor plan (issue 23) that a reader would otherwise have to trust.

Each rule is its own function (other rules live beside them): a module in
the product (station/, spool/, drivers/) stays under 400 lines, and no
constructor there takes more than 8 parameters (settings go in a dataclass).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("station", "spool", "drivers")
MAX_LINES = 400
MAX_INIT_PARAMETERS = 8  # not counting `self`


def _modules() -> list[Path]:
    return sorted(p for package in PRODUCT for p in (ROOT / package).rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def long_modules() -> list[str]:
    """Every product module over `MAX_LINES` lines, with its length."""
    found = []
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found.append(f"{_name(path)}: {lines} lines")
    return found


def init_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """How many parameters a method takes, `self` not counted (`*args` and `**kwargs` count one each)."""
    arguments = function.args
    count = len(arguments.posonlyargs) + len(arguments.args) + len(arguments.kwonlyargs)
    count += (arguments.vararg is not None) + (arguments.kwarg is not None)
    return count - 1 if arguments.posonlyargs or arguments.args else count


def wide_constructors(source: str, where: str) -> list[str]:
    """Each `__init__` in `source` taking more than `MAX_INIT_PARAMETERS` parameters."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__init__":
            count = init_parameters(node)
            if count > MAX_INIT_PARAMETERS:
                found.append(f"{where}:{node.lineno}: __init__ takes {count} parameters")
    return found


def test_no_product_module_is_over_400_lines() -> None:
    assert long_modules() == [], "split these along their seams, each part with one job"


def test_no_constructor_in_the_product_takes_more_than_8_parameters() -> None:
    found = [hit for path in _modules() for hit in wide_constructors(path.read_text(encoding="utf-8"), _name(path))]
    assert found == [], "group settings in a dataclass"


def test_the_constructor_rule_counts_parameters_but_not_self() -> None:
    eight = "class A:\n    def __init__(self, a, b, c, d, *, e, f, g, h): pass\n"
    nine = "class B:\n    def __init__(self, a, b, c, d, e, f, g, *args, **kwargs): pass\n"
    assert wide_constructors(eight, "a.py") == []
    assert wide_constructors(nine, "b.py") == ["b.py:2: __init__ takes 9 parameters"]

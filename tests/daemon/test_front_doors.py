"""Parts meet through front doors (issue 23): wired parts, one Role, one naming scheme for control commands.

The structural rules read the product's source (AST): no part sets an
attribute on the daemon or probes one with `getattr`, nobody reads the
control server's handler table to call another part, no role is checked by
string prefix, and every control command is named through `ops`.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import spool
from station.runtime import ops
from station.runtime.control import ControlServer
from station.runtime.parts import Parts
from station.runtime.roles import Actor, Role, RoleRefused
from station.parts.technician import TechnicianPart
from station.web import auth
from station.web.auth import Principal, Requirement

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = [path for folder in ("station", "spool", "drivers") for path in sorted((ROOT / folder).rglob("*.py"))]
CALLERS = PRODUCT + sorted((ROOT / "simulators").rglob("*.py")) + sorted((ROOT / "bench").rglob("*.py"))


def _trees(paths: list[Path]) -> list[tuple[str, ast.AST]]:
    return [(str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))) for path in paths]


def _is_daemon(node: ast.AST) -> bool:
    """`daemon` or `self.daemon`."""
    return (isinstance(node, ast.Name) and node.id == "daemon") or (
        isinstance(node, ast.Attribute) and node.attr == "daemon" and isinstance(node.value, ast.Name))


# -- 1. parts get what they need: constructor or typed lookup --------------------------------------------

def test_no_part_sets_an_attribute_on_the_daemon_or_probes_one() -> None:
    found = []
    for path, tree in _trees(PRODUCT):
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, ast.AnnAssign | ast.AugAssign) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and _is_daemon(target.value):
                    found.append(f"{path}:{node.lineno}: sets daemon.{target.attr}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr") \
                    and node.args and _is_daemon(node.args[0]):
                found.append(f"{path}:{node.lineno}: {node.func.id}(daemon, ...)")
            if isinstance(node, ast.Attribute) and node.attr == "handlers" and "runtime/control.py" not in path \
                    and getattr(node.value, "attr", getattr(node.value, "id", "")) == "control":
                found.append(f"{path}:{node.lineno}: reads the control server's handlers (call the part's method)")
    assert found == []


def test_parts_are_found_by_their_type() -> None:
    class Disk:
        pass

    class Other:
        pass

    disk = Disk()
    parts = Parts([Other(), disk])
    assert parts.get(Disk) is disk and parts.find(Disk) is disk and len(parts) == 2
    assert Parts([Other()]).find(Disk) is None
    with pytest.raises(LookupError, match="no Disk part"):
        Parts([]).get(Disk)


class _Reporter:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    async def report(self) -> dict[str, Any]:
        return self.answer


def test_the_technician_asks_the_parts_it_was_given(tmp_path: Path) -> None:
    """`station.status` calls the devices' and the feed's methods: the control server has no handler for them."""
    conn = spool.connect(tmp_path / "spool.db", create=True)
    devices = {"buses": [{"name": "A", "state": "offline"}], "scanner": {"state": "none"}, "printer": {}}
    control = ControlServer(tmp_path / "station.sock", None)  # type: ignore[arg-type]
    daemon = SimpleNamespace(conn=conn, control=control, ready_at=1.0, events=None, parts=Parts([]),
                             cfg=SimpleNamespace(station=SimpleNamespace(id="MPP-T", kind="locker")))
    part = TechnicianPart(_Reporter(devices), None, _Reporter({"cursor": "c-1"}))  # type: ignore[arg-type]

    async def run() -> tuple[dict, dict]:
        await part.start(daemon)  # type: ignore[arg-type]
        assert set(control.handlers) == {ops.STATION_STATUS, ops.STATION_READINESS, ops.ALARM_LIST, ops.ALARM_ACK}
        return (await control.handlers[ops.STATION_STATUS]({}, "technician:budi"),
                await control.handlers[ops.STATION_READINESS]({}, "system"))

    status, readiness = asyncio.run(run())
    conn.close()
    assert status["devices"] == devices and status["backoffice"] == {"cursor": "c-1"}
    # (issue 25) one verdict: the readiness answer is the one `station.status` carries (station/runtime/readiness.py)
    assert readiness == {"ready": False, "started": True, "missing": ["lock bus A (offline)"],
                         "reasons": ["missing: lock bus A (offline)"], "disk": None}
    assert status["readiness"] == readiness and status["ready"] is False


# -- 2. one Role, the same refusal from the web app and the control socket ------------------------------

def test_web_and_control_share_one_role_enum() -> None:
    assert auth.Role is Role
    assert Principal("rina", Role.OPERATOR).actor == "operator:rina"
    assert Actor.parse(Principal("rina", Role.OPERATOR).actor).role is Role.OPERATOR


@pytest.mark.parametrize("text, role, name", [
    ("technician:budi", Role.TECHNICIAN, "budi"), ("admin:ana", Role.ADMIN, "ana"), ("viewer:vina", Role.VIEWER, "vina"),
    ("citizen", None, "citizen"), ("system", None, "system"), ("Admin:x", None, "Admin:x"),
    ("root:x", None, "root:x"), ("operator", None, "operator")])
def test_an_actor_string_is_parsed_once(text: str, role: Role | None, name: str) -> None:
    actor = Actor.parse(text)
    assert (actor.role, actor.name, actor.text) == (role, name, text)


def _web_refusal(have: Role, need: Role) -> RoleRefused | None:
    request = SimpleNamespace(scope={"user": Principal("someone", have)})
    try:
        asyncio.run(Requirement(need)(request))  # type: ignore[arg-type]
    except RoleRefused as err:
        return err
    return None


def _control_refusal(have: Role, need: Role) -> RoleRefused | None:
    try:
        Actor.parse(have.actor("someone")).require(need, "this")
    except RoleRefused as err:
        return err
    return None


@pytest.mark.parametrize("have", list(Role))
@pytest.mark.parametrize("need", list(Role))
def test_a_wrong_role_is_refused_the_same_way_by_web_and_control(have: Role, need: Role) -> None:
    web, control = _web_refusal(have, need), _control_refusal(have, need)
    if have >= need:
        assert web is None and control is None
    else:
        assert web is not None and control is not None
        assert (type(web), str(web), web.http_status) == (type(control), str(control), control.http_status)
        assert web.http_status == 403 and f"needs the {need.word} role (you are {have.word})" in str(web)


def test_a_caller_without_a_staff_role_is_refused_by_the_job_actions() -> None:
    from station.parts.arguments import operator as _operator

    assert _operator("operator:rina") == "operator:rina"
    for actor in ("viewer:vina", "citizen", "system", "operatorx:rina"):
        with pytest.raises(RoleRefused) as refused:
            _operator(actor)
        assert refused.value.http_status == 403


def test_no_role_is_checked_by_string_prefix() -> None:
    found = []
    for path, tree in _trees(PRODUCT):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value in ("viewer:", "operator:", "technician:", "admin:"):
                found.append(f"{path}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.Name) and node.id in ("_need_role", "_need_staff", "STAFF"):
                found.append(f"{path}:{node.lineno}: {node.id}")
    assert found == []


# -- 3. one naming scheme for control commands -----------------------------------------------------------

def test_every_command_name_follows_noun_verb() -> None:
    assert ops.ALL and all(ops.NAME.match(op) for op in ops.ALL)
    for old in ("job_cancel", "reprint", "move_job", "open_slot", "ack_alarm", "ping", "Job.cancel", "job."):
        with pytest.raises(ValueError, match="noun.verb"):
            ControlServer(Path("unused.sock"), None).register(old, _Reporter({}).report)  # type: ignore[arg-type]


def _first_op_argument(node: ast.Call) -> ast.AST | None:
    """The argument that names the command in `x.register(op, ...)`, `x.call(op)`, `x.acall(op)`,
    `shell.call(cfg, op)` and `daemon(request, op)`."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
    at = 1 if owner == "shell" or name == "daemon" else 0
    if name in ("register", "call", "acall", "daemon") and len(node.args) > at:
        return node.args[at]
    return None


def test_callers_name_commands_through_ops_and_every_registered_one_is_listed() -> None:
    literal, registered = [], set()
    for path, tree in _trees(CALLERS):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            arg = _first_op_argument(node)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in ("run", "--help"):
                literal.append(f"{path}:{node.lineno}: {arg.value!r}")
            if path.startswith("station/") and isinstance(node.func, ast.Attribute) and node.func.attr == "register":
                registered |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
                               and isinstance(n.value, ast.Name) and n.value.id == "ops"}
    assert literal == []
    # What the parts register (in loops too) is every command but the socket's own event stream.
    named = {getattr(ops, key) for key in registered}
    for path, tree in _trees(PRODUCT):
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[0], ast.Attribute) \
                    and isinstance(node.elts[0].value, ast.Name) and node.elts[0].value.id == "ops" and len(node.elts) == 2:
                named.add(getattr(ops, node.elts[0].attr))
    assert named == ops.ALL - {ops.EVENTS_SUBSCRIBE}


# -- 4. the slot operations leave the device lifecycle part ----------------------------------------------

def test_the_device_part_registers_only_its_own_report() -> None:
    tree = ast.parse((ROOT / "station/parts/devices.py").read_text())
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            and n.value.id == "ops"}
    assert used == {"DEVICES_STATUS"}
    slot_ops = ast.parse((ROOT / "station/parts/slot_ops.py").read_text())
    assert {"SLOT_OPEN", "JOB_MOVE"} <= {n.attr for n in ast.walk(slot_ops) if isinstance(n, ast.Attribute)}


def test_one_report_problem_remains() -> None:
    defined = [f"{path}:{node.lineno}" for path, tree in _trees(PRODUCT) for node in ast.walk(tree)
               if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "report_problem" in node.name]
    assert len(defined) == 1 and defined[0].startswith("station/web/actions.py:"), defined

"""The shapes of the API, for its OpenAPI document (with examples).

Handlers return plain JSON for speed; these models describe it, and the
schemathesis test holds every response to them. What a request may carry
is in `bodies`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from spool.states import Flow, JobState
from station.release.kiosk import PROBLEMS, Screen



def _example(value: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class Problem(BaseModel):
    """Why a request was refused: RFC 9457 problem details (`application/problem+json`)."""

    model_config = _example({"type": "about:blank", "title": "Conflict", "status": 409,
                             "detail": "job AKTA-2026-000123: cannot go from collected to cancelled"})
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    # 422: each problem with the request, RFC 9457 section 3's extension: {"detail", "pointer": "#/reason"} for the
    # body (with "line" and "column" when it is not JSON), {"detail", "parameter", "location": "query"} otherwise.
    errors: list[dict[str, str | int]] | None = None


class Version(BaseModel):
    """The software's version and the API's."""

    model_config = _example({"station": "MPP-DEMO-01", "version": "0.1.0", "api": "v1"})
    station: str
    version: str
    api: str


JOB_EXAMPLE = {
    "id": "AKTA-2026-000123", "seq": 123, "flow": "locker", "state": "staged", "held_reason": None,
    "held_from": None, "template": "akta-kelahiran", "template_version": 3, "size": "M",
    "pickup_expires": "2026-12-31T09:00:00Z", "pdf_path": "documents/AKTA-2026-000123.pdf",
    "pdf_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "pages": 1,
    "printer_job_id": 17, "print_attempts": 1, "slot": "1-05", "created_at": "2026-11-02T08:00:00.000Z",
    "updated_at": "2026-11-02T08:03:12.512Z", "pin_failures": 0, "reopens": 0, "kind": "template"}


class JobSummary(BaseModel):
    """A job without its personal data."""

    model_config = _example(JOB_EXAMPLE)
    id: str
    seq: int
    flow: Flow
    state: JobState
    held_reason: str | None
    held_from: JobState | None
    template: str
    template_version: int
    size: str
    pickup_expires: str | None
    pdf_path: str | None
    pdf_sha256: str | None
    pages: int | None
    printer_job_id: int | None
    print_attempts: int
    slot: str | None
    created_at: str
    updated_at: str
    pin_failures: int
    reopens: int
    kind: Literal["template", "pdf"] = Field("template", description='"pdf": an agency-signed PDF, printed as sent')
    cancelled_by: Literal["office", "operator"] | None = Field(None, description="who cancelled it (§7.1 `by`)")


class JobPage(BaseModel):
    """One page of jobs, newest first; pass `next_before` as `before` for the next page."""

    model_config = _example({"jobs": [JOB_EXAMPLE], "next_before": None})
    jobs: list[JobSummary]
    next_before: int | None


class AuditEntry(BaseModel):
    """One entry of the audit chain."""

    model_config = _example({"seq": 412, "at": "2026-11-02T08:03:12.512Z", "actor": "system",
                             "action": "job.staged", "job": "AKTA-2026-000123", "slot": "1-05",
                             "details": {"from": "printed", "to": "staged"}, "prev_hash": "ab" * 32,
                             "hash": "cd" * 32})
    seq: int
    at: str
    actor: str
    action: str
    job: str | None
    slot: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


ACTIONS = ("retry", "cancel", "reprint", "move", "extend", "confirm_collected", "paper_inside", "tray_found",
           "tray_none")


class JobDetail(BaseModel):
    """A job, its document data (masked for viewers), its audit trail and what the caller may do."""

    model_config = _example({"job": JOB_EXAMPLE, "data": {"name-1": "S*** N*********", "field-2": "[masked]"},
                             "masked": True, "audit": [], "actions": []})
    job: JobSummary
    data: dict[str, Any]
    masked: bool
    audit: list[AuditEntry]
    actions: list[Literal["retry", "cancel", "reprint", "move", "extend", "confirm_collected", "paper_inside",
                          "tray_found", "tray_none"]]


class JobResult(BaseModel):
    """The job after an action."""

    model_config = _example({"job": JOB_EXAMPLE})
    job: JobSummary


class DaemonResult(BaseModel):
    """What the daemon answered to an action it carried out."""

    model_config = _example({"job": JOB_EXAMPLE, "result": {"slot": "1-07"}})
    job: JobSummary | None = None
    result: dict[str, Any]


class SpoolSummary(BaseModel):
    """The station at a glance: jobs per state, open alarms, the audit head."""

    model_config = _example({"station": "MPP-DEMO-01", "name": "Mal Pelayanan Publik (demo)", "kind": "locker",
                             "timezone": "Asia/Jakarta",
                             "counts": {s.value: 0 for s in JobState} | {"staged": 12, "held": 1},
                             "open_alarms": 1, "audit_head": 4120, "daemon_online": True})
    station: str
    name: str
    kind: Literal["locker", "dispenser"]
    timezone: str
    counts: dict[str, int]
    open_alarms: int
    audit_head: int
    daemon_online: bool


class SlotView(BaseModel):
    """A locker slot: what the spool knows and what the board last reported."""

    model_config = _example({"id": "1-05", "size": "M", "accessible": False, "out_of_service": False,
                             "service_note": None, "occupant": "AKTA-2026-000123", "job_state": "staged",
                             "door": "closed", "item": "present", "open_alarms": 0})
    id: str
    size: str
    accessible: bool
    out_of_service: bool
    service_note: str | None
    occupant: str | None
    job_state: JobState | None
    door: str
    item: str
    open_alarms: int


class SlotList(BaseModel):
    """Every slot; `live` is false when the daemon could not be asked about doors."""

    model_config = _example({"slots": [SlotView.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
                             "live": True})
    slots: list[SlotView]
    live: bool


class SlotResult(BaseModel):
    """A slot after a change."""

    model_config = _example({"slot": {"id": "1-05", "size": "M", "accessible": False, "out_of_service": True,
                                      "service_note": "latch sticks", "occupant": None}})
    slot: dict[str, Any]


class OpenResult(BaseModel):
    """The outcome of a technician's door opening (`opened`, `already_open`, `jammed`, `unknown`)."""

    model_config = _example({"slot": "1-05", "outcome": "opened"})
    slot: str
    outcome: str


class Devices(BaseModel):
    """Device status as the daemon reports it: printer, lock buses, scanner, and each slot's door."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "printer": {"state": "user_error", "reasons": ["media-empty"], "blocking": ["media-empty"],
                    "message": "", "source": "cups"},
        "buses": [{"name": "A", "state": "online"}],
        "scanner": {"driver": "serial", "state": "online"},
        "slots": {"1-05": {"door": "closed", "item": "present", "board": "online"}}}]})
    printer: dict[str, Any] | None = None
    buses: list[dict[str, Any]] = []
    scanner: dict[str, Any] | None = None
    slots: dict[str, dict[str, Any]] = {}


ALARM_EXAMPLE = {"id": 7, "raised_at": "2026-11-02T09:12:00.000Z", "kind": "door_left_open", "severity": "warning",
                 "message": "Door 1-05 open for 60 s", "job_id": None, "slot_id": "1-05", "device": None,
                 "acknowledged_at": None, "acknowledged_by": None, "cleared_at": None, "cleared_by": None,
                 "open": True}


class AlarmView(BaseModel):
    """An alarm: open until the station clears it (its condition ended) or a person acknowledges it."""

    model_config = _example(ALARM_EXAMPLE)
    id: int
    raised_at: str
    kind: str
    severity: Literal["info", "warning", "critical"]
    message: str
    job_id: str | None
    slot_id: str | None
    device: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    cleared_at: str | None
    cleared_by: str | None
    open: bool


class AlarmList(BaseModel):
    """Alarms, newest first."""

    model_config = _example({"alarms": [ALARM_EXAMPLE]})
    alarms: list[AlarmView]


class AlarmResult(BaseModel):
    """The alarm after acknowledging it."""

    model_config = _example({"alarm": {**ALARM_EXAMPLE, "acknowledged_at": "2026-11-02T09:14:05.120Z",
                                       "acknowledged_by": "operator:budi", "open": False}})
    alarm: AlarmView


class KioskMessage(BaseModel):
    """A citizen-facing sentence in Indonesian (`id`) and English (`en`)."""

    model_config = ConfigDict(extra="allow")
    id: str | None = None
    en: str | None = None


class KioskViewModel(BaseModel):
    """What the kiosk screen shows (see station/release/kiosk.py)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "screen": "opening", "slot": "1-05", "board": 1, "door": 5, "reason": None,
        "message": {"id": "Pintu 5 sedang dibuka", "en": "Door 5 is opening"},
        "job": {"masked_name": "S*** N*********", "state": "released"}, "session": "s-81f2",
        "retry_after_s": None}]})
    screen: Screen
    slot: str | None = None
    board: int | None = None
    door: int | None = None
    reason: str | None = None
    message: KioskMessage | dict[str, Any] = {}
    job: dict[str, Any] | None = None
    session: str | None = None
    retry_after_s: float | None = None
    # (issue 24) optional facts of the kiosk contract; times are RFC 3339.
    until: str | None = None
    reset_at: str | None = None
    progress: dict[str, Any] | None = None
    retain_at: str | None = None
    banner: KioskMessage | None = None
    banner_until: str | None = None
    estimate_s: float | None = None
    cancelled_by: Literal["staff", "office"] | None = None


class KioskBoard(BaseModel):
    """One lock board's cabinet as the kiosk draws it."""

    address: int
    locks: int
    columns: int


class KioskLayout(BaseModel):
    """Where the slots are, for the kiosk's drawing of the open door."""

    model_config = _example({"station": "Mal Pelayanan Publik (demo)", "kind": "locker",
                             "boards": [{"address": 1, "locks": 16, "columns": 4}],
                             "timezone": "Asia/Jakarta", "tray_below": True})
    station: str
    kind: Literal["locker", "dispenser"]
    boards: list[KioskBoard]
    timezone: str  # (issue 24) the kiosk's clock shows the station's own zone (WIB, WITA, WIT)
    tray_below: bool  # (issue 24) dispenser: the paper tray is below the screen (else beside it)


class ProblemResult(BaseModel):
    """A citizen's problem report: the alarm staff will see."""

    model_config = _example({"alarm": 12, "problem": "door_stuck", "job": "AKTA-2026-000123",
                             "message": PROBLEMS["door_stuck"]})
    alarm: int
    problem: str
    job: str | None
    message: dict[str, str]


class Me(BaseModel):
    """The caller: name, role, how the audit names them, whether they see personal data masked."""

    model_config = _example({"name": "budi", "role": "operator", "actor": "operator:budi", "masked": False})
    name: str
    role: Literal["kiosk", "viewer", "operator", "technician", "admin"]
    actor: str
    masked: bool


class Health(BaseModel):
    """Liveness of the web process."""

    model_config = _example({"status": "ok"})
    status: Literal["ok"]


class Readiness(BaseModel):
    """Readiness: the spool opens, the daemon answers, and every device a release needs is there."""

    model_config = _example({"ready": False, "spool": True, "daemon": False, "disk": True,
                             "detail": "missing: scanner (scanner /dev/ttyACM0 is not there)",
                             "missing": ["scanner (scanner /dev/ttyACM0 is not there)"]})
    ready: bool
    spool: bool
    daemon: bool
    disk: bool | None = None  # None: not known (the daemon did not answer)
    detail: str | None
    missing: list[str] = []
    reasons: list[str] = []  # everything that stops a release now, first the one `detail` names

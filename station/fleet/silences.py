"""Acknowledge and silence an alert from the command center, through Alertmanager's API v2 (ADR 0340).

Both are Alertmanager silences on one alert at one station (matchers
`alertname` and `station`, exact), so the receivers stop repeating it while
someone is on it; Prometheus still shows it firing, and so does the page,
marked with who took it and until when. Alertmanager keeps them (its own
state, its own page lists them): `createdBy` is the caller's `ROLE:NAME`
from the staff token, never typed; `comment` is what they wrote, required.

- acknowledge ("I am on it"): an operator or above, for `ACK_S`;
- silence (a known, planned quiet): a technician or above, 15 minutes to 24 hours;
- lift a silence before its end: a technician or above.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from spool.rfc3339 import format_time, seconds_or_none
from station.errors import StationError
from station.runtime.roles import Role

ACK_S = 3600
SILENCE_MINUTES = (15, 1440)
COMMENT_CHARS = (3, 200)
KINDS = {"ack": Role.OPERATOR, "silence": Role.TECHNICIAN}
LIFT_ROLE = Role.TECHNICIAN
# The comment begins with what it is, so Alertmanager's own page and the command center read it alike.
PREFIX = {"ack": "Ditangani · acknowledged: ", "silence": "Disenyapkan · silenced: "}
LABEL = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class AlertmanagerUnreachable(StationError):
    """Alertmanager did not answer, or refused (502)."""


@dataclass(frozen=True)
class Ask:
    """One acknowledge or silence, as the page asks for it."""

    kind: str
    alertname: str
    station: str
    minutes: int
    comment: str

    @classmethod
    def parse(cls, body: Any) -> Ask:
        """The ask in a JSON body; ValueError with one sentence naming the field otherwise."""
        if not isinstance(body, dict):
            raise ValueError('the body is {"kind", "alertname", "station", "comment", "minutes"}')
        kind = body.get("kind")
        if kind not in KINDS:
            raise ValueError("kind: 'ack' or 'silence'")
        for field in ("alertname", "station"):
            if not isinstance(body.get(field), str) or not LABEL.fullmatch(body[field]):
                raise ValueError(f"{field}: the alert's {field} label (letters, digits, . _ : -)")
        comment = body.get("comment")
        if not isinstance(comment, str) or not COMMENT_CHARS[0] <= len(comment.strip()) <= COMMENT_CHARS[1] \
                or any(ch < " " for ch in comment):
            raise ValueError(f"comment: {COMMENT_CHARS[0]} to {COMMENT_CHARS[1]} characters on one line, saying why")
        if kind == "ack":
            minutes = ACK_S // 60
        else:
            minutes = body.get("minutes")
            if not isinstance(minutes, int) or isinstance(minutes, bool) \
                    or not SILENCE_MINUTES[0] <= minutes <= SILENCE_MINUTES[1]:
                raise ValueError(f"minutes: a whole number from {SILENCE_MINUTES[0]} to {SILENCE_MINUTES[1]}")
        return cls(kind, body["alertname"], body["station"], minutes, comment.strip())

    def silence(self, actor: str, now: float) -> dict[str, Any]:
        """The PostableSilence Alertmanager takes."""
        return {"matchers": [{"name": name, "value": value, "isRegex": False, "isEqual": True}
                             for name, value in (("alertname", self.alertname), ("station", self.station))],
                "startsAt": _iso(now), "endsAt": _iso(now + self.minutes * 60),
                "createdBy": actor, "comment": PREFIX[self.kind] + self.comment}


def _iso(at: float) -> str:
    return format_time(datetime.fromtimestamp(at, UTC), "seconds")


async def create(alertmanager: str, ask: Ask, actor: str) -> str:
    """Post the silence; its id."""
    body = await _call("POST", f"{alertmanager}/api/v2/silences", json=ask.silence(actor, time.time()))
    if not isinstance(body, dict) or not isinstance(body.get("silenceID"), str):
        raise AlertmanagerUnreachable("Alertmanager answered without a silence id", http_status=502)
    return body["silenceID"]


async def lift(alertmanager: str, silence_id: str) -> None:
    """Expire a silence now."""
    if not re.fullmatch(r"[0-9a-f-]{8,64}", silence_id):
        raise StationError("no such silence", http_status=404)
    await _call("DELETE", f"{alertmanager}/api/v2/silence/{silence_id}")


async def active(alertmanager: str) -> list[dict[str, Any]]:
    """The active silences on one alert at one station (the ones this page makes): id, who, why, until when."""
    found = []
    for item in await _call("GET", f"{alertmanager}/api/v2/silences") or []:
        if not isinstance(item, dict) or item.get("status", {}).get("state") != "active":
            continue
        matchers = {m.get("name"): m.get("value") for m in item.get("matchers", []) if isinstance(m, dict)
                    and not m.get("isRegex") and m.get("isEqual", True)}
        comment = str(item.get("comment", ""))
        kind = next((k for k, p in PREFIX.items() if comment.startswith(p)), "silence")
        ends = seconds_or_none(item.get("endsAt"))
        if ends is None:
            continue
        found.append({"id": str(item.get("id", "")), "kind": kind, "alertname": matchers.get("alertname", ""),
                      "station": matchers.get("station", ""), "by": str(item.get("createdBy", ""))[:80],
                      "comment": comment.removeprefix(PREFIX.get(kind, ""))[:COMMENT_CHARS[1]], "ends": ends})
    return sorted(found, key=lambda s: s["ends"])


async def _call(method: str, url: str, **kwargs: Any) -> Any:
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            reply = await client.request(method, url, **kwargs)
    except httpx.HTTPError as err:
        raise AlertmanagerUnreachable(f"Alertmanager did not answer: {type(err).__name__}", http_status=502) from None
    if reply.status_code >= 400:
        raise AlertmanagerUnreachable(f"Alertmanager refused ({reply.status_code})", http_status=502)
    try:
        return reply.json() if reply.content else None
    except ValueError:
        raise AlertmanagerUnreachable("Alertmanager answered something that is not JSON", http_status=502) from None

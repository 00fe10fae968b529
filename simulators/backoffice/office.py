"""The simulated back office's state: approvals, the feed per station, received events, faults.

Thread-safe: the web app's handlers, a test and the orchestrator call it
from different threads. The HTTP side (`app.py`) only moves bytes; what the
back office approves, serves and records, and how it misbehaves, is here.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station.trust import pickup_code
from station.trust import token as pickup_token
from station.backoffice import document, withdrawal
from spool.outbox import EVENTS
from station.trust.pin import make_verifier
from station.trust.store import TrustedKey, entry_for, format_time, kid_of, public_raw

from . import complaints
from .checkpoints import CheckpointBox
from .citizens import Citizens
from .faults import Faults
from .forms import Form, fallback_forms, fill, load_forms
from .pdfdocs import PdfIssuer

log = logging.getLogger("simulators.backoffice")

REPOSITORY_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DEFAULT_STATION = "MPP-DEMO-01"
# `approve(station=ANY_STATION)`: each citizen chooses the station where they collect.
ANY_STATION = "*"

# Who is called when a citizen presses "scan at the station": (document id, token text) -> result.
ScanHook = Callable[[str, str], Any]


@dataclass
class Approval:
    """One approved document, as the back office keeps it."""

    id: str
    station: str
    template: str
    title: str
    seq: int
    document: dict[str, Any]  # the signed §7 document
    token: str                # the pickup token's QR text
    pin: str | None           # the PIN the citizen got apart (simulator only: never sent to a station)
    code: str | None = None   # (issue 24) the typed pickup code, RRRR-SSSS-SSSS (PROTOCOLS §4.1), sent with the QR

    withdrawn: bool = False   # a withdrawal was put in the feed

    @property
    def kind(self) -> str:
        """"template" (data for the station to render) or "pdf" (an agency-signed PDF, §7.2)."""
        return str(self.document.get("kind", "template"))

    def summary(self) -> dict[str, Any]:
        """What the admin API lists (with the token and PIN: this is a simulator)."""
        return {"id": self.id, "station": self.station, "template": self.template, "title": self.title,
                "kind": self.kind, "token": self.token, "pin": self.pin, "code": self.code,
                "pickup_expires": self.document["pickup_expires"],
                "revision": self.document.get("revision", 0), "withdrawn": self.withdrawn}


@dataclass
class Received:
    """An event the back office has (once per document and event), and how often it was delivered."""

    document_id: str
    event: str
    at: str
    station: str
    detail: dict[str, Any]
    received_at: str
    deliveries: int = 1

    def as_dict(self) -> dict[str, Any]:
        """The event as `GET /sim/events` shows it."""
        return {"document_id": self.document_id, "event": self.event, "at": self.at,
                "station": self.station, "detail": self.detail, "received_at": self.received_at,
                "deliveries": self.deliveries}


@dataclass
class Served:
    """How a document was first served to its station: as approved, or spoiled by a fault."""

    item: dict[str, Any] | None  # the spoiled copy served; None: served as approved
    spoiled: str | None = None  # "bad_signature", "unknown_key", "malformed"


@dataclass(frozen=True)
class HttpAnswer:
    """What the app sends back: a status and a body (JSON value or raw bytes)."""

    status: int
    body: Any = None
    raw: bytes | None = None


class BackOffice:
    """A back office for one or more stations, with an issuer key and a fault switchboard."""

    def __init__(self, issuer_key: Ed25519PrivateKey | None = None, *,
                 stations: dict[str, str] | None = None, templates_dir: Path | None = None,
                 seed: int | None = None, faults: Faults | None = None, scan_hook: ScanHook | str | None = None,
                 pin_ratio: float = 0.25, pin_ln: int = 15, pickup_days: float = 14,
                 pdf_ratio: float = 0.0, code_ln: int | None = 10) -> None:
        self.issuer_key = issuer_key or Ed25519PrivateKey.generate()
        self.kid = kid_of(public_raw(self.issuer_key))
        # A key no station trusts, for the unknown_key fault.
        self.foreign_key = Ed25519PrivateKey.generate()
        self.stations = dict(stations or {DEFAULT_STATION: "sim-" + secrets.token_urlsafe(16)})
        self.citizens = Citizens(seed)
        self.rng = self.citizens.rng
        self.faults = faults or Faults()
        self.scan_hook = scan_hook
        self.pin_ratio = pin_ratio
        self.pin_ln = pin_ln
        # (issue 24) the typed code's scrypt cost (§4.1 shows ln=15, 0.1-0.6 s each: too slow for a simulator
        # approving thousands); None: documents come without a code.
        self.code_ln = code_ln
        self.pickup_days = pickup_days
        # Agencies that send signed PDFs instead of data: a CA hierarchy made now, at start.
        self.pdf_ratio = pdf_ratio
        self.pdf_issuer = PdfIssuer()
        self.run_id = base64.b32encode(secrets.token_bytes(5)).decode()[:4]
        self.forms = load_forms(templates_dir or REPOSITORY_TEMPLATES)
        if not self.forms:
            log.warning("no template examples in %s: using the built-in forms",
                        templates_dir or REPOSITORY_TEMPLATES)
            self.forms = fallback_forms()
        self._lock = threading.RLock()
        self._approvals: dict[str, Approval] = {}
        self._feeds: dict[str, list[str]] = {s: [] for s in self.stations}
        self._served: dict[str, Served] = {}
        self._events: dict[tuple[str, str, str], Received] = {}
        self._event_order: list[tuple[str, str, str]] = []
        self._conflicts: set[str] = set()
        # Corrections and withdrawals in the feeds (PROTOCOLS §7.1), by their feed entry.
        self._notices: dict[str, dict[str, Any]] = {}
        self._seq = 0
        self.complaints = complaints.ComplaintBox()
        self.checkpoints = CheckpointBox()  # §7.3: each station's signed audit checkpoints

    # --- keys and stations ----------------------------------------------------

    def issuer_entry(self, *, valid_days: float = 365) -> TrustedKey:
        """The issuer key's trust-store entry (signing window from a day ago), for station trust stores."""
        return entry_for(self.issuer_key, "issuer", sign_from=datetime.now(UTC) - timedelta(days=1),
                         valid_days=valid_days)

    def add_station(self, station: str, bearer: str | None = None) -> str:
        """Serve another station; returns its bearer token."""
        with self._lock:
            self.stations[station] = bearer or "sim-" + secrets.token_urlsafe(16)
            self._feeds.setdefault(station, [])
            return self.stations[station]

    def station_for(self, authorization: str | None) -> str | None:
        """The station whose bearer token this `Authorization` header carries."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        offered = authorization[len("Bearer "):].strip()
        for station, bearer in self.stations.items():
            if secrets.compare_digest(offered.encode(), bearer.encode()):
                return station
        return None

    def set_faults(self, **changes: Any) -> Faults:
        """Switch misbehaviours on or off (checked); returns the new settings."""
        with self._lock:
            self.faults = self.faults.updated(changes)
            return self.faults

    # --- approving ------------------------------------------------------------

    def approve(self, count: int = 1, *, station: str | None = None, template: str | None = None,
                pin: bool | None = None, kind: str | None = None) -> list[Approval]:
        """Approve `count` documents for `station` (the first one by default; `ANY_STATION`: each citizen
        chooses one), templates in turn.

        `kind` "pdf" makes agency-signed PDFs, "template" data to render; by
        default each is a PDF with the chance `pdf_ratio`.
        """
        station = station or next(iter(self.stations))
        if station != ANY_STATION and station not in self.stations:
            raise KeyError(f"no station {station!r} at this back office")
        if template is not None and template not in self.forms:
            raise KeyError(f"no template {template!r}; known: {', '.join(self.forms)}")
        if kind not in (None, "template", "pdf"):
            raise KeyError(f"no document kind {kind!r}; known: template, pdf")
        made = []
        for _ in range(count):
            with self._lock:
                self._seq += 1
                seq = self._seq
            form = self.forms[template] if template else list(self.forms.values())[seq % len(self.forms)]
            with_pin = (self.rng.random() < self.pin_ratio) if pin is None else pin
            as_pdf = (self.rng.random() < self.pdf_ratio) if kind is None else kind == "pdf"
            with self._lock:
                chosen = self.rng.choice(list(self.stations)) if station == ANY_STATION else station
            approval = self._approval(form, chosen, seq, with_pin, as_pdf)
            with self._lock:
                self._approvals[approval.id] = approval
                self._feeds[chosen].append(approval.id)
            made.append(approval)
        return made

    def _approval(self, form: Form, station: str, seq: int, with_pin: bool, as_pdf: bool = False) -> Approval:
        abbreviation = "".join(part[0] for part in form.template.split("-")).upper() \
            if "-" in form.template else form.template[:3].upper()
        doc_id = f"{abbreviation}-{self.run_id}-{seq:05d}"
        now = int(time.time())
        ttl = int(self.pickup_days * 86400)
        fields: dict[str, Any] = {
            "id": doc_id, "template": form.template, "template_version": form.version,
            "data": fill(form, self.citizens),
            "pickup_expires": format_time(datetime.fromtimestamp(now + ttl, UTC)),
            "issued_at": format_time(datetime.fromtimestamp(now, UTC)),
        }
        if as_pdf:
            # The agency lays the document out and signs it: the station gets the PDF, not the data.
            data = fields.pop("data")
            del fields["template"], fields["template_version"]
            fields.update(self.pdf_issuer.document_fields(form.title, data))
        pin = None
        if with_pin:
            pin = self.citizens.pin()
            fields["pin_verifier"] = make_verifier(pin, ln=self.pin_ln)
        # §4.1: the code a citizen types when the QR cannot be shown. The reference is unique among a
        # station's open documents (this office's sequence, which never repeats within 10,000 approvals).
        code = None if self.code_ln is None else pickup_code.issue(f"{seq % 10**pickup_code.REF_DIGITS:04d}",
                                                                    ln=self.code_ln)
        if code is not None:
            fields.update(code.fields())
        signed = document.sign(fields, self.issuer_key)
        text = pickup_token.issue(self.issuer_key, station, doc_id, ttl_seconds=ttl, pin=with_pin, now=now)
        return Approval(id=doc_id, station=station, template=form.template, title=form.title, seq=seq,
                        document=signed, token=text, pin=pin,
                        code=None if code is None else code.code.text())

    def approval(self, document_id: str) -> Approval:
        """One approved document; KeyError when unknown."""
        with self._lock:
            return self._approvals[document_id]

    def approvals(self, station: str | None = None) -> list[Approval]:
        """Approved documents in order (of one station, or all)."""
        with self._lock:
            return [a for a in self._approvals.values() if station is None or a.station == station]

    def token(self, document_id: str) -> str:
        """The pickup token text of a document (what the citizen's phone shows)."""
        return self.approval(document_id).token

    # --- corrections and withdrawals (§7.1) --------------------------------------

    def correct(self, document_id: str, data: dict[str, str] | None = None) -> dict[str, Any]:
        """Send a correction: the document again, a revision higher, with `data` changed (a name by default)."""
        with self._lock:
            approval = self._approvals[document_id]
            fields = {k: v for k, v in approval.document.items() if k not in document.UNSIGNED}
            if "data" not in fields:
                raise ValueError("only documents with template data are corrected here (not signed PDFs)")
            revision = int(fields.get("revision", 0)) + 1
            if data is None:
                data = corrected_name(fields["data"])
            fields.update(revision=revision, data={**fields["data"], **data},
                          issued_at=format_time(datetime.now(UTC)))
            approval.document = document.sign(fields, self.issuer_key)
            self._queue_notice(approval, f"{document_id}#r{revision}", approval.document)
            return approval.document

    def withdraw(self, document_id: str, reason: str = "withdrawn_by_office") -> dict[str, Any]:
        """Send a withdrawal of a document (signed by the issuer key)."""
        with self._lock:
            approval = self._approvals[document_id]
            # Bound to what it withdraws (issue 21): the station and the revision the citizen's document is at.
            item = withdrawal.make(document_id, reason, self.issuer_key, station=approval.station,
                                   revision=int(approval.document.get("revision", 0)))
            approval.withdrawn = True
            self._queue_notice(approval, f"{document_id}#withdrawn", item)
            return item

    def _queue_notice(self, approval: Approval, entry: str, item: dict[str, Any]) -> None:
        self._notices[entry] = copy.deepcopy(item)
        self._feeds[approval.station].append(entry)

    def spoiled(self) -> dict[str, str]:
        """Documents first served spoiled by a fault, and how (bad_signature, unknown_key, malformed)."""
        with self._lock:
            return {doc_id: s.spoiled for doc_id, s in self._served.items() if s.spoiled}

    # --- a simulated station run again on the same folder resumes its back office ---------------

    def snapshot(self) -> dict[str, Any]:
        """Everything a restarted back office needs to go on: documents, tokens, feeds, cursors, events."""
        with self._lock:
            return {"run_id": self.run_id, "seq": self._seq,
                    "approvals": [vars(a) for a in self._approvals.values()],
                    "feeds": self._feeds, "served": {k: vars(v) for k, v in self._served.items()},
                    "events": [vars(self._events[k]) for k in self._event_order]}

    def restore(self, state: dict[str, Any]) -> None:
        """Go on from a snapshot (the station's cursor stays valid: the run id is kept)."""
        with self._lock:
            self.run_id, self._seq = state["run_id"], int(state["seq"])
            self._approvals = {a["id"]: Approval(**a) for a in state["approvals"]}
            for station, feed in state["feeds"].items():
                self._feeds.setdefault(station, [])[:0] = feed
            self._served = {k: Served(**v) for k, v in state["served"].items()}
            for event in state["events"]:
                received = Received(**event)
                key = (received.document_id, received.event)
                self._events[key] = received
                self._event_order.append(key)

    # --- the documents feed ---------------------------------------------------

    def documents_reply(self, station: str, after: str | None, limit: int) -> HttpAnswer:
        """The §7 reply to `GET .../documents?after=&limit=`, misbehaving as switched."""
        faults = self.faults
        if station not in self.stations:
            return HttpAnswer(404, {"detail": f"no station {station}"})
        if not 1 <= limit <= 500:
            return HttpAnswer(400, {"detail": "limit must be 1 to 500"})
        start = self._cursor_index(station, after)
        if start is None:
            return HttpAnswer(400, {"detail": "bad cursor"})
        with self._lock:
            feed = self._feeds[station]
            duplicate = self.rng.random() < faults.duplicate_rate
            conflict = self.rng.random() < faults.conflict_rate
            extras = self._extras([e for e in feed[:start] if e in self._approvals], duplicate, conflict,
                                  room=limit - 1)
            room = max(1, limit - len(extras) - (1 if duplicate else 0))
            fresh_ids = feed[start:start + room]
            items = [self._serve(doc_id, faults) for doc_id in fresh_ids]
            if duplicate and items and len(items) + len(extras) < limit:
                items.append(copy.deepcopy(items[0]))  # the same document twice in one page
            page = items + extras
            cursor = self._cursor(station, start + len(fresh_ids))
        body = {"documents": page, "cursor": cursor}
        if self.rng.random() < faults.malformed_rate:
            return HttpAnswer(200, raw=self._garble(body))
        return HttpAnswer(200, body)

    def _extras(self, earlier: list[str], duplicate: bool, conflict: bool, room: int) -> list[dict[str, Any]]:
        """Documents served before, again: as served (duplicates) or re-signed with other content (conflicts)."""
        extras: list[dict[str, Any]] = []
        if not earlier or room < 1:
            return extras
        if duplicate:
            for doc_id in self.rng.sample(earlier, min(2, len(earlier), room)):
                served = self._served[doc_id]
                extras.append(copy.deepcopy(served.item if served.item is not None
                                            else self._approvals[doc_id].document))
        genuine = [d for d in earlier if self._served[d].spoiled is None]
        if conflict and genuine and len(extras) < room:
            doc_id = self.rng.choice(genuine)
            changed = {k: v for k, v in self._approvals[doc_id].document.items() if k not in document.UNSIGNED}
            _alter(changed, " (RALAT)")  # a "correction", properly signed
            extras.append(document.sign(changed, self.issuer_key))
            self._conflicts.add(doc_id)
        return extras

    def conflicts(self) -> set[str]:
        """Documents re-served under their id with other (properly signed) content."""
        with self._lock:
            return set(self._conflicts)

    def _serve(self, doc_id: str, faults: Faults) -> dict[str, Any]:
        """A document as served the first time: genuine, or spoiled by one of the switched faults."""
        if doc_id in self._notices:  # a correction or withdrawal: served as sent
            return copy.deepcopy(self._notices[doc_id])
        genuine = self._approvals[doc_id].document
        item, spoiled = copy.deepcopy(genuine), None
        roll = self.rng.random()
        if roll < faults.bad_signature_rate:
            _alter(item, "X")  # changed after signing
            spoiled = "bad_signature"
        elif self.rng.random() < faults.unknown_key_rate:
            item = document.sign({k: v for k, v in genuine.items()}, self.foreign_key)
            spoiled = "unknown_key"
        elif self.rng.random() < faults.malformed_document_rate:
            item.pop("signature")
            if "template_version" in item:
                item["template_version"] = str(item["template_version"])
            spoiled = "malformed"
        # Only a spoiled copy is kept (a long soak keeps no second copy of every document).
        self._served[doc_id] = Served(copy.deepcopy(item) if spoiled else None, spoiled)
        return item

    def _garble(self, body: dict[str, Any]) -> bytes:
        text = json.dumps(body)
        kind = self.rng.randrange(6)
        if kind == 0:
            return text[: max(1, len(text) // 2)].encode()  # truncated
        if kind == 1:
            return b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        if kind == 2:
            return json.dumps({"docs": body["documents"], "next": body["cursor"]}).encode()  # wrong shape
        if kind == 3:
            return b'{"documents": [], "cursor": "\xff\xfe"}'  # not UTF-8
        if kind == 4:
            return ('{"documents": [], "documents": ' + json.dumps(body["documents"]) + ', "cursor": '
                    + json.dumps(body["cursor"]) + "}").encode()  # duplicate key
        return b'{"documents": [{"id": "X", "template_version": NaN}], "cursor": "x"}'

    def _cursor(self, station: str, index: int) -> str:
        """An opaque cursor into one station's feed (another station's cursor is refused)."""
        return base64.urlsafe_b64encode(f"{self.run_id}:{station}:{index}".encode()).decode().rstrip("=")

    def _cursor_index(self, station: str, cursor: str | None) -> int | None:
        if not cursor:
            return 0
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            run, _, rest = text.partition(":")
            owner, _, index = rest.rpartition(":")
            value = int(index)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return value if run == self.run_id and owner == station and value >= 0 else None

    # --- events ---------------------------------------------------------------

    def record_event(self, station: str, document_id: str, body: Any) -> HttpAnswer:
        """Take one §7 event (the same (id, event) again is fine: 204, counted as a delivery)."""
        if isinstance(body, dict) and body.get("event") == "complaint":
            return self.record_complaint(station, document_id, body)
        if not isinstance(body, dict) or set(body) != {"event", "at", "station", "detail"}:
            return HttpAnswer(422, {"detail": 'body must be {"event", "at", "station", "detail"}'})
        if body["event"] not in EVENTS:
            return HttpAnswer(422, {"detail": f"unknown event {body['event']!r}"})
        if not isinstance(body["at"], str) or not isinstance(body["detail"], dict):
            return HttpAnswer(422, {"detail": "at must be an RFC 3339 time and detail an object"})
        if body["station"] != station:
            return HttpAnswer(403, {"detail": "event for another station"})
        with self._lock:
            approval = self._approvals.get(document_id)
            if approval is None or approval.station != station:
                return HttpAnswer(404, {"detail": f"no document {document_id} for {station}"})
            # Per revision (a corrected document reports its progress again) and per refusal reported.
            key = (document_id, body["event"], _event_key(body["detail"]))
            if key in self._events:
                self._events[key].deliveries += 1
            else:
                self._events[key] = Received(document_id, body["event"], body["at"], station, body["detail"],
                                             format_time(datetime.now(UTC)))
                self._event_order.append(key)
        if self.rng.random() < self.faults.lost_reply_rate:
            return HttpAnswer(500, {"detail": "recorded, but the reply was lost"})
        return HttpAnswer(204)

    def record_complaint(self, station: str, document_id: str | None, body: Any) -> HttpAnswer:
        """Take one §7.1 complaint, about a document or (None) about the station."""
        problem = complaints.check(body)
        if problem is not None:
            return HttpAnswer(422, {"detail": problem})
        if body["station"] != station:
            return HttpAnswer(403, {"detail": "complaint for another station"})
        if document_id is not None:
            with self._lock:
                approval = self._approvals.get(document_id)
            if approval is None or approval.station != station:
                return HttpAnswer(404, {"detail": f"no document {document_id} for {station}"})
        self.complaints.record(station, document_id, body)
        if self.rng.random() < self.faults.lost_reply_rate:
            return HttpAnswer(500, {"detail": "recorded, but the reply was lost"})
        return HttpAnswer(204)

    def events(self, document_id: str | None = None) -> list[dict[str, Any]]:
        """Events received, once per (document, event), in the order first received."""
        with self._lock:
            return [self._events[k].as_dict() for k in self._event_order
                    if document_id is None or k[0] == document_id]

    # --- the citizen's phone --------------------------------------------------

    def scan(self, document_id: str) -> Any:
        """Press "scan at the station" for a citizen: hand the token to the orchestrator's hook."""
        approval = self.approval(document_id)
        hook = self.scan_hook
        if hook is None:
            raise LookupError("no scan hook: start the simulator with one (station simulate does)")
        if isinstance(hook, str):
            reply = httpx.post(hook, json={"token": approval.token, "document": document_id}, timeout=15)
            try:
                return {"status": reply.status_code, "reply": reply.json()}
            except ValueError:
                return {"status": reply.status_code, "reply": reply.text[:500]}
        return hook(document_id, approval.token)


def _event_key(detail: dict[str, Any]) -> str:
    """What tells apart two events of one name for one document: the revision, and a refusal's reason."""
    revision = detail.get("revision", 0)
    reason = detail.get("reason") if str(detail.get("reason", "")).endswith(("_refused", "conflict")) else ""
    return f"{revision}:{reason}"


def corrected_name(data: dict[str, str]) -> dict[str, str]:
    """A correction a clerk makes: the holder's name, words the other way round (it still fits its box)."""
    key = next((k for k in data if k.startswith("nama")), next(iter(data)))
    words = data[key].split()
    fixed = " ".join(reversed(words)) if len(set(words)) > 1 else data[key].swapcase()
    return {key: fixed}


def _alter(fields: dict[str, Any], suffix: str) -> None:
    """Change a document's content: its first data field, or (a signed PDF) the digest it names."""
    if "data" in fields:
        fields["data"] = {**fields["data"]}
        first = next(iter(fields["data"]))
        fields["data"][first] = fields["data"][first] + suffix
    else:
        fields["sha256"] = hashlib.sha256(fields["sha256"].encode() + suffix.encode()).hexdigest()

"""A stand-in for the station daemon: a real ControlServer in a thread, with the ops the web app calls.

It answers like the daemon's contract says (ping, devices, kiosk, scan, pin,
open_slot, move_job, reprint), records every call, and publishes events on
its real EventBus, so the web app under test talks to a real socket.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from station.runtime.control import ControlServer
from station.errors import StationError
from station.events import EventBus
from station.release.kiosk import KioskView, Screen
from station.trust.token import citizen_message
from station.runtime import ops, readiness

GOOD = "MPP1:GOOD"
PIN_TOKEN = "MPP1:PIN"
GOOD_CODE = "1234-5678-9012"  # (issue 24) a typed code whose document asks for its PIN (123456)


class StubDaemon:
    """The daemon's control socket, answering from a small script of kiosk states."""

    def __init__(self, socket_path: Path) -> None:
        self.path = socket_path
        self.events = EventBus()
        self.calls: list[tuple[str, dict[str, Any], str]] = []
        self.view = KioskView(Screen.IDLE, message={"id": "Pindai kode QR", "en": "Scan the QR code"})
        self.devices: dict[str, Any] = {
            "printer": {"state": "online", "reasons": [], "blocking": [], "message": "", "source": "sim"},
            "buses": [{"name": "A", "state": "online"}],
            "scanner": {"driver": "serial", "state": "online"},
            "slots": {"A-1-01": {"door": "closed", "item": "present"}, "A-1-02": {"door": "open", "item": "absent"}}}
        self.loop = asyncio.new_event_loop()
        # Connections cut at stop are expected; keep them out of the test output.
        self.loop.set_exception_handler(
            lambda loop, context: None if isinstance(context.get("exception"), asyncio.CancelledError)
            else loop.default_exception_handler(context))
        self.server = ControlServer(socket_path, self.events)
        for op, answer in ((ops.STATION_PING, self._op_ping), (ops.DEVICES_STATUS, self._op_devices),
                           (ops.KIOSK_VIEW, self._op_kiosk), (ops.KIOSK_SCAN, self._op_scan),
                           (ops.KIOSK_PIN, self._op_pin), (ops.SLOT_OPEN, self._op_open_slot),
                           (ops.JOB_MOVE, self._op_move_job), (ops.JOB_REPRINT, self._op_reprint),
                           (ops.KIOSK_CODE, self._op_code), (ops.KIOSK_PIN_CANCEL, self._op_pin_cancel),
                           (ops.JOB_HANDOVER, self._op_handover), (ops.STATION_READINESS, self._op_readiness)):
            self.server.register(op, self._handler(op, answer))
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> StubDaemon:
        """Start serving (returns once the socket listens)."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(30)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (again: nothing)."""
        if self.loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(30)
        asyncio.run_coroutine_threadsafe(self._cancel_rest(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()

    async def _cancel_rest(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def show(self, view: KioskView) -> None:
        """Change the kiosk view and publish it, as the counter does."""
        self.view = view
        self.events.publish("kiosk", view.as_event())

    def _handler(self, op: str, answer: Any):
        async def handle(args: dict[str, Any], actor: str) -> Any:
            self.calls.append((op, args, actor))
            return answer(args)
        return handle

    def _op_ping(self, args: dict) -> dict:
        return {"station": "MPP-DEMO-01", "ready": True, "audit_head": 1, "now": "2026-11-28T00:00:00Z"}

    def _op_readiness(self, args: dict) -> dict:
        """The daemon's own verdict on its (stub) devices: station/runtime/readiness.py."""
        return readiness.assess(started=True, devices=self.devices, kind="locker").as_dict()

    def _op_devices(self, args: dict) -> dict:
        return self.devices

    def _op_kiosk(self, args: dict) -> dict:
        return self.view.as_event()

    def _op_scan(self, args: dict) -> dict:
        text = args.get("text", "")
        if text == GOOD:
            self.show(KioskView(Screen.OPENING, slot="A-1-05", board=1, door=5, session="s-1",
                                message={"id": "Pintu 5 sedang dibuka", "en": "Door 5 is opening"},
                                job={"id": "JOB-STAGED", "masked_name": "Siti Nurhaliza", "state": "released",
                                     "nik": "3171234567890123"}))
        elif text == PIN_TOKEN:
            self.show(KioskView(Screen.PIN, session="s-2", message={
                "id": citizen_message("pin_required", "id"), "en": citizen_message("pin_required", "en")}))
        else:
            self.show(KioskView(Screen.REFUSED, reason="malformed", message={
                "id": citizen_message("malformed", "id"), "en": citizen_message("malformed", "en")}))
        return self.view.as_event()

    def _op_pin(self, args: dict) -> dict:
        if args.get("session") != self.view.session:
            raise StationError("no release is waiting for a PIN", http_status=409)
        if args.get("pin") == "123456":
            self.show(KioskView(Screen.OPENING, slot="A-1-03", board=1, door=3, session=args["session"],
                                message={"id": "Pintu 3 sedang dibuka", "en": "Door 3 is opening"}))
        else:
            self.show(KioskView(Screen.PIN, session=args["session"], reason="pin_wrong",
                                message={"id": citizen_message("pin_required", "id"),
                                         "en": citizen_message("pin_required", "en")},
                                job={"attempts_left": 4, "wrong": True}))
        return self.view.as_event()

    def _op_code(self, args: dict) -> dict:
        if args.get("code", "").replace("-", "").replace(" ", "") == GOOD_CODE.replace("-", ""):
            self.show(KioskView(Screen.PIN, session="s-2", reason="pin_required", reset_at="2099-01-01T00:00:00.000Z",
                                message={"id": citizen_message("pin_required", "id"),
                                         "en": citizen_message("pin_required", "en")},
                                job={"attempts_left": 5}))
        else:
            self.show(KioskView(Screen.REFUSED, reason="bad_code", message={
                "id": citizen_message("bad_code", "id"), "en": citizen_message("bad_code", "en")}))
        return self.view.as_event()

    def _op_pin_cancel(self, args: dict) -> dict:
        if args.get("session") == self.view.session and self.view.screen is Screen.PIN:
            self.show(KioskView(Screen.IDLE, message={"id": "Pindai kode QR", "en": "Scan the QR code"}))
        return self.view.as_event()

    def _op_handover(self, args: dict) -> dict:
        """(issue 24) The PAYLOAD's NIK ends in 0123 (tests/support/webtest_jobs.py)."""
        if args.get("nik_last4") != "0123":
            raise StationError(f"job {args.get('job')}: the NIK's last 4 digits do not match the document: not"
                               " handed over", http_status=403)
        return {"job": args.get("job"), "state": "released", "handed_over": True}

    def _op_open_slot(self, args: dict) -> dict:
        return {"outcome": "opened"}

    def _op_move_job(self, args: dict) -> dict:
        return {"slot": args["slot"]}

    def _op_reprint(self, args: dict) -> dict:
        return {"queued": True}

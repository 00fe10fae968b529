"""The simulated back office over HTTP (FastAPI): the §7 API, the citizens' pages, an admin API.

- `GET  /api/v1/stations/{station}/documents?after=&limit=` and
  `POST /api/v1/documents/{id}/events`: PROTOCOLS.md §7, bearer token per station.
- `GET /` lists the documents; `GET /citizen/{id}` is a citizen's phone
  (the pickup QR as inline SVG); `POST /citizen/{id}/scan` hands the token to
  the orchestrator's scan hook.
- `POST /api/v1/stations/{station}/complaints`: a §7.1 complaint that names no document.
- `POST /api/v1/stations/{station}/checkpoints`: a signed audit checkpoint (§7.3); kept, and served
  back by `GET /sim/checkpoints/{station}` and `GET /sim/checkpoints/{station}/latest` (for an auditor).
- `/sim/...` for tests and technicians: `GET /sim/events`, `GET /sim/complaints`, `GET /sim/documents`,
  `GET /sim/documents/{id}`, `POST /sim/approve`, `GET|PUT /sim/faults`,
  `POST /sim/documents/{id}/correct` (`{"data": {...}}`, optional) and
  `POST /sim/documents/{id}/withdraw` (`{"reason": "..."}`, optional): §7.1.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.requests import ClientDisconnect

from .faults import FaultError
from .office import BackOffice, HttpAnswer
from .pages import citizen_page, index_page


def _answer(answer: HttpAnswer) -> Response:
    if answer.raw is not None:
        return Response(answer.raw, status_code=answer.status, media_type="application/json")
    if answer.status == 204:
        return Response(status_code=204)
    return JSONResponse(answer.body, status_code=answer.status)


def create_app(office: BackOffice) -> FastAPI:
    """The web app serving `office`."""
    app = FastAPI(title="MPP back office (simulator)", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.office = office

    async def misbehave() -> Response | None:
        """Faults every API request meets first: down, slow, 500."""
        faults = office.faults
        if faults.down:
            return JSONResponse({"detail": "back office down (simulated)"}, status_code=503)
        if faults.slow_seconds:
            await asyncio.sleep(faults.slow_seconds)
        if office.rng.random() < faults.error_rate:
            return JSONResponse({"detail": "internal error (simulated)"}, status_code=500)
        return None

    def unauthorized() -> Response:
        return JSONResponse({"detail": "missing or wrong bearer token"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})

    @app.get("/api/v1/stations/{station}/documents")
    async def documents(station: str, request: Request, after: str | None = None, limit: int = 50) -> Response:
        trouble = await misbehave()
        if trouble is not None:
            return trouble
        if office.station_for(request.headers.get("authorization")) != station:
            return unauthorized()
        return _answer(await run_in_threadpool(office.documents_reply, station, after, limit))

    @app.post("/api/v1/documents/{document_id}/events")
    async def events(document_id: str, request: Request) -> Response:
        trouble = await misbehave()
        if trouble is not None:
            return trouble
        station = office.station_for(request.headers.get("authorization"))
        if station is None:
            return unauthorized()
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"detail": "body is not JSON"}, status_code=400)
        except ClientDisconnect:  # the station went away mid-request (killed): it sends the event again
            return Response(status_code=400)
        return _answer(office.record_event(station, document_id, body))

    async def station_body(station: str, request: Request) -> Any:
        """The JSON body a station posts about itself, or the Response that refuses it."""
        trouble = await misbehave()
        if trouble is not None:
            return trouble
        if office.station_for(request.headers.get("authorization")) != station:
            return unauthorized()
        try:
            return json.loads(await request.body())
        except ValueError:
            return JSONResponse({"detail": "body is not JSON"}, status_code=400)

    @app.post("/api/v1/stations/{station}/complaints")
    async def station_complaints(station: str, request: Request) -> Response:
        body = await station_body(station, request)
        if isinstance(body, Response):
            return body
        return _answer(office.record_complaint(station, None, body))

    @app.post("/api/v1/stations/{station}/checkpoints")
    async def station_checkpoints(station: str, request: Request) -> Response:
        body = await station_body(station, request)
        if isinstance(body, Response):
            return body
        status, why = office.checkpoints.record(station, body)
        return Response(status_code=204) if why is None else JSONResponse({"detail": why}, status_code=status)

    @app.get("/sim/checkpoints/{station}")
    def sim_checkpoints(station: str) -> JSONResponse:
        return JSONResponse(office.checkpoints.listed(station))

    @app.get("/sim/checkpoints/{station}/latest")
    def sim_latest_checkpoint(station: str) -> JSONResponse:
        """The newest checkpoint the station sent: a file for `station audit verify --checkpoint FILE`."""
        latest = office.checkpoints.latest(station)
        if latest is None:
            return JSONResponse({"detail": f"no checkpoint from {station}"}, status_code=404)
        return JSONResponse(latest)

    @app.get("/sim/complaints")
    def sim_complaints(station: str | None = None) -> JSONResponse:
        return JSONResponse(office.complaints.listed(station))

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return HTMLResponse(index_page(office))

    @app.get("/citizen/{document_id}", response_class=HTMLResponse)
    def citizen(document_id: str) -> HTMLResponse:
        try:
            approval = office.approval(document_id)
        except KeyError:
            return HTMLResponse("<!doctype html><p>Dokumen tidak ditemukan / no such document.</p>",
                                status_code=404)
        return HTMLResponse(citizen_page(approval, can_scan=office.scan_hook is not None))

    @app.post("/citizen/{document_id}/scan")
    def scan(document_id: str) -> JSONResponse:
        try:
            result = office.scan(document_id)
        except KeyError:
            return JSONResponse({"detail": "no such document"}, status_code=404)
        except LookupError as err:
            return JSONResponse({"detail": str(err)}, status_code=501)
        except Exception as err:  # noqa: BLE001 - the hook is the orchestrator's: report, do not crash
            return JSONResponse({"detail": f"scan hook failed: {type(err).__name__}: {err}"}, status_code=502)
        return JSONResponse({"scanned": document_id, "result": _jsonable(result)})

    @app.get("/sim/events")
    def sim_events(document: str | None = None) -> JSONResponse:
        return JSONResponse(office.events(document))

    @app.get("/sim/documents")
    def sim_documents(station: str | None = None) -> JSONResponse:
        return JSONResponse([a.summary() for a in office.approvals(station)])

    @app.get("/sim/documents/{document_id}")
    def sim_document(document_id: str) -> JSONResponse:
        try:
            approval = office.approval(document_id)
        except KeyError:
            return JSONResponse({"detail": "no such document"}, status_code=404)
        return JSONResponse({**approval.summary(), "document": approval.document})

    @app.post("/sim/approve")
    def sim_approve(body: dict[str, Any]) -> JSONResponse:
        count = body.get("count", 1)
        if type(count) is not int or not 1 <= count <= 10_000:
            return JSONResponse({"detail": "count must be 1 to 10000"}, status_code=400)
        try:
            made = office.approve(count, station=body.get("station"), template=body.get("template"),
                                  pin=body.get("pin"), kind=body.get("kind"))
        except KeyError as err:
            return JSONResponse({"detail": str(err.args[0])}, status_code=400)
        return JSONResponse([a.summary() for a in made])

    @app.post("/sim/documents/{document_id}/correct")
    def sim_correct(document_id: str, body: dict[str, Any] | None = None) -> JSONResponse:
        data = (body or {}).get("data")
        if data is not None and (not isinstance(data, dict)
                                 or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items())):
            return JSONResponse({"detail": "data must be an object of text fields"}, status_code=400)
        try:
            return JSONResponse(office.correct(document_id, data))
        except KeyError:
            return JSONResponse({"detail": "no such document"}, status_code=404)
        except ValueError as err:
            return JSONResponse({"detail": str(err)}, status_code=400)

    @app.post("/sim/documents/{document_id}/withdraw")
    def sim_withdraw(document_id: str, body: dict[str, Any] | None = None) -> JSONResponse:
        reason = (body or {}).get("reason", "withdrawn_by_office")
        if not isinstance(reason, str) or not reason:
            return JSONResponse({"detail": "reason must be text"}, status_code=400)
        try:
            return JSONResponse(office.withdraw(document_id, reason))
        except KeyError:
            return JSONResponse({"detail": "no such document"}, status_code=404)

    @app.get("/sim/pdf-ca.pem")
    def sim_pdf_ca() -> Response:
        """The root of the CA that signs this back office's PDFs (for a station's [pdf] ca_bundle)."""
        return Response(office.pdf_issuer.root_pem, media_type="application/x-pem-file")

    @app.get("/sim/faults")
    def sim_faults() -> JSONResponse:
        return JSONResponse(office.faults.as_dict())

    @app.put("/sim/faults")
    def sim_set_faults(body: dict[str, Any]) -> JSONResponse:
        try:
            return JSONResponse(office.set_faults(**body).as_dict())
        except FaultError as err:
            return JSONResponse({"detail": str(err)}, status_code=400)

    return app


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value

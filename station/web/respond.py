"""Responses: fast JSON, one error shape (RFC 9457 problem details), and the error codes each route documents."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from spool.errors import IllegalTransition, PersonalDataInAudit, SlotError, SpoolError, UnknownJob
from station.runtime.control import ControlError
from station.errors import StationError

from .models import Problem

_MESSAGES = {400: "Bad request", 401: "No valid bearer token", 403: "Too weak a role for this",
             404: "Not found", 409: "Conflicts with the current state", 422: "Invalid input",
             501: "The station daemon does not offer this", 502: "The station daemon failed",
             503: "The station daemon is not running"}


class NotFound(StationError):
    """The thing named in the path does not exist."""

    http_status = 404


PROBLEM_TYPE = "application/problem+json"


def problem_response(status: int, detail: str) -> Response:
    """The one error shape, RFC 9457: `{"type", "title", "status", "detail"}` as application/problem+json."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    response = Response(json.dumps(body, ensure_ascii=False).encode(), status_code=status, media_type=PROBLEM_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON response, encoded once without re-validation (the models document the shape)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    return Response(body, status_code=status, media_type="application/json")


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error codes (401 and 403 are added by `protected`)."""
    return {code: {"model": Problem, "description": _MESSAGES.get(code, "Error"),
                   "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for code in codes}


def protected(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Error responses of a route that needs a token."""
    return errors(401, 403, *codes)


def status_of(err: Exception) -> int:
    """The HTTP status an error maps to."""
    if isinstance(err, ControlError):
        return 502 if err.http_status >= 500 and err.http_status not in (501, 503) else err.http_status
    if isinstance(err, StationError):
        return err.http_status
    if isinstance(err, UnknownJob):
        return 404
    if isinstance(err, PersonalDataInAudit):
        return 422
    if isinstance(err, IllegalTransition | SlotError):
        return 409
    if isinstance(err, SpoolError):
        return 409
    return 500


async def error_handler(request: Request, err: Exception) -> Response:
    """A station or spool refusal as problem details (the sentence is the `detail`)."""
    return problem_response(status_of(err), str(err))


async def http_error_handler(request: Request, err: Exception) -> Response:
    """FastAPI's own refusals (no such route, wrong method) in the same shape."""
    assert isinstance(err, HTTPException)
    response = problem_response(err.status_code, str(err.detail))
    for name, value in (err.headers or {}).items():
        response.headers[name] = value
    return response


async def validation_error_handler(request: Request, err: Exception) -> Response:
    """A request that does not fit its schema: 422, naming the first field at fault."""
    assert isinstance(err, RequestValidationError)
    problems = err.errors()
    first = problems[0] if problems else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    detail = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid request"))
    if len(problems) > 1:
        detail += f" (and {len(problems) - 1} more)"
    return problem_response(422, detail)

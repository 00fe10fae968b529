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


def problem_response(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> Response:
    """The one error shape, RFC 9457: `{"type", "title", "status", "detail"}` as application/problem+json
    (and `errors`, RFC 9457's own extension for a request that does not fit: each with a `pointer` into the body
    or the `parameter` and its `location`)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
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
    """A request that does not fit its schema: 422, the first problem in a sentence that names the field and
    where it is (the body, the query, the path), and every problem in `errors` (the shape of RFC 9457's own
    example). A body that is not JSON at all says where it breaks."""
    assert isinstance(err, RequestValidationError)
    problems = [validation_problem(p, err.body) for p in err.errors()] or [
        {"detail": "the request does not fit this operation", "pointer": "#"}]
    detail = problems[0]["sentence"]
    if len(problems) > 1:
        detail += f" (and {len(problems) - 1} more: see errors)"
    return problem_response(422, detail, [{k: v for k, v in p.items() if k != "sentence"} for p in problems])


def validation_problem(problem: dict[str, Any], body: Any) -> dict[str, Any]:
    """One pydantic/FastAPI problem as an RFC 9457 `errors` member, with the sentence a person reads."""
    where, *path = problem.get("loc") or ("body",)
    message = str(problem.get("msg") or "invalid")
    if problem.get("type") == "json_invalid":  # ("body", position): FastAPI keeps the text it could not read
        return _json_problem(problem, body)
    if where == "body":
        pointer = "#" + "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
        field = ".".join(str(part) for part in path)
        if not field:
            sentence = f"the body: {message}"
        elif problem.get("type") == "missing":
            sentence = f"the body needs the field \"{field}\""
        else:
            sentence = f"the body's field \"{field}\": {message}"
        return {"detail": message, "pointer": pointer, "sentence": sentence}
    name = ".".join(str(part) for part in path)
    place = {"query": "query parameter", "path": "part of the path", "header": "header"}.get(str(where), str(where))
    return {"detail": message, "parameter": name, "location": str(where),
            "sentence": f"the {place} \"{name}\": {message}"}


def _json_problem(problem: dict[str, Any], body: Any) -> dict[str, Any]:
    """`1: JSON decode error` said nothing: the parser's words, with the line and column where it stopped."""
    position = next((p for p in (problem.get("loc") or ())[1:] if isinstance(p, int)), None)
    reason = str((problem.get("ctx") or {}).get("error") or "not valid JSON")
    found: dict[str, Any] = {"detail": reason, "pointer": "#"}
    if isinstance(body, str) and isinstance(position, int) and 0 <= position <= len(body):
        line = body.count("\n", 0, position) + 1
        column = position - (body.rfind("\n", 0, position) + 1) + 1
        found.update(line=line, column=column)
        found["sentence"] = f"the body is not valid JSON: {reason} at line {line}, column {column}"
    else:
        found["sentence"] = f"the body is not valid JSON: {reason}"
    return found

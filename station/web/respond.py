"""Responses: fast JSON, one error shape, and the error codes each route documents."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from spool.errors import IllegalTransition, PersonalDataInAudit, SlotError, SpoolError, UnknownJob
from station.control import ControlError
from station.errors import StationError

from .models import ErrorBody

_MESSAGES = {400: "Bad request", 401: "No valid bearer token", 403: "Too weak a role for this",
             404: "Not found", 409: "Conflicts with the current state", 422: "Invalid input",
             501: "The station daemon does not offer this", 502: "The station daemon failed",
             503: "The station daemon is not running"}


class NotFound(StationError):
    """The thing named in the path does not exist."""

    http_status = 404


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON response, encoded once without re-validation (the models document the shape)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    return Response(body, status_code=status, media_type="application/json")


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error codes (401 and 403 are added by `protected`)."""
    return {code: {"model": ErrorBody, "description": _MESSAGES.get(code, "Error")} for code in codes}


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
    """One error shape for every refusal: `{"error": sentence}`."""
    status = status_of(err)
    response = json_response({"error": str(err)}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response

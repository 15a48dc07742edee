"""Errors as `application/problem+json` (RFC 9457), with field paths for invalid input.

Every error body has `type`, `title`, `status`, `detail` and a stable `code`; invalid input adds
`errors: [{path, reason}]`, paths written as in the request body (`problem.trips[3].time`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from busplan.io.problem_json import ProblemError
from busplan.jobs.commands import IdempotencyConflict
from busplan.jobs.log import DATABASE_UNAVAILABLE
from busplan.routing import RoutingError
from busplan.store.states import InvalidTransition, JobNotFound

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://busplan.example/problems/"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or code.replace("_", " ").capitalize()
        self.errors = errors
        self.headers = headers


def problem_response(
    request: Request | None,
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.lower().replace("_", "-"),
        "title": title or code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def input_path(location: tuple[int | str, ...] | list[int | str]) -> str:
    """('body', 'problem', 'trips', 0, 'time') -> 'problem.trips[0].time'."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "$"


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(JobNotFound, _plain(404, "JOB_NOT_FOUND"))
    app.add_exception_handler(InvalidTransition, _plain(409, "JOB_FINISHED"))
    reused = "this Idempotency-Key was already used for a different request"
    app.add_exception_handler(IdempotencyConflict, _plain(422, "IDEMPOTENCY_KEY_REUSED", reused))
    # OSRM unreachable (without the fallback allowed) or refusing the problem's locations.
    app.add_exception_handler(RoutingError, _plain(503, "TRAVEL_TIMES_UNAVAILABLE"))
    # Nothing is half-written: every write is one transaction, rolled back whole.
    away = "the job database is unavailable; nothing was changed, retry shortly"
    for unavailable in DATABASE_UNAVAILABLE:
        handler = _plain(503, "DATABASE_UNAVAILABLE", away, {"Retry-After": "5"})
        app.add_exception_handler(unavailable, handler)


def _plain(
    status: int, code: str, detail: str | None = None, headers: dict[str, str] | None = None
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """A handler answering `status` and `code`, with the exception's text unless `detail`."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(request, status, code, detail or str(exc), headers=headers)

    return handle


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem_response(
        request,
        exc.status,
        exc.code,
        exc.detail,
        title=exc.title,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    errors = [
        {"path": "problem" if e.path == "$" else f"problem.{e.path}", "reason": e.reason}
        for e in exc.errors
    ]
    detail = f"the problem has {len(errors)} error(s); see errors"
    return problem_response(request, 422, "INVALID_PROBLEM", detail, errors=errors)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = list(exc.errors())
    if any(i.get("type") == "json_invalid" for i in issues):
        return problem_response(request, 400, "MALFORMED_JSON", "the request body is not JSON")
    errors = []
    for issue in issues:
        location = list(issue.get("loc", ()))
        if location and location[0] in ("body", "query", "path", "header"):
            location = location[1:] if location[0] == "body" else location
        errors.append({"path": input_path(location), "reason": str(issue.get("msg", ""))})
    return problem_response(
        request, 422, "INVALID_REQUEST", "the request is not valid; see errors", errors=errors
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "BODY_TOO_LARGE"}.get(
        exc.status_code, "HTTP_ERROR"
    )
    return problem_response(
        request, exc.status_code, code, str(exc.detail), headers=dict(exc.headers or {})
    )

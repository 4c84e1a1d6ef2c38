"""Problem details (RFC 9457): the one error shape, and the middleware that guarantees it."""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import attrs
from aiohttp import web

from crm.availability import is_unavailable

log = logging.getLogger("crm")

PROBLEM_JSON = "application/problem+json"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@attrs.frozen
class FieldError:
    """One invalid input: a dotted path to the field and what is wrong with it."""

    field: str
    message: str


class Problem(Exception):
    """An error to answer with: status, a human detail, and optional field errors and headers."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})

    def response(self, request_id: str | None = None) -> web.Response:
        """The problem+json response for this error."""
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": _TITLES.get(self.status) or HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        if request_id and self.status >= 500:
            body["request_id"] = request_id
        return web.Response(
            status=self.status,
            text=json.dumps(body, ensure_ascii=False),
            content_type=PROBLEM_JSON,
            headers=self.headers,
        )


class ValidationFailed(Problem):
    """422: the input is well-formed but its values are not acceptable."""

    def __init__(
        self, errors: list[FieldError], detail: str = "The request has invalid fields."
    ) -> None:
        super().__init__(422, detail, errors=errors)


def unauthorized(detail: str) -> Problem:
    """401 with the challenge header RFC 6750 asks for."""
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="crm"'})


def not_found(what: str = "Resource") -> Problem:
    """404 in one wording everywhere."""
    return Problem(404, f"{what} not found.")


# How long a client should wait before retrying a request the database could not serve.
RETRY_AFTER_SECONDS = 5


def unavailable() -> Problem:
    """503 with Retry-After: the database is down or does not answer in time."""
    return Problem(
        503,
        "The database is not reachable right now; retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


# RFC 9110 names, the same on every Python version (3.13 renamed some of http.HTTPStatus's).
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}

_HTTP_DETAILS = {
    404: "No such route.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _new_request_id() -> str:
    """32 hex digits, as uuid4().hex gave.

    A request id names a request in logs; nobody can do anything with one they guess. Python's
    own generator (reseeded from the OS in each process, forks too) costs no system call:
    `secrets` read the kernel's random source for each request, 3–5 µs under load.
    """
    return f"{random.getrandbits(128):032x}"


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every error as problem+json; log unexpected ones with a request id, leak nothing."""
    supplied = request.headers.get("X-Request-Id", "")
    request_id = supplied if _REQUEST_ID.match(supplied) else _new_request_id()
    try:
        response = await handler(request)
    except Problem as problem:
        response = problem.response(request_id)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        detail = _HTTP_DETAILS.get(exc.status, exc.reason)
        response = Problem(exc.status, detail, headers=headers).response(request_id)
    except Exception as exc:
        if is_unavailable(exc):
            # The pool logged the change of state once; a traceback per request would drown it.
            response = unavailable().response(request_id)
            response.headers["X-Request-Id"] = request_id
            return response
        log.exception(
            "unhandled error in %s %s [request %s]", request.method, request.path, request_id
        )
        detail = f"An unexpected error occurred; quote request id {request_id} when reporting it."
        response = Problem(500, detail).response(request_id)
    response.headers["X-Request-Id"] = request_id
    return response

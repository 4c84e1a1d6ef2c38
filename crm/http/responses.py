"""Writing a response: JSON, found-or-404, created with a Location from the named route, pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from crm.convert import json_dumps
from crm.errors import not_found
from crm.pagination import PageRequest, newest_first, page_body


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response of attrs or plain data (rows as dicts go straight through)."""
    return web.Response(
        body=json_dumps(data),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def found(row: Any, cls: Callable[..., Any], what: str) -> web.Response:
    """The database row as `cls` in JSON, or a 404 naming `what` when there is no row."""
    if row is None:
        raise not_found(what)
    return json_response(cls(**row))


def created(request: web.Request, row: Any, cls: Callable[..., Any], route: str) -> web.Response:
    """201 with the new row as `cls` and a Location built from the named route `route`."""
    location = request.app.router[route].url_for(id=str(row["id"]))
    return json_response(cls(**row), status=201, headers={"Location": str(location)})


def page_response(
    request: web.Request,
    page: PageRequest,
    rows: Sequence[Any],
    item: Callable[[Any], Any],
    secret: bytes,
    key: Callable[[Any], Sequence[Any]] | None = None,
) -> web.Response:
    """The list response: `{"items", "next_cursor"}` with each row as `item(row)`, and Link."""
    items, cursor, headers = page_body(request, page, rows, key or newest_first, secret)
    body = {"items": [item(row) for row in items], "next_cursor": cursor}
    return json_response(body, headers=headers)

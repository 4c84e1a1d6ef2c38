"""Writing a response: JSON, found-or-404, created with a Location from the named route, pages."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import attrs
from aiohttp import web
from multidict import MultiMapping

from crm.convert import json_dumps
from crm.errors import not_found
from crm.pagination import PageRequest, page_body


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


def found(row: Any, item: Callable[[Any], Any], what: str) -> web.Response:
    """The database row as `item` makes it (e.g. as_item(cls)) in JSON, or a 404 naming `what`
    when there is no row (or id)."""
    if row is None or row["id"] is None:
        raise not_found(what)
    return json_response(item(row))


def location(request: web.Request, route: str, **parts: object) -> str:
    """The path of the named route with `parts` put in. Parts are ids and tracking tokens (URL-safe
    base64), which need no quoting: url_for's quoting and URL object would leave them as they
    are, at a cost."""
    return str(request.app.router[route].canonical.format(**parts))


def created(request: web.Request, row: Any, item: Callable[[Any], Any], route: str) -> web.Response:
    """201 with the new row as `item` makes it and a Location built from the named route."""
    headers = {"Location": location(request, route, id=row["id"])}
    return json_response(item(row), status=201, headers=headers)


# Once per class: handlers ask for it on every request.
@functools.cache
def as_item(cls: Callable[..., Any]) -> Callable[[Any], Any]:
    """Row to `cls`, taking `cls`'s fields by name (read queries add columns of their own)."""
    names = _field_names(cls)
    return lambda row: cls(**{name: row[name] for name in names})


def as_dict(cls: Callable[..., Any]) -> Callable[[Any], dict[str, Any]]:
    """Row to a dict of `cls`'s fields: for rows whose values are already what JSON shows."""
    names = _field_names(cls)
    return lambda row: {name: row[name] for name in names}


def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(cls))


def page_response(
    request: web.Request,
    query: MultiMapping[str],
    page: PageRequest,
    rows: Sequence[Any],
    item: Callable[[Any], Any],
    secret: bytes,
) -> web.Response:
    """The list response: `{"items", "next_cursor", "total", "total_exact"}` and Link."""
    body, headers = page_body(request, query, page, rows, item, secret)
    return json_response(body, headers=headers)

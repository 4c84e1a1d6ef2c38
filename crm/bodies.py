"""Reading requests and writing responses: JSON bodies, partial updates, ids, found and created."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import attrs
from aiohttp import web

from crm.convert import MAX_ID, json_dumps, structure
from crm.errors import FieldError, Problem, ValidationFailed, not_found

T = TypeVar("T")


async def read_body(request: web.Request, cls: type[T]) -> T:
    """Parse the JSON body into `cls`: 400 when it is not JSON, 422 when its values are wrong."""
    return structure(await read_json(request), cls)


async def read_patch(
    request: web.Request, cls: type[T], nullable: Collection[str] = ()
) -> tuple[T, frozenset[str]]:
    """Parse a partial update: `cls` (absent fields None) and the names of the fields given."""
    data = await read_json(request)
    if isinstance(data, dict):
        known = attrs.fields_dict(cls)  # type: ignore[arg-type]
        nulls = [k for k, v in data.items() if v is None and k in known and k not in nullable]
        if nulls:
            raise ValidationFailed([FieldError(k, "must not be null") for k in sorted(nulls)])
        if not data:
            raise ValidationFailed([FieldError("$", "must change at least one field")])
    return structure(data, cls), frozenset(data)


def path_id(request: web.Request, what: str) -> int:
    """The `{id}` of the path; one beyond any database id is simply not found."""
    value = int(request.match_info["id"])
    if not 1 <= value <= MAX_ID:
        raise not_found(what)
    return value


async def read_json(request: web.Request) -> Any:
    """The parsed JSON body, or a 400 problem saying why it could not be read."""
    raw = await request.read()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"The body is not valid JSON: {exc}") from None


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


def created(row: Any, cls: Callable[..., Any], collection: str) -> web.Response:
    """201 with the new row as `cls` and its Location under `/collection/`."""
    headers = {"Location": f"/{collection}/{row['id']}"}
    return json_response(cls(**row), status=201, headers=headers)

"""Admin API for customers: list and search, create, read, change and delete clients."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from crm import orders, rules
from crm.app_keys import CURSOR_SECRET, POOL, QUERIES, READ_POOL
from crm.auth import admitted, reader, require
from crm.convert import Search, phone_search
from crm.errors import FieldError, Problem, ValidationFailed, not_found
from crm.http.etags import if_match, precondition_failed, tagged
from crm.http.requests import path_id, query_params, query_value, read_body, read_patch
from crm.http.responses import as_item, created, found, page_response
from crm.models import Client, ClientPatch, NewClient, Role
from crm.pagination import contains, page_request

FIELDS = ("name", "phone", "email", "comment")
HAS_TICKETS = "The client has tickets; a client is never deleted with its tickets."


async def list_clients(request: web.Request) -> web.Response:
    """A page of clients in the asked order; `q` matches name, e-mail or phone digits."""
    app = request.app
    read = await reader(request, Role.ADMIN, replica=app[READ_POOL] is not app[POOL])
    query = query_params(request, {"q", "sort"})
    q = query_value(query, "q", Search) or None
    page = page_request(query, app[CURSOR_SECRET], "clients", {"q": q}, orders.CLIENTS)
    pattern = contains(phone_search(q) if q else None)
    rows = await app[QUERIES].list_clients(
        app[READ_POOL], pattern=pattern, **page.params(), **read.params()
    )
    admitted(request, rows[0])
    return page_response(request, query, page, rows, as_item(Client), app[CURSOR_SECRET])


async def create_client(request: web.Request) -> web.Response:
    """Create a client: 201 with Location."""
    await require(request, Role.ADMIN)
    body = await read_body(request, NewClient)
    _need_contact(body)
    app = request.app
    row = await app[QUERIES].insert_client(app[POOL], **_values(body))
    return created(request, row, as_item(Client), "get_client")


async def get_client(request: web.Request) -> web.Response:
    """One client."""
    read = await reader(request, Role.ADMIN)
    app = request.app
    row = await app[QUERIES].get_client(app[POOL], id=path_id(request, "Client"), **read.params())
    return tagged(found(admitted(request, row), as_item(Client), "Client"), row["updated_at"])


async def update_client(request: web.Request) -> web.Response:
    """Change the given fields (null clears one); the client must keep a name, phone or e-mail."""
    await require(request, Role.ADMIN)
    client_id = path_id(request, "Client")
    body, given = await read_patch(request, ClientPatch, nullable=FIELDS)
    flags = {f"set_{name}": name in given for name in FIELDS}
    app, expected = request.app, if_match(request)
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await app[QUERIES].update_client(
            conn, id=client_id, expected=expected, **_values(body), **flags
        )
        # Checked on the result, so a patch may swap one contact for another; raising rolls back.
        if row is not None:
            _need_contact(Client(**row))
        elif expected is not None and await app[QUERIES].client_exists(conn, id=client_id):
            raise precondition_failed()
    return tagged(found(row, as_item(Client), "Client"), row["updated_at"])


async def delete_client(request: web.Request) -> web.Response:
    """Delete a client without tickets; 409 while any ticket names them."""
    await require(request, Role.ADMIN)
    app, client_id, expected = request.app, path_id(request, "Client"), if_match(request)
    try:
        deleted = await app[QUERIES].delete_client(app[POOL], id=client_id, expected=expected)
    except (asyncpg.RestrictViolationError, asyncpg.ForeignKeyViolationError):
        raise Problem(409, HAS_TICKETS) from None
    if deleted is None:
        if expected is not None and await app[QUERIES].client_exists(app[POOL], id=client_id):
            raise precondition_failed()
        raise not_found("Client")
    return web.Response(status=204)


def _values(body: NewClient) -> dict[str, Any]:
    return {name: getattr(body, name) for name in FIELDS}


def _need_contact(client: NewClient | Client) -> None:
    if not rules.has_contact(client.name, client.phone, client.email):
        raise ValidationFailed([FieldError("$", "needs at least a name, phone or email")])

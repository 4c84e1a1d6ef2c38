"""Admin API for staff accounts: list, create, read, change and (softly) delete users."""

from __future__ import annotations

from aiohttp import web

from crm import orders
from crm.app_keys import CURSOR_SECRET, PASSWORDS, POOL, QUERIES, READ_POOL
from crm.auth import admitted, reader, require
from crm.changes import users
from crm.convert import Search
from crm.errors import not_found
from crm.http.etags import if_match, tagged
from crm.http.requests import path_id, query_params, query_value, read_body, read_patch
from crm.http.responses import as_item, created, found, page_response
from crm.models import NewUser, Role, User, UserPatch
from crm.pagination import contains, page_request


async def list_users(request: web.Request) -> web.Response:
    """A page of users in the asked order, filtered by e-mail substring and role, with the total."""
    app = request.app
    read = await reader(request, Role.ADMIN, replica=app[READ_POOL] is not app[POOL])
    query = query_params(request, {"q", "role", "sort"})
    q, role = query_value(query, "q", Search) or None, query_value(query, "role", Role)
    page = page_request(query, app[CURSOR_SECRET], "users", {"q": q, "role": role}, orders.USERS)
    rows = await app[QUERIES].list_users(
        app[READ_POOL], role=role, pattern=contains(q), **page.params(), **read.params()
    )
    admitted(request, rows[0])
    return page_response(request, query, page, rows, as_item(User), app[CURSOR_SECRET])


async def create_user(request: web.Request) -> web.Response:
    """Create a user: 201 with Location, 409 when the e-mail is taken in any case."""
    await require(request, Role.ADMIN)
    body = await read_body(request, NewUser)
    app = request.app
    row = await users.insert_user(
        app[POOL],
        app[QUERIES],
        app[PASSWORDS],
        body.email,
        body.password,
        body.role,
        body.display_name,
    )
    return created(request, row, as_item(User), "get_user")


async def get_user(request: web.Request) -> web.Response:
    """One user."""
    read = await reader(request, Role.ADMIN)
    app = request.app
    row = await app[QUERIES].get_user(app[POOL], id=path_id(request, "User"), **read.params())
    return tagged(found(admitted(request, row), as_item(User), "User"), row["updated_at"])


async def update_user(request: web.Request) -> web.Response:
    """Change a user's e-mail, display name, password, role or active flag; keep an admin."""
    caller = await require(request, Role.ADMIN)
    user_id = path_id(request, "User")
    body, given = await read_patch(request, UserPatch, nullable=("display_name",))
    app = request.app
    row = await users.update_user(
        app[POOL],
        app[QUERIES],
        app[PASSWORDS],
        caller.id,
        user_id,
        body,
        given,
        if_match(request),
    )
    return tagged(found(row, as_item(User), "User"), row["updated_at"])


async def delete_user(request: web.Request) -> web.Response:
    """Soft-delete a user, revoking their tokens and unassigning their open tickets."""
    caller = await require(request, Role.ADMIN)
    user_id = path_id(request, "User")
    app = request.app
    expected = if_match(request)
    if not await users.delete_user(app[POOL], app[QUERIES], caller.id, user_id, expected):
        raise not_found("User")
    return web.Response(status=204)

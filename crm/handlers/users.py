"""Admin API for staff accounts: list, create, read, change and (softly) delete users."""

from __future__ import annotations

from typing import cast

from aiohttp import web

from crm.app_keys import CURSOR_SECRET, PASSWORDS, POOL, QUERIES, READ_POOL
from crm.auth import require
from crm.changes import users
from crm.convert import Search
from crm.errors import not_found
from crm.http.requests import path_id, query_params, query_value, read_body, read_patch
from crm.http.responses import created, found, page_response
from crm.models import NewUser, Role, User, UserPatch
from crm.pagination import after_newest, contains, page_request


async def list_users(request: web.Request) -> web.Response:
    """A page of users, newest first, filtered by e-mail substring and role."""
    await require(request, Role.ADMIN)
    app, query = request.app, query_params(request, {"q", "role"})
    q, role = query_value(query, "q", Search) or None, query_value(query, "role", Role)
    page = page_request(query, app[CURSOR_SECRET], "users", {"q": q, "role": role})
    rows = await app[QUERIES].list_users(
        app[READ_POOL], role=role, pattern=contains(q), **after_newest(page)
    )
    return page_response(request, page, rows, lambda row: User(**row), app[CURSOR_SECRET])


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
    return created(request, row, User, "get_user")


async def get_user(request: web.Request) -> web.Response:
    """One user."""
    await require(request, Role.ADMIN)
    app = request.app
    row = await app[QUERIES].get_user(app[POOL], id=path_id(request, "User"))
    return found(row, User, "User")


async def update_user(request: web.Request) -> web.Response:
    """Change a user's e-mail, display name, password, role or active flag; keep an admin."""
    caller = await require(request, Role.ADMIN)
    user_id = path_id(request, "User")
    body, given = await read_patch(request, UserPatch, nullable=("display_name",))
    app = request.app
    row = await users.update_user(
        app[POOL], app[QUERIES], app[PASSWORDS], cast(int, caller["id"]), user_id, body, given
    )
    return found(row, User, "User")


async def delete_user(request: web.Request) -> web.Response:
    """Soft-delete a user, revoking their tokens and unassigning their open tickets."""
    caller = await require(request, Role.ADMIN)
    user_id = path_id(request, "User")
    app = request.app
    if not await users.delete_user(app[POOL], app[QUERIES], cast(int, caller["id"]), user_id):
        raise not_found("User")
    return web.Response(status=204)

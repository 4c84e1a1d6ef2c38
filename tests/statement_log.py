"""Every statement the app sends to PostgreSQL, for tests that count round trips."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from crm.app_keys import POOL
from crm.settings import Settings
from tests.api import Api


@attrs.define(eq=False)  # hashable: asyncpg keeps its query loggers in a set
class Statements:
    """Every statement the app's pool connections ran since the last `clear`.

    asyncpg learns an unfamiliar type (an enum, an array of one) once per connection with a few
    catalog statements of its own; those are kept apart, so `seen` is what the app sent.
    """

    seen: list[str] = attrs.Factory(list)
    introspection: list[str] = attrs.Factory(list)

    def __call__(self, record: Any) -> None:
        query = record.query
        own = "pg_catalog" in query or "jit" in query
        (self.introspection if own else self.seen).append(query)

    async def settled(self) -> list[str]:
        """`seen`, once asyncpg has told the log about every statement that finished.

        asyncpg calls a query logger soon after the statement, not at once, so a statement that
        ended just before may not be in `seen` yet.
        """
        await asyncio.sleep(0)
        return self.seen

    async def clear(self) -> None:
        """Forget every statement so far, the ones asyncpg has not told the log about too."""
        (await self.settled()).clear()


@pytest.fixture(name="statements")
async def statements_fixture(api: Api, settings: Settings) -> AsyncIterator[Statements]:
    """Logs the statements of every connection the app's pools can hand out (asyncpg's logger):
    the pool planning for each call's values and its sibling keeping plans."""
    log = Statements()
    bounded = api.app[POOL]
    for pool in (bounded.pool, bounded.kept.pool):  # the asyncpg pools inside the bounded ones
        await watch(pool, settings.pool_max_size, log)
    yield log


async def watch(pool: Any, size: int, log: Statements) -> None:
    """Make `log` see every statement of the `size` connections an asyncpg pool can hand out."""
    held = [await pool.acquire() for _ in range(size)]
    try:
        for conn in held:
            conn.add_query_logger(log)
    finally:
        for conn in held:
            await pool.release(conn)

"""asyncpg's connection pool, giving a clean connection back to the pool on the spot."""

from __future__ import annotations

from typing import Any

import asyncpg
import asyncpg.pool


class Pool(asyncpg.pool.Pool):  # type: ignore[misc]
    """An asyncpg pool whose release of a clean connection costs no task and no timer.

    asyncpg releases every connection in a task of its own under `asyncio.shield`, inside an
    `asyncio.timeout` around the reset: 7–10 µs of a one-ticket read's 130 µs of server time.
    A connection this service gives back is nearly always clean (no transaction, listener or
    cancellation in flight, and we never change session state), and putting it back on the
    queue needs no wait at all. Anything else takes asyncpg's own path.

    It reads asyncpg's private attributes, so the version is locked; tests/test_pool.py fails
    if a new one changes them.
    """

    __slots__ = ()

    async def release(
        self,
        connection: Any,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (asyncpg's signature, which callers use)
    ) -> None:
        holder = getattr(connection, "_holder", None)
        con = getattr(connection, "_con", None)
        if holder is None or con is None or not self._clean(holder, con):
            await super().release(connection, timeout=timeout)
            return
        con._on_release()
        holder._timeout = None
        holder._release()
        holder._setup_inactive_callback()

    def _clean(self, holder: Any, con: Any) -> bool:
        """Whether the connection goes back as it is: asyncpg's release would only requeue it."""
        protocol = con._protocol
        return bool(
            holder._pool is self
            and not self._closing
            and not self._closed
            and holder._generation == self._generation
            and not con.is_closed()
            and not con.is_in_transaction()
            and con._top_xact is None
            and not con._listeners
            and not con._log_listeners
            and not protocol._is_cancelling()
            and protocol.queries_count < holder._max_queries
        )

    def may_wait(self) -> bool:
        """Whether an acquire now could wait for another caller's connection."""
        return bool(self._queue.empty())


def new_pool(url: str, **options: Any) -> Pool:
    """A Pool as `asyncpg.create_pool(url, **options)` makes one (await it to open it), with
    asyncpg's own defaults for what `options` leaves out."""
    return Pool(url, **{**asyncpg.create_pool.__kwdefaults__, **options})

"""The database going away and coming back: bounded waits, 503 instead of 500, one log line
per change of state instead of a traceback per request."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Any

import asyncpg

log = logging.getLogger("crm")

# What a missing, restarting, overloaded or frozen database raises (timeouts included).
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, no socket file
    TimeoutError,  # connect, pool acquire or statement timeout
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # "connection is closed", "pool is closing"
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.QueryCanceledError,  # the server's statement_timeout
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.InternalClientError,  # a connection that died in the middle of an operation
)


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot serve right now (not that a query is wrong)."""
    return isinstance(exc, _UNAVAILABLE)


def _without_traceback(record: logging.LogRecord) -> bool:
    record.exc_info = None
    record.exc_text = None
    return True


def quiet_pool_retries() -> None:
    """asyncpg's pool retries its connection floor with a traceback each time (backing off to a
    minute); the message is enough, as our own line says what changed."""
    logging.getLogger("asyncpg.pool").addFilter(_without_traceback)


class DatabaseState:
    """Whether the database answered last time; logs once when that changes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.up = True

    def failed(self, exc: BaseException) -> None:
        """A database call failed for want of the database."""
        if self.up:
            self.up = False
            log.warning("%s database unavailable: %s", self.name, type(exc).__name__)

    def answered(self) -> None:
        """A database call succeeded."""
        if not self.up:
            self.up = True
            log.warning("%s database reachable again", self.name)


class BoundedPool:
    """An asyncpg pool whose every wait is bounded and whose outcomes feed a DatabaseState.

    `kept`: the sibling over the same database whose sessions keep generic plans, where the
    statements marked `-- plan: kept` run (crm.queries.Query.kept); itself when there is none.
    This pool's sessions plan each statement for its values (crm.db.create_pool).
    """

    def __init__(
        self,
        pool: Any,
        acquire_timeout: float,
        state: DatabaseState,
        kept: BoundedPool | None = None,
    ) -> None:
        self.pool = pool
        self.acquire_timeout = acquire_timeout
        self.state = state
        self.kept = kept if kept is not None else self

    def acquire(self) -> Acquired:
        """A connection within the acquire timeout, as `pool.acquire()` gives it."""
        return Acquired(self)

    async def fetch(self, query: str, *args: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.execute(query, *args)

    async def close(self) -> None:
        """Close the pool and its sibling (waits for connections in use)."""
        if self.kept is not self:
            await self.kept.close()
        await self.pool.close()

    def terminate(self) -> None:
        """Close every connection of the pool and its sibling at once."""
        if self.kept is not self:
            self.kept.terminate()
        self.pool.terminate()


class Acquired:
    """`BoundedPool.acquire()`: the pool's acquire context, its outcome told to the state.

    A class rather than an @asynccontextmanager generator: every query passes through here, and
    the generator's machinery cost more per request than the rest of this module.
    """

    __slots__ = ("_bounded", "_context", "_timeout")

    def __init__(self, bounded: BoundedPool) -> None:
        self._bounded = bounded
        pool = bounded.pool
        # With a connection free the acquire cannot wait on the pool, and a holder it must
        # reconnect first is bounded by the connect timeout: asyncpg's timeout around the
        # acquire (a timer set and cancelled) cost about 25 µs of a request's 380 (page 1).
        self._timeout = bounded.acquire_timeout if pool.may_wait() else None
        self._context = pool.acquire()

    async def __aenter__(self) -> Any:
        try:
            if self._timeout is None:
                return await self._context.__aenter__()
            # asyncio.timeout, not asyncpg's: its wait_for runs the acquire as a task of its own
            # (on Python 3.11), a second task and a turn of the loop for each acquire that waits.
            async with asyncio.timeout(self._timeout):
                return await self._context.__aenter__()
        except BaseException as exc:
            self._failed(exc)
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self._context.__aexit__(exc_type, exc, traceback)
        except BaseException as error:  # releasing failed: that is the error the caller sees
            self._failed(error)
            raise
        if exc is None:
            self._bounded.state.answered()
        else:
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        if is_unavailable(exc):
            self._bounded.state.failed(exc)

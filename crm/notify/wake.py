"""Waking the delivery loops after a request committed notifications, off the request's path.

A NOTIFY inside the request's transaction would take PostgreSQL's notification-queue lock through
its commit, which serialises every such commit: measured, it halved POST /tickets/public. Instead
the request only marks that it queued rows; once it has answered, this process sends one NOTIFY
for all the requests of the last few milliseconds. A lost wake-up (a crash between the commit
and the NOTIFY) only delays delivery until a loop's next idle look (crm.notify.outbox.IDLE_SECONDS).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiohttp import web

from crm.app_keys import POOL, QUERIES, WAKER
from crm.queries import Queries

log = logging.getLogger("crm.notify")

# Pokes within this many seconds share one NOTIFY.
COALESCE_SECONDS = 0.02
_queued: ContextVar[bool] = ContextVar("outbox_queued", default=False)


def mark_queued() -> None:
    """Note that the current request queued notifications (its middleware wakes the loops)."""
    _queued.set(True)


class Waker:
    """Sends `NOTIFY outbox` soon after poke(), once for any number of pokes in between."""

    def __init__(self, pool: Any, queries: Queries) -> None:
        self._pool = pool
        self._queries = queries
        self._poked = asyncio.Event()

    def poke(self) -> None:
        """Ask for a NOTIFY soon; never waits."""
        self._poked.set()

    async def run(self) -> None:
        """Forever: wait for a poke, let more gather, notify."""
        while True:
            await self._poked.wait()
            await asyncio.sleep(COALESCE_SECONDS)
            self._poked.clear()
            try:
                await self._queries.wake_deliverers(self._pool)
            except Exception as exc:  # the loops' idle look still finds the rows
                log.warning("could not wake the delivery loops: %s", exc)


async def waker_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the app's waker runs while the app does."""
    waker = Waker(app[POOL], app[QUERIES])
    app[WAKER] = waker
    task = asyncio.create_task(waker.run(), name="outbox-waker")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@web.middleware
async def wake_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """After a handler that queued notifications returns (its transaction committed), poke."""
    token = _queued.set(False)
    try:
        response = await handler(request)
        if _queued.get():
            request.app[WAKER].poke()
        return response
    finally:
        _queued.reset(token)

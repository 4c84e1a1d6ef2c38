"""Liveness and readiness probes for load balancers and container health checks."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from crm.app_keys import POOL, QUERIES
from crm.errors import RETRY_AFTER_SECONDS, Problem

READY_WITHIN = 1.0  # seconds: the probe's own bound, whatever the database does


async def healthz(request: web.Request) -> web.Response:
    """The process is up and serving."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The database answers within a second; 503 when it does not."""
    ping = asyncio.ensure_future(request.app[QUERIES].ping(request.app[POOL]))
    # Waited for, not awaited under a timeout: cancelling a query on a frozen server can itself
    # hang, and the probe must answer within its second whatever the database does.
    done, _ = await asyncio.wait({ping}, timeout=READY_WITHIN)
    if not done:
        ping.cancel()
        ping.add_done_callback(_consume)
        raise _not_ready("TimeoutError")
    if (exc := ping.exception()) is not None:
        raise _not_ready(type(exc).__name__)
    return web.json_response({"status": "ok", "database": "ok"})


def _not_ready(reason: str) -> Problem:
    return Problem(
        503,
        f"The database is not reachable ({reason}).",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _consume(task: asyncio.Future[Any]) -> None:
    """Retrieve an abandoned ping's outcome, so asyncio does not log it as never retrieved."""
    if not task.cancelled():
        task.exception()

"""Liveness and readiness probes for load balancers and container health checks."""

from __future__ import annotations

import asyncio

from aiohttp import web

from crm.app_keys import POOL, QUERIES
from crm.errors import Problem


async def healthz(request: web.Request) -> web.Response:
    """The process is up and serving."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The database answers within a second; 503 when it does not."""
    try:
        async with asyncio.timeout(1):
            await request.app[QUERIES].ping(request.app[POOL])
    except Exception as exc:  # any failure to answer means "not ready"
        raise Problem(503, f"The database is not reachable ({type(exc).__name__}).") from None
    return web.json_response({"status": "ok", "database": "ok"})

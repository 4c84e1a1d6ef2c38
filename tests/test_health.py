"""Probes: liveness never touches the database; readiness says whether it answers."""

from __future__ import annotations

from crm.app_keys import POOL
from tests.api import Api


async def test_healthz_is_ok(api: Api) -> None:
    reply = await api.get("/healthz")
    assert (reply.status, reply.body) == (200, {"status": "ok"})


async def test_readyz_is_ok_when_the_database_answers(api: Api) -> None:
    reply = await api.get("/readyz")
    assert (reply.status, reply.body) == (200, {"status": "ok", "database": "ok"})


async def test_readyz_is_503_when_the_database_is_gone(api: Api) -> None:
    api.app[POOL].terminate()
    reply = await api.get("/readyz")
    assert reply.status == 503
    assert reply.body["detail"].startswith("The database is not reachable")
    assert (await api.get("/healthz")).status == 200

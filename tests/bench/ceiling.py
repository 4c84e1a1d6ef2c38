"""The ceilings, served by one bare aiohttp process on uvloop, writing JSON with orjson.

`/http/{name}` answers the body our service gave for read scenario `name` (the HTTP ceiling of one
Python process); `/sql/{name}` runs that scenario's own SQL and dumps the rows (our SQL with no
layers); `/plain/{name}` runs the plainest SQL for the same rows (tickets joined to the client's
name and the assignee's e-mail, one fixed filter). `POST /plain/public` and `PATCH
/plain/patch/{id}` are the write ceilings: a public request's INSERTs and a status change's UPDATE
and history INSERT, each one statement. No auth, validation or middleware anywhere.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from crm import db
from crm.queries import load_queries
from crm.settings import Settings

POOL: web.AppKey[Any] = web.AppKey("pool")
KEPT_POOL: web.AppKey[Any] = web.AppKey("kept_pool")
PLAIN_POOL: web.AppKey[Any] = web.AppKey("plain_pool")
PLAIN = load_queries(Path(__file__).parent)
# Our statements that keep their plans, which the service runs on its pool that keeps plans.
KEPT_SQL = {query.sql for query in load_queries() if query.kept}
JSON = "application/json"


def encode_args(args: list[Any]) -> list[Any]:
    """Arguments as JSON: datetimes tagged, so they come back as datetimes."""
    return [{"datetime": a.isoformat()} if isinstance(a, datetime) else a for a in args]


def _decode_args(args: list[Any]) -> list[Any]:
    return [datetime.fromisoformat(a["datetime"]) if isinstance(a, dict) else a for a in args]


def _args(name: str, values: dict[str, Any]) -> list[Any]:
    return [values[param] for param in PLAIN[name].params]


def _rows(rows: list[Any]) -> web.Response:
    return web.Response(body=orjson.dumps([dict(row) for row in rows]), content_type=JSON)


def make_app(url: str, spec: dict[str, Any]) -> web.Application:
    """The bare app for `spec`: {name: {"sql", "args", "id_at", "body", "plain", "plain_args"}}."""
    ours = {name: (s["sql"], _decode_args(s["args"])) for name, s in spec.items()}
    # Where our SQL takes the rotated id (the plainest SQL takes it first).
    id_at = {name: s["id_at"] for name, s in spec.items()}
    plain = {
        name: (PLAIN[s["plain"]].sql, s["plain_args"]) for name, s in spec.items() if s["plain"]
    }
    bodies = {name: s["body"].encode() for name, s in spec.items()}

    async def http(request: web.Request) -> web.Response:
        return web.Response(body=bodies[request.match_info["name"]], content_type=JSON)

    async def run(request: web.Request, queries: dict[str, tuple[str, list[Any]]]) -> Any:
        text, args = queries[request.match_info["name"]]
        if "id" in request.query:  # rotate the id argument as the real scenario does
            at = id_at[request.match_info["name"]] if queries is ours else 0
            args = [*args[:at], type(args[at])(request.query["id"]), *args[at + 1 :]]
        if queries is not ours:
            pool = request.app[PLAIN_POOL]
        else:
            pool = request.app[KEPT_POOL] if text in KEPT_SQL else request.app[POOL]
        return await pool.fetch(text, *args)

    async def sql(request: web.Request) -> web.Response:
        return _rows(await run(request, ours))

    async def plain_read(request: web.Request) -> web.Response:
        rows = await run(request, plain)
        if request.match_info["name"] == "get":
            return web.Response(body=orjson.dumps(dict(rows[0])), content_type=JSON)
        return _rows(rows)

    async def plain_public(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        client, device = body["client"], body.get("device") or {}
        values = {
            "title": body["title"],
            "name": client.get("name"),
            "phone": client.get("phone"),
            "email": client.get("email"),
            "tracking_token": secrets.token_urlsafe(24),
            "address": body.get("address"),
            **{f"device_{key}": device.get(key) for key in ("kind", "brand", "model", "serial")},
        }
        sql = PLAIN["plain_public_request"].sql
        row = await request.app[PLAIN_POOL].fetchrow(sql, *_args("plain_public_request", values))
        return web.Response(body=orjson.dumps(dict(row)), status=201, content_type=JSON)

    async def plain_patch(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        values = {"id": int(request.match_info["id"]), "status": body["status"], "actor_id": 1}
        sql = PLAIN["plain_status_change"].sql
        row = await request.app[PLAIN_POOL].fetchrow(sql, *_args("plain_status_change", values))
        return web.Response(body=orjson.dumps(dict(row)), content_type=JSON)

    async def pool(app: web.Application) -> Any:
        # /sql: the service's own pool settings, so the database side is the same as ours.
        settings = Settings(jwt_secret="x" * 32)
        app[POOL] = await db.create_pool(url, settings)
        app[KEPT_POOL] = await db.create_pool(url, settings, kept_plans=True)
        # /plain: asyncpg's defaults (its SQL has no optional filters to plan per call), as many
        # connections as ours.
        app[PLAIN_POOL] = await asyncpg.create_pool(
            url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            server_settings={"timezone": "UTC"},
        )
        yield
        await app[PLAIN_POOL].close()
        await app[KEPT_POOL].close()
        await app[POOL].close()

    app = web.Application()
    app.cleanup_ctx.append(pool)
    app.router.add_get("/http/{name}", http)
    app.router.add_get("/sql/{name}", sql)
    app.router.add_get("/plain/{name}", plain_read)
    app.router.add_post("/plain/public", plain_public)
    app.router.add_patch("/plain/patch/{id}", plain_patch)
    return app


def main() -> None:
    """Serve the ceilings on uvloop: `python -m tests.bench.ceiling PORT URL SPEC_FILE`."""
    import uvloop

    port, url, spec_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(spec_file) as file:
        spec = json.load(file)
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    app = make_app(url, spec)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, loop=loop)


if __name__ == "__main__":
    main()

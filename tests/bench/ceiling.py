"""The ceilings, served by one bare aiohttp process: a fixed body, and the same SQL with no layers.

`/http/{name}` answers the body our service gave for scenario `name` (the HTTP ceiling of one
Python process); `/sql/{name}` runs that scenario's SQL with its arguments and dumps the rows as
JSON, with no auth, validation or middleware (what our layers are measured against).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from crm import db
from crm.settings import Settings

POOL: web.AppKey[Any] = web.AppKey("pool")


def encode_args(args: list[Any]) -> list[Any]:
    """Arguments as JSON: datetimes tagged, so they come back as datetimes."""
    return [{"datetime": a.isoformat()} if isinstance(a, datetime) else a for a in args]


def _decode_args(args: list[Any]) -> list[Any]:
    return [datetime.fromisoformat(a["datetime"]) if isinstance(a, dict) else a for a in args]


def make_app(url: str, spec: dict[str, Any]) -> web.Application:
    """The bare app for `spec`: {name: {"sql", "args", "body"}}."""
    queries = {name: (s["sql"], _decode_args(s["args"])) for name, s in spec.items()}
    bodies = {name: s["body"].encode() for name, s in spec.items()}

    async def http(request: web.Request) -> web.Response:
        return web.Response(
            body=bodies[request.match_info["name"]], content_type="application/json"
        )

    async def sql(request: web.Request) -> web.Response:
        text, args = queries[request.match_info["name"]]
        if "id" in request.query:  # rotate the first argument as the real scenario does
            args = [type(args[0])(request.query["id"]), *args[1:]]
        rows = await request.app[POOL].fetch(text, *args)
        return web.Response(
            body=orjson.dumps([dict(row) for row in rows]), content_type="application/json"
        )

    async def pool(app: web.Application) -> Any:
        # The service's own pool settings, so the database side is the same.
        app[POOL] = await db.create_pool(url, Settings(jwt_secret="x" * 32))
        yield
        await app[POOL].close()

    app = web.Application()
    app.cleanup_ctx.append(pool)
    app.router.add_get("/http/{name}", http)
    app.router.add_get("/sql/{name}", sql)
    return app


if __name__ == "__main__":
    port, url, spec_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(spec_file) as file:
        spec = json.load(file)
    web.run_app(make_app(url, spec), host="127.0.0.1", port=port, print=None, access_log=None)

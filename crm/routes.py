"""The whole route table on one screen."""

from __future__ import annotations

from aiohttp import web

from crm.handlers import auth, health


def setup_routes(app: web.Application) -> None:
    """Register every route the API serves (each is described in openapi.yaml)."""
    app.router.add_routes(
        [
            web.get("/healthz", health.healthz, allow_head=False),
            web.get("/readyz", health.readyz, allow_head=False),
            web.post("/auth/login", auth.login),
            web.get("/auth/me", auth.me, allow_head=False),
            web.post("/auth/register", auth.register),
        ]
    )

"""The whole route table on one screen."""

from __future__ import annotations

from aiohttp import web

from crm.handlers import auth, docs, health, public, tickets


def setup_routes(app: web.Application) -> None:
    """Register every route the API serves (each is described in openapi.yaml)."""
    docs.setup_docs(app)
    app.router.add_routes(
        [
            web.get("/healthz", health.healthz, allow_head=False),
            web.get("/readyz", health.readyz, allow_head=False),
            web.get("/openapi.yaml", docs.openapi_yaml, allow_head=False),
            web.get("/openapi.json", docs.openapi_json, allow_head=False),
            web.get("/docs", docs.docs_page, allow_head=False),
            web.post("/auth/login", auth.login),
            web.get("/auth/me", auth.me, allow_head=False),
            web.post("/auth/register", auth.register),
            web.post("/tickets/public", public.create_public_ticket),
            web.get("/tickets/public/{tracking_token}", public.get_public_ticket, allow_head=False),
            web.get("/tickets", tickets.list_tickets, allow_head=False),
            web.post("/tickets", tickets.create_ticket),
            web.get("/tickets/{id:\\d+}", tickets.get_ticket, allow_head=False),
            web.patch("/tickets/{id:\\d+}", tickets.patch_ticket),
            web.delete("/tickets/{id:\\d+}", tickets.delete_ticket),
            web.get("/tickets/{id:\\d+}/events", tickets.list_events, allow_head=False),
        ]
    )

"""The whole route table on one screen."""

from __future__ import annotations

from aiohttp import web

from crm.handlers import auth, clients, docs, health, public, tickets, ui, users


def setup_routes(app: web.Application) -> None:
    """Register every route the API serves (each is described in openapi.yaml)."""
    docs.setup_docs(app)
    ui.setup_ui(app)
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
            web.get("/users", users.list_users, allow_head=False),
            web.post("/users", users.create_user),
            web.get(r"/users/{id:\d+}", users.get_user, allow_head=False),
            web.patch(r"/users/{id:\d+}", users.update_user),
            web.delete(r"/users/{id:\d+}", users.delete_user),
            web.get("/clients", clients.list_clients, allow_head=False),
            web.post("/clients", clients.create_client),
            web.get(r"/clients/{id:\d+}", clients.get_client, allow_head=False),
            web.patch(r"/clients/{id:\d+}", clients.update_client),
            web.delete(r"/clients/{id:\d+}", clients.delete_client),
            web.post("/tickets/public", public.create_public_ticket),
            web.get("/tickets/public/{tracking_token}", public.get_public_ticket, allow_head=False),
            web.get("/tickets", tickets.list_tickets, allow_head=False),
            web.post("/tickets", tickets.create_ticket),
            web.get(r"/tickets/{id:\d+}", tickets.get_ticket, allow_head=False),
            web.patch(r"/tickets/{id:\d+}", tickets.patch_ticket),
            web.delete(r"/tickets/{id:\d+}", tickets.delete_ticket),
            web.get(r"/tickets/{id:\d+}/events", tickets.list_events, allow_head=False),
        ]
    )

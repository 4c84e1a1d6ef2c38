"""The whole route table on one screen."""

from __future__ import annotations

from aiohttp import web

from crm.handlers import (
    clients,
    comments,
    docs,
    health,
    outbox,
    public,
    reports,
    sessions,
    tickets,
    ui,
    users,
    webhooks,
)

# ASCII digits only: `\d` would also match `١` or `²`, which int() reads as numbers.
ID = "{id:[0-9]+}"


def setup_routes(app: web.Application) -> None:
    """Register every route the API serves, each named by its operationId in openapi.yaml."""
    docs.setup_docs(app)
    ui.setup_ui(app)
    app.router.add_routes(
        [
            web.get("/healthz", health.healthz, allow_head=False, name="get_health"),
            web.get("/readyz", health.readyz, allow_head=False, name="get_readiness"),
            web.get("/openapi.yaml", docs.openapi_yaml, allow_head=False, name="get_openapi_yaml"),
            web.get("/openapi.json", docs.openapi_json, allow_head=False, name="get_openapi_json"),
            web.get("/docs", docs.docs_page, allow_head=False, name="get_docs_page"),
            web.post("/auth/login", sessions.login, name="login"),
            web.get("/auth/me", sessions.me, allow_head=False, name="get_me"),
            web.post("/auth/register", sessions.register, name="register"),
            web.get("/users", users.list_users, allow_head=False, name="list_users"),
            web.post("/users", users.create_user, name="create_user"),
            web.get(f"/users/{ID}", users.get_user, allow_head=False, name="get_user"),
            web.patch(f"/users/{ID}", users.update_user, name="update_user"),
            web.delete(f"/users/{ID}", users.delete_user, name="delete_user"),
            web.get("/clients", clients.list_clients, allow_head=False, name="list_clients"),
            web.post("/clients", clients.create_client, name="create_client"),
            web.get(f"/clients/{ID}", clients.get_client, allow_head=False, name="get_client"),
            web.patch(f"/clients/{ID}", clients.update_client, name="update_client"),
            web.delete(f"/clients/{ID}", clients.delete_client, name="delete_client"),
            web.get(
                f"/clients/{ID}/tickets",
                tickets.list_client_tickets,
                allow_head=False,
                name="list_client_tickets",
            ),
            web.post("/tickets/public", public.create_public_ticket, name="create_public_ticket"),
            web.get(
                "/tickets/public/{tracking_token}",
                public.get_public_ticket,
                allow_head=False,
                name="get_public_ticket",
            ),
            web.post(
                "/tickets/public/{tracking_token}/comments",
                public.create_customer_comment,
                name="create_customer_comment",
            ),
            web.get("/tickets", tickets.list_tickets, allow_head=False, name="list_tickets"),
            web.post("/tickets", tickets.create_ticket, name="create_ticket"),
            web.get(
                "/tickets/counts", tickets.count_tickets, allow_head=False, name="count_tickets"
            ),
            web.get(f"/tickets/{ID}", tickets.get_ticket, allow_head=False, name="get_ticket"),
            web.patch(f"/tickets/{ID}", tickets.patch_ticket, name="update_ticket"),
            web.delete(f"/tickets/{ID}", tickets.delete_ticket, name="delete_ticket"),
            web.get(
                f"/tickets/{ID}/events",
                tickets.list_events,
                allow_head=False,
                name="list_ticket_events",
            ),
            web.get("/webhooks", webhooks.list_webhooks, allow_head=False, name="list_webhooks"),
            web.post("/webhooks", webhooks.create_webhook, name="create_webhook"),
            web.get(
                r"/webhooks/{id:\d+}", webhooks.get_webhook, allow_head=False, name="get_webhook"
            ),
            web.patch(r"/webhooks/{id:\d+}", webhooks.update_webhook, name="update_webhook"),
            web.delete(r"/webhooks/{id:\d+}", webhooks.delete_webhook, name="delete_webhook"),
            web.get(
                r"/webhooks/{id:\d+}/deliveries",
                webhooks.list_deliveries,
                allow_head=False,
                name="list_webhook_deliveries",
            ),
            web.get("/outbox", outbox.list_outbox, allow_head=False, name="list_outbox"),
            web.post(r"/outbox/{id:\d+}/retry", outbox.retry_outbox, name="retry_outbox"),
            web.get(
                r"/tickets/{id:[0-9]+}/comments",
                comments.list_comments,
                allow_head=False,
                name="list_ticket_comments",
            ),
            web.post(
                r"/tickets/{id:[0-9]+}/comments",
                comments.create_comment,
                name="create_ticket_comment",
            ),
            web.get(
                r"/tickets/{id:[0-9]+}/comments/{comment_id:[0-9]+}",
                comments.get_comment,
                allow_head=False,
                name="get_ticket_comment",
            ),
            web.patch(
                r"/tickets/{id:[0-9]+}/comments/{comment_id:[0-9]+}",
                comments.edit_comment,
                name="update_ticket_comment",
            ),
            web.delete(
                r"/tickets/{id:[0-9]+}/comments/{comment_id:[0-9]+}",
                comments.delete_comment,
                name="delete_ticket_comment",
            ),
            web.get(
                "/reports/tickets.csv",
                reports.export_tickets_csv,
                allow_head=False,
                name="export_tickets_csv",
            ),
        ]
    )

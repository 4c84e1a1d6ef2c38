"""Operators' view of the outbox: what is pending, sent or dead, and retrying a row."""

from __future__ import annotations

from aiohttp import web

from crm import orders
from crm.app_keys import CURSOR_SECRET, POOL, QUERIES
from crm.auth import require
from crm.errors import Problem
from crm.http.requests import path_id, query_params, query_value
from crm.http.responses import as_item, found, page_response
from crm.models import OutboxItem, OutboxStatus, Role
from crm.pagination import page_request


async def list_outbox(request: web.Request) -> web.Response:
    """A page of notifications, newest first, optionally of one status."""
    await require(request, Role.ADMIN)
    app, query = request.app, query_params(request, ("status",))
    status = query_value(query, "status", OutboxStatus)
    value = status.value if status else None
    secret = app[CURSOR_SECRET]
    filters = {"status": value}
    page = page_request(query, secret, "outbox", filters, orders.NEWEST_ID, numbered=False)
    rows = await app[QUERIES].list_outbox(
        app[POOL], status=value, after_id=page.after[0], limit=page.size + 1
    )
    return page_response(request, query, page, rows, lambda row: OutboxItem(**row), secret)


async def retry_outbox(request: web.Request) -> web.Response:
    """Send a pending or dead notification again now, with a fresh count of tries."""
    await require(request, Role.ADMIN)
    outbox_id = path_id(request, "Notification")
    app = request.app
    row = await app[QUERIES].retry_outbox(app[POOL], id=outbox_id)
    if row is None and await app[QUERIES].outbox_status(app[POOL], id=outbox_id) == "sent":
        raise Problem(409, "This notification was already sent.")
    return found(row, as_item(OutboxItem), "Notification")

"""Admin API for webhook subscriptions and their deliveries."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from crm import orders
from crm.app_keys import CURSOR_SECRET, POOL, QUERIES, SETTINGS
from crm.auth import require
from crm.convert import converter
from crm.errors import FieldError, ValidationFailed, not_found
from crm.http.etags import if_match, precondition_failed, tagged
from crm.http.requests import path_id, query_params, read_body, read_patch
from crm.http.responses import as_item, created, found, page_response
from crm.models import (
    DeliveryAttempt,
    NewWebhook,
    Role,
    Webhook,
    WebhookCreated,
    WebhookDelivery,
    WebhookPatch,
)
from crm.notify.webhooks import ForbiddenAddress, check_public_host
from crm.pagination import page_request


async def _check_target(request: web.Request, url: str | None) -> None:
    """Outside ENV=local, refuse (422) a URL whose host is or resolves to a non-public address."""
    if url is None or request.app[SETTINGS].is_local:
        return
    try:
        await check_public_host(url)
    except ForbiddenAddress as exc:
        raise ValidationFailed([FieldError("url", f"must be a public address: {exc}")]) from None
    except OSError:
        raise ValidationFailed([FieldError("url", "the host name does not resolve")]) from None


def _types(values: list[Any] | None) -> list[str] | None:
    # Each type once, in the order given.
    return None if values is None else list(dict.fromkeys(str(v.value) for v in values))


async def create_webhook(request: web.Request) -> web.Response:
    """Subscribe a URL to event types; the answer shows the signing secret, this once."""
    await require(request, Role.ADMIN)
    body = await read_body(request, NewWebhook)
    if not body.event_types:
        raise ValidationFailed([FieldError("event_types", "must name at least one event type")])
    await _check_target(request, body.url)
    row = await request.app[QUERIES].insert_webhook(
        request.app[POOL],
        url=body.url,
        event_types=_types(body.event_types),
        active=body.active,
        secret="whsec_" + secrets.token_urlsafe(32),
    )
    return created(request, row, as_item(WebhookCreated), "get_webhook")


async def list_webhooks(request: web.Request) -> web.Response:
    """A page of subscriptions, newest first."""
    await require(request, Role.ADMIN)
    app, query = request.app, query_params(request, ())
    secret = app[CURSOR_SECRET]
    page = page_request(query, secret, "webhooks", {}, orders.NEWEST_CREATED, numbered=False)
    rows = await app[QUERIES].list_webhooks(
        app[POOL], **orders.NEWEST_CREATED[0].params(page.after), limit=page.size + 1
    )
    return page_response(request, query, page, rows, lambda row: Webhook(**row), secret)


async def get_webhook(request: web.Request) -> web.Response:
    """One subscription, without its secret."""
    await require(request, Role.ADMIN)
    row = await request.app[QUERIES].get_webhook(request.app[POOL], id=path_id(request, "Webhook"))
    return tagged(found(row, as_item(Webhook), "Webhook"), row["updated_at"])


async def update_webhook(request: web.Request) -> web.Response:
    """Change a subscription's URL, event types or active flag."""
    await require(request, Role.ADMIN)
    webhook_id = path_id(request, "Webhook")
    body, _ = await read_patch(request, WebhookPatch)
    if body.event_types == []:
        raise ValidationFailed([FieldError("event_types", "must name at least one event type")])
    await _check_target(request, body.url)
    expected = if_match(request)
    queries, pool = request.app[QUERIES], request.app[POOL]
    row = await queries.update_webhook(
        pool,
        id=webhook_id,
        url=body.url,
        event_types=_types(body.event_types),
        active=body.active,
        expected=expected,
    )
    if row is None and expected is not None:
        await _refuse_stale(queries, pool, webhook_id)
    return tagged(found(row, as_item(Webhook), "Webhook"), row["updated_at"])


async def delete_webhook(request: web.Request) -> web.Response:
    """Delete a subscription and its deliveries."""
    await require(request, Role.ADMIN)
    webhook_id, expected = path_id(request, "Webhook"), if_match(request)
    queries, pool = request.app[QUERIES], request.app[POOL]
    deleted = await queries.delete_webhook(pool, id=webhook_id, expected=expected)
    if deleted is None:
        if expected is not None:
            await _refuse_stale(queries, pool, webhook_id)
        raise not_found("Webhook")
    return web.Response(status=204)


async def _refuse_stale(queries: Any, pool: Any, webhook_id: int) -> None:
    """412 when the webhook exists (so If-Match, not a missing row, refused the change)."""
    if await queries.get_webhook(pool, id=webhook_id) is not None:
        raise precondition_failed()


async def list_deliveries(request: web.Request) -> web.Response:
    """A page of a subscription's deliveries, newest first, each with its attempts."""
    await require(request, Role.ADMIN)
    webhook_id = path_id(request, "Webhook")
    app, query = request.app, query_params(request, ())
    if await app[QUERIES].get_webhook(app[POOL], id=webhook_id) is None:
        raise not_found("Webhook")
    secret = app[CURSOR_SECRET]
    filters = {"webhook_id": webhook_id}
    page = page_request(query, secret, "deliveries", filters, orders.NEWEST_ID, numbered=False)
    rows = await app[QUERIES].list_webhook_deliveries(
        app[POOL], webhook_id=webhook_id, after_id=page.after[0], limit=page.size + 1
    )
    return page_response(request, query, page, rows, _delivery, secret)


def _delivery(row: Any) -> WebhookDelivery:
    # The attempts come as jsonb (timestamps as text): the converter parses them back.
    attempts = [converter.structure(a, DeliveryAttempt) for a in row["attempt_log"]]
    return WebhookDelivery(**{**row, "attempt_log": attempts})

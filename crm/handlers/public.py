"""What customers do without an account: send a repair request, follow it, and answer staff."""

from __future__ import annotations

import hashlib
import json
import re
import secrets

from aiohttp import web

from crm import limits
from crm.app_keys import POOL, QUERIES
from crm.convert import dump, structure
from crm.errors import FieldError, Problem, ValidationFailed, not_found
from crm.http.requests import read_body, read_json
from crm.http.responses import as_dict, json_response, location
from crm.models import (
    CustomerComment,
    EventType,
    PublicTicketCreated,
    PublicTicketRequest,
    PublicTicketStatus,
    device_columns,
)
from crm.notify.events import AUDIENCE, comment_payload, queue_event
from crm.notify.language import customer_language
from crm.notify.wake import mark_queued
from crm.rules import customer_comment_refusal

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_TRACKING_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Who a customer sees as a comment's author: a staff member's display name, else these.
STAFF_LABEL = "Сервисный центр"
CUSTOMER_LABEL = "Вы"
# The tracking page shows the latest public comments, up to this many.
MAX_PUBLIC_COMMENTS = 200
# The answer's fields straight from the row, whose values are what its JSON shows (json_dumps
# writes times as iso() does): an object made and unstructured again cost 35k instructions.
_CREATED = as_dict(PublicTicketCreated)


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise Problem(400, "Idempotency-Key must be 1 to 255 visible ASCII characters.")
    return key


async def create_public_ticket(request: web.Request) -> web.Response:
    """Record a customer's request: the client (new or returning), the ticket and its history.

    Without an Idempotency-Key it is one round trip (create_public_request counts the address's
    limit too); with one, the key is locked and looked up first in the same transaction.
    """
    data = await read_json(request)
    body = structure(data, PublicTicketRequest)
    if body.client.phone is None and body.client.email is None:
        raise ValidationFailed(
            [FieldError("client", "give a phone or an e-mail so we can reach you")]
        )
    key = _idempotency_key(request)
    queries, pool = request.app[QUERIES], request.app[POOL]
    values = {
        **limits.public_ticket(request),
        "event_type": EventType.TICKET_CREATED.value,
        "audience": AUDIENCE[EventType.TICKET_CREATED],
        "name": body.client.name or None,
        "phone": body.client.phone,
        "email": body.client.email,
        "comment": body.client.comment or None,
        "title": body.title,
        "description": body.description or None,
        "scheduled_at": body.scheduled_at,
        "tracking_token": secrets.token_urlsafe(24),
        "customer_language": customer_language(request.headers.get("Accept-Language")),
        "address": body.address,
        **device_columns(body.device),
    }
    created = None
    if key is None:
        row = await queries.create_public_request(pool, **values)
    else:
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        async with pool.acquire() as conn, conn.transaction():
            await queries.lock_idempotency_key(conn, key=key)
            saved = await queries.get_idempotent_response(conn, key=key)
            if saved is not None:
                if saved["request_hash"] != digest:
                    raise Problem(
                        409, "This Idempotency-Key was used with a different request body."
                    )
                return _created(request, saved["response_body"], replayed=True)
            row = await queries.create_public_request(conn, **values)
            if row["id"] is not None:
                created = _CREATED(row)
                await queries.save_idempotent_response(
                    conn,
                    key=key,
                    request_hash=digest,
                    response_status=201,
                    response_body=dump(created),
                    ticket_id=row["id"],
                )
    await limits.public_ticket_counted(request, row["retry_after"])
    mark_queued()
    return _created(request, created or _CREATED(row), replayed=False)


def _created(request: web.Request, body: dict[str, object], *, replayed: bool) -> web.Response:
    headers = {
        "Location": location(request, "get_public_ticket", tracking_token=body["tracking_token"])
    }
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(body, status=201, headers=headers)


def _token(request: web.Request) -> str:
    """The tracking token of the path; one that could never have been issued is not found."""
    token = request.match_info["tracking_token"]
    if not _TRACKING_TOKEN.match(token):
        raise not_found("Ticket")
    return token


async def get_public_ticket(request: web.Request) -> web.Response:
    """A customer follows their ticket: status, dates, device and the public comments only."""
    row = await request.app[QUERIES].get_public_ticket(
        request.app[POOL],
        tracking_token=_token(request),
        staff_label=STAFF_LABEL,
        customer_label=CUSTOMER_LABEL,
        max_comments=MAX_PUBLIC_COMMENTS,
    )
    if row is None:
        raise not_found("Ticket")
    return json_response(PublicTicketStatus(**row))


async def create_customer_comment(request: web.Request) -> web.Response:
    """The customer answers through the tracking link; staff see it as author "customer"."""
    token = _token(request)
    body = await read_body(request, CustomerComment)
    await limits.public_comment(request)
    queries = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        ticket = await queries.lock_public_ticket(conn, tracking_token=token)
        if ticket is None:
            raise not_found("Ticket")
        closed = ticket["closed_at"]
        days = (ticket["now"] - closed).total_seconds() / 86400 if closed is not None else None
        if refusal := customer_comment_refusal(days):
            raise Problem(409, refusal)
        comment_id = await queries.insert_comment(
            conn, ticket_id=ticket["id"], author_id=None, visibility="public", body=body.body
        )
        row = await queries.get_comment(conn, id=comment_id, ticket_id=ticket["id"])
        await queue_event(
            conn,
            queries,
            EventType.CUSTOMER_COMMENT,
            ticket["id"],
            comment=comment_payload(row),
        )
    comment = {
        "id": row["id"],
        "body": row["body"],
        "author": "customer",
        "author_name": CUSTOMER_LABEL,
        "created_at": row["created_at"],
    }
    headers = {"Location": location(request, "get_public_ticket", tracking_token=token)}
    return json_response(comment, status=201, headers=headers)

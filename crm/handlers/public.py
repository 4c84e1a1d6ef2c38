"""What customers do without an account: send a repair request, and follow it."""

from __future__ import annotations

import hashlib
import json
import re
import secrets

from aiohttp import web

from crm.app_keys import POOL, QUERIES
from crm.convert import dump, structure
from crm.errors import FieldError, Problem, ValidationFailed, not_found
from crm.http.requests import read_json
from crm.http.responses import json_response
from crm.models import EventType, PublicTicketCreated, PublicTicketRequest, PublicTicketStatus
from crm.notify.events import queue_event
from crm.notify.language import customer_language

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_TRACKING_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise Problem(400, "Idempotency-Key must be 1 to 255 visible ASCII characters.")
    return key


async def create_public_ticket(request: web.Request) -> web.Response:
    """Record a customer's request: the client (new or returning), the ticket and its history."""
    data = await read_json(request)
    body = structure(data, PublicTicketRequest)
    if body.client.phone is None and body.client.email is None:
        raise ValidationFailed(
            [FieldError("client", "give a phone or an e-mail so we can reach you")]
        )
    key = _idempotency_key(request)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    queries = request.app[QUERIES]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if key is not None:
            await queries.lock_idempotency_key(conn, key=key)
            saved = await queries.get_idempotent_response(conn, key=key)
            if saved is not None:
                if saved["request_hash"] != digest:
                    raise Problem(
                        409, "This Idempotency-Key was used with a different request body."
                    )
                return _created(request, saved["response_body"], replayed=True)
        await queries.lock_contacts(conn, phone=body.client.phone, email=body.client.email)
        row = await queries.create_public_ticket(
            conn,
            name=body.client.name or None,
            phone=body.client.phone,
            email=body.client.email,
            comment=body.client.comment or None,
            title=body.title,
            description=body.description or None,
            scheduled_at=body.scheduled_at,
            tracking_token=secrets.token_urlsafe(24),
            customer_language=customer_language(request.headers.get("Accept-Language")),
        )
        await queue_event(conn, queries, EventType.TICKET_CREATED, row["id"])
        created = dump(PublicTicketCreated(**row))
        if key is not None:
            await queries.save_idempotent_response(
                conn,
                key=key,
                request_hash=digest,
                response_status=201,
                response_body=created,
                ticket_id=row["id"],
            )
    return _created(request, created, replayed=False)


def _created(request: web.Request, body: dict[str, object], *, replayed: bool) -> web.Response:
    route = request.app.router["get_public_ticket"]
    headers = {"Location": str(route.url_for(tracking_token=str(body["tracking_token"])))}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(body, status=201, headers=headers)


async def get_public_ticket(request: web.Request) -> web.Response:
    """A customer follows their ticket by its tracking token; nothing about other people."""
    token = request.match_info["tracking_token"]
    row = None
    if _TRACKING_TOKEN.match(token):
        row = await request.app[QUERIES].get_public_ticket(request.app[POOL], tracking_token=token)
    if row is None:
        raise not_found("Ticket")
    return json_response(PublicTicketStatus(**row))

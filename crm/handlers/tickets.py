"""Tickets for staff: list and search, read, create, change, delete, and history."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from crm.app_keys import CURSOR_SECRET, POOL, QUERIES, READ_POOL
from crm.auth import CHECKED, gated, require
from crm.changes.tickets import change_ticket
from crm.convert import Search
from crm.errors import FieldError, ValidationFailed, not_found
from crm.http.requests import (
    bool_param,
    enum_params,
    int_param,
    path_id,
    query_params,
    query_value,
    read_body,
    read_json,
    read_patch,
)
from crm.http.responses import created, found, page_response
from crm.models import (
    EventType,
    NewTicket,
    Role,
    Ticket,
    TicketEvent,
    TicketPatch,
    TicketStatus,
    device_columns,
)
from crm.notify.events import NOBODY, queue_event
from crm.pagination import PageRequest, after_newest, page_request
from crm.search import serial_prefix, title_query

LIST_FILTERS = ("q", "status", "assignee_id", "client_id", "unassigned")
# One client's tickets (GET /clients/{id}/tickets) take the same filters but the client.
CLIENT_FILTERS = ("q", "status", "assignee_id", "unassigned")
NULLABLE = ("description", "scheduled_at", "assignee_id", "device", "address")


def _scope(caller: dict[str, Any]) -> int | None:
    """Workers see only tickets assigned to them; admins see all."""
    return caller["id"] if caller["role"] == Role.WORKER else None


def _ticket_id(request: web.Request) -> int:
    return path_id(request, "Ticket")


async def _page(
    request: web.Request,
    caller: dict[str, Any],
    gate: dict[str, Any],
    client_id: int | None = None,
) -> tuple[list[Any], PageRequest]:
    """Parse the filters and page for `caller` and fetch its rows (plus one, to see more)."""
    allowed = LIST_FILTERS if client_id is None else CLIENT_FILTERS
    query = query_params(request, allowed, repeatable=("status",))
    statuses = enum_params(query.getall("status", []), "status", TicketStatus)
    q = query_value(query, "q", Search)
    filters = {
        "search": title_query(q),
        "serial_prefix": serial_prefix(q),
        "statuses": [s.value for s in statuses] if statuses else None,
        "assignee_id": _scope(caller) or int_param(query, "assignee_id"),
        "client_id": client_id or int_param(query, "client_id"),
        "unassigned": bool_param(query, "unassigned"),
    }
    app = request.app
    scope = "tickets" if client_id is None else "client_tickets"
    page = page_request(query, app[CURSOR_SECRET], scope, filters)
    rows = await app[QUERIES].list_tickets(app[READ_POOL], **filters, **after_newest(page), **gate)
    return rows, page


async def list_tickets(request: web.Request) -> web.Response:
    """A page of tickets, newest first, filtered and searched."""
    app = request.app
    rows, page = await gated(
        request,
        lambda caller, gate: _page(request, caller, gate),
        lambda result: not result[0],
        same_database=app[READ_POOL] is app[POOL],
    )
    # Rows go to JSON as they are: list_tickets selects exactly Ticket's fields, in order, and
    # skipping a Ticket per row saves a fifth of the time of a page (a test pins the equality).
    return page_response(request, page, rows, dict, app[CURSOR_SECRET])


async def list_client_tickets(request: web.Request) -> web.Response:
    """A page of one client's tickets, newest first: the customer's device history (admins)."""
    caller = await require(request, Role.ADMIN)
    app = request.app
    client_id = path_id(request, "Client")
    if not await app[QUERIES].client_exists(app[POOL], id=client_id):
        raise not_found("Client")
    rows, page = await _page(request, caller, CHECKED, client_id)
    return page_response(request, page, rows, dict, app[CURSOR_SECRET])


async def get_ticket(request: web.Request) -> web.Response:
    """One ticket; a worker asking for someone else's gets 404."""
    app = request.app

    async def fetch(caller: dict[str, Any], gate: dict[str, Any]) -> Any:
        return await app[QUERIES].get_ticket(
            app[POOL], id=_ticket_id(request), assignee_id=_scope(caller), **gate
        )

    row = await gated(request, fetch, lambda row: row is None)
    return found(row, Ticket, "Ticket")


async def create_ticket(request: web.Request) -> web.Response:
    """An admin records a ticket for a known client, optionally assigned at once."""
    caller = await require(request, Role.ADMIN)
    body = await read_body(request, NewTicket)
    app = request.app
    queries = app[QUERIES]
    async with app[POOL].acquire() as conn, conn.transaction():
        errors = []
        if not await queries.client_exists(conn, id=body.client_id):
            errors.append(FieldError("client_id", "no client has this id"))
        if body.assignee_id is not None and not await queries.is_active_worker(
            conn, id=body.assignee_id
        ):
            errors.append(FieldError("assignee_id", "must be an active worker"))
        if errors:
            raise ValidationFailed(errors)
        ticket = await queries.create_ticket(
            conn,
            title=body.title,
            description=body.description,
            scheduled_at=body.scheduled_at,
            client_id=body.client_id,
            assignee_id=body.assignee_id,
            tracking_token=secrets.token_urlsafe(24),
            actor_id=caller["id"],
            address=body.address,
            **device_columns(body.device),
        )
        # Staff typed it in: other systems hear of it, the customer is not e-mailed.
        await queue_event(conn, queries, EventType.TICKET_CREATED, ticket["id"], audience=NOBODY)
        if body.assignee_id is not None:
            await queue_event(conn, queries, EventType.ASSIGNED, ticket["id"])
        row = await queries.get_ticket(conn, id=ticket["id"], assignee_id=None, **CHECKED)
    return created(request, row, Ticket, "get_ticket")


async def patch_ticket(request: web.Request) -> web.Response:
    """Change a ticket: admins any field, workers only the status of their own, forward only."""
    caller = await require(request)
    ticket_id = _ticket_id(request)
    patch, given = await read_patch(request, TicketPatch, nullable=NULLABLE)
    device_keys = _given_keys(await read_json(request), "device")
    app = request.app
    await change_ticket(app[POOL], app[QUERIES], caller, ticket_id, patch, given, device_keys)
    row = await app[QUERIES].get_ticket(app[POOL], id=ticket_id, assignee_id=None, **CHECKED)
    return found(row, Ticket, "Ticket")


def _given_keys(data: Any, name: str) -> frozenset[str]:
    """The keys given inside the object `name` of a patch (null or absent: none)."""
    inner = data.get(name) if isinstance(data, dict) else None
    return frozenset(inner) if isinstance(inner, dict) else frozenset()


async def delete_ticket(request: web.Request) -> web.Response:
    """An admin deletes a ticket; a tombstone and its history stay for reports."""
    caller = await require(request, Role.ADMIN)
    app = request.app
    deleted = await app[QUERIES].delete_ticket(
        app[POOL], id=_ticket_id(request), actor_id=caller["id"]
    )
    if deleted is None:
        raise not_found("Ticket")
    return web.Response(status=204)


async def list_events(request: web.Request) -> web.Response:
    """A page of a ticket's history, oldest first."""
    caller = await require(request)
    ticket_id = _ticket_id(request)
    query = query_params(request, ())
    app = request.app
    scope = _scope(caller)
    if await app[QUERIES].get_ticket(app[POOL], id=ticket_id, assignee_id=scope, **CHECKED) is None:
        raise not_found("Ticket")
    secret = app[CURSOR_SECRET]
    page = page_request(query, secret, "events", {"ticket_id": ticket_id})
    after_id = page.after[0] if page.after else 0
    rows = await app[QUERIES].list_events(
        app[READ_POOL], ticket_id=ticket_id, after_id=after_id, limit=page.size + 1
    )
    item = lambda row: TicketEvent(**row)  # noqa: E731
    return page_response(request, page, rows, item, secret, key=lambda row: (row["id"],))

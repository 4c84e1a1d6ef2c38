"""Tickets for staff: list and search, read, create, change, delete, and history."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from crm import orders
from crm.app_keys import (
    CURSOR_SECRET,
    LIST_QUERIES,
    POOL,
    QUERIES,
    READ_POOL,
    SEARCH_ESTIMATES,
)
from crm.auth import Reader, admitted, reader, require
from crm.changes.tickets import change_status, change_ticket, status_refusal
from crm.convert import Search
from crm.errors import FieldError, ValidationFailed, not_found
from crm.http.etags import if_match, precondition_failed, tagged
from crm.http.requests import (
    bool_param,
    enum_params,
    int_param,
    patch_of,
    path_id,
    query_params,
    query_value,
    read_body,
    read_json,
    time_range,
)
from crm.http.responses import as_item, created, found, json_response, page_response
from crm.models import (
    DEVICE_COLUMNS,
    AssigneeCount,
    EventType,
    NewTicket,
    Role,
    TicketCounts,
    TicketEvent,
    TicketPatch,
    TicketStatus,
    device_columns,
)
from crm.notify.events import NOBODY, queue_event
from crm.pagination import PageRequest, page_request
from crm.search import serial_prefix, title_query

LIST_FILTERS = (
    "q",
    "status",
    "assignee_id",
    "client_id",
    "unassigned",
    "created_from",
    "created_to",
    "scheduled_from",
    "scheduled_to",
)
# One client's tickets (GET /clients/{id}/tickets) take the same filters but the client.
CLIENT_FILTERS = tuple(name for name in LIST_FILTERS if name != "client_id")
NULLABLE = ("description", "scheduled_at", "assignee_id", "device", "address")


# What every query behind ticket_json ends with, in this order (api_tickets' columns): the
# leading ones differ (caller_passed, total, outcome), so ticket_json reads them from the end.
TICKET_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "client_id",
    "client_name",
    "assignee_id",
    "assignee_email",
    "scheduled_at",
    "created_at",
    "updated_at",
    *DEVICE_COLUMNS.values(),
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_comment",
)


def ticket_json(row: Any) -> dict[str, Any]:
    """A ticket row (TICKET_COLUMNS last) as the API shows it: device and contact as objects.

    Made here rather than as jsonb in SQL, which cost PostgreSQL a third of a page (migration
    0016); the row is unpacked by position, half the cost of reading its columns by name (a page
    makes 21 of these). The fields are Ticket's; a test holds every ticket response to the
    contract, and tests/test_ticket_columns.py every query behind this to TICKET_COLUMNS.
    """
    (
        *_,
        id_,
        title,
        description,
        status,
        client_id,
        client_name,
        assignee_id,
        assignee_email,
        scheduled_at,
        created_at,
        updated_at,
        kind,
        brand,
        model,
        serial,
        address,
        name,
        phone,
        email,
        comment,
    ) = row
    return {
        "id": id_,
        "title": title,
        "description": description,
        "status": status,
        "client_id": client_id,
        "client_name": client_name,
        "assignee_id": assignee_id,
        "assignee_email": assignee_email,
        "scheduled_at": scheduled_at,
        "created_at": created_at,
        "updated_at": updated_at,
        "device": {"kind": kind, "brand": brand, "model": model, "serial": serial},
        "address": address,
        # What the customer typed into a public request; staff-made tickets have none.
        "contact": None
        if phone is None and email is None
        else {"name": name, "phone": phone, "email": email, "comment": comment},
    }


def _ticket_id(request: web.Request) -> int:
    return path_id(request, "Ticket")


def _filters(
    query: MultiDict[str], own_tickets: int | None, client_id: int | None = None
) -> dict[str, Any]:
    """The ticket filters of GET /tickets and /tickets/counts as list_tickets' parameters
    (`own_tickets`: the caller's Reader.own_tickets)."""
    statuses = enum_params(query.getall("status", []), "status", TicketStatus)
    created = time_range(query, "created_from", "created_to")
    scheduled = time_range(query, "scheduled_from", "scheduled_to")
    q = query_value(query, "q", Search)
    return {
        "search": title_query(q),
        "serial_prefix": serial_prefix(q),
        "statuses": [s.value for s in statuses] if statuses else None,
        "assignee_id": own_tickets or int_param(query, "assignee_id"),
        "client_id": client_id or int_param(query, "client_id"),
        "unassigned": bool_param(query, "unassigned"),
        "created_from": created[0],
        "created_to": created[1],
        "scheduled_from": scheduled[0],
        "scheduled_to": scheduled[1],
    }


async def list_tickets(request: web.Request) -> web.Response:
    """A page of tickets in the asked order, filtered and searched, with the total."""
    app = request.app
    read = await reader(request, replica=app[READ_POOL] is not app[POOL])
    return await _list(request, read, LIST_FILTERS, None)


async def list_client_tickets(request: web.Request) -> web.Response:
    """A page of one client's tickets: the customer's device history (admins)."""
    app = request.app
    read = await reader(request, Role.ADMIN, replica=app[READ_POOL] is not app[POOL])
    client_id = path_id(request, "Client")
    if not await app[QUERIES].client_exists(app[POOL], id=client_id):
        raise not_found("Client")
    return await _list(request, read, CLIENT_FILTERS, client_id)


async def _list(
    request: web.Request, read: Reader, allowed: tuple[str, ...], client_id: int | None
) -> web.Response:
    app = request.app
    query, filters, page, kept = _asked(request, allowed, read.own_tickets, client_id)
    # The commonest lists (newest first: all, one status, one assignee's, a title search) run on
    # kept plans, without planning the general statement for each call; an assignee's list
    # (every worker's own) by a statement of its own but for page numbers.
    if kept is None:
        rows = await app[QUERIES].list_tickets(
            app[READ_POOL], **filters, **page.params(), **read.params()
        )
    elif (name := kept[0]) == "list_newest_search":
        rows = await _newest_search(app, kept[1], read)
    elif name == "list_newest_assigned":
        rows = await app[QUERIES].list_newest_assigned(app[READ_POOL], **kept[1], **read.params())
    else:
        rows = await app[QUERIES].list_newest_tickets(app[READ_POOL], **kept[1], **read.params())
    admitted(request, rows[0])
    # Rows go to JSON as dicts: skipping a Ticket per row saves a fifth of the time of a page.
    return page_response(request, query, page, rows, ticket_json, app[CURSOR_SECRET])


# The query's parameters, filters, page request, and the kept statement it runs with that
# statement's parameters (None: the general statement).
Asked = tuple[
    MultiDictProxy[str], Mapping[str, Any], PageRequest, tuple[str, Mapping[str, Any]] | None
]


def _worked_out(
    query: MultiDict[str], own_tickets: int | None, client_id: int | None, secret: bytes
) -> Asked:
    """A checked list query's parameters, filters, page request and kept statement, read-only."""
    filters = _filters(query, own_tickets, client_id)
    scope = "tickets" if client_id is None else "client_tickets"
    # The page's scope digests the filters as a dict (a read-only view is not JSON).
    page = page_request(query, secret, scope, filters, orders.TICKETS)
    kept = _kept_params(filters, page)
    statement = None
    if kept is not None:
        name = newest_query(kept)
        if name == "list_newest_assigned":
            del kept["offset"]  # always 0: its pages are first pages and cursors'
        statement = (name, MappingProxyType(kept))
    return MultiDictProxy(query), MappingProxyType(filters), page, statement


def _asked(
    request: web.Request, allowed: tuple[str, ...], own_tickets: int | None, client_id: int | None
) -> Asked:
    """_worked_out for the request's query, kept for each query string and kind of caller (a
    worker's own list, anyone's, one client's) in this process unless it holds a cursor (each
    comes once): the same lists are asked again and again (opened, polled, searched for the same
    words), and checking and working them out was a twentieth of a list's time. The key is the
    query string as sent, so a kept answer is the one its checks gave (a refused query raises
    and is not kept). Read-only: shared by every request that asks the same."""
    app = request.app
    known, key = app[LIST_QUERIES], (request.rel_url.raw_query_string, own_tickets, client_id)
    found: Asked | None = known.get(key)
    if found is None:
        query = query_params(request, (*allowed, "sort"), repeatable=("status",))
        found = _worked_out(query, own_tickets, client_id, app[CURSOR_SECRET])
        if "cursor" in query:
            return found
        # A query string's answer never changes: letting them all go costs only working out.
        if len(known) >= MAX_ASKED:
            known.clear()
        known[key] = found
    return found


# How many list queries a process keeps worked out (_asked).
MAX_ASKED = 1024


def newest_query(kept: Mapping[str, Any]) -> str:
    """The statement a list with these kept parameters (_kept_params) runs: a title search's,
    an assignee's first page or a cursor's, or newest_tickets' for the rest."""
    if "search" in kept:
        return "list_newest_search"
    if kept["assignee_id"] is not None and kept["offset"] == 0:
        return "list_newest_assigned"
    return "list_newest_tickets"


async def _newest_search(app: web.Application, kept: Mapping[str, Any], read: Reader) -> Any:
    """list_newest_search's rows, passing the estimate of the matches this process keeps for
    the same words and filters, and keeping the one it used."""
    estimates, key = app[SEARCH_ESTIMATES], (kept["search"], kept["status"], kept["assignee_id"])
    matches, tuples = estimates.get(key)
    rows = await app[QUERIES].list_newest_search(
        app[READ_POOL], **kept, **read.params(), matches=matches, tuples=tuples
    )
    if rows[0]["matches"] is not None:  # None: the caller was refused before any estimate
        estimates.put(key, rows[0]["matches"], rows[0]["tuples"])
    return rows


def _kept_params(filters: Mapping[str, Any], page: PageRequest) -> dict[str, Any] | None:
    """list_newest_tickets' parameters (with `search`, list_newest_search's) for a list newest
    first, filtered by nothing but one status, the assignee and title words (not a serial); None
    for any other list."""
    statuses = filters["statuses"]
    kept = ("statuses", "assignee_id", "search")
    if (
        page.order is not orders.TICKETS[0]
        or (statuses and len(statuses) > 1)
        or any(value for name, value in filters.items() if name not in kept)
    ):
        return None
    params = {
        **page.params(),
        "status": statuses[0] if statuses else None,
        "assignee_id": filters["assignee_id"],
    }
    del params["sort"]
    if filters["search"] is not None:
        params["search"] = filters["search"]
    return params


async def count_tickets(request: web.Request) -> web.Response:
    """How many tickets the filters of GET /tickets select: in total, by status, by assignee."""
    app = request.app
    read = await reader(request, replica=app[READ_POOL] is not app[POOL])
    query = query_params(request, LIST_FILTERS, repeatable=("status",))
    filters = _filters(query, read.own_tickets)
    rows = await app[QUERIES].count_tickets(app[READ_POOL], **filters, **read.params())
    admitted(request, rows[0])
    return json_response(_counts(rows, by_assignee=read.own_tickets is None))


def _counts(rows: list[Any], by_assignee: bool) -> TicketCounts:
    """Rows of (status, assignee_id, tickets) summed by status and, for admins, by assignee."""
    statuses = dict.fromkeys((s.value for s in TicketStatus), 0)
    assignees: dict[int | None, int] = {}
    for row in rows:
        if row["status"] is not None:
            statuses[row["status"]] += row["tickets"]
            assignees[row["assignee_id"]] = assignees.get(row["assignee_id"], 0) + row["tickets"]
    return TicketCounts(
        total=sum(statuses.values()),
        by_status=statuses,
        by_assignee=[
            AssigneeCount(a, n) for a, n in sorted(assignees.items(), key=_unassigned_first)
        ]
        if by_assignee
        else None,
    )


def _unassigned_first(item: tuple[int | None, int]) -> tuple[bool, int]:
    return item[0] is not None, item[0] or 0


async def get_ticket(request: web.Request) -> web.Response:
    """One ticket; a worker asking for someone else's gets 404."""
    app = request.app
    read = await reader(request)
    row = await app[QUERIES].get_ticket(
        app[POOL], id=_ticket_id(request), assignee_id=read.own_tickets, **read.params()
    )
    return tagged(found(admitted(request, row), ticket_json, "Ticket"), row["updated_at"])


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
            actor_id=caller.id,
            address=body.address,
            **device_columns(body.device),
        )
        # Staff typed it in: other systems hear of it, the customer is not e-mailed.
        await queue_event(conn, queries, EventType.TICKET_CREATED, ticket["id"], audience=NOBODY)
        if body.assignee_id is not None:
            await queue_event(conn, queries, EventType.ASSIGNED, ticket["id"])
        row = await queries.get_ticket(
            conn, id=ticket["id"], assignee_id=None, **Reader(caller, confirmed=True).params()
        )
    return created(request, row, ticket_json, "get_ticket")


async def patch_ticket(request: web.Request) -> web.Response:
    """Change a ticket: admins any field, workers only the status of their own, forward only.

    A change of the status alone, the everyday one, is one round trip (change_status): the
    caller is checked in the same statement, as reads check it.
    """
    read = await reader(request)
    ticket_id = _ticket_id(request)
    data = await read_json(request)
    status = _status_alone(data)
    app = request.app
    expected = if_match(request)
    if status is not None:
        row = await change_status(app[POOL], app[QUERIES], read, ticket_id, status, expected)
        admitted(request, row)
        if refusal := status_refusal(row, read.caller.role, status):
            raise refusal
    else:
        patch, given = patch_of(data, TicketPatch, nullable=NULLABLE)
        caller = await require(request)
        device_keys = _given_keys(data, "device")
        await change_ticket(
            app[POOL], app[QUERIES], caller, ticket_id, patch, given, device_keys, expected
        )
        row = await app[QUERIES].get_ticket(
            app[POOL], id=ticket_id, assignee_id=None, **Reader(caller, confirmed=True).params()
        )
    return tagged(found(row, ticket_json, "Ticket"), row["updated_at"])


def _status_alone(data: Any) -> TicketStatus | None:
    """The new status of a patch that changes nothing else, the everyday one, when it is one of
    ours: the generic patch reader cost 26k instructions for this one field. Anything else goes
    through that reader, and its error messages."""
    if type(data) is dict and len(data) == 1 and type(value := data.get("status")) is str:
        try:
            return TicketStatus(value)
        except ValueError:
            return None
    return None


def _given_keys(data: Any, name: str) -> frozenset[str]:
    """The keys given inside the object `name` of a patch (null or absent: none)."""
    inner = data.get(name) if isinstance(data, dict) else None
    return frozenset(inner) if isinstance(inner, dict) else frozenset()


async def delete_ticket(request: web.Request) -> web.Response:
    """An admin deletes a ticket; a tombstone and its history stay for reports."""
    caller = await require(request, Role.ADMIN)
    ticket_id, expected = _ticket_id(request), if_match(request)
    queries, pool = request.app[QUERIES], request.app[POOL]
    deleted = await queries.delete_ticket(pool, id=ticket_id, actor_id=caller.id, expected=expected)
    if deleted is None:
        if expected is not None and await queries.ticket_exists(
            pool, id=ticket_id, assignee_id=None
        ):
            raise precondition_failed()
        raise not_found("Ticket")
    return web.Response(status=204)


async def list_events(request: web.Request) -> web.Response:
    """A page of a ticket's history, oldest first."""
    app = request.app
    read = await reader(request, replica=app[READ_POOL] is not app[POOL])
    ticket_id = _ticket_id(request)
    query = query_params(request, ())
    secret = app[CURSOR_SECRET]
    page = page_request(query, secret, "events", {"ticket_id": ticket_id}, orders.EVENTS)
    rows = await app[QUERIES].list_events(
        app[READ_POOL],
        ticket_id=ticket_id,
        assignee_id=read.own_tickets,
        **page.params(),
        **read.params(),
    )
    if not admitted(request, rows[0])["ticket_found"]:
        raise not_found("Ticket")
    return page_response(request, query, page, rows, as_item(TicketEvent), secret)

"""Comments on a ticket for staff: internal notes and public replies; list, add, edit, delete."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from crm import orders
from crm.app_keys import CURSOR_SECRET, POOL, QUERIES
from crm.auth import admitted, reader, require
from crm.errors import Problem, not_found
from crm.http.requests import path_id, query_params, read_body
from crm.http.responses import as_dict, as_item, found, json_response, location, page_response
from crm.models import (
    Caller,
    CommentEdit,
    EventType,
    NewComment,
    Role,
    TicketComment,
    Visibility,
)
from crm.notify.events import comment_payload, queue_event
from crm.pagination import page_request
from crm.queries import Queries
from crm.rules import comment_edit_refusal

# Rows go to JSON as they are: list_comments selects TicketComment's fields as JSON shows them.
COMMENT_JSON = as_dict(TicketComment)


async def _lock_visible_ticket(conn: Any, queries: Queries, caller: Caller, ticket_id: int) -> None:
    """Lock the ticket for this transaction, or 404 when the caller may not see it."""
    if (
        await queries.lock_ticket(conn, id=ticket_id, assignee_id=caller.own_tickets, expected=None)
        is None
    ):
        raise not_found("Ticket")


def _comment_id(request: web.Request) -> int:
    return path_id(request, "Comment", "comment_id")


async def list_comments(request: web.Request) -> web.Response:
    """A page of a ticket's comments, oldest first (one round trip with the caller's check)."""
    app = request.app
    read = await reader(request)
    ticket_id = path_id(request, "Ticket")
    query = query_params(request, ())
    secret = app[CURSOR_SECRET]
    page = page_request(query, secret, "comments", {"ticket_id": ticket_id}, orders.EVENTS)
    rows = await app[QUERIES].list_comments(
        app[POOL],
        ticket_id=ticket_id,
        assignee_id=read.own_tickets,
        **page.params(),
        **read.params(),
    )
    if not admitted(request, rows[0])["ticket_found"]:
        raise not_found("Ticket")
    return page_response(request, query, page, rows, COMMENT_JSON, secret)


async def create_comment(request: web.Request) -> web.Response:
    """Add an internal note or a public reply to a ticket the caller may see."""
    caller = await require(request)
    ticket_id = path_id(request, "Ticket")
    body = await read_body(request, NewComment)
    app = request.app
    queries = app[QUERIES]
    async with app[POOL].acquire() as conn, conn.transaction():
        await _lock_visible_ticket(conn, queries, caller, ticket_id)
        comment_id = await queries.insert_comment(
            conn,
            ticket_id=ticket_id,
            author_id=caller.id,
            visibility=body.visibility.value,
            body=body.body,
        )
        row = await queries.get_comment(conn, id=comment_id, ticket_id=ticket_id)
        if body.visibility == Visibility.PUBLIC:
            # The customer (and subscribers) hear of public replies; internal notes stay inside.
            await queue_event(
                conn, queries, EventType.PUBLIC_COMMENT, ticket_id, comment=comment_payload(row)
            )
    headers = {
        "Location": location(request, "get_ticket_comment", id=ticket_id, comment_id=comment_id)
    }
    return json_response(TicketComment(**row), status=201, headers=headers)


async def get_comment(request: web.Request) -> web.Response:
    """One comment of a ticket the caller may see."""
    caller = await require(request)
    ticket_id, comment_id = path_id(request, "Ticket"), _comment_id(request)
    app = request.app
    if not await app[QUERIES].ticket_visible(
        app[POOL], id=ticket_id, assignee_id=caller.own_tickets
    ):
        raise not_found("Ticket")
    row = await app[QUERIES].get_comment(app[POOL], id=comment_id, ticket_id=ticket_id)
    return found(row, as_item(TicketComment), "Comment")


async def edit_comment(request: web.Request) -> web.Response:
    """Its author changes a comment's text within 15 minutes; the history keeps the old text."""
    caller = await require(request)
    ticket_id, comment_id = path_id(request, "Ticket"), _comment_id(request)
    body = await read_body(request, CommentEdit)
    app = request.app
    queries = app[QUERIES]
    async with app[POOL].acquire() as conn, conn.transaction():
        await _lock_visible_ticket(conn, queries, caller, ticket_id)
        old = await queries.lock_comment(conn, id=comment_id, ticket_id=ticket_id)
        if old is None:
            raise not_found("Comment")
        author, editable = old["author_id"], old["editable"]
        if refusal := comment_edit_refusal(caller.id, author, editable):
            raise Problem(*refusal)
        await queries.edit_comment(conn, id=comment_id, body=body.body, actor_id=caller.id)
        row = await queries.get_comment(conn, id=comment_id, ticket_id=ticket_id)
    return json_response(TicketComment(**row))


async def delete_comment(request: web.Request) -> web.Response:
    """An admin deletes a comment: its text is gone everywhere, a history row records it."""
    caller = await require(request, Role.ADMIN)
    ticket_id, comment_id = path_id(request, "Ticket"), _comment_id(request)
    app = request.app
    deleted = await app[QUERIES].delete_comment(
        app[POOL], id=comment_id, ticket_id=ticket_id, actor_id=caller.id
    )
    if deleted is None:
        raise not_found("Comment")
    return web.Response(status=204)

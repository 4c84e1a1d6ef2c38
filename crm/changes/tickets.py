"""Changing a ticket: merge a patch, apply the rules, store it and its history in one go."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from crm.auth import Reader
from crm.convert import iso
from crm.errors import FieldError, Problem, ValidationFailed, not_found
from crm.http.etags import precondition_failed
from crm.models import DEVICE_COLUMNS, Caller, EventType, Role, TicketPatch, TicketStatus
from crm.notify.events import AUDIENCE, queue_event
from crm.notify.wake import mark_queued
from crm.queries import Queries
from crm.rules import forbidden_fields, moves_into, transition_error

EDITED = ("title", "description", "scheduled_at", "client_id", *DEVICE_COLUMNS.values(), "address")


async def change_ticket(
    pool: Any,
    queries: Queries,
    caller: Caller,
    ticket_id: int,
    patch: TicketPatch,
    present: Collection[str],
    device_keys: Collection[str] = (),
    expected: list[datetime] | None = None,
) -> None:
    """Apply `patch` (only the `present` keys, and of `device` its `device_keys`) as `caller`,
    if the ticket's version is one `expected` lists (If-Match).

    404, 403, 409, 412 or 422 when refused. A null `device` clears all four of its parts.
    """
    role = caller.role
    scope = caller.own_tickets
    async with pool.acquire() as conn, conn.transaction():
        old = await queries.lock_ticket(conn, id=ticket_id, assignee_id=scope, expected=expected)
        if old is None:
            if expected is not None and await queries.ticket_exists(
                conn, id=ticket_id, assignee_id=scope
            ):
                raise precondition_failed()
            raise not_found("Ticket")
        if denied := forbidden_fields(role, present):
            raise Problem(
                403, f"Workers may change only a ticket's status, not: {', '.join(denied)}."
            )
        new = {**old, **_column_values(patch, present, device_keys)}
        if "status" in present:
            current, wanted = TicketStatus(old["status"]), TicketStatus(new["status"])
            if error := transition_error(role, current, wanted):
                raise Problem(409, error)
        await _check_references(conn, queries, old, new)
        await queries.update_ticket(conn, **new)
        for event in _events(dict(old), new):
            await queries.add_event(conn, ticket_id=ticket_id, actor_id=caller.id, **event)
        if new["status"] != old["status"]:
            await queue_event(
                conn, queries, EventType.STATUS_CHANGED, ticket_id, previous_status=old["status"]
            )
        if new["assignee_id"] not in (None, old["assignee_id"]):
            await queue_event(conn, queries, EventType.ASSIGNED, ticket_id)


async def change_status(
    pool: Any,
    queries: Queries,
    read: Reader,
    ticket_id: int,
    wanted: TicketStatus,
    expected: list[datetime] | None = None,
) -> Any:
    """Move a ticket to `wanted` as `read`'s caller in one round trip (change_ticket_status).

    The row it answers, with `caller_passed` for `admitted` and the ticket as it is now when it
    changed; `status_refusal` says why it did not.
    """
    role = read.caller.role
    row = await queries.change_ticket_status(
        pool,
        id=ticket_id,
        assignee_id=read.own_tickets,
        expected=expected,
        status=wanted.value,
        allowed_from=moves_into(role, wanted),
        event_type=EventType.STATUS_CHANGED.value,
        audience=AUDIENCE[EventType.STATUS_CHANGED],
        **read.params(),
    )
    if row["outcome"] == "changed":
        mark_queued()
    return row


def status_refusal(row: Any, role: Role, wanted: TicketStatus) -> Problem | None:
    """Why change_status did not change the ticket (404, 409 or 412), or None when it did."""
    outcome = row["outcome"]
    if outcome == "missing":
        return not_found("Ticket")
    if outcome == "stale":
        return precondition_failed()
    if outcome == "not_allowed":
        current = TicketStatus(row["previous_status"])
        return Problem(409, transition_error(role, current, wanted) or "Cannot move the ticket.")
    return None


def _column_values(
    patch: TicketPatch, present: Collection[str], device_keys: Collection[str]
) -> dict[str, Any]:
    """The patch as tickets column values: the device's parts are columns of their own."""
    values = {name: _plain_value(getattr(patch, name)) for name in present if name != "device"}
    if "device" in present:
        keys = DEVICE_COLUMNS.keys() if patch.device is None else device_keys
        for key in keys:
            values[DEVICE_COLUMNS[key]] = getattr(patch.device, key, None)
    return values


def _plain_value(value: Any) -> Any:
    return value.value if isinstance(value, TicketStatus) else value


async def _check_references(conn: Any, queries: Queries, old: Any, new: dict[str, Any]) -> None:
    errors = []
    if new["client_id"] != old["client_id"] and not await queries.client_exists(
        conn, id=new["client_id"]
    ):
        errors.append(FieldError("client_id", "no client has this id"))
    assignee = new["assignee_id"]
    if assignee not in (None, old["assignee_id"]) and not await queries.is_active_worker(
        conn, id=assignee
    ):
        errors.append(FieldError("assignee_id", "must be an active worker"))
    if errors:
        raise ValidationFailed(errors)


def _events(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """One history row per kind of change: status, assignment, and edits of other fields."""
    blank = dict.fromkeys(
        ("from_status", "to_status", "from_assignee_id", "to_assignee_id", "changes")
    )
    events = []
    if new["status"] != old["status"]:
        events.append(
            {
                **blank,
                "kind": "status_changed",
                "from_status": old["status"],
                "to_status": new["status"],
            }
        )
    if new["assignee_id"] != old["assignee_id"]:
        events.append(
            {
                **blank,
                "kind": "assigned",
                "from_assignee_id": old["assignee_id"],
                "to_assignee_id": new["assignee_id"],
            }
        )
    changes = {
        name: {"from": _plain(old[name]), "to": _plain(new[name])}
        for name in EDITED
        if new[name] != old[name]
    }
    if changes:
        events.append({**blank, "kind": "edited", "changes": changes})
    return events


def _plain(value: Any) -> Any:
    return iso(value) if hasattr(value, "astimezone") else value

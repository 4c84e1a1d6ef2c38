"""Queueing a ticket event: who hears of it, written in the transaction of the change itself."""

from __future__ import annotations

from typing import Any

from crm.convert import iso
from crm.models import EventType
from crm.notify.wake import mark_queued
from crm.queries import Queries

# Who gets the e-mail of each event; webhooks subscribed to the type get every event.
AUDIENCE = {
    EventType.TICKET_CREATED: "customer",
    EventType.STATUS_CHANGED: "customer",
    EventType.ASSIGNED: "assignee",
    EventType.PUBLIC_COMMENT: "customer",
    EventType.CUSTOMER_COMMENT: "assignee_or_admins",
}
NOBODY = "nobody"


def comment_payload(row: Any) -> dict[str, Any]:
    """A public comment as events carry it (never an internal one: callers queue public only)."""
    return {
        "id": row["id"],
        "body": row["body"],
        "author": row["author"],
        "author_name": row["author_name"],
        "created_at": iso(row["created_at"]),
    }


async def queue_event(
    conn: Any,
    queries: Queries,
    event_type: EventType,
    ticket_id: int,
    *,
    audience: str | None = None,
    **extra: Any,
) -> None:
    """Queue `event_type` for the ticket on `conn`, inside the caller's transaction.

    `extra` goes into the payload beside the ticket (`previous_status`, `comment`); `audience`
    overrides who is e-mailed (NOBODY: webhooks only).
    """
    await queries.queue_event(
        conn,
        event_type=event_type.value,
        ticket_id=ticket_id,
        audience=audience or AUDIENCE[event_type],
        extra=extra,
    )
    mark_queued()

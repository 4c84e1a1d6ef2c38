"""Demo tickets carry histories the rules could have produced, ending where the ticket is."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from crm import db, demo
from crm.models import TicketStatus
from crm.rules import ADMIN_MOVES
from crm.settings import Settings
from tests.conftest import TEST_SECRET, recreate_database
from tests.factories import CHECKS

SIZE = demo.DemoSize(tickets=5_000, clients=500, workers=5)


def _replay_problem(ticket: dict[str, Any], events: list[dict[str, Any]]) -> str | None:
    """Why this history could not have led to this ticket, or None when it could."""
    if not events or events[0]["kind"] != "created" or events[0]["to_status"] != "new":
        return "does not start with a 'created' event in status new"
    status, assignee, closed, last_at = TicketStatus.NEW, events[0]["to_assignee_id"], False, None
    for event in events:
        if last_at is not None and event["created_at"] < last_at:
            return f"event {event['id']} is earlier than the one before it"
        last_at = event["created_at"]
        # A reopening or a comment may follow a close; an assignment or an edit may not.
        if closed and event["kind"] in ("assigned", "edited"):
            return f"event {event['id']} ({event['kind']}) comes after the ticket closed"
        if event["kind"] == "status_changed":
            wanted = TicketStatus(event["to_status"])
            if event["from_status"] != status.value or wanted not in ADMIN_MOVES[status]:
                return f"event {event['id']} moves {event['from_status']} -> {wanted.value}"
            status = wanted
        elif event["kind"] == "assigned":
            assignee = event["to_assignee_id"]
        closed = status in (TicketStatus.DONE, TicketStatus.CANCELED)
    if status.value != ticket["status"] or assignee != ticket["assignee_id"]:
        return f"history ends in {status.value}/{assignee}, the ticket is {dict(ticket)}"
    return None


async def _histories(url: str) -> tuple[list[Any], list[Any], int]:
    conn = await asyncpg.connect(url)
    try:
        tickets = await CHECKS["all_tickets"](conn)
        events = await CHECKS["all_events"](conn)
        credited = await CHECKS["done_tickets_credited_to_nobody"](conn)
        return tickets, events, credited
    finally:
        await conn.close()


def test_every_demo_ticket_history_matches_its_status_and_assignee(server_url: str) -> None:
    url = recreate_database(server_url, "crm_demo_histories")
    db.migrate(url)
    settings = Settings(jwt_secret=TEST_SECRET, argon2_time_cost=1, argon2_memory_kib=1024)
    asyncio.run(demo.fill(url, settings, SIZE, say=lambda _: None))
    tickets, events, credited = asyncio.run(_histories(url))
    by_ticket: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        by_ticket.setdefault(event["ticket_id"], []).append(dict(event))
    problems = {
        ticket["id"]: problem
        for ticket in tickets
        if (problem := _replay_problem(dict(ticket), by_ticket.get(ticket["id"], [])))
    }
    assert len(tickets) == SIZE.tickets
    assert problems == {}
    # So every demo close is credited to a worker in the reports.
    assert credited == 0

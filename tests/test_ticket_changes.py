"""Changing tickets: who may change what, allowed status moves, races, and the history left."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from crm.app_keys import POOL
from crm.models import Role, TicketStatus
from crm.rules import transition_error
from tests.api import Api
from tests.factories import (
    CHECKS,
    check,
    make_client,
    make_ticket,
    make_user,
    new_client,
    until_waiting,
    user_and_token,
)

STATUSES = [s.value for s in TicketStatus]
ADMIN_ALLOWED = {
    ("new", "in_progress"),
    ("new", "canceled"),
    ("in_progress", "done"),
    ("in_progress", "canceled"),
    ("done", "in_progress"),
    ("canceled", "new"),
}
WORKER_ALLOWED = {("new", "in_progress"), ("in_progress", "done")}
ALL_MOVES = [(a, b) for a in STATUSES for b in STATUSES]


async def _events(api: Api, ticket_id: int) -> list[dict[str, Any]]:
    return [dict(row) for row in await check(api, "ticket_events", ticket_id=ticket_id)]


@pytest.mark.parametrize(("start", "target"), ALL_MOVES)
async def test_admin_status_moves(api: Api, admin_token: str, start: str, target: str) -> None:
    ticket = await make_ticket(api, title="t", client_id=await new_client(api), status=start)
    reply = await api.patch(f"/tickets/{ticket}", {"status": target}, token=admin_token)
    if (start, target) in ADMIN_ALLOWED:
        assert reply.status == 200 and reply.body["status"] == target
        assert [
            (e["kind"], e["from_status"], e["to_status"]) for e in await _events(api, ticket)
        ] == [("status_changed", start, target)]
    else:
        assert reply.status == 409
        assert reply.body["detail"] == transition_error(
            Role.ADMIN, TicketStatus(start), TicketStatus(target)
        )
        assert (await check(api, "ticket_row", id=ticket))["status"] == start
        assert await _events(api, ticket) == []


@pytest.mark.parametrize(("start", "target"), ALL_MOVES)
async def test_worker_status_moves_on_own_ticket(api: Api, start: str, target: str) -> None:
    worker, token = await user_and_token(api, "w@example.com")
    ticket = await make_ticket(
        api, title="t", client_id=await new_client(api), assignee_id=worker["id"], status=start
    )
    reply = await api.patch(f"/tickets/{ticket}", {"status": target}, token=token)
    if (start, target) in WORKER_ALLOWED:
        assert reply.status == 200 and reply.body["status"] == target
        assert (await _events(api, ticket))[0]["actor_id"] == worker["id"]
    else:
        assert reply.status == 409
        assert (await check(api, "ticket_row", id=ticket))["status"] == start


def test_transition_messages_name_both_statuses() -> None:
    assert (
        transition_error(Role.ADMIN, TicketStatus.DONE, TicketStatus.NEW)
        == "Cannot move from done to new."
    )
    assert transition_error(Role.WORKER, TicketStatus.NEW, TicketStatus.CANCELED) == (
        "Only an admin can move a ticket from new to canceled."
    )
    assert (
        transition_error(Role.WORKER, TicketStatus.NEW, TicketStatus.NEW)
        == "The ticket is already new."
    )


async def test_worker_may_change_only_the_status(api: Api) -> None:
    worker, token = await user_and_token(api, "w@example.com")
    ticket = await make_ticket(
        api, title="t", client_id=await new_client(api), assignee_id=worker["id"]
    )
    reply = await api.patch(
        f"/tickets/{ticket}", {"status": "in_progress", "title": "mine now"}, token=token
    )
    assert reply.status == 403
    assert reply.body["detail"] == "Workers may change only a ticket's status, not: title."
    assert (await check(api, "ticket_row", id=ticket))["status"] == "new"
    reply = await api.patch(f"/tickets/{ticket}", {"assignee_id": None}, token=token)
    assert reply.status == 403


async def test_worker_cannot_see_or_touch_another_workers_ticket(api: Api) -> None:
    _, token = await user_and_token(api, "me@example.com")
    other = await make_user(api, "other@example.com")
    ticket = await make_ticket(
        api, title="t", client_id=await new_client(api), assignee_id=other["id"]
    )
    for reply in [
        await api.get(f"/tickets/{ticket}", token=token),
        await api.patch(f"/tickets/{ticket}", {"status": "in_progress"}, token=token),
        await api.patch(f"/tickets/{ticket}", {"title": "x"}, token=token),
        await api.get(f"/tickets/{ticket}/events", token=token),
    ]:
        assert reply.status == 404
        assert reply.body["detail"] == "Ticket not found."
    assert (await api.delete(f"/tickets/{ticket}", token=token)).status == 403
    assert (await check(api, "ticket_row", id=ticket))["status"] == "new"


async def test_admin_edits_fields_and_each_kind_of_change_is_one_event(
    api: Api, admin_token: str
) -> None:
    worker = await make_user(api, "w@example.com")
    client, other_client = await new_client(api), await new_client(api, "Пётр", "+999999")
    ticket = await make_ticket(api, title="old title", client_id=client)
    change = {
        "title": "new title",
        "description": "details",
        "scheduled_at": "2025-01-14T12:00:00+02:00",
        "client_id": other_client,
        "assignee_id": worker["id"],
        "status": "in_progress",
    }
    before = (await check(api, "ticket_row", id=ticket))["updated_at"]
    reply = await api.patch(f"/tickets/{ticket}", change, token=admin_token)
    assert reply.status == 200
    assert reply.body == {
        "id": ticket,
        "title": "new title",
        "description": "details",
        "status": "in_progress",
        "client_id": other_client,
        "client_name": "Пётр",
        "assignee_id": worker["id"],
        "assignee_email": "w@example.com",
        "scheduled_at": "2025-01-14T10:00:00Z",
        "created_at": reply.body["created_at"],
        "updated_at": reply.body["updated_at"],
        "device": {"kind": None, "brand": None, "model": None, "serial": None},
        "address": None,
        "contact": None,
    }
    assert (await check(api, "ticket_row", id=ticket))["updated_at"] > before
    events = await _events(api, ticket)
    assert [e["kind"] for e in events] == ["status_changed", "assigned", "edited"]
    assert (events[1]["from_assignee_id"], events[1]["to_assignee_id"]) == (None, worker["id"])
    assert events[2]["changes"] == {
        "title": {"from": "old title", "to": "new title"},
        "description": {"from": None, "to": "details"},
        "scheduled_at": {"from": None, "to": "2025-01-14T10:00:00Z"},
        "client_id": {"from": client, "to": other_client},
    }


async def test_null_unassigns_and_clears_but_required_fields_refuse_null(
    api: Api, admin_token: str
) -> None:
    worker = await make_user(api, "w@example.com")
    ticket = await make_ticket(
        api, title="t", client_id=await new_client(api), assignee_id=worker["id"]
    )
    reply = await api.patch(
        f"/tickets/{ticket}", {"assignee_id": None, "scheduled_at": None}, token=admin_token
    )
    assert reply.status == 200 and reply.body["assignee_id"] is None
    reply = await api.patch(
        f"/tickets/{ticket}", {"title": None, "status": None}, token=admin_token
    )
    assert reply.status == 422
    assert reply.body["errors"] == [
        {"field": "status", "message": "must not be null"},
        {"field": "title", "message": "must not be null"},
    ]


@pytest.mark.parametrize("kind", ["admin", "inactive", "unknown"])
async def test_assignee_must_be_an_active_worker(api: Api, admin_token: str, kind: str) -> None:
    ticket = await make_ticket(api, title="t", client_id=await new_client(api))
    if kind == "unknown":
        assignee = 999
    else:
        user = await make_user(
            api, f"{kind}-user@example.com", "admin" if kind == "admin" else "worker"
        )
        if kind == "inactive":
            await check(api, "deactivate_user", id=user["id"])
        assignee = user["id"]
    reply = await api.patch(f"/tickets/{ticket}", {"assignee_id": assignee}, token=admin_token)
    assert reply.status == 422
    assert reply.body["errors"] == [{"field": "assignee_id", "message": "must be an active worker"}]
    assert (await check(api, "ticket_row", id=ticket))["assignee_id"] is None


async def test_empty_or_invalid_patch_is_422(api: Api, admin_token: str) -> None:
    ticket = await make_ticket(api, title="t", client_id=await new_client(api))
    assert (await api.patch(f"/tickets/{ticket}", {}, token=admin_token)).status == 422
    reply = await api.patch(
        f"/tickets/{ticket}", {"status": "lost", "client_id": "7"}, token=admin_token
    )
    assert reply.status == 422
    assert {e["field"] for e in reply.body["errors"]} == {"status", "client_id"}
    reply = await api.patch(f"/tickets/{ticket}", {"client_id": 999}, token=admin_token)
    assert reply.body["errors"] == [{"field": "client_id", "message": "no client has this id"}]


async def test_unknown_ticket_is_404_for_every_route(api: Api, admin_token: str) -> None:
    for reply in [
        await api.get("/tickets/999", token=admin_token),
        await api.patch("/tickets/999", {"status": "done"}, token=admin_token),
        await api.delete("/tickets/999", token=admin_token),
        await api.get("/tickets/999/events", token=admin_token),
        await api.get("/tickets/abc", token=admin_token),
    ]:
        assert reply.status == 404


async def test_two_concurrent_moves_from_the_same_status_exactly_one_wins(
    api: Api, admin_token: str
) -> None:
    worker, token = await user_and_token(api, "w@example.com")
    for _ in range(5):
        ticket = await make_ticket(
            api, title="t", client_id=await new_client(api), assignee_id=worker["id"]
        )
        replies = await asyncio.gather(
            api.patch(f"/tickets/{ticket}", {"status": "in_progress"}, token=token),
            api.patch(f"/tickets/{ticket}", {"status": "in_progress"}, token=admin_token),
        )
        assert sorted(r.status for r in replies) == [200, 409]
        assert [e["kind"] for e in await _events(api, ticket)] == ["status_changed"]


async def test_a_status_change_writes_the_shared_counters_after_its_notifications(
    api: Api, admin_token: str
) -> None:
    """A change holds the counter rows it writes (the ticket counters, the day's report counts,
    each shared by every writer of its slot) until it commits, so it writes them last: after
    its notifications, which here cannot be queued until the test lets them. Meanwhile the
    change must not have written to those tables yet; then it goes through as usual. The
    customer has an e-mail: a change nobody is told of queues nothing (migration 0029)."""
    client = await make_client(api, name="Иван", email="ivan@example.com")
    ticket = await make_ticket(api, client_id=client["id"])
    async with api.app[POOL].acquire() as conn, conn.transaction():
        await CHECKS["hold_new_notifications"](conn)
        change = asyncio.create_task(
            api.patch(f"/tickets/{ticket}", {"status": "in_progress"}, token=admin_token)
        )
        await until_waiting(api, 1)
        written = await check(api, "shared_tables_written_by_waiters")
    reply = await change
    assert written == 0
    assert (reply.status, reply.body["status"]) == (200, "in_progress")
    assert [e["kind"] for e in await _events(api, ticket)] == ["status_changed"]
    totals = await check(api, "kept_ticket_totals")
    assert {row["status"]: row["tickets"] for row in totals} == {"in_progress": 1}


async def test_admin_creates_an_assigned_ticket_and_workers_cannot(
    api: Api, admin_token: str
) -> None:
    worker, worker_token = await user_and_token(api, "w@example.com")
    client = await new_client(api)
    body = {"title": "Течёт холодильник", "client_id": client, "assignee_id": worker["id"]}
    reply = await api.post("/tickets", body, token=admin_token)
    assert reply.status == 201
    assert reply.headers["Location"] == f"/tickets/{reply.body['id']}"
    assert (reply.body["status"], reply.body["assignee_email"]) == ("new", "w@example.com")
    events = await _events(api, reply.body["id"])
    assert [(e["kind"], e["to_status"], e["to_assignee_id"]) for e in events] == [
        ("created", "new", worker["id"])
    ]
    assert (await api.post("/tickets", body, token=worker_token)).status == 403
    reply = await api.post(
        "/tickets", {"title": "x", "client_id": 999, "assignee_id": 998}, token=admin_token
    )
    assert reply.status == 422 and len(reply.body["errors"]) == 2

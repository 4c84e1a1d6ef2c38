"""GET /tickets/counts: per status, per assignee for admins, and never drifting from the rows."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any

from crm.app_keys import POOL
from crm.models import TicketStatus
from tests.api import Api
from tests.factories import CHECKS, admin_token, check, make_ticket, new_client, user_and_token

ZERO = {"new": 0, "in_progress": 0, "done": 0, "canceled": 0}


async def _counts(api: Api, token: str, **params: Any) -> dict[str, Any]:
    reply = await api.get("/tickets/counts", token=token, params=params)
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


async def test_admins_get_counts_by_status_and_assignee_workers_their_own(api: Api) -> None:
    _, admin = await admin_token(api)
    worker, token = await user_and_token(api, "w@example.com")
    other, _ = await user_and_token(api, "o@example.com")
    client = await new_client(api)
    await make_ticket(api, client, title="стиралка", assignee_id=worker["id"], status="in_progress")
    await make_ticket(api, client, title="стиралка", assignee_id=worker["id"], status="done")
    await make_ticket(api, client, title="холодильник", assignee_id=other["id"])
    await make_ticket(api, client, title="стиралка")
    assert await _counts(api, admin) == {
        "total": 4,
        "by_status": {**ZERO, "new": 2, "in_progress": 1, "done": 1},
        "by_assignee": [
            {"assignee_id": None, "count": 1},
            {"assignee_id": worker["id"], "count": 2},
            {"assignee_id": other["id"], "count": 1},
        ],
    }
    assert await _counts(api, token) == {
        "total": 2,
        "by_status": {**ZERO, "in_progress": 1, "done": 1},
        "by_assignee": None,
    }
    # A worker cannot widen the scope with the admins' filters.
    assert (await _counts(api, token, assignee_id=other["id"]))["total"] == 2
    assert await _counts(api, admin, status=["new", "done"]) == {
        "total": 3,
        "by_status": {**ZERO, "new": 2, "done": 1},
        "by_assignee": [
            {"assignee_id": None, "count": 1},
            {"assignee_id": worker["id"], "count": 1},
            {"assignee_id": other["id"], "count": 1},
        ],
    }
    # Filters the counters do not key count the matching tickets.
    searched = await _counts(api, admin, q="стиралка", unassigned="false")
    assert (searched["total"], searched["by_status"]) == (
        3,
        {**ZERO, "new": 1, "in_progress": 1, "done": 1},
    )
    assert (await _counts(api, admin, client_id=client + 1))["total"] == 0
    assert (await _counts(api, admin, unassigned="true"))["by_assignee"] == [
        {"assignee_id": None, "count": 1}
    ]
    assert await _counts(api, admin, q="ничего") == {
        "total": 0,
        "by_status": ZERO,
        "by_assignee": [],
    }


async def test_counts_equal_count_star_after_a_mixed_concurrent_run(api: Api) -> None:
    """Creates, status changes, reassignments, deletes and a deactivation, partly at once."""
    rng = random.Random(11)
    _, admin = await admin_token(api)
    workers = [(await user_and_token(api, f"w{n}@example.com"))[0]["id"] for n in range(3)]
    client = await new_client(api)

    async def create(n: int) -> None:
        body = {
            "title": f"стиралка {n}",
            "client_id": client,
            "assignee_id": rng.choice([None, *workers]),
        }
        assert (await api.post("/tickets", body, token=admin)).status == 201

    async def public(n: int) -> None:
        body = {"title": f"холодильник {n}", "client": {"name": "Иван", "phone": "+380671112233"}}
        assert (await api.post("/tickets/public", body)).status == 201

    await asyncio.gather(*(create(n) for n in range(24)), *(public(n) for n in range(6)))
    ids = [row["id"] for row in await check(api, "ticket_assignees")]

    async def change(ticket: int) -> None:
        move = rng.choice(["status", "assign", "unassign", "delete", "edit"])
        body: dict[str, Any] | None = {
            "status": {"status": rng.choice(["in_progress", "done", "canceled"])},
            "assign": {"assignee_id": rng.choice(workers)},
            "unassign": {"assignee_id": None},
            "edit": {"title": "правка"},
            "delete": None,
        }[move]
        if body is None:
            reply = await api.delete(f"/tickets/{ticket}", token=admin)
        else:
            reply = await api.patch(f"/tickets/{ticket}", body, token=admin)
        assert reply.status in (200, 204, 409), reply.body  # 409: a move the rules refuse

    for _ in range(3):
        await asyncio.gather(*(change(t) for t in rng.sample(ids, 12)), create(100), public(100))
        ids = [row["id"] for row in await check(api, "ticket_assignees")]
    # Deactivating a worker returns their open tickets to the queue in one statement.
    reply = await api.patch(f"/users/{workers[0]}", {"active": False}, token=admin)
    assert reply.status == 200

    real = [dict(row) for row in await check(api, "real_ticket_counts")]
    assert [dict(row) for row in await check(api, "kept_ticket_counts")] == real
    per_status = {
        status: sum(r["tickets"] for r in real if r["status"] == status) for status in ZERO
    }
    assert {row["status"]: row["tickets"] for row in await check(api, "kept_ticket_totals")} == {
        status: count for status, count in per_status.items() if count
    }
    # Newest-first pages take their totals from ticket_totals (per status) and ticket_counts.
    for status, count in per_status.items():
        page = await api.get("/tickets", token=admin, params={"status": status})
        assert (page.body["total"], page.body["total_exact"]) == (count, True)
    page = await api.get("/tickets", token=admin, params={"assignee_id": workers[1]})
    assert page.body["total"] == sum(r["tickets"] for r in real if r["assignee_id"] == workers[1])
    counts = await _counts(api, admin)
    assert counts["total"] == sum(row["tickets"] for row in real) == len(ids)
    for status in ZERO:
        assert counts["by_status"][status] == sum(
            r["tickets"] for r in real if r["status"] == status
        )
    assert sorted(counts["by_assignee"], key=lambda a: a["assignee_id"] or 0) == sorted(
        _by_assignee(real), key=lambda a: a["assignee_id"] or 0
    )


def _by_assignee(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: dict[int | None, int] = {}
    for row in rows:
        found[row["assignee_id"]] = found.get(row["assignee_id"], 0) + row["tickets"]
    return [{"assignee_id": a, "count": n} for a, n in found.items()]


async def test_one_connections_writes_spread_over_the_counter_slots(api: Api) -> None:
    """Counter slots go by transaction (migration 0022), not by backend, so two pool
    connections whose pids share a slot do not queue on the same rows at every write."""
    client = await new_client(api)
    async with api.app[POOL].acquire() as conn:  # one backend; each statement commits alone
        for n in range(3):
            ticket = await CHECKS.insert_ticket(
                conn, title=f"t{n}", client_id=client, assignee_id=None, status="new"
            )
            await CHECKS.insert_event_at(
                conn,
                ticket_id=ticket,
                actor_id=None,
                kind="created",
                from_status=None,
                to_status="new",
                to_assignee_id=None,
                changes=None,
                created_at=datetime.now(UTC),
            )
        slots = await CHECKS.counter_slots(conn)
    assert slots["ticket_counts"] >= 2
    assert slots["ticket_totals"] >= 2
    assert slots["report_daily"] >= 2
    kept = [tuple(row) for row in await check(api, "kept_ticket_counts")]
    assert kept == [tuple(row) for row in await check(api, "real_ticket_counts")]
    assert kept == [("new", None, 3)]


async def test_a_users_counter_slots_are_made_with_them_and_stay_on_their_pages(api: Api) -> None:
    """A user's 16 counter slots of every status are made with the user, together (migration
    0028); later writes, each in its own transaction's slot, only update them. So a worker's
    total (their list's and their counts') reads the same few pages however many transactions
    have changed their tickets, and the counts stay right."""
    worker, token = await user_and_token(api, "w@example.com")
    made = dict(await check(api, "counter_rows_of", assignee_id=worker["id"]))
    assert made["rows"] == 16 * len(TicketStatus)
    assert made["pages"] <= 3
    client = await new_client(api)
    for n in range(8):
        ticket = await make_ticket(api, client_id=client, assignee_id=worker["id"], title=f"t{n}")
        reply = await api.patch(f"/tickets/{ticket}", {"status": "in_progress"}, token=token)
        assert reply.status == 200
    assert dict(await check(api, "counter_rows_of", assignee_id=worker["id"])) == made
    kept = [tuple(row) for row in await check(api, "kept_ticket_counts")]
    assert kept == [("in_progress", worker["id"], 8)]

"""Customers send repair requests without an account, retry safely, and follow them by token."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import attrs
import pytest

from crm.app import create_app
from crm.app_keys import POOL
from crm.settings import Limit, Settings
from tests.api import Api
from tests.factories import CHECKS, check, until_waiting

EXAMPLE_REQUEST = {
    "title": "Не включается стиралка",
    "description": "После щелчка выбивает автомат",
    "scheduled_at": "2025-01-14T10:00:00Z",
    "client": {
        "name": "Иван",
        "phone": "+380671112233",
        "email": "ivan@example.com",
        "comment": "Позвонить заранее",
    },
}


def _request(**changes: Any) -> dict[str, Any]:
    return {**EXAMPLE_REQUEST, **changes}


async def test_example_request_creates_client_ticket_and_created_event(api: Api) -> None:
    reply = await api.post("/tickets/public", EXAMPLE_REQUEST)
    assert reply.status == 201
    body = reply.body
    token = body.pop("tracking_token")
    assert body == {
        "id": 1,
        "title": "Не включается стиралка",
        "status": "new",
        "scheduled_at": "2025-01-14T10:00:00Z",
        "created_at": body["created_at"],
    }
    assert len(token) >= 22  # 24 random bytes: 192 bits
    assert reply.headers["Location"] == f"/tickets/public/{token}"
    ticket = await check(api, "ticket_row", id=1)
    assert (ticket["title"], ticket["description"], ticket["status"]) == (
        "Не включается стиралка",
        "После щелчка выбивает автомат",
        "new",
    )
    assert ticket["assignee_id"] is None and ticket["tracking_token"] == token
    events = await check(api, "ticket_events", ticket_id=1)
    assert [(e["kind"], e["actor_id"], e["to_status"]) for e in events] == [
        ("created", None, "new")
    ]
    assert dict(await check(api, "count_rows")) == {
        "clients": 1,
        "tickets": 1,
        "events": 1,
        "keys": 0,
    }


async def test_customer_follows_the_request_by_token_and_sees_nothing_else(api: Api) -> None:
    created = (await api.post("/tickets/public", EXAMPLE_REQUEST)).body
    reply = await api.get(f"/tickets/public/{created['tracking_token']}")
    assert reply.status == 200
    assert reply.body == {
        "id": created["id"],
        "title": "Не включается стиралка",
        "status": "new",
        "scheduled_at": "2025-01-14T10:00:00Z",
        "created_at": created["created_at"],
        "updated_at": reply.body["updated_at"],
        "device": {"kind": None, "brand": None, "model": None, "serial": None},
        "comments": [],
    }


@pytest.mark.parametrize("token", ["nope", "A" * 32, "../../etc/passwd"])
async def test_unknown_tracking_token_is_404(api: Api, token: str) -> None:
    assert (await api.get(f"/tickets/public/{token}")).status == 404


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (_request(title=""), [{"field": "title", "message": "must not be empty"}]),
        (_request(title="   "), [{"field": "title", "message": "must not be empty"}]),
        (
            _request(title="x" * 201),
            [{"field": "title", "message": "must be at most 200 characters"}],
        ),
        (
            _request(client={"name": "Иван"}),
            [{"field": "client", "message": "give a phone or an e-mail so we can reach you"}],
        ),
        (
            _request(client={"email": "ivan@"}),
            [{"field": "client.email", "message": "must be a valid e-mail address"}],
        ),
        (
            _request(scheduled_at="2025-01-14T10:00:00"),
            [
                {
                    "field": "scheduled_at",
                    "message": "must include a time zone, e.g. 2025-01-14T10:00:00Z",
                }
            ],
        ),
        (
            _request(scheduled_at="tomorrow"),
            [
                {
                    "field": "scheduled_at",
                    "message": "must be an ISO 8601 date-time, e.g. 2025-01-14T10:00:00Z",
                }
            ],
        ),
        (_request(colour="red"), [{"field": "colour", "message": "unknown field"}]),
        (_request(status="done"), [{"field": "status", "message": "unknown field"}]),
        (_request(assignee_id=1), [{"field": "assignee_id", "message": "unknown field"}]),
        (_request(client_id=1), [{"field": "client_id", "message": "unknown field"}]),
        ({"client": EXAMPLE_REQUEST["client"]}, [{"field": "title", "message": "is required"}]),
        (_request(client="Иван"), [{"field": "client", "message": "must be a JSON object"}]),
    ],
)
async def test_requests_a_shop_cannot_act_on_are_422(
    api: Api, body: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    reply = await api.post("/tickets/public", body)
    assert reply.status == 422
    assert reply.body["errors"] == errors
    assert (await check(api, "count_rows"))["tickets"] == 0


async def test_returning_customer_by_phone_in_any_format_keeps_one_client(api: Api) -> None:
    first = await api.post("/tickets/public", EXAMPLE_REQUEST)
    again = _request(
        title="Течёт холодильник", client={"name": "Ваня", "phone": "+38 067 111-22-33"}
    )
    second = await api.post("/tickets/public", again)
    assert (first.status, second.status) == (201, 201)
    counts = await check(api, "count_rows")
    assert (counts["clients"], counts["tickets"]) == (1, 2)
    assert (await check(api, "ticket_row", id=second.body["id"]))["client_id"] == 1


@pytest.mark.parametrize(
    "contacts",
    [
        [{"phone": "+380671112233", "email": "ivan@example.com"}] * 4,
        [{"phone": "+380671112233"}, {"phone": "+380671112233", "email": "ivan@example.com"}] * 2,
        [{"email": "ivan@example.com"}, {"phone": "+380671112233", "email": "ivan@example.com"}]
        * 2,
    ],
    ids=["phone-and-email", "phone-and-both", "email-and-both"],
)
async def test_a_customers_simultaneous_requests_make_one_client(
    aiohttp_client: Any, settings: Settings, empty_tables: None, contacts: list[dict[str, str]]
) -> None:
    """Requests sent at once by one customer, each of which would find the client the first
    one adds, make one client: each locks the contacts it gives (both in one order) before it
    looks. Here no client can be added until every request is under way, so without those
    locks each would look, find nobody and add one. (The per-address limit is off, as it is
    for a shop behind a proxy it does not trust: its counter would queue the requests too.)"""
    unlimited = attrs.evolve(settings, public_ticket_limit=Limit(0, 3600), pool_max_size=8)
    api = Api(await aiohttp_client(create_app(unlimited)))
    async with api.app[POOL].acquire() as conn, conn.transaction():
        await CHECKS["hold_new_clients"](conn)
        calls = [
            asyncio.create_task(api.post("/tickets/public", _request(client={"name": "Иван", **c})))
            for c in contacts
        ]
        await until_waiting(api, len(contacts))
    replies = await asyncio.gather(*calls)
    assert [r.status for r in replies] == [201] * len(contacts), [r.body for r in replies]
    counts = await check(api, "count_rows")
    assert (counts["clients"], counts["tickets"]) == (1, len(contacts))


async def test_returning_customer_by_email_in_any_case_is_not_overwritten(
    api: Api, admin_token: str
) -> None:
    await api.post("/tickets/public", EXAMPLE_REQUEST)
    again = _request(
        client={"name": "Someone Else", "email": "IVAN@example.com", "comment": "hacked"}
    )
    await api.post("/tickets/public", again)
    tickets = (await api.get("/tickets", token=admin_token)).body["items"]
    assert [t["client_name"] for t in tickets] == ["Иван", "Иван"]
    assert (await check(api, "count_rows"))["clients"] == 1


async def test_retry_with_the_same_idempotency_key_returns_the_first_answer(api: Api) -> None:
    headers = {"Idempotency-Key": "order-42"}
    first = await api.post("/tickets/public", EXAMPLE_REQUEST, headers=headers)
    retry = await api.post("/tickets/public", EXAMPLE_REQUEST, headers=headers)
    assert (first.status, retry.status) == (201, 201)
    assert retry.body == first.body
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert dict(await check(api, "count_rows")) == {
        "clients": 1,
        "tickets": 1,
        "events": 1,
        "keys": 1,
    }


async def test_same_idempotency_key_with_another_body_is_409(api: Api) -> None:
    headers = {"Idempotency-Key": "order-42"}
    await api.post("/tickets/public", EXAMPLE_REQUEST, headers=headers)
    reply = await api.post("/tickets/public", _request(title="Другое"), headers=headers)
    assert reply.status == 409
    assert reply.body["detail"] == "This Idempotency-Key was used with a different request body."
    assert (await check(api, "count_rows"))["tickets"] == 1


async def test_different_keys_create_different_tickets(api: Api) -> None:
    await api.post("/tickets/public", EXAMPLE_REQUEST, headers={"Idempotency-Key": "a"})
    await api.post("/tickets/public", EXAMPLE_REQUEST, headers={"Idempotency-Key": "b"})
    assert (await check(api, "count_rows"))["tickets"] == 2


async def test_malformed_idempotency_key_is_400(api: Api) -> None:
    reply = await api.post(
        "/tickets/public", EXAMPLE_REQUEST, headers={"Idempotency-Key": "x" * 256}
    )
    assert reply.status == 400
    assert (await check(api, "count_rows"))["tickets"] == 0


async def test_nul_characters_are_422_not_a_database_error(api: Api) -> None:
    reply = await api.post(
        "/tickets/public", _request(client={"name": "a\x00b", "phone": "+380501112233"})
    )
    assert reply.status == 422
    assert reply.body["errors"] == [
        {"field": "client.name", "message": "must not contain NUL characters"}
    ]
    assert (await check(api, "count_rows"))["tickets"] == 0


@pytest.mark.parametrize(
    ("age", "replayed"), [(timedelta(hours=23, minutes=59), True), (timedelta(hours=24), False)]
)
async def test_an_idempotency_key_is_remembered_for_24_hours(
    api: Api, age: timedelta, replayed: bool
) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    first = await api.post("/tickets/public", EXAMPLE_REQUEST, headers=headers)
    await check(api, "age_idempotency_key", key="retry-me", age=age)
    again = await api.post("/tickets/public", EXAMPLE_REQUEST, headers=headers)
    assert again.status == 201
    assert (again.body["id"] == first.body["id"]) is replayed
    assert ("Idempotent-Replayed" in again.headers) is replayed
    assert (await check(api, "count_rows"))["tickets"] == (1 if replayed else 2)

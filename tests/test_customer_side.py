"""The customer's side: the tracking page with public comments, answers through the tracking
link, and nothing a returning customer types is dropped."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import Api, problem
from tests.factories import check, user_and_token
from tests.test_public_requests import EXAMPLE_REQUEST


async def _public(api: Api, body: dict[str, Any] = EXAMPLE_REQUEST) -> dict[str, Any]:
    reply = await api.post("/tickets/public", body)
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.body
    return created


async def test_customer_answer_is_public_and_staff_see_it_as_the_customers(
    api: Api, admin_token: str
) -> None:
    created = await _public(api)
    path = f"/tickets/public/{created['tracking_token']}"
    reply = await api.post(f"{path}/comments", {"body": "  Буду дома после 18:00  "})
    assert reply.status == 201
    assert reply.body == {
        "id": 1,
        "body": "Буду дома после 18:00",
        "author": "customer",
        "author_name": "Вы",
        "created_at": reply.body["created_at"],
    }
    assert reply.headers["Location"] == path
    staff = (await api.get(f"/tickets/{created['id']}/comments", token=admin_token)).body
    assert staff["items"] == [
        {
            "id": 1,
            "ticket_id": created["id"],
            "body": "Буду дома после 18:00",
            "visibility": "public",
            "author": "customer",
            "author_id": None,
            "author_name": "Иван",
            "created_at": staff["items"][0]["created_at"],
            "edited_at": None,
        }
    ]
    tracking = (await api.get(path)).body
    assert [(c["author"], c["author_name"], c["body"]) for c in tracking["comments"]] == [
        ("customer", "Вы", "Буду дома после 18:00")
    ]
    events = [dict(r) for r in await check(api, "comment_events", ticket_id=created["id"])]
    assert events == [
        {
            "kind": "commented",
            "actor_id": None,
            "comment_id": 1,
            "changes": {"visibility": "public"},
        }
    ]


async def test_staff_show_by_display_name_or_a_neutral_label_never_an_email(
    api: Api, admin_token: str
) -> None:
    created = await _public(api)
    worker, worker_token = await user_and_token(api, "oleg@example.com")
    await api.patch(f"/users/{worker['id']}", {"display_name": "Олег"}, token=admin_token)
    await api.patch(f"/tickets/{created['id']}", {"assignee_id": worker["id"]}, token=admin_token)
    for token, text in ((worker_token, "Еду"), (admin_token, "Счёт отправлен")):
        sent = await api.post(
            f"/tickets/{created['id']}/comments",
            {"body": text, "visibility": "public"},
            token=token,
        )
        assert sent.status == 201
    tracking = await api.get(f"/tickets/public/{created['tracking_token']}")
    comments = tracking.body["comments"]
    assert [(c["author"], c["author_name"], c["body"]) for c in comments] == [
        ("staff", "Олег", "Еду"),
        ("staff", "Сервисный центр", "Счёт отправлен"),
    ]
    assert "@" not in tracking.raw.decode()
    assert comments[0]["created_at"].endswith("Z")


@pytest.mark.parametrize(("status", "days", "allowed"), [
    ("done", 29, True), ("canceled", 29, True), ("done", 31, False), ("canceled", 31, False),
])  # fmt: skip
async def test_closed_over_30_days_takes_no_customer_comment(
    api: Api, status: str, days: int, allowed: bool
) -> None:
    created = await _public(api)
    await check(api, "close_ticket_days_ago", id=created["id"], status=status, days=days)
    reply = await api.post(
        f"/tickets/public/{created['tracking_token']}/comments", {"body": "Опять сломалась"}
    )
    if allowed:
        assert reply.status == 201
    else:
        assert problem(reply, 409)["detail"] == (
            "This ticket was closed more than 30 days ago; please send a new request."
        )
        assert await check(api, "comment_rows", ticket_id=created["id"]) == []


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"body": ""}, [("body", "must not be empty")]),
        ({"body": "x" * 5001}, [("body", "must be at most 5000 characters")]),
        ({"body": "x", "visibility": "internal"}, [("visibility", "unknown field")]),
        ({}, [("body", "is required")]),
    ],
)
async def test_bad_customer_comments_are_422(
    api: Api, body: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    created = await _public(api)
    reply = await api.post(f"/tickets/public/{created['tracking_token']}/comments", body)
    assert [(e["field"], e["message"]) for e in problem(reply, 422)["errors"]] == errors


@pytest.mark.parametrize("token", ["nope", "A" * 32])
async def test_customer_comment_on_an_unknown_token_is_404(api: Api, token: str) -> None:
    reply = await api.post(f"/tickets/public/{token}/comments", {"body": "hello"})
    assert problem(reply, 404)["detail"] == "Ticket not found."


async def test_returning_customers_differing_contact_is_kept_with_each_ticket(
    api: Api, admin_token: str
) -> None:
    """The original description's public example twice, with different comments: both kept."""
    first = await _public(api)
    again = {
        **EXAMPLE_REQUEST,
        "client": {
            "phone": "+380671112233",
            "name": "Иван Петрович",
            "email": "ivan.p@example.com",
            "comment": "Звонить после 18:00",
        },
    }
    second = await _public(api, again)
    tickets = [
        (await api.get(f"/tickets/{t['id']}", token=admin_token)).body for t in (first, second)
    ]
    assert [t["contact"] for t in tickets] == [
        {
            "name": "Иван",
            "phone": "+380671112233",
            "email": "ivan@example.com",
            "comment": "Позвонить заранее",
        },
        {
            "name": "Иван Петрович",
            "phone": "+380671112233",
            "email": "ivan.p@example.com",
            "comment": "Звонить после 18:00",
        },
    ]
    assert tickets[0]["client_id"] == tickets[1]["client_id"]
    assert dict(await check(api, "client_row", id=tickets[0]["client_id"])) == {
        "name": "Иван",
        "phone": "+380671112233",
        "email": "ivan@example.com",
        "comment": "Позвонить заранее",
    }
    listed = await api.get("/tickets?q=стиралка", token=admin_token)
    found = {t["contact"]["comment"] for t in listed.body["items"]}
    assert found == {"Позвонить заранее", "Звонить после 18:00"}

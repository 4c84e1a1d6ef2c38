"""Staff comments: internal notes and public replies, edited by their author for 15 minutes,
deleted by admins, each a history event; workers only on their own tickets."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import Api, problem
from tests.factories import PASSWORD, check, make_ticket, make_user, new_client, user_and_token


async def _setup(api: Api) -> tuple[int, dict[str, Any], str]:
    """A ticket assigned to a logged-in worker: (ticket id, worker row, worker token)."""
    worker, token = await user_and_token(api, "w@example.com")
    ticket = await make_ticket(api, await new_client(api), assignee_id=worker["id"])
    return ticket, worker, token


async def _comment(api: Api, ticket: int, token: str, body: str, visibility: str) -> Any:
    reply = await api.post(
        f"/tickets/{ticket}/comments", {"body": body, "visibility": visibility}, token=token
    )
    assert reply.status == 201, reply.body
    return reply


async def test_staff_comment_is_created_listed_and_read_with_its_author(
    api: Api, admin_token: str
) -> None:
    ticket, worker, token = await _setup(api)
    reply = await _comment(api, ticket, token, "  Нужен ТЭН.  ", "internal")
    comment = reply.body
    assert comment == {
        "id": 1,
        "ticket_id": ticket,
        "body": "Нужен ТЭН.",
        "visibility": "internal",
        "author": "staff",
        "author_id": worker["id"],
        "author_name": "w@example.com",
        "created_at": comment["created_at"],
        "edited_at": None,
    }
    assert reply.headers["Location"] == f"/tickets/{ticket}/comments/1"
    assert (await api.get(reply.headers["Location"], token=admin_token)).body == comment
    listed = await api.get(f"/tickets/{ticket}/comments", token=admin_token)
    assert listed.body == {
        "items": [comment],
        "next_cursor": None,
        "total": 1,
        "total_exact": True,
    }
    assert [dict(r) for r in await check(api, "comment_events", ticket_id=ticket)] == [
        {
            "kind": "commented",
            "actor_id": worker["id"],
            "comment_id": 1,
            "changes": {"visibility": "internal"},
        }
    ]


async def test_comments_list_oldest_first_page_by_page_and_empty_when_none(
    api: Api, admin_token: str
) -> None:
    ticket, _, token = await _setup(api)
    assert (await api.get(f"/tickets/{ticket}/comments", token=token)).body == {
        "items": [],
        "next_cursor": None,
        "total": 0,
        "total_exact": True,
    }
    for n in range(3):
        await _comment(api, ticket, admin_token, f"note {n}", "internal")
    first = await api.get(f"/tickets/{ticket}/comments?page_size=2", token=token)
    rest = await api.get(
        f"/tickets/{ticket}/comments?page_size=2&cursor={first.body['next_cursor']}", token=token
    )
    bodies = [c["body"] for c in first.body["items"] + rest.body["items"]]
    assert bodies == ["note 0", "note 1", "note 2"]
    assert rest.body["next_cursor"] is None and "Link" in first.headers
    assert (first.body["total"], rest.body["total"]) == (3, 3)
    second = await api.get(f"/tickets/{ticket}/comments?page_size=2&page=2", token=token)
    assert second.body["items"] == rest.body["items"]


async def test_display_name_is_the_author_name_staff_see(api: Api, admin_token: str) -> None:
    ticket, worker, token = await _setup(api)
    renamed = await api.patch(
        f"/users/{worker['id']}", {"display_name": " Олег "}, token=admin_token
    )
    assert renamed.body["display_name"] == "Олег"
    reply = await _comment(api, ticket, token, "Еду", "public")
    assert reply.body["author_name"] == "Олег"
    cleared = await api.patch(f"/users/{worker['id']}", {"display_name": None}, token=admin_token)
    assert cleared.body["display_name"] is None
    listed = await api.get(f"/tickets/{ticket}/comments", token=token)
    assert listed.body["items"][0]["author_name"] == "w@example.com"


async def test_worker_sees_and_comments_only_on_their_own_tickets(
    api: Api, admin_token: str
) -> None:
    ticket, _, token = await _setup(api)
    other = await make_ticket(api, await new_client(api, phone="+380500000000"))
    await _comment(api, other, admin_token, "secret", "internal")
    path = f"/tickets/{other}/comments"
    assert problem(await api.get(path, token=token), 404)["detail"] == "Ticket not found."
    assert problem(await api.get(f"{path}/1", token=token), 404)
    sent = await api.post(path, {"body": "x", "visibility": "public"}, token=token)
    assert problem(sent, 404)
    assert problem(await api.patch(f"{path}/1", {"body": "y"}, token=token), 404)
    assert problem(await api.get(f"/tickets/{ticket}/comments/1", token=token), 404)
    assert problem(await api.get("/tickets/999/comments", token=admin_token), 404)
    assert [r["body"] for r in await check(api, "comment_rows", ticket_id=other)] == ["secret"]


async def test_author_edits_within_15_minutes_and_the_history_keeps_the_old_text(
    api: Api, admin_token: str
) -> None:
    ticket, worker, token = await _setup(api)
    await _comment(api, ticket, token, "Приеду в 10", "public")
    path = f"/tickets/{ticket}/comments/1"
    edited = await api.patch(path, {"body": "Приеду в 12"}, token=token)
    assert edited.status == 200
    assert (edited.body["body"], edited.body["edited_at"] is not None) == ("Приеду в 12", True)
    events = [dict(r) for r in await check(api, "comment_events", ticket_id=ticket)]
    assert events[1] == {
        "kind": "comment_edited",
        "actor_id": worker["id"],
        "comment_id": 1,
        "changes": {"body": {"from": "Приеду в 10", "to": "Приеду в 12"}},
    }
    history = await api.get(f"/tickets/{ticket}/events", token=token)
    assert [(e["kind"], e["comment_id"]) for e in history.body["items"]] == [
        ("commented", 1),
        ("comment_edited", 1),
    ]
    other_admin = await api.patch(path, {"body": "admin's words"}, token=admin_token)
    assert problem(other_admin, 403)["detail"] == "Only the author of a comment may edit it."
    await check(api, "age_comment", id=1, minutes=16)
    late = await api.patch(path, {"body": "too late"}, token=token)
    assert problem(late, 409)["detail"] == "A comment can be edited only in the first 15 minutes."
    assert [r["body"] for r in await check(api, "comment_rows", ticket_id=ticket)] == [
        "Приеду в 12"
    ]


async def test_admin_deletes_a_comment_and_an_event_records_it_without_the_text(
    api: Api, admin_token: str
) -> None:
    ticket, _, token = await _setup(api)
    await _comment(api, ticket, token, "Телефон клиента 067...", "public")
    assert problem(await api.delete(f"/tickets/{ticket}/comments/1", token=token), 403)
    assert (await api.delete(f"/tickets/{ticket}/comments/1", token=admin_token)).status == 204
    assert problem(await api.delete(f"/tickets/{ticket}/comments/1", token=admin_token), 404)
    assert await check(api, "comment_rows", ticket_id=ticket) == []
    events = [dict(r) for r in await check(api, "comment_events", ticket_id=ticket)]
    assert events[1] == {
        "kind": "comment_deleted",
        "actor_id": 1,
        "comment_id": 1,
        "changes": {"visibility": "public"},
    }
    listed = await api.get(f"/tickets/{ticket}/comments", token=admin_token)
    assert listed.body["items"] == []


async def test_comment_of_another_ticket_is_404(api: Api, admin_token: str) -> None:
    ticket, _, _ = await _setup(api)
    other = await make_ticket(api, await new_client(api, phone="+380500000000"))
    await _comment(api, other, admin_token, "on the other", "internal")
    path = f"/tickets/{ticket}/comments/1"
    assert problem(await api.get(path, token=admin_token), 404)["detail"] == "Comment not found."
    assert problem(await api.patch(path, {"body": "x"}, token=admin_token), 404)
    assert problem(await api.delete(path, token=admin_token), 404)
    beyond = f"/tickets/{ticket}/comments/{2**63}"
    assert problem(await api.get(beyond, token=admin_token), 404)["detail"] == "Comment not found."


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"body": "", "visibility": "internal"}, [("body", "must not be empty")]),
        ({"body": "   ", "visibility": "public"}, [("body", "must not be empty")]),
        (
            {"body": "x" * 5001, "visibility": "public"},
            [("body", "must be at most 5000 characters")],
        ),
        ({"body": "x"}, [("visibility", "is required")]),
        (
            {"body": "x", "visibility": "secret"},
            [("visibility", "must be one of: internal, public")],
        ),
        (
            {"body": "x", "visibility": "public", "author": "customer"},
            [("author", "unknown field")],
        ),
    ],
)
async def test_bad_comments_are_422_and_store_nothing(
    api: Api, admin_token: str, body: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    ticket = await make_ticket(api, await new_client(api))
    reply = await api.post(f"/tickets/{ticket}/comments", body, token=admin_token)
    assert [(e["field"], e["message"]) for e in problem(reply, 422)["errors"]] == errors
    assert await check(api, "comment_rows", ticket_id=ticket) == []


async def test_a_5000_character_comment_is_kept_whole(api: Api, admin_token: str) -> None:
    ticket = await make_ticket(api, await new_client(api))
    reply = await _comment(api, ticket, admin_token, "я" * 5000, "internal")
    assert len(reply.body["body"]) == 5000


async def test_comments_need_a_valid_token(api: Api) -> None:
    await make_user(api, "w@example.com")
    assert (await api.login("w@example.com", PASSWORD)) != ""
    assert problem(await api.get("/tickets/1/comments"), 401)
    assert problem(await api.get("/tickets/1/comments", token="nope"), 401)

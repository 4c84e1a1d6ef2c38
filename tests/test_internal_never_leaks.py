"""An internal comment never reaches a customer: one test per path a customer can read.

Later paths that show a customer anything (notifications, reports) add their own test here.
"""

from __future__ import annotations

from typing import Any

from tests.api import Api, Reply
from tests.factories import user_and_token
from tests.test_public_requests import EXAMPLE_REQUEST

SECRET = "ВНУТРЕННЕЕ-7f3a: клиент должен 500 грн"
OLD_SECRET = "ВНУТРЕННЕЕ-old-91c2"
KEY = {"Idempotency-Key": "leak-test-key-1"}


async def _ticket_with_internal_talk(api: Api, admin_token: str) -> dict[str, Any]:
    """A public request, then internal notes (one edited) and a public reply from staff."""
    created = await api.post("/tickets/public", EXAMPLE_REQUEST, headers=KEY)
    ticket = created.body
    worker, worker_token = await user_and_token(api, "secret.worker@example.com")
    await api.patch(f"/tickets/{ticket['id']}", {"assignee_id": worker["id"]}, token=admin_token)
    path = f"/tickets/{ticket['id']}/comments"
    await api.post(path, {"body": OLD_SECRET, "visibility": "internal"}, token=worker_token)
    await api.patch(f"{path}/1", {"body": SECRET}, token=worker_token)
    await api.post(path, {"body": SECRET, "visibility": "internal"}, token=admin_token)
    public = await api.post(
        path, {"body": "Мастер едет", "visibility": "public"}, token=worker_token
    )
    assert public.status == 201
    return dict(ticket)


def _clean(reply: Reply) -> None:
    text = reply.raw.decode()
    for leak in (SECRET, OLD_SECRET, "ВНУТРЕННЕЕ", "internal", "secret.worker", "@example.com"):
        assert leak not in text, (leak, text)


async def test_tracking_page_shows_public_comments_only(api: Api, admin_token: str) -> None:
    ticket = await _ticket_with_internal_talk(api, admin_token)
    reply = await api.get(f"/tickets/public/{ticket['tracking_token']}")
    assert [c["body"] for c in reply.body["comments"]] == ["Мастер едет"]
    _clean(reply)


async def test_idempotent_replay_carries_no_comment(api: Api, admin_token: str) -> None:
    ticket = await _ticket_with_internal_talk(api, admin_token)
    replay = await api.post("/tickets/public", EXAMPLE_REQUEST, headers=KEY)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.body == ticket
    _clean(replay)


async def test_customer_comment_answer_carries_only_their_comment(
    api: Api, admin_token: str
) -> None:
    ticket = await _ticket_with_internal_talk(api, admin_token)
    reply = await api.post(
        f"/tickets/public/{ticket['tracking_token']}/comments", {"body": "Спасибо"}
    )
    assert set(reply.body) == {"id", "body", "author", "author_name", "created_at"}
    _clean(reply)
    after = await api.get(f"/tickets/public/{ticket['tracking_token']}")
    assert [c["body"] for c in after.body["comments"]] == ["Мастер едет", "Спасибо"]
    _clean(after)


async def test_refusals_on_the_public_side_carry_no_comment(api: Api, admin_token: str) -> None:
    ticket = await _ticket_with_internal_talk(api, admin_token)
    token = ticket["tracking_token"]
    bad = await api.post(f"/tickets/public/{token}/comments", {"body": "", "x": SECRET[:5]})
    assert bad.status == 422
    _clean(bad)
    other_body = await api.post(
        "/tickets/public", {**EXAMPLE_REQUEST, "title": "другое"}, headers=KEY
    )
    assert other_body.status == 409
    _clean(other_body)


async def test_a_deleted_public_comment_is_gone_from_the_tracking_page(
    api: Api, admin_token: str
) -> None:
    ticket = await _ticket_with_internal_talk(api, admin_token)
    assert (
        await api.delete(f"/tickets/{ticket['id']}/comments/3", token=admin_token)
    ).status == 204
    reply = await api.get(f"/tickets/public/{ticket['tracking_token']}")
    assert reply.body["comments"] == []
    assert "Мастер едет" not in reply.raw.decode()

"""Comments notify: a public reply reaches the customer, the customer's answer reaches staff,
and an internal note reaches nobody, on any channel."""

from __future__ import annotations

from typing import Any

from crm.models import EventType
from crm.notify.outbox import Deliverer
from tests.api import Api
from tests.factories import check, make_user, user_and_token
from tests.notify_fixtures import Mailbox, Receiver

REQUEST = {
    "title": "Не включается стиралка",
    "client": {"name": "Иван", "phone": "+380671112233", "email": "ivan@example.com"},
}
SECRET = "СЕКРЕТ-внутренняя-заметка-42"


def _text(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def _html(message: Any) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


async def _setup(api: Api, receiver: Receiver) -> tuple[str, str, dict[str, Any]]:
    """An admin, a webhook for every event, a public request; the admin's token and the token."""
    _, admin = await user_and_token(api, "admin@example.com", "admin")
    body = {"url": receiver.url, "event_types": [t.value for t in EventType]}
    hook = await api.post("/webhooks", body, token=admin)
    created = await api.post("/tickets/public", REQUEST)
    return admin, created.body["tracking_token"], hook.body


async def test_a_public_reply_emails_the_customer_and_calls_webhooks(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str], receiver: Receiver
) -> None:
    admin, token, _ = await _setup(napi, receiver)
    await deliverer.drain()
    reply = {"body": "Мастер приедет завтра в 10:00", "visibility": "public"}
    posted = await napi.post("/tickets/1/comments", reply, token=admin)
    assert posted.status == 201
    await deliverer.drain()

    message = mailbox[0].to("ivan@example.com")[-1]
    assert message["Subject"] == "Заявка №1: новый комментарий"
    assert _text(message) == (
        "По вашей заявке «Не включается стиралка» пишут:\n\n"
        "Мастер приедет завтра в 10:00\n\n"
        f"Ответить: https://crm.example.com/ui/track/{token}\n"
    )
    event = receiver.bodies()[-1]
    assert event["type"] == "ticket.public_comment"
    assert event["comment"] == {
        "id": posted.body["id"],
        "body": "Мастер приедет завтра в 10:00",
        "author": "staff",
        "author_name": "admin@example.com",
        "created_at": posted.body["created_at"],
    }


async def test_the_customers_answer_emails_the_assignee(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str], receiver: Receiver
) -> None:
    admin, token, _ = await _setup(napi, receiver)
    worker = await make_user(napi, "worker@example.com")
    await napi.patch("/tickets/1", {"assignee_id": worker["id"]}, token=admin)
    await deliverer.drain()
    before = len(mailbox[0].messages)
    answer = await napi.post(f"/tickets/public/{token}/comments", {"body": "Буду дома после 9"})
    assert answer.status == 201
    await deliverer.drain()

    new = mailbox[0].messages[before:]
    assert [rcpt for rcpt, _ in new] == [["worker@example.com"]]
    message = new[0][1]
    assert message["Subject"] == "Заявка №1: ответ клиента"
    assert "Буду дома после 9" in _text(message)
    event = receiver.bodies()[-1]
    assert (event["type"], event["comment"]["author"], event["comment"]["body"]) == (
        "ticket.customer_comment",
        "customer",
        "Буду дома после 9",
    )


async def test_the_customers_answer_on_an_unassigned_ticket_emails_every_admin(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str], receiver: Receiver
) -> None:
    _, token, _ = await _setup(napi, receiver)
    await make_user(napi, "boss@example.com", "admin")
    await make_user(napi, "worker@example.com")
    await deliverer.drain()
    before = len(mailbox[0].messages)
    await napi.post(f"/tickets/public/{token}/comments", {"body": "Когда приедете?"})
    await deliverer.drain()
    recipients = sorted(rcpt[0] for rcpt, _ in mailbox[0].messages[before:])
    assert recipients == ["admin@example.com", "boss@example.com"]


async def test_internal_comments_never_reach_any_email_or_webhook(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str], receiver: Receiver
) -> None:
    admin, token, _ = await _setup(napi, receiver)
    worker = await make_user(napi, "worker@example.com")
    queued = len(await check(napi, "outbox_rows"))
    note = {"body": f"{SECRET}: клиент конфликтный", "visibility": "internal"}
    assert (await napi.post("/tickets/1/comments", note, token=admin)).status == 201
    # An internal note queues nothing at all.
    assert len(await check(napi, "outbox_rows")) == queued
    # Everything else that notifies happens after it, on the same ticket.
    await napi.patch("/tickets/1", {"assignee_id": worker["id"]}, token=admin)
    await napi.patch("/tickets/1", {"status": "in_progress"}, token=admin)
    reply = {"body": "Мастер назначен", "visibility": "public"}
    await napi.post("/tickets/1/comments", reply, token=admin)
    await napi.post(f"/tickets/public/{token}/comments", {"body": "Спасибо"})
    await deliverer.drain()

    types = {event["type"] for event in receiver.bodies()}
    assert types == {t.value for t in EventType}  # every kind of event was sent
    assert len(mailbox[0].messages) == 5
    for _, message in mailbox[0].messages:
        for part in (message["Subject"], _text(message), _html(message)):
            assert SECRET not in part
    for _, raw in receiver.requests:
        assert SECRET not in raw.decode()
    for row in await check(napi, "outbox_rows"):
        assert SECRET not in str(row["payload"])

"""Customers, workers and other systems hear of ticket changes: e-mails and signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path
from typing import Any

import pytest

from crm.app_keys import POOL, QUERIES
from crm.models import EventType
from crm.notify import email
from crm.notify.events import queue_event
from crm.notify.outbox import Deliverer
from tests.api import Api, problem
from tests.factories import CHECKS, check, make_user, user_and_token
from tests.notify_fixtures import Mailbox, Receiver

REQUEST = {
    "title": "Не включается стиралка",
    "client": {"name": "Иван", "phone": "+380671112233", "email": "ivan@example.com"},
}
ALL_TYPES = [t.value for t in EventType]


def _text(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def _html(message: Any) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


def _verify(secret: str, headers: dict[str, str], raw: bytes) -> bool:
    """What a receiver does: recompute v1 over `t.body` and compare in constant time."""
    parts = dict(part.split("=", 1) for part in headers["Webhook-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + raw, hashlib.sha256)
    return hmac.compare_digest(parts["v1"], expected.hexdigest())


async def _subscribe(api: Api, token: str, url: str, types: list[str] | None = None) -> Any:
    body = {"url": url, "event_types": types or ALL_TYPES}
    reply = await api.post("/webhooks", body, token=token)
    assert reply.status == 201, reply.body
    return reply.body


async def test_public_request_emails_the_customer_and_calls_webhooks(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str], receiver: Receiver
) -> None:
    _, admin = await user_and_token(napi, "admin@example.com", "admin")
    hook = await _subscribe(napi, admin, receiver.url)
    created = await napi.post("/tickets/public", REQUEST)
    assert created.status == 201
    # Nothing is sent while the request runs: it only queued the rows.
    assert mailbox[0].messages == [] and receiver.requests == []
    assert await deliverer.drain() == 2

    [message] = mailbox[0].to("ivan@example.com")
    token = created.body["tracking_token"]
    link = f"https://crm.example.com/ui/track/{token}"
    assert message["Subject"] == "Заявка №1 принята"
    assert message["From"] == "Repair CRM <crm@example.com>"
    assert _text(message) == (
        "Здравствуйте! Мы получили вашу заявку «Не включается стиралка».\n\n"
        f"Следить за ней можно по ссылке: {link}\n"
    )
    assert f'<a href="{link}">{link}</a>' in _html(message)

    [(headers, raw)] = receiver.requests
    assert _verify(hook["secret"], headers, raw)
    ticket = (await napi.get("/tickets/1", token=admin)).body
    [event] = receiver.bodies()
    assert event == {
        "id": headers["Webhook-Id"],
        "type": "ticket.created",
        "created_at": event["created_at"],
        "ticket": ticket,
    }
    assert "tracking_token" not in raw.decode()
    rows = await check(napi, "outbox_rows")
    assert [(r["channel"], r["recipient"], r["status"], r["attempts"]) for r in rows] == [
        ("email", "ivan@example.com", "sent", 1),
        ("webhook", None, "sent", 1),
    ]


async def test_english_when_the_request_preferred_it(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str]
) -> None:
    headers = {"Accept-Language": "en-GB,en;q=0.9,ru;q=0.5"}
    created = await napi.post("/tickets/public", REQUEST, headers=headers)
    await deliverer.drain()
    [message] = mailbox[0].to("ivan@example.com")
    assert message["Subject"] == "Request #1 received"
    assert "You can follow it here: https://crm.example.com/ui/track/" in _text(message)
    # Later e-mails keep the language the customer asked for.
    _, admin = await user_and_token(napi, "admin@example.com", "admin")
    await napi.patch("/tickets/1", {"status": "canceled"}, token=admin)
    await deliverer.drain()
    assert mailbox[0].to("ivan@example.com")[1]["Subject"] == "Request #1: canceled"
    assert created.body["id"] == 1


async def test_status_change_emails_the_customer_with_both_statuses(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str], receiver: Receiver
) -> None:
    _, admin = await user_and_token(napi, "admin@example.com", "admin")
    await napi.post("/tickets/public", REQUEST)
    await deliverer.drain()  # concurrent deliveries arrive in any order
    hook = await _subscribe(napi, admin, receiver.url, ["ticket.status_changed"])
    changed = await napi.patch("/tickets/1", {"status": "in_progress"}, token=admin)
    await deliverer.drain()

    message = mailbox[0].to("ivan@example.com")[-1]
    assert message["Subject"] == "Заявка №1: в работе"
    assert _text(message).startswith(
        "Статус вашей заявки «Не включается стиралка» изменился: новая → в работе."
    )
    [(headers, raw)] = receiver.requests
    assert _verify(hook["secret"], headers, raw)
    [event] = receiver.bodies()
    assert (event["type"], event["previous_status"]) == ("ticket.status_changed", "new")
    # The ticket as it was when the change committed, exactly as the API answered it.
    assert event["ticket"] == changed.body


async def test_nobody_to_tell_queues_nothing_and_a_webhook_still_hears_of_it(napi: Api) -> None:
    """A customer who left only a phone, with no webhook taking the event, has nothing queued;
    a webhook that takes it gets its row, payload and all, until it is switched off."""
    _, admin = await user_and_token(napi, "admin@example.com", "admin")
    hook = await _subscribe(napi, admin, "https://hooks.example.com/crm", ["ticket.status_changed"])
    phone_only = {"title": "Чайник", "client": {"phone": "+380671112244"}}
    created = await napi.post("/tickets/public", phone_only)
    assert created.status == 201
    assert await check(napi, "outbox_rows") == []
    path = f"/tickets/{created.body['id']}"
    changed = await napi.patch(path, {"status": "in_progress"}, token=admin)
    assert changed.status == 200
    [row] = await check(napi, "outbox_rows")
    assert (row["channel"], row["recipient"], row["webhook_id"], row["event_type"]) == (
        "webhook",
        None,
        hook["id"],
        "ticket.status_changed",
    )
    assert row["payload"]["previous_status"] == "new"
    assert row["payload"]["ticket"]["status"] == "in_progress"
    assert row["payload"]["ticket"]["contact"]["phone"] == "+380671112244"
    off = await napi.patch(f"/webhooks/{hook['id']}", {"active": False}, token=admin)
    assert off.status == 200
    assert (await napi.patch(path, {"status": "done"}, token=admin)).status == 200
    assert len(await check(napi, "outbox_rows")) == 1


async def test_assignment_emails_the_worker(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str], receiver: Receiver
) -> None:
    _, admin = await user_and_token(napi, "admin@example.com", "admin")
    worker = await make_user(napi, "worker@example.com")
    await napi.post("/tickets/public", REQUEST)
    await deliverer.drain()
    await _subscribe(napi, admin, receiver.url, ["ticket.assigned"])
    await napi.patch("/tickets/1", {"assignee_id": worker["id"]}, token=admin)
    await deliverer.drain()

    [message] = mailbox[0].to("worker@example.com")
    assert message["Subject"] == "Вам назначена заявка №1"
    assert "/ui/track/" not in _text(message)  # staff get no customer link
    [event] = receiver.bodies()
    assert event["type"] == "ticket.assigned"
    assert event["ticket"]["assignee_email"] == "worker@example.com"
    # An edit that changes neither status nor assignee tells nobody.
    await napi.patch("/tickets/1", {"title": "Стиралка"}, token=admin)
    assert await deliverer.drain() == 0


async def test_admin_created_ticket_calls_webhooks_but_emails_only_the_assignee(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str], receiver: Receiver
) -> None:
    _, admin = await user_and_token(napi, "admin@example.com", "admin")
    worker = await make_user(napi, "worker@example.com")
    await _subscribe(napi, admin, receiver.url)
    client = await napi.post("/clients", {"name": "Олег", "email": "oleg@example.com"}, token=admin)
    body = {"title": "Холодильник", "client_id": client.body["id"], "assignee_id": worker["id"]}
    assert (await napi.post("/tickets", body, token=admin)).status == 201
    await deliverer.drain()
    assert [rcpt for rcpt, _ in mailbox[0].messages] == [["worker@example.com"]]
    assert [event["type"] for event in receiver.bodies()] == ["ticket.created", "ticket.assigned"]


async def test_a_rolled_back_change_sends_nothing(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str], receiver: Receiver
) -> None:
    _, admin = await user_and_token(napi, "admin@example.com", "admin")
    await _subscribe(napi, admin, receiver.url)
    await napi.post("/tickets/public", REQUEST)
    await deliverer.drain()
    sent = len(mailbox[0].messages), len(receiver.requests)

    class Abort(Exception):
        pass

    # A change that fails after it queued its notifications: all of it rolls back.
    with pytest.raises(Abort):
        async with napi.app[POOL].acquire() as conn, conn.transaction():
            await queue_event(
                conn, napi.app[QUERIES], EventType.STATUS_CHANGED, 1, previous_status="new"
            )
            assert dict(await check_on(conn, "outbox_counts"))["pending"] == 2
            raise Abort
    # A refused request (409: new -> done is not allowed) queues nothing either.
    refused = await napi.patch("/tickets/1", {"status": "done"}, token=admin)
    assert refused.status == 409
    assert await deliverer.drain() == 0
    assert (len(mailbox[0].messages), len(receiver.requests)) == sent
    assert dict(await check(napi, "outbox_counts")) == {"pending": 0, "sent": 2, "dead": 0}


async def test_failing_receiver_is_retried_then_dead_in_one_log_line(
    napi: Api,
    deliverer: Deliverer,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, admin = await user_and_token(napi, "admin@example.com", "admin")
    hook = await _subscribe(napi, admin, receiver.url, ["ticket.created"])
    receiver.statuses = [500, 503, 502, 204]
    await napi.post("/tickets/public", {**REQUEST, "client": {"phone": "+380670000000"}})
    with caplog.at_level(logging.INFO, logger="crm.notify"):
        # Three tries (OUTBOX_MAX_ATTEMPTS=3 here), each after a back-off of hundredths of a second.
        for _ in range(200):
            await deliverer.drain()
            if (await check(napi, "outbox_counts"))["dead"]:
                break
            await _tick()
    assert len(receiver.requests) == 3
    assert len({headers["Webhook-Id"] for headers, _ in receiver.requests}) == 1
    [line] = [r for r in caplog.records if r.name == "crm.notify"]
    assert line.levelname == "WARNING" and line.exc_info is None
    assert line.getMessage() == (
        f"outbox 1 (webhook ticket.created to {receiver.url}) is dead after 3 tries: HTTP 502"
    )
    deliveries = await napi.get(f"/webhooks/{hook['id']}/deliveries", token=admin)
    [delivery] = deliveries.body["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == (
        "dead",
        3,
        "HTTP 502",
    )
    log = [(a["ok"], a["response_status"], a["error"]) for a in delivery["attempt_log"]]
    assert log == [(False, 500, "HTTP 500"), (False, 503, "HTTP 503"), (False, 502, "HTTP 502")]
    dead = await napi.get("/outbox", params={"status": "dead"}, token=admin)
    assert [item["id"] for item in dead.body["items"]] == [1]

    # An operator retries it; the receiver works now.
    retried = await napi.post("/outbox/1/retry", token=admin)
    assert retried.status == 200
    assert (retried.body["status"], retried.body["attempts"]) == ("pending", 0)
    assert await deliverer.drain() == 1
    sent = await napi.get("/outbox", params={"status": "sent"}, token=admin)
    assert [(i["id"], i["attempts"], i["last_error"]) for i in sent.body["items"]] == [(1, 1, None)]
    again = await napi.post("/outbox/1/retry", token=admin)
    assert problem(again, 409)["detail"] == "This notification was already sent."
    assert (await napi.post("/outbox/99/retry", token=admin)).status == 404


async def _tick() -> None:
    import asyncio

    await asyncio.sleep(0.01)


async def test_unreachable_smtp_server_is_retried_not_lost(
    napi: Api, deliverer: Deliverer, mailbox: tuple[Mailbox, str]
) -> None:
    await napi.post("/tickets/public", REQUEST)
    assert await _one_batch(napi, _evolve(deliverer.settings, smtp_url="smtp://127.0.0.1:9")) == 1
    [row] = await check(napi, "outbox_rows")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    await _tick()
    await _tick()
    assert await deliverer.drain() == 1
    assert len(mailbox[0].to("ivan@example.com")) == 1


async def test_without_an_smtp_server_outside_local_nothing_is_rendered_and_the_mail_waits(
    napi: Api, deliverer: Deliverer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await napi.post("/tickets/public", REQUEST)

    def never(*_: Any) -> bytes:
        raise AssertionError("rendered a message that cannot be sent")

    monkeypatch.setattr(email, "render", never)
    settings = _evolve(deliverer.settings, smtp_url=None, env="production", data_dir=tmp_path)
    assert await _one_batch(napi, settings) == 1
    [row] = await check(napi, "outbox_errors")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["last_error"] == "SMTP_URL is not set"
    assert not (tmp_path / "mail").exists()  # no .eml stand-in outside ENV=local


async def check_on(conn: Any, query: str) -> Any:
    """One of tests/sql/checks.sql on a given connection (inside its transaction)."""
    return await CHECKS[query](conn)


async def _one_batch(api: Api, settings: Any) -> int:
    """One delivery batch by a loop of other settings (this test's SMTP server or none)."""
    other = Deliverer(settings, api.app[POOL], api.app[QUERIES])
    try:
        return await other.deliver_batch()
    finally:
        await other.close()


def _evolve(settings: Any, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(settings, **changes)


async def test_outside_local_a_webhook_is_never_called_on_a_private_address(
    napi: Api, deliverer: Deliverer, receiver: Receiver
) -> None:
    # Saved while ENV=local (or before its name resolved to a private address), called after.
    _, admin = await user_and_token(napi, "admin@example.com", "admin")
    await _subscribe(napi, admin, receiver.url, ["ticket.created"])
    await napi.post("/tickets/public", {**REQUEST, "client": {"phone": "+380670000000"}})
    production = Deliverer(
        _evolve(deliverer.settings, env="production"), napi.app[POOL], napi.app[QUERIES]
    )
    try:
        assert await production.deliver_batch() == 1
    finally:
        await production.close()
    assert receiver.requests == []
    [row] = await check(napi, "outbox_rows")
    deliveries = await napi.get("/webhooks/1/deliveries", token=admin)
    [attempt] = deliveries.body["items"][0]["attempt_log"]
    assert (row["status"], attempt["response_status"], attempt["error"]) == (
        "pending",
        None,
        "ForbiddenAddress: 127.0.0.1 resolves to a non-public address (127.0.0.1)",
    )

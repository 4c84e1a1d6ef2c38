"""Admins manage webhook subscriptions; the secret is shown once; private networks are refused."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from crm.app import create_app
from crm.notify.webhooks import is_public_address, signature
from crm.settings import Settings
from tests.api import Api, problem
from tests.factories import check, user_and_token

URL = "https://hooks.example.com/crm"


async def test_create_shows_the_secret_once_then_read_change_delete(api: Api) -> None:
    _, admin = await user_and_token(api, "admin@example.com", "admin")
    body = {"url": URL, "event_types": ["ticket.created", "ticket.created", "ticket.assigned"]}
    created = await api.post("/webhooks", body, token=admin)
    assert created.status == 201
    assert created.headers["Location"] == "/webhooks/1"
    secret = created.body.pop("secret")
    assert secret.startswith("whsec_") and len(secret) > 40
    expected = {
        "id": 1,
        "url": URL,
        "event_types": ["ticket.created", "ticket.assigned"],
        "active": True,
        "created_at": created.body["created_at"],
        "updated_at": created.body["updated_at"],
    }
    assert created.body == expected
    assert (await api.get("/webhooks/1", token=admin)).body == expected
    listed = await api.get("/webhooks", token=admin)
    assert listed.body == {"items": [expected], "next_cursor": None}
    assert secret not in listed.raw.decode()

    changed = await api.patch("/webhooks/1", {"active": False}, token=admin)
    assert changed.status == 200
    assert changed.body == {**expected, "active": False, "updated_at": changed.body["updated_at"]}
    assert (await api.delete("/webhooks/1", token=admin)).status == 204
    assert (await api.get("/webhooks/1", token=admin)).status == 404
    assert (await api.delete("/webhooks/1", token=admin)).status == 404
    assert (await api.get("/webhooks/1/deliveries", token=admin)).status == 404


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "ftp://example.com/x", "event_types": ["ticket.created"]}, "url",
         "must be an http:// or https:// URL with a host"),
        ({"url": "https://u:p@example.com/", "event_types": ["ticket.created"]}, "url",
         "must not carry a user name or password"),
        ({"url": URL, "event_types": []}, "event_types", "must name at least one event type"),
        ({"url": URL, "event_types": ["ticket.deleted"]}, "event_types[0]",
         "must be one of: ticket.created, ticket.status_changed, ticket.assigned,"
         " ticket.public_comment, ticket.customer_comment"),
    ],
)  # fmt: skip
async def test_bad_subscriptions_are_422(
    api: Api, body: dict[str, Any], field: str, message: str
) -> None:
    _, admin = await user_and_token(api, "admin@example.com", "admin")
    reply = await api.post("/webhooks", body, token=admin)
    assert problem(reply, 422)["errors"] == [{"field": field, "message": message}]
    assert (await api.get("/webhooks", token=admin)).body["items"] == []


async def test_workers_may_not_touch_webhooks_or_the_outbox(api: Api) -> None:
    _, worker = await user_and_token(api, "worker@example.com")
    body = {"url": URL, "event_types": ["ticket.created"]}
    assert (await api.post("/webhooks", body, token=worker)).status == 403
    assert (await api.get("/webhooks", token=worker)).status == 403
    assert (await api.get("/outbox", token=worker)).status == 403
    assert (await api.post("/outbox/1/retry", token=worker)).status == 403
    assert (await api.get("/outbox")).status == 401


@pytest.fixture(name="production_api")
async def _production_api(aiohttp_client: Any, settings: Settings, empty_tables: None) -> Api:
    client = await aiohttp_client(create_app(attrs.evolve(settings, env="production")))
    return Api(client)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
async def test_outside_local_private_addresses_are_refused(production_api: Api, url: str) -> None:
    _, admin = await user_and_token(production_api, "admin@example.com", "admin")
    reply = await production_api.post(
        "/webhooks", {"url": url, "event_types": ["ticket.created"]}, token=admin
    )
    [error] = problem(reply, 422)["errors"]
    assert error["field"] == "url"
    assert error["message"].startswith("must be a public address: ")
    patched = await production_api.patch("/webhooks/1", {"url": url}, token=admin)
    assert patched.status == 422


def test_public_addresses() -> None:
    assert is_public_address("93.184.215.14")
    assert is_public_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    unspecified = "0.0.0.0"  # noqa: S104 (an address to check, not one to bind)
    for address in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.1.1",
                    "100.64.0.1", unspecified, "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1",
                    "224.0.0.1"):  # fmt: skip
        assert not is_public_address(address), address


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    # Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
    assert signature("key", 1700000000, b'{"a":1}') == (
        "t=1700000000,v1=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
    )


async def test_deleting_a_webhook_deletes_its_deliveries_only(api: Api) -> None:
    _, admin = await user_and_token(api, "admin@example.com", "admin")
    for url in (URL, URL + "/2"):
        await api.post("/webhooks", {"url": url, "event_types": ["ticket.created"]}, token=admin)
    request = {"title": "Чайник", "client": {"email": "ivan@example.com"}}
    assert (await api.post("/tickets/public", request)).status == 201
    rows = await check(api, "outbox_rows")
    assert [(r["channel"], r["webhook_id"]) for r in rows] == [
        ("email", None),
        ("webhook", 1),
        ("webhook", 2),
    ]
    assert (await api.delete("/webhooks/1", token=admin)).status == 204
    rows = await check(api, "outbox_rows")
    assert [(r["channel"], r["webhook_id"]) for r in rows] == [("email", None), ("webhook", 2)]

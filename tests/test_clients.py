"""Admin API for clients: normalised input, search by name, e-mail or phone digits, safe delete."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import Api, problem
from tests.factories import admin_token, check, make_client, make_ticket, make_user

OLENA = {"name": "Olena", "phone": "+380671112233", "email": "olena@example.com", "comment": None}


def _client(body: dict[str, Any], **expected: Any) -> dict[str, Any]:
    """`expected` plus the server-chosen id and timestamps, for a whole-body comparison."""
    return {**expected, **{k: body[k] for k in ("id", "created_at", "updated_at")}}


async def test_creating_a_client_trims_and_normalises_its_fields(api: Api) -> None:
    _, token = await admin_token(api)
    body = {"name": "  Olena ", "phone": "+38 (067) 111-22-33", "email": " Olena@Example.COM"}
    reply = await api.post("/clients", {**body, "comment": "   "}, token=token)
    assert reply.status == 201
    assert reply.body == _client(reply.body, **OLENA)
    assert reply.headers["Location"] == f"/clients/{reply.body['id']}"
    assert (await api.get(reply.headers["Location"], token=token)).body == reply.body


async def test_a_client_needs_a_name_phone_or_email(api: Api) -> None:
    _, token = await admin_token(api)
    for body in ({}, {"comment": "just a note"}, {"name": "   ", "phone": None}):
        reply = await api.post("/clients", body, token=token)
        assert problem(reply, 422)["errors"] == [
            {"field": "$", "message": "needs at least a name, phone or email"}
        ]
    assert await check(api, "client_count") == 0
    assert (await api.post("/clients", {"phone": "0671112233"}, token=token)).status == 201


async def test_creating_a_client_with_bad_values_is_422_naming_each_field(api: Api) -> None:
    _, token = await admin_token(api)
    body = {"name": "x" * 201, "phone": "call me", "email": "nope", "comment": "y" * 2001}
    reply = await api.post("/clients", {**body, "vip": True}, token=token)
    assert problem(reply, 422)["errors"] == [
        {"field": "name", "message": "must be at most 200 characters"},
        {
            "field": "phone",
            "message": "must be a phone number: 5 to 20 digits, optionally starting with +",
        },
        {"field": "email", "message": "must be a valid e-mail address"},
        {"field": "comment", "message": "must be at most 2000 characters"},
        {"field": "vip", "message": "unknown field"},
    ]
    limits = {"name": "x" * 200, "comment": "y" * 2000}
    assert (await api.post("/clients", limits, token=token)).status == 201


@pytest.mark.parametrize(
    "q", ["+38 067 111-22-33", "380671112233", "(067) 111 22", "067-111", "OLENA", "example.COM"]
)
async def test_search_finds_a_client_by_name_email_or_phone_in_any_format(api: Api, q: str) -> None:
    _, token = await admin_token(api)
    olena = await make_client(api, **OLENA)
    await make_client(api, name="Taras", phone="+380501234567", email="taras@mail.test")
    reply = await api.get("/clients", token=token, params={"q": q})
    assert reply.status == 200
    assert reply.body == {
        "items": [_client(reply.body["items"][0], **OLENA)],
        "next_cursor": None,
        "total": 1,
        "total_exact": True,
    }
    assert reply.body["items"][0]["id"] == olena["id"]


async def test_search_treats_wildcards_literally_and_may_find_nothing(api: Api) -> None:
    _, token = await admin_token(api)
    await make_client(api, name="Ivan Petrenko")
    for q in ("%", "I_an", "nobody"):
        reply = await api.get("/clients", token=token, params={"q": q})
        assert reply.body == {"items": [], "next_cursor": None, "total": 0, "total_exact": True}, q
    everyone = await api.get("/clients", token=token, params={"q": "  "})
    assert len(everyone.body["items"]) == 1


async def test_patch_changes_given_fields_and_null_clears_one(api: Api) -> None:
    _, token = await admin_token(api)
    client = await make_client(api, **{**OLENA, "comment": "old note"})
    path = f"/clients/{client['id']}"
    reply = await api.patch(path, {"phone": "050 123 45 67", "comment": None}, token=token)
    assert reply.status == 200
    assert reply.body == _client(reply.body, **{**OLENA, "phone": "0501234567"})
    renamed = await api.patch(path, {"name": "Olena K."}, token=token)
    assert renamed.body == {
        **reply.body,
        "name": "Olena K.",
        "updated_at": renamed.body["updated_at"],
    }


async def test_patch_that_leaves_no_name_phone_or_email_is_422_and_changes_nothing(
    api: Api,
) -> None:
    _, token = await admin_token(api)
    client = await make_client(api, name="Olena", email="olena@example.com")
    path = f"/clients/{client['id']}"
    reply = await api.patch(path, {"name": None, "email": None}, token=token)
    assert problem(reply, 422)["errors"] == [
        {"field": "$", "message": "needs at least a name, phone or email"}
    ]
    assert (await api.get(path, token=token)).body["name"] == "Olena"
    swapped = await api.patch(path, {"name": None, "phone": "0671112233"}, token=token)
    assert (swapped.body["name"], swapped.body["phone"]) == (None, "0671112233")
    empty = await api.patch(path, {}, token=token)
    assert problem(empty, 422)["errors"] == [
        {"field": "$", "message": "must change at least one field"}
    ]


async def test_deleting_a_client_is_204_then_404(api: Api) -> None:
    _, token = await admin_token(api)
    client = await make_client(api, name="Olena")
    path = f"/clients/{client['id']}"
    reply = await api.delete(path, token=token)
    assert (reply.status, reply.raw) == (204, b"")
    for method in ("GET", "PATCH", "DELETE"):
        body = {"name": "x"} if method == "PATCH" else None
        gone = await api.call(method, path, json_body=body, token=token)
        assert problem(gone, 404)["detail"] == "Client not found."


async def test_a_client_with_tickets_cannot_be_deleted(api: Api) -> None:
    _, token = await admin_token(api)
    worker = await make_user(api, "w@example.com")
    client = await make_client(api, name="Olena")
    await make_ticket(api, client["id"], worker["id"], "done")
    reply = await api.delete(f"/clients/{client['id']}", token=token)
    assert problem(reply, 409)["detail"] == (
        "The client has tickets; a client is never deleted with its tickets."
    )
    assert await check(api, "client_count") == 1

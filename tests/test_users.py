"""Admin API for users: create, read, list, change, with every refusal it can give."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.api import Api, problem
from tests.factories import admin_token, check, make_user


def _user(reply_body: dict[str, Any], **expected: Any) -> dict[str, Any]:
    """`expected` plus the server-chosen timestamps, for a whole-body comparison."""
    times = {k: reply_body[k] for k in ("created_at", "updated_at")}
    return {"active": True, "display_name": None, **expected, **times}


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_create_worker_curl_body_makes_a_worker_who_can_log_in(api: Api) -> None:
    _, token = await admin_token(api)
    body = {"email": "work2@example.com", "role": "worker", "password": "worker123"}
    reply = await api.post("/users", body, token=token)
    assert reply.status == 201
    user_id = reply.body["id"]
    assert reply.body == _user(reply.body, id=user_id, email="work2@example.com", role="worker")
    assert reply.headers["Location"] == f"/users/{user_id}"
    assert "password" not in reply.raw.decode()
    assert (await api.get(f"/users/{user_id}", token=token)).body == reply.body
    assert await api.login("work2@example.com", "worker123")


async def test_creating_a_user_with_a_taken_email_in_any_case_is_409(api: Api) -> None:
    _, token = await admin_token(api)
    body = {"email": "ADMIN@example.COM", "role": "worker", "password": "worker123"}
    reply = await api.post("/users", body, token=token)
    assert problem(reply, 409)["detail"] == "A user with this e-mail already exists."
    assert await check(api, "count_users") == 1


async def test_creating_a_user_with_bad_values_is_422_naming_each_field(api: Api) -> None:
    _, token = await admin_token(api)
    body = {"email": "nope", "role": "boss", "password": "short", "extra": 1}
    reply = await api.post("/users", body, token=token)
    assert problem(reply, 422)["errors"] == [
        {"field": "email", "message": "must be a valid e-mail address"},
        {"field": "password", "message": "must be 8 to 256 characters long"},
        {"field": "role", "message": "must be one of: admin, worker"},
        {"field": "extra", "message": "unknown field"},
    ]
    missing = await api.post("/users", {}, token=token)
    assert [e["field"] for e in problem(missing, 422)["errors"]] == ["email", "password", "role"]


async def test_user_list_is_newest_first_and_never_shows_password_hashes(api: Api) -> None:
    admin, token = await admin_token(api)
    worker = await make_user(api, "w@example.com")
    reply = await api.get("/users", token=token)
    assert reply.status == 200
    assert [u["id"] for u in reply.body["items"]] == [worker["id"], admin["id"]]
    assert reply.body["items"][0] == _user(
        reply.body["items"][0], id=worker["id"], email="w@example.com", role="worker"
    )
    assert reply.body["next_cursor"] is None
    assert "Link" not in reply.headers
    assert "hash" not in reply.raw.decode()


async def test_user_list_filters_by_email_substring_in_any_case_and_by_role(api: Api) -> None:
    admin, token = await admin_token(api)
    anna = await make_user(api, "anna@shop.example.com")
    await make_user(api, "bob@example.com")
    await make_user(api, "an_na@example.com")

    async def emails(**params: str) -> list[str]:
        reply = await api.get("/users", token=token, params=params)
        assert reply.status == 200, reply.body
        return [u["email"] for u in reply.body["items"]]

    assert await emails(q=" SHOP ") == [anna["email"]]
    assert await emails(q="an_n") == ["an_na@example.com"]  # _ is a letter, not a wildcard
    assert await emails(q="%") == []
    assert await emails(role="admin") == [admin["email"]]
    assert await emails(role="worker", q="anna") == [anna["email"]]
    assert await emails(q="") == await emails()
    bad_role = await api.get("/users", token=token, params={"role": "boss"})
    assert problem(bad_role, 422)["errors"] == [
        {"field": "role", "message": "must be one of: admin, worker"}
    ]
    long_q = await api.get("/users", token=token, params={"q": "x" * 201})
    assert problem(long_q, 422)["errors"] == [
        {"field": "q", "message": "must be at most 200 characters"}
    ]


async def test_unknown_or_deleted_user_is_404(api: Api) -> None:
    _, token = await admin_token(api)
    gone = await make_user(api, "gone@example.com")
    await check(api, "mark_user_deleted", id=gone["id"])
    for path in (f"/users/{gone['id']}", "/users/999", "/users/99999999999999999999"):
        for method in ("GET", "PATCH", "DELETE"):
            body = {"role": "admin"} if method == "PATCH" else None
            reply = await api.call(method, path, token=token, json_body=body)
            assert problem(reply, 404)["detail"] == "User not found.", (method, path)


async def test_patch_changes_only_the_given_fields(api: Api) -> None:
    _, token = await admin_token(api)
    worker = await make_user(api, "w@example.com")
    reply = await api.patch(f"/users/{worker['id']}", {"email": " New@Example.com "}, token=token)
    assert reply.status == 200
    assert reply.body == _user(reply.body, id=worker["id"], email="new@example.com", role="worker")
    assert _moment(reply.body["updated_at"]) > _moment(reply.body["created_at"])
    promoted = await api.patch(f"/users/{worker['id']}", {"role": "admin"}, token=token)
    assert promoted.body == {
        **reply.body,
        "role": "admin",
        "updated_at": promoted.body["updated_at"],
    }


async def test_patch_to_an_email_taken_in_any_case_is_409(api: Api) -> None:
    _, token = await admin_token(api)
    worker = await make_user(api, "w@example.com")
    reply = await api.patch(f"/users/{worker['id']}", {"email": "Admin@example.com"}, token=token)
    assert problem(reply, 409)["detail"] == "A user with this e-mail already exists."


async def test_patch_with_nulls_nothing_or_bad_values_is_422(api: Api) -> None:
    _, token = await admin_token(api)
    worker = await make_user(api, "w@example.com")
    path = f"/users/{worker['id']}"
    nulls = await api.patch(path, {"email": None, "active": None}, token=token)
    assert problem(nulls, 422)["errors"] == [
        {"field": "active", "message": "must not be null"},
        {"field": "email", "message": "must not be null"},
    ]
    empty = await api.patch(path, {}, token=token)
    assert problem(empty, 422)["errors"] == [
        {"field": "$", "message": "must change at least one field"}
    ]
    bad = await api.patch(path, {"password": "1234567", "active": "no"}, token=token)
    assert problem(bad, 422)["errors"] == [
        {"field": "password", "message": "must be 8 to 256 characters long"},
        {"field": "active", "message": "must be true or false"},
    ]


async def test_a_deleted_users_email_can_be_used_again(api: Api) -> None:
    _, token = await admin_token(api)
    worker = await make_user(api, "w@example.com")
    assert (await api.delete(f"/users/{worker['id']}", token=token)).status == 204
    body = {"email": "w@example.com", "role": "worker", "password": "worker123"}
    reply = await api.post("/users", body, token=token)
    assert reply.status == 201
    assert reply.body["id"] != worker["id"]


async def test_display_name_is_optional_trimmed_bounded_and_cleared_by_null(api: Api) -> None:
    _, token = await admin_token(api)
    body = {"email": "oleg@example.com", "password": "worker123", "role": "worker"}
    named = await api.post("/users", {**body, "display_name": "  Олег  "}, token=token)
    assert named.status == 201 and named.body["display_name"] == "Олег"
    too_long = await api.post(
        "/users", {**body, "email": "x@example.com", "display_name": "я" * 101}, token=token
    )
    assert problem(too_long, 422)["errors"] == [
        {"field": "display_name", "message": "must be at most 100 characters"}
    ]
    path = f"/users/{named.body['id']}"
    kept = await api.patch(path, {"active": True}, token=token)
    assert kept.body["display_name"] == "Олег"
    cleared = await api.patch(path, {"display_name": None}, token=token)
    assert cleared.body == _user(
        cleared.body, id=named.body["id"], email="oleg@example.com", role="worker"
    )

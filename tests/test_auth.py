"""Logging in, the token's life, and local-only registration."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import attrs
import jwt
import pytest

from crm import auth
from crm.app import create_app
from crm.app_keys import CALLERS
from crm.settings import Settings
from tests.api import Api, problem
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, check, make_user, user_and_token


async def test_login_returns_a_bearer_token_that_opens_me(api: Api) -> None:
    user = await make_user(api, "admin@example.com", "admin")
    reply = await api.post("/auth/login", {"email": "Admin@Example.com", "password": PASSWORD})
    assert reply.status == 200
    assert reply.body["token_type"] == "bearer"
    assert reply.body["expires_in"] == 3600
    me = await api.get("/auth/me", token=reply.body["access_token"])
    assert me.status == 200
    assert me.body == {
        "id": user["id"],
        "email": "admin@example.com",
        "display_name": None,
        "role": "admin",
        "active": True,
        "created_at": me.body["created_at"],
        "updated_at": me.body["updated_at"],
    }
    assert "password_hash" not in me.raw.decode()


async def test_wrong_password_and_unknown_email_get_the_same_401(api: Api) -> None:
    await make_user(api, "w@example.com")
    wrong = await api.post(
        "/auth/login", {"email": "w@example.com", "password": "not the password"}
    )
    unknown = await api.post("/auth/login", {"email": "nobody@example.com", "password": PASSWORD})
    assert problem(wrong, 401) == problem(unknown, 401)
    assert wrong.body["detail"] == "Wrong e-mail or password."
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


async def test_login_with_missing_fields_is_422_naming_them(api: Api) -> None:
    reply = await api.post("/auth/login", {"email": "not-an-email"})
    body = problem(reply, 422)
    assert {"field": "email", "message": "must be a valid e-mail address"} in body["errors"]
    assert {"field": "password", "message": "is required"} in body["errors"]


async def test_me_without_token_is_401_with_challenge(api: Api) -> None:
    reply = await api.get("/auth/me")
    assert problem(reply, 401)["detail"] == "Missing bearer token."
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="crm"'


async def test_expired_token_is_401(api: Api) -> None:
    user = await make_user(api, "w@example.com")
    past = int(time.time()) - 10
    token = jwt.encode(
        {"sub": str(user["id"]), "ver": 1, "iat": past - 3600, "exp": past},
        TEST_SECRET,
        algorithm="HS256",
    )
    reply = await api.get("/auth/me", token=token)
    assert problem(reply, 401)["detail"] == "The token has expired; log in again."


async def test_tampered_token_is_401(api: Api) -> None:
    _, token = await user_and_token(api, "w@example.com")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "999"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    reply = await api.get("/auth/me", token=f"{header}.{forged}.{signature}")
    assert problem(reply, 401)["detail"] == "The token is invalid."


async def test_token_signed_with_another_secret_is_401(api: Api) -> None:
    user = await make_user(api, "w@example.com")
    now = int(time.time())
    claims = {"sub": str(user["id"]), "ver": 1, "iat": now, "exp": now + 60}
    token = jwt.encode(claims, "another-secret-another-secret-another", algorithm="HS256")
    assert (await api.get("/auth/me", token=token)).status == 401


async def test_unsigned_alg_none_token_is_401(api: Api) -> None:
    user = await make_user(api, "w@example.com", "admin")
    now = int(time.time())
    claims = {"sub": str(user["id"]), "ver": 1, "iat": now, "exp": now + 60}
    token = jwt.encode(claims, None, algorithm="none")
    reply = await api.get("/auth/me", token=token)
    assert problem(reply, 401)["detail"] == "The token is invalid."


async def test_token_without_exp_is_401(api: Api) -> None:
    user = await make_user(api, "w@example.com")
    token = jwt.encode({"sub": str(user["id"]), "ver": 1, "iat": 1}, TEST_SECRET, algorithm="HS256")
    assert (await api.get("/auth/me", token=token)).status == 401


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "token-without-scheme"])
async def test_malformed_authorization_header_is_401(api: Api, header: str) -> None:
    reply = await api.get("/auth/me", headers={"Authorization": header})
    problem(reply, 401)


async def test_deleted_user_is_locked_out_at_once(api: Api) -> None:
    user, token = await user_and_token(api, "w@example.com")
    assert (await api.get("/auth/me", token=token)).status == 200
    await check(api, "mark_user_deleted", id=user["id"])
    reply = await api.get("/auth/me", token=token)
    assert problem(reply, 401)["detail"] == "The token is no longer valid; log in again."
    assert (
        await api.post("/auth/login", {"email": "w@example.com", "password": PASSWORD})
    ).status == 401


async def test_register_creates_a_user_on_a_local_machine(api: Api) -> None:
    body = {
        "email": "admin@example.com",
        "password": "admin123",
        "password_confirm": "admin123",
        "role": "admin",
    }
    reply = await api.post("/auth/register", body)
    assert reply.status == 201
    assert reply.headers["Location"] == f"/users/{reply.body['id']}"
    assert reply.body["email"] == "admin@example.com" and reply.body["role"] == "admin"
    stored = await check(api, "user_password_hash", id=reply.body["id"])
    assert stored.startswith("$argon2id$")
    token = await api.login("admin@example.com", "admin123")
    assert (await api.get("/auth/me", token=token)).body["role"] == "admin"


async def test_register_duplicate_email_in_any_case_is_409(api: Api) -> None:
    await make_user(api, "w@example.com")
    body = {"email": "W@EXAMPLE.COM", "password": "worker123", "password_confirm": "worker123"}
    reply = await api.post("/auth/register", body)
    assert problem(reply, 409)["detail"] == "A user with this e-mail already exists."
    assert await check(api, "count_users") == 1


async def test_register_password_mismatch_is_422(api: Api) -> None:
    body = {"email": "w@example.com", "password": "worker123", "password_confirm": "worker124"}
    reply = await api.post("/auth/register", body)
    assert problem(reply, 422)["errors"] == [
        {"field": "password_confirm", "message": "must match password"}
    ]


async def test_register_rejects_short_password_and_unknown_role(api: Api) -> None:
    body = {
        "email": "w@example.com",
        "password": "short",
        "password_confirm": "short",
        "role": "boss",
    }
    errors = problem(await api.post("/auth/register", body), 422)["errors"]
    assert {"field": "password", "message": "must be 8 to 256 characters long"} in errors
    assert {"field": "role", "message": "must be one of: admin, worker"} in errors


async def test_register_is_closed_outside_local(
    aiohttp_client: Any, settings: Settings, empty_tables: None
) -> None:
    production = attrs.evolve(settings, env="production")
    api = Api(await aiohttp_client(create_app(production)))
    body = {
        "email": "a@example.com",
        "password": "admin123",
        "password_confirm": "admin123",
        "role": "admin",
    }
    reply = await api.post("/auth/register", body)
    assert problem(reply, 404)["detail"] == "Route not found."
    assert await check(api, "count_users") == 0


async def test_stale_argon2_parameters_are_rehashed_on_login(
    api: Api, aiohttp_client: Any, settings: Settings
) -> None:
    user = await make_user(api, "w@example.com")
    old_hash = await check(api, "user_password_hash", id=user["id"])
    stronger = attrs.evolve(settings, argon2_time_cost=2)
    other = Api(await aiohttp_client(create_app(stronger)))
    token = await other.login("w@example.com", PASSWORD)
    new_hash = await check(api, "user_password_hash", id=user["id"])
    assert new_hash != old_hash and "t=2" in new_hash
    assert (await other.get("/auth/me", token=token)).status == 200


async def test_nul_in_login_email_is_422(api: Api) -> None:
    reply = await api.post("/auth/login", {"email": "a\x00@example.com", "password": "x"})
    assert reply.status == 422


async def test_a_remembered_token_still_expires_on_time(api: Api) -> None:
    """Good tokens are remembered to skip the signature check; their expiry is checked anyway."""
    user = await make_user(api, "w@example.com")
    expires = int(time.time()) + 2
    claims = {"sub": str(user["id"]), "ver": 1, "iat": expires - 60, "exp": expires}
    token = jwt.encode(claims, TEST_SECRET, algorithm="HS256")
    assert (await api.get("/auth/me", token=token)).status == 200
    await asyncio.sleep(max(0.0, expires - time.time()) + 0.1)
    reply = await api.get("/auth/me", token=token)
    assert problem(reply, 401)["detail"] == "The token has expired; log in again."


async def test_the_callers_a_process_remembers_are_bounded(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "MAX_REMEMBERED", 2)
    tokens = [(await user_and_token(api, f"w{n}@example.com"))[1] for n in range(5)]
    for token in tokens:
        assert (await api.get("/auth/me", token=token)).status == 200
        assert 1 <= len(api.app[CALLERS]) <= 2

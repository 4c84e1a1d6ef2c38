"""Abuse limits live in PostgreSQL, so every process shares them; 429 with Retry-After."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from typing import Any

import attrs
import pytest

from crm.app import create_app
from crm.settings import Limit, Settings
from tests.api import Api, problem
from tests.factories import PASSWORD, check, make_user

PUBLIC = {"title": "Washer", "client": {"phone": "+380671112233"}}
ATTACKER = {"X-Forwarded-For": "198.51.100.1"}
CUSTOMER = {"X-Forwarded-For": "198.51.100.2"}
LOCAL_PROXY = (ipaddress.ip_network("127.0.0.0/8"),)


def _limited(settings: Settings, **limits: Any) -> Settings:
    return attrs.evolve(settings, trusted_proxies=LOCAL_PROXY, **limits)


async def _api(aiohttp_client: Any, settings: Settings) -> Api:
    return Api(await aiohttp_client(create_app(settings)))


@pytest.fixture(name="two_apps")
async def _two_apps(aiohttp_client: Any, settings: Settings, empty_tables: None) -> list[Api]:
    """Two app instances (as two processes would be) on one database, three requests an hour."""
    limited = _limited(settings, public_ticket_limit=Limit(3, 3600))
    return [await _api(aiohttp_client, limited), await _api(aiohttp_client, limited)]


def _retry_after(reply: Any, most: int) -> int:
    seconds = int(reply.headers["Retry-After"])
    assert 0 < seconds <= most
    return seconds


async def test_public_requests_are_limited_per_address_across_processes(
    two_apps: list[Api],
) -> None:
    first, second = two_apps
    for api in (first, second, first):
        assert (await api.post("/tickets/public", PUBLIC, headers=ATTACKER)).status == 201
    reply = await second.post("/tickets/public", PUBLIC, headers=ATTACKER)
    assert problem(reply, 429)["detail"].startswith("Too many requests from your address")
    assert _retry_after(reply, 3600) > 3500
    assert (await check(first, "count_rows"))["tickets"] == 3
    assert (await first.post("/tickets/public", PUBLIC, headers=CUSTOMER)).status == 201


async def test_forwarded_for_from_an_untrusted_peer_does_not_dodge_the_limit(
    aiohttp_client: Any, settings: Settings, empty_tables: None
) -> None:
    api = await _api(aiohttp_client, attrs.evolve(settings, public_ticket_limit=Limit(2, 3600)))
    statuses = []
    for n in range(3):
        headers = {"X-Forwarded-For": f"198.51.100.{n}"}
        statuses.append((await api.post("/tickets/public", PUBLIC, headers=headers)).status)
    assert statuses == [201, 201, 429]


async def test_a_window_that_ended_counts_again(
    aiohttp_client: Any, settings: Settings, empty_tables: None
) -> None:
    api = await _api(aiohttp_client, attrs.evolve(settings, public_ticket_limit=Limit(1, 1)))
    assert (await api.post("/tickets/public", PUBLIC)).status == 201
    problem(await api.post("/tickets/public", PUBLIC), 429)
    await asyncio.sleep(1.2)
    assert (await api.post("/tickets/public", PUBLIC)).status == 201


async def test_invalid_requests_store_nothing_and_do_not_count(
    aiohttp_client: Any, settings: Settings, empty_tables: None
) -> None:
    api = await _api(aiohttp_client, attrs.evolve(settings, public_ticket_limit=Limit(1, 3600)))
    for _ in range(3):
        problem(await api.post("/tickets/public", {"title": ""}), 422)
    assert (await api.post("/tickets/public", PUBLIC)).status == 201


WRONG = "wrong password"


def _login(email: str, password: str = WRONG) -> dict[str, str]:
    return {"email": email, "password": password}


@pytest.fixture(name="login_api")
async def _login_api(aiohttp_client: Any, settings: Settings, empty_tables: None) -> Api:
    limited = _limited(
        settings, login_account_limit=Limit(3, 900), login_address_limit=Limit(5, 900)
    )
    api = await _api(aiohttp_client, limited)
    await make_user(api, "worker@example.com")
    await make_user(api, "other@example.com")
    return api


async def test_failed_logins_are_limited_per_account(login_api: Api) -> None:
    for n in range(3):
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}  # a botnet: every guess from elsewhere
        problem(
            await login_api.post("/auth/login", _login("worker@example.com"), headers=headers), 401
        )
    right = _login("worker@example.com", PASSWORD)
    reply = await login_api.post("/auth/login", right, headers=CUSTOMER)
    assert problem(reply, 429)["detail"].startswith("Too many failed logins for this account")
    assert _retry_after(reply, 900) > 850
    other = await login_api.post("/auth/login", _login("other@example.com", PASSWORD))
    assert other.status == 200


async def test_failed_logins_are_limited_per_address(login_api: Api) -> None:
    for n in range(5):
        email = "worker@example.com" if n % 2 else "other@example.com"
        if n >= 4:
            email = f"nobody{n}@example.com"
        problem(await login_api.post("/auth/login", _login(email), headers=ATTACKER), 401)
    reply = await login_api.post("/auth/login", _login("x@example.com"), headers=ATTACKER)
    assert problem(reply, 429)["detail"].startswith("Too many failed logins from your address")
    fine = await login_api.post(
        "/auth/login", _login("other@example.com", PASSWORD), headers=CUSTOMER
    )
    assert fine.status == 200


async def test_a_successful_login_clears_its_accounts_failures(login_api: Api) -> None:
    for _ in range(2):
        problem(await login_api.post("/auth/login", _login("worker@example.com")), 401)
    assert (
        await login_api.post("/auth/login", _login("worker@example.com", PASSWORD))
    ).status == 200
    for _ in range(2):
        problem(await login_api.post("/auth/login", _login("worker@example.com")), 401)
    assert (
        await login_api.post("/auth/login", _login("worker@example.com", PASSWORD))
    ).status == 200


async def test_a_flood_of_wrong_logins_from_one_address_does_not_starve_a_real_login(
    aiohttp_client: Any, settings: Settings, empty_tables: None
) -> None:
    """Argon2 at its production cost: 80 guesses at once from one address, a real login from
    another; the real one gets in quickly, as the flood holds at most two places in the queue."""
    real_cost = _limited(settings, argon2_time_cost=3, argon2_memory_kib=65536)
    api = await _api(aiohttp_client, real_cost)
    await make_user(api, "worker@example.com")
    right = _login("worker@example.com", PASSWORD)
    started = time.monotonic()
    assert (await api.post("/auth/login", right, headers=CUSTOMER)).status == 200
    alone = time.monotonic() - started
    flood = [
        asyncio.ensure_future(
            api.post("/auth/login", _login(f"guess{n}@example.com"), headers=ATTACKER)
        )
        for n in range(80)
    ]
    await asyncio.sleep(0.05)  # the flood is in
    started = time.monotonic()
    reply = await api.post("/auth/login", right, headers=CUSTOMER)
    took = time.monotonic() - started
    statuses = sorted({r.status for r in await asyncio.gather(*flood)})
    assert reply.status == 200, reply.body
    # 2 s on an idle machine; on a loaded one a single argon2 check alone can take that long,
    # so the bound is also five times a lone login's time (an unfair queue would be ~40 times).
    assert took < max(2.0, 5 * alone), (took, alone)
    assert statuses == [401, 429]


async def test_customer_comments_are_limited_per_address(
    aiohttp_client: Any, settings: Settings, empty_tables: None
) -> None:
    api = await _api(aiohttp_client, _limited(settings, public_comment_limit=Limit(2, 3600)))
    token = (await api.post("/tickets/public", PUBLIC)).body["tracking_token"]
    path = f"/tickets/public/{token}/comments"
    for n in range(2):
        reply = await api.post(path, {"body": f"Спасибо {n}"}, headers=ATTACKER)
        assert reply.status == 201, reply.body
    reply = await api.post(path, {"body": "ещё"}, headers=ATTACKER)
    assert problem(reply, 429)["detail"].startswith("Too many comments from your address")
    assert _retry_after(reply, 3600) > 3500
    assert (await api.post(path, {"body": "я"}, headers=CUSTOMER)).status == 201

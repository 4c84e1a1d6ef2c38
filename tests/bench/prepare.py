"""Ask the running service for what the scenarios need: tokens, a deep cursor, response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp

from crm.demo import ADMIN_EMAIL, DEFAULT_PASSWORD, worker_email
from crm.pagination import micros
from tests.bench.data import Size, sample_ids
from tests.bench.scenarios import Prepared, Scenario

DEEP_PAGE = 5000


async def _login(http: aiohttp.ClientSession, base: str, email: str) -> str:
    body = {"email": email, "password": DEFAULT_PASSWORD}
    async with http.post(f"{base}/auth/login", json=body) as response:
        assert response.status == 200, await response.text()
        token: str = (await response.json())["access_token"]
        return token


async def _page(http: aiohttp.ClientSession, url: str, token: str) -> Any:
    async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def _deep(
    http: aiohttp.ClientSession, base: str, token: str, page: int
) -> tuple[str, tuple[int | None, int]]:
    """The cursor of page `page` (20 a page), walked 100 rows at a time, and its sort key."""
    skip, cursor, last = 20 * (page - 1), "", None
    while skip:
        size = 100 if skip >= 100 else 20
        body = await _page(http, f"{base}/tickets?page_size={size}{cursor}", token)
        skip -= size
        cursor, last = f"&cursor={body['next_cursor']}", body["items"][-1]
    assert last is not None
    created = datetime.fromisoformat(last["created_at"].replace("Z", "+00:00"))
    return cursor.removeprefix("&cursor="), (micros(created), last["id"])


async def prepare(base: str, size: Size, toggled: list[int], tokens: list[str]) -> Prepared:
    """Log in the admin and worker 1, and walk to the deep page."""
    async with aiohttp.ClientSession() as http:
        admin = await _login(http, base, ADMIN_EMAIL)
        worker = await _login(http, base, worker_email(1))
        me = await _page(http, f"{base}/auth/me", worker)
        deep_page = min(DEEP_PAGE, size.tickets // 40)
        cursor, after = await _deep(http, base, admin, deep_page)
    return Prepared(
        admin_token=admin,
        worker_token=worker,
        worker_id=me["id"],
        worker_email=worker_email(1),
        password=DEFAULT_PASSWORD,
        deep_page=deep_page,
        deep_cursor=cursor,
        deep_after=after,
        ticket_ids=sample_ids(size),
        tracking_tokens=tokens,
        toggled=toggled,
        client_phones=[f"+7{9000000000 + n}" for n in range(1, min(size.clients, 5000) + 1)],
    )


async def bodies(base: str, scenarios: list[Scenario]) -> dict[str, str]:
    """What the service answers to each scenario's first request (the HTTP ceiling's bodies)."""
    found = {}
    async with aiohttp.ClientSession() as http:
        for scenario in scenarios:
            headers = {"Authorization": f"Bearer {scenario.token}"}
            async with http.get(base + scenario.calls[0].path, headers=headers) as response:
                assert response.status == 200, await response.text()
                found[scenario.name] = await response.text()
    return found

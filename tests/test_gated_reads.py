"""Lists and single tickets check the caller inside their own query: stale callers still get 401."""

from __future__ import annotations

from typing import Any

import attrs

from crm.app import create_app
from crm.settings import Settings
from tests.api import Api
from tests.factories import check, make_ticket, new_client, user_and_token

STALE = "The token is no longer valid; log in again."


async def test_a_remembered_caller_deleted_since_gets_401_on_lists_and_tickets(api: Api) -> None:
    user, token = await user_and_token(api, "w@example.com")
    ticket = await make_ticket(api, await new_client(api), title="стиралка", assignee_id=user["id"])
    assert len((await api.get("/tickets", token=token)).body["items"]) == 1
    await check(api, "mark_user_deleted", id=user["id"])
    for path in ("/tickets", f"/tickets/{ticket}"):
        reply = await api.get(path, token=token)
        assert (reply.status, reply.body["detail"]) == (401, STALE)


async def test_a_stale_caller_gets_401_before_any_complaint_about_the_request(api: Api) -> None:
    user, token = await user_and_token(api, "w@example.com")
    assert (await api.get("/tickets", token=token)).status == 200
    await check(api, "deactivate_user", id=user["id"])
    stale = ("/tickets?page=2", "/tickets?status=lost", "/tickets?cursor=x", "/tickets/99999")
    for path in stale:
        reply = await api.get(path, token=token)
        assert (reply.status, reply.body["detail"]) == (401, STALE), path


async def test_a_role_change_applies_to_the_next_request(api: Api) -> None:
    user, token = await user_and_token(api, "w@example.com")
    other, _ = await user_and_token(api, "other@example.com")
    theirs = await make_ticket(api, await new_client(api), title="чужая", assignee_id=other["id"])
    assert (await api.get("/tickets", token=token)).body["items"] == []
    assert (await api.get(f"/tickets/{theirs}", token=token)).status == 404
    await check(api, "set_user_role", id=user["id"], role="admin")
    assert [t["id"] for t in (await api.get("/tickets", token=token)).body["items"]] == [theirs]
    assert (await api.get(f"/tickets/{theirs}", token=token)).status == 200
    await check(api, "set_user_role", id=user["id"], role="worker")
    assert (await api.get("/tickets", token=token)).body["items"] == []
    assert (await api.get(f"/tickets/{theirs}", token=token)).status == 404


async def test_an_empty_page_for_a_valid_caller_stays_an_empty_page(api: Api) -> None:
    _, token = await user_and_token(api, "w@example.com")
    for _ in range(2):
        reply = await api.get("/tickets?q=ничего", token=token)
        assert (reply.status, reply.body["items"]) == (200, [])


async def test_with_a_read_replica_the_primary_checks_the_caller_first(
    aiohttp_client: Any, settings: Settings, empty_tables: None
) -> None:
    # The "replica" is the same database through its own pool: what matters is the code path.
    app = create_app(attrs.evolve(settings, database_read_url=settings.database_url))
    api = Api(await aiohttp_client(app))
    user, token = await user_and_token(api, "w@example.com")
    ticket = await make_ticket(api, await new_client(api), title="стиралка", assignee_id=user["id"])
    assert [t["id"] for t in (await api.get("/tickets", token=token)).body["items"]] == [ticket]
    assert (await api.get(f"/tickets/{ticket}/events", token=token)).status == 200
    await check(api, "mark_user_deleted", id=user["id"])
    assert (await api.get("/tickets", token=token)).status == 401

"""Every read checks its caller inside its own query: one round trip, and revocations bite at once.

A process remembers each caller it has checked (that is what makes a read one round trip), but the
read query checks the token version and role again and says whether the caller passed, so
"caller refused" (401) and "nothing found" (an empty page, a 404) are different answers.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from crm.app import create_app
from crm.settings import Settings
from tests.api import Api, problem
from tests.factories import PASSWORD, admin_token, check, make_ticket, new_client, user_and_token
from tests.statement_log import Statements

STALE = "The token is no longer valid; log in again."


async def _worker_with_ticket(api: Api) -> tuple[dict[str, Any], str, int]:
    worker, token = await user_and_token(api, "w@example.com")
    ticket = await make_ticket(
        api, await new_client(api), title="стиралка", assignee_id=worker["id"]
    )
    return worker, token, ticket


READS = ("/tickets", "/tickets/{t}", "/tickets/{t}/events", "/tickets/counts", "/auth/me")
REVOCATIONS = {
    "password change": ("PATCH", {"password": "a new password 42"}),
    "deactivation": ("PATCH", {"active": False}),
    "role change": ("PATCH", {"role": "admin"}),
    "deletion": ("DELETE", None),
}


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("revocation", REVOCATIONS)
async def test_a_revoked_token_is_refused_at_once_even_when_remembered(
    api: Api, statements: Statements, revocation: str, path: str
) -> None:
    _, admin = await admin_token(api)
    worker, token, ticket = await _worker_with_ticket(api)
    path = path.format(t=ticket)
    assert (await api.get(path, token=token)).status == 200  # remembered from here on
    method, body = REVOCATIONS[revocation]
    reply = await api.call(method, f"/users/{worker['id']}", json_body=body, token=admin)
    assert reply.status in (200, 204)
    await statements.clear()
    assert problem(await api.get(path, token=token), 401)["detail"] == STALE
    # One statement: the read query itself said the caller did not pass.
    seen = await statements.settled()
    assert len(seen) == 1, seen
    assert "caller_pass" in seen[0]  # caller_passes, or a function saying caller_passed
    assert problem(await api.get(path, token=token), 401)["detail"] == STALE


async def test_after_a_role_change_the_new_login_gets_the_new_role(api: Api) -> None:
    _, admin = await admin_token(api)
    user, token = await user_and_token(api, "w@example.com")
    other, _ = await user_and_token(api, "other@example.com")
    theirs = await make_ticket(api, await new_client(api), title="чужая", assignee_id=other["id"])
    assert (await api.get("/tickets", token=token)).body["items"] == []
    assert (await api.get(f"/tickets/{theirs}", token=token)).status == 404
    await api.patch(f"/users/{user['id']}", {"role": "admin"}, token=admin)
    assert (await api.get("/tickets", token=token)).status == 401
    token = await api.login("w@example.com", PASSWORD)
    assert [t["id"] for t in (await api.get("/tickets", token=token)).body["items"]] == [theirs]
    assert (await api.get(f"/tickets/{theirs}", token=token)).status == 200


async def test_an_empty_page_and_a_404_are_one_round_trip(api: Api, statements: Statements) -> None:
    _, token, ticket = await _worker_with_ticket(api)
    assert (await api.get("/auth/me", token=token)).status == 200  # remembered from here on
    cases = {
        "/tickets?q=ничего": 200,
        "/tickets?status=done": 200,
        "/tickets/99999": 404,
        "/tickets/99999/events": 404,
        f"/tickets/{ticket}": 200,
        "/tickets": 200,
        "/tickets/counts?q=ничего": 200,
        "/auth/me": 200,
    }
    for path, status in cases.items():
        await statements.clear()
        reply = await api.get(path, token=token)
        assert reply.status == status, (path, reply.body)
        seen = await statements.settled()
        assert len(seen) == 1, (path, seen)
    empty = await api.get("/tickets?q=ничего", token=token)
    assert empty.body == {"items": [], "next_cursor": None, "total": 0, "total_exact": True}


async def test_admin_reads_are_one_round_trip_too(api: Api, statements: Statements) -> None:
    admin, token = await admin_token(api)
    client = await new_client(api)
    assert (await api.get("/auth/me", token=token)).status == 200
    for path in ("/users", f"/users/{admin['id']}", "/users/999", "/clients", f"/clients/{client}",
                 "/clients/999", "/clients?q=nobody"):  # fmt: skip
        await statements.clear()
        assert (await api.get(path, token=token)).status in (200, 404), path
        seen = await statements.settled()
        assert len(seen) == 1, (path, seen)


async def test_a_stale_caller_gets_401_before_any_complaint_about_the_request(api: Api) -> None:
    user, token, _ = await _worker_with_ticket(api)
    assert (await api.get("/tickets", token=token)).status == 200
    await check(api, "deactivate_user", id=user["id"])
    stale = (
        "/tickets?page=501",
        "/tickets?status=lost",
        "/tickets?sort=title",
        "/tickets?created_from=2025-01-01T00:00:00",
        "/tickets?cursor=x",
        "/tickets?page=1&cursor=x",
        "/tickets/counts?status=lost",
        "/tickets/99999",
    )
    for path in stale:
        reply = await api.get(path, token=token)
        assert (reply.status, reply.body["detail"]) == (401, STALE), path


async def test_a_role_refusal_is_never_made_on_the_remembered_callers_word(api: Api) -> None:
    user, token = await user_and_token(api, "w@example.com")
    assert (await api.get("/tickets", token=token)).status == 200
    await check(api, "mark_user_deleted", id=user["id"])
    # Remembered as a worker, who may not list users: but the token is dead, so 401, not 403.
    assert problem(await api.get("/users", token=token), 401)["detail"] == STALE


async def test_with_a_read_replica_the_primary_checks_the_caller_first(
    aiohttp_client: Any, settings: Settings, empty_tables: None
) -> None:
    # The "replica" is the same database through its own pool: what matters is the code path.
    app = create_app(attrs.evolve(settings, database_read_url=settings.database_url))
    api = Api(await aiohttp_client(app))
    user, token, ticket = await _worker_with_ticket(api)
    assert [t["id"] for t in (await api.get("/tickets", token=token)).body["items"]] == [ticket]
    assert (await api.get(f"/tickets/{ticket}/events", token=token)).status == 200
    assert (await api.get("/tickets/counts", token=token)).body["total"] == 1
    await check(api, "mark_user_deleted", id=user["id"])
    for path in ("/tickets", f"/tickets/{ticket}/events", "/tickets/counts"):
        assert problem(await api.get(path, token=token), 401)["detail"] == STALE

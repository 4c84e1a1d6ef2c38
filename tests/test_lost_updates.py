"""Lost updates: reads carry an ETag; If-Match makes PATCH and DELETE refuse (412) a stale one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.api import Api, problem
from tests.factories import check, make_ticket, make_user, new_client

Maker = Callable[[Api], Awaitable[tuple[str, dict[str, Any], dict[str, Any]]]]


async def _ticket(api: Api) -> tuple[str, dict[str, Any], dict[str, Any]]:
    ticket_id = await make_ticket(api, await new_client(api))
    return f"/tickets/{ticket_id}", {"title": "First"}, {"title": "Second"}


async def _client(api: Api) -> tuple[str, dict[str, Any], dict[str, Any]]:
    return f"/clients/{await new_client(api)}", {"name": "First"}, {"name": "Second"}


async def _user(api: Api) -> tuple[str, dict[str, Any], dict[str, Any]]:
    user = await make_user(api, "worker@example.com")
    return f"/users/{user['id']}", {"email": "first@example.com"}, {"email": "second@example.com"}


RESOURCES = pytest.mark.parametrize(
    "make", [_ticket, _client, _user], ids=["ticket", "client", "user"]
)


@RESOURCES
async def test_a_read_carries_an_etag_that_each_change_replaces(
    api: Api, admin_token: str, make: Maker
) -> None:
    path, first, _ = await make(api)
    read = await api.get(path, token=admin_token)
    tag = read.headers["ETag"]
    assert tag.startswith('"v') and tag.endswith('"')
    assert (await api.get(path, token=admin_token)).headers["ETag"] == tag
    changed = await api.patch(path, first, token=admin_token, headers={"If-Match": tag})
    assert changed.status == 200
    assert changed.headers["ETag"] != tag
    assert (await api.get(path, token=admin_token)).headers["ETag"] == changed.headers["ETag"]


@RESOURCES
async def test_a_stale_if_match_is_412_and_changes_nothing(
    api: Api, admin_token: str, make: Maker
) -> None:
    path, first, second = await make(api)
    stale = (await api.get(path, token=admin_token)).headers["ETag"]
    assert (await api.patch(path, first, token=admin_token)).status == 200  # someone else's edit
    before = (await api.get(path, token=admin_token)).body
    reply = await api.patch(path, second, token=admin_token, headers={"If-Match": stale})
    assert problem(reply, 412)["detail"].startswith("The resource changed since you read it")
    problem(await api.delete(path, token=admin_token, headers={"If-Match": stale}), 412)
    assert (await api.get(path, token=admin_token)).body == before


@RESOURCES
async def test_delete_with_the_current_etag_deletes(
    api: Api, admin_token: str, make: Maker
) -> None:
    path, _, _ = await make(api)
    tag = (await api.get(path, token=admin_token)).headers["ETag"]
    assert (await api.delete(path, token=admin_token, headers={"If-Match": tag})).status == 204
    problem(await api.get(path, token=admin_token), 404)


@pytest.mark.parametrize(
    ("if_match", "status"),
    [("*", 200), ('W/"v1"', 412), ('"something-else"', 412), ('"v1", "v2"', 412)],
)
async def test_if_match_forms(api: Api, admin_token: str, if_match: str, status: int) -> None:
    path, first, _ = await _ticket(api)
    reply = await api.patch(path, first, token=admin_token, headers={"If-Match": if_match})
    assert reply.status == status


async def test_one_of_several_tags_matching_is_enough(api: Api, admin_token: str) -> None:
    path, first, _ = await _ticket(api)
    tag = (await api.get(path, token=admin_token)).headers["ETag"]
    reply = await api.patch(path, first, token=admin_token, headers={"If-Match": f'"v1", {tag}'})
    assert reply.status == 200


async def test_if_match_on_a_missing_resource_is_404(api: Api, admin_token: str) -> None:
    problem(
        await api.patch(
            "/tickets/99", {"title": "x"}, token=admin_token, headers={"If-Match": '"v1"'}
        ),
        404,
    )
    problem(await api.delete("/clients/99", token=admin_token, headers={"If-Match": '"v1"'}), 404)


async def test_a_stale_ticket_patch_writes_no_history(api: Api, admin_token: str) -> None:
    path, first, second = await _ticket(api)
    stale = (await api.get(path, token=admin_token)).headers["ETag"]
    await api.patch(path, first, token=admin_token)
    ticket_id = int(path.rsplit("/", 1)[1])
    history = await check(api, "ticket_events", ticket_id=ticket_id)
    problem(await api.patch(path, second, token=admin_token, headers={"If-Match": stale}), 412)
    assert await check(api, "ticket_events", ticket_id=ticket_id) == history


async def test_webhooks_take_if_match_too(api: Api, admin_token: str) -> None:
    """Main's new write route gets the same protection: ETag on reads, 412 on a stale tag."""
    body = {"url": "https://hooks.example.com/crm", "event_types": ["ticket.created"]}
    created = await api.post("/webhooks", body, token=admin_token)
    path = created.headers["Location"]
    stale = (await api.get(path, token=admin_token)).headers["ETag"]
    changed = await api.patch(
        path, {"active": False}, token=admin_token, headers={"If-Match": stale}
    )
    assert changed.status == 200 and changed.body["active"] is False
    current = changed.headers["ETag"]
    assert current != stale
    reply = await api.patch(path, {"active": True}, token=admin_token, headers={"If-Match": stale})
    problem(reply, 412)
    problem(await api.delete(path, token=admin_token, headers={"If-Match": stale}), 412)
    assert (await api.get(path, token=admin_token)).body["active"] is False
    assert (await api.delete(path, token=admin_token, headers={"If-Match": current})).status == 204
    missing = await api.delete(path, token=admin_token, headers={"If-Match": current})
    problem(missing, 404)

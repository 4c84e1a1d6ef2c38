"""Admins never lock everyone out; changed, deactivated or deleted users lose tokens at once."""

from __future__ import annotations

import asyncio

import pytest

from crm import rules
from crm.app_keys import POOL, QUERIES
from crm.models import Role
from tests.api import Api, problem
from tests.factories import (
    PASSWORD,
    admin_token,
    check,
    make_client,
    make_ticket,
    make_user,
    until_waiting,
    user_and_token,
)


@pytest.mark.parametrize(
    ("method", "body", "detail"),
    [
        ("DELETE", None, "You cannot delete yourself; ask another admin."),
        ("PATCH", {"role": "worker"}, "You cannot demote yourself; ask another admin."),
        ("PATCH", {"active": False}, "You cannot deactivate yourself; ask another admin."),
    ],
)
async def test_admin_cannot_delete_demote_or_deactivate_themselves(
    api: Api, method: str, body: dict[str, object] | None, detail: str
) -> None:
    admin, token = await admin_token(api)
    await make_user(api, "other-admin@example.com", "admin")
    reply = await api.call(method, f"/users/{admin['id']}", json_body=body, token=token)
    assert problem(reply, 409)["detail"] == detail
    me = await api.get("/auth/me", token=token)
    assert (me.body["role"], me.body["active"]) == ("admin", True)


async def test_admin_may_change_their_own_email_and_demote_another_admin(api: Api) -> None:
    admin, token = await admin_token(api)
    other = await make_user(api, "other-admin@example.com", "admin")
    mine = await api.patch(f"/users/{admin['id']}", {"email": "boss@example.com"}, token=token)
    assert mine.status == 200
    demoted = await api.patch(f"/users/{other['id']}", {"role": "worker"}, token=token)
    assert demoted.status == 200
    assert demoted.body["role"] == "worker"


def test_the_last_active_admin_cannot_be_taken_away_by_another_caller() -> None:
    # Reachable only in a race: the caller lost admin rights after their request was let in.
    assert rules.admin_removal_conflict("demote", 1, 2, [2]) == (
        "You cannot demote the last active admin; promote another user first."
    )
    assert rules.admin_removal_conflict("delete", 1, 2, [1, 2]) is None
    assert rules.admin_removal_conflict("delete", 1, 3, [2]) is None
    assert rules.admin_removal(Role.WORKER, False) == "demote"
    assert rules.admin_removal(None, False) == "deactivate"
    assert rules.admin_removal(Role.ADMIN, True) is None


@pytest.mark.parametrize(("method", "done"), [("PATCH", 200), ("DELETE", 204)])
async def test_two_admins_removing_each_other_at_once_leave_one_admin(
    api: Api, method: str, done: int
) -> None:
    first, first_token = await admin_token(api, "first@example.com")
    second, second_token = await admin_token(api, "second@example.com")
    body = {"role": "worker"} if method == "PATCH" else None
    app = api.app
    # Holding the admin lock lets both requests get past authentication and queue behind it.
    async with app[POOL].acquire() as conn, conn.transaction():
        await app[QUERIES].lock_active_admins(conn)
        calls = [
            asyncio.create_task(api.call(method, path, json_body=body, token=token))
            for path, token in [
                (f"/users/{second['id']}", first_token),
                (f"/users/{first['id']}", second_token),
            ]
        ]
        await until_waiting(api, 2)
    replies = await asyncio.gather(*calls)
    assert sorted(reply.status for reply in replies) == [done, 409]
    refused = next(reply for reply in replies if reply.status == 409)
    assert refused.body["detail"] == (
        f"You cannot {'demote' if method == 'PATCH' else 'delete'} the last active admin;"
        " promote another user first."
    )
    assert await check(api, "active_admin_count") == 1


async def test_changing_a_password_revokes_the_users_tokens(api: Api) -> None:
    _, token = await admin_token(api)
    worker, worker_token = await user_and_token(api, "w@example.com")
    reply = await api.patch(f"/users/{worker['id']}", {"password": "brand-new-pass"}, token=token)
    assert reply.status == 200
    stale = await api.get("/auth/me", token=worker_token)
    assert problem(stale, 401)["detail"] == "The token is no longer valid; log in again."
    assert (
        await api.post("/auth/login", {"email": "w@example.com", "password": PASSWORD})
    ).status == 401
    assert await api.login("w@example.com", "brand-new-pass")


async def test_deactivating_revokes_tokens_and_reactivating_does_not_revive_them(
    api: Api,
) -> None:
    _, token = await admin_token(api)
    worker, worker_token = await user_and_token(api, "w@example.com")
    path = f"/users/{worker['id']}"
    assert (await api.patch(path, {"active": False}, token=token)).body["active"] is False
    assert (await api.get("/auth/me", token=worker_token)).status == 401
    login = {"email": "w@example.com", "password": PASSWORD}
    assert (await api.post("/auth/login", login)).status == 401
    assert (await api.patch(path, {"active": True}, token=token)).body["active"] is True
    assert (await api.get("/auth/me", token=worker_token)).status == 401
    assert await api.login("w@example.com", PASSWORD)


async def test_deleting_a_user_revokes_tokens_hides_them_and_keeps_the_row(api: Api) -> None:
    _, token = await admin_token(api)
    worker, worker_token = await user_and_token(api, "w@example.com")
    reply = await api.delete(f"/users/{worker['id']}", token=token)
    assert (reply.status, reply.raw) == (204, b"")
    assert (await api.get("/auth/me", token=worker_token)).status == 401
    assert (await api.get(f"/users/{worker['id']}", token=token)).status == 404
    assert [u["email"] for u in (await api.get("/users", token=token)).body["items"]] == [
        "admin@example.com"
    ]
    assert dict(await check(api, "user_state", id=worker["id"])) == {
        "deleted": True,
        "token_version": 2,
    }


async def test_deleting_a_worker_unassigns_open_tickets_and_records_history(api: Api) -> None:
    admin, token = await admin_token(api)
    worker = await make_user(api, "w@example.com")
    other = await make_user(api, "other@example.com")
    client = await make_client(api, name="Olena")
    new = await make_ticket(api, client["id"], worker["id"], "new")
    started = await make_ticket(api, client["id"], worker["id"], "in_progress")
    done = await make_ticket(api, client["id"], worker["id"], "done")
    others = await make_ticket(api, client["id"], other["id"], "new")
    assert (await api.delete(f"/users/{worker['id']}", token=token)).status == 204
    assert [dict(r) for r in await check(api, "ticket_assignees")] == [
        {"id": new, "assignee_id": None, "status": "new"},
        {"id": started, "assignee_id": None, "status": "in_progress"},
        {"id": done, "assignee_id": worker["id"], "status": "done"},
        {"id": others, "assignee_id": other["id"], "status": "new"},
    ]
    released = {"actor_id": admin["id"], "kind": "assigned", "to_assignee_id": None}
    assert [dict(r) for r in await check(api, "ticket_history")] == [
        {"ticket_id": new, "from_assignee_id": worker["id"], **released},
        {"ticket_id": started, "from_assignee_id": worker["id"], **released},
    ]


@pytest.mark.parametrize("change", [{"active": False}, {"role": "admin"}])
async def test_deactivating_or_promoting_a_worker_unassigns_open_tickets(
    api: Api, change: dict[str, object]
) -> None:
    admin, token = await admin_token(api)
    worker = await make_user(api, "w@example.com")
    client = await make_client(api, name="Olena")
    open_ticket = await make_ticket(api, client["id"], worker["id"], "in_progress")
    done = await make_ticket(api, client["id"], worker["id"], "done")
    assert (await api.patch(f"/users/{worker['id']}", change, token=token)).status == 200
    assert [dict(r) for r in await check(api, "ticket_assignees")] == [
        {"id": open_ticket, "assignee_id": None, "status": "in_progress"},
        {"id": done, "assignee_id": worker["id"], "status": "done"},
    ]
    assert [dict(r) for r in await check(api, "ticket_history")] == [
        {
            "ticket_id": open_ticket,
            "actor_id": admin["id"],
            "kind": "assigned",
            "from_assignee_id": worker["id"],
            "to_assignee_id": None,
        }
    ]

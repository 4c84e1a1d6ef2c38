"""Deleting a ticket hides it from the API everywhere and keeps its history for reports."""

from __future__ import annotations

from tests.api import Api
from tests.factories import check, make_user, new_client

REQUEST = {"title": "Не включается стиралка", "client": {"name": "Иван", "phone": "+380671112233"}}


async def test_a_deleted_ticket_is_404_on_every_route_and_in_no_list(
    api: Api, admin_token: str
) -> None:
    created = await api.post("/tickets/public", REQUEST)
    ticket, tracking = created.body["id"], created.body["tracking_token"]
    assert (await api.delete(f"/tickets/{ticket}", token=admin_token)).status == 204

    for method, path, body in [
        ("GET", f"/tickets/{ticket}", None),
        ("PATCH", f"/tickets/{ticket}", {"title": "x"}),
        ("DELETE", f"/tickets/{ticket}", None),
        ("GET", f"/tickets/{ticket}/events", None),
        ("GET", f"/tickets/{ticket}/comments", None),
        ("POST", f"/tickets/{ticket}/comments", {"body": "x", "visibility": "public"}),
        ("GET", f"/tickets/public/{tracking}", None),
        ("POST", f"/tickets/public/{tracking}/comments", {"body": "x"}),
    ]:
        reply = await api.call(method, path, json_body=body, token=admin_token)
        assert (method, path, reply.status) == (method, path, 404)
    listed = await api.get("/tickets", token=admin_token)
    assert listed.body["items"] == []


async def test_a_deleted_ticket_leaves_a_tombstone_and_its_history(
    api: Api, admin_token: str
) -> None:
    admin = (await api.get("/auth/me", token=admin_token)).body
    worker = await make_user(api, "w@example.com")
    body = {
        "title": "Холодильник",
        "client_id": await new_client(api),
        "assignee_id": worker["id"],
        "device": {"kind": "холодильник", "brand": "Atlant", "serial": "SN-1"},
        "address": "Киев, ул. Садовая, 5",
    }
    created = await api.post("/tickets", body, token=admin_token)
    ticket = created.body["id"]
    await api.patch(f"/tickets/{ticket}", {"status": "in_progress"}, token=admin_token)
    assert (await api.delete(f"/tickets/{ticket}", token=admin_token)).status == 204

    assert await check(api, "ticket_row", id=ticket) is None
    tombstone = dict(await check(api, "deleted_ticket", id=ticket))
    assert tombstone == {
        "id": ticket,
        "title": "Холодильник",
        "status": "in_progress",
        "assignee_id": worker["id"],
        "deleted_by": admin["id"],
    }
    kinds = [row["kind"] for row in await check(api, "ticket_events", ticket_id=ticket)]
    assert kinds == ["created", "status_changed"]
    report = dict(await check(api, "report_ticket_deletion", id=ticket))
    assert report["deleted"] is True and report["first_in_progress_at"] is not None
    assert report["deleted_at"] is not None and report["client_name"] == "Иван"
    assert (report["device_kind"], report["device_serial"], report["address"]) == (
        "холодильник",
        "SN-1",
        "Киев, ул. Садовая, 5",
    )


async def test_a_client_whose_tickets_were_all_deleted_can_be_deleted(
    api: Api, admin_token: str
) -> None:
    client = await new_client(api)
    created = await api.post("/tickets", {"title": "t", "client_id": client}, token=admin_token)
    await api.delete(f"/tickets/{created.body['id']}", token=admin_token)
    assert (await api.delete(f"/clients/{client}", token=admin_token)).status == 204
    report = dict(await check(api, "report_ticket_deletion", id=created.body["id"]))
    assert (report["deleted"], report["client_name"]) == (True, None)

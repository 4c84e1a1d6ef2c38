"""The whole story over HTTP: public request, assignment, the worker's flow, the history."""

from __future__ import annotations

from tests.api import Api
from tests.factories import user_and_token
from tests.test_public_requests import EXAMPLE_REQUEST


async def test_public_request_to_done_is_visible_in_the_history(api: Api, admin_token: str) -> None:
    created = await api.post("/tickets/public", EXAMPLE_REQUEST)
    ticket, token = created.body["id"], created.body["tracking_token"]
    worker, worker_token = await user_and_token(api, "worker@example.com")

    assert (await api.get("/tickets", token=worker_token)).body["items"] == []
    assigned = await api.patch(
        f"/tickets/{ticket}", {"assignee_id": worker["id"]}, token=admin_token
    )
    assert assigned.status == 200
    listed = await api.get("/tickets?q=стиралка", token=worker_token)
    assert [t["id"] for t in listed.body["items"]] == [ticket]

    for status in ("in_progress", "done"):
        moved = await api.patch(f"/tickets/{ticket}", {"status": status}, token=worker_token)
        assert (moved.status, moved.body["status"]) == (200, status)
    assert (await api.get(f"/tickets/public/{token}")).body["status"] == "done"

    history = await api.get(f"/tickets/{ticket}/events?page_size=2", token=worker_token)
    rest = await api.get(
        f"/tickets/{ticket}/events?page_size=2&cursor={history.body['next_cursor']}",
        token=worker_token,
    )
    events = history.body["items"] + rest.body["items"]
    assert rest.body["next_cursor"] is None
    assert [
        (e["kind"], e["actor_email"], e["from_status"], e["to_status"], e["to_assignee_id"])
        for e in events
    ] == [
        ("created", None, None, "new", None),
        ("assigned", "admin@example.com", None, None, worker["id"]),
        ("status_changed", "worker@example.com", "new", "in_progress", None),
        ("status_changed", "worker@example.com", "in_progress", "done", None),
    ]

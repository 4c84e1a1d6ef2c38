"""The repair job's whole story: staff talk internally, tell the customer, the customer answers
from the tracking link, and no internal text ever reaches the customer."""

from __future__ import annotations

from tests.api import Api
from tests.factories import user_and_token
from tests.test_public_requests import EXAMPLE_REQUEST

DEVICE = {"kind": "стиральная машина", "brand": "Bosch", "model": "WAN24140", "serial": "SN-1234"}


async def test_admin_and_worker_discuss_tell_the_customer_and_hear_back(
    api: Api, admin_token: str
) -> None:
    request = {**EXAMPLE_REQUEST, "device": DEVICE, "address": "Киев, ул. Садовая, 5"}
    created = (await api.post("/tickets/public", request)).body
    ticket, tracking = created["id"], f"/tickets/public/{created['tracking_token']}"
    worker, worker_token = await user_and_token(api, "oleg@example.com")
    await api.patch(f"/users/{worker['id']}", {"display_name": "Олег"}, token=admin_token)
    await api.patch(f"/tickets/{ticket}", {"assignee_id": worker["id"]}, token=admin_token)
    comments = f"/tickets/{ticket}/comments"

    async def say(token: str, body: str, visibility: str) -> None:
        sent = await api.post(comments, {"body": body, "visibility": visibility}, token=token)
        assert sent.status == 201

    # The staff find the job by the serial on the sticker, however it is typed.
    found = await api.get("/tickets?q=sn 1234", token=worker_token)
    assert [t["id"] for t in found.body["items"]] == [ticket]
    await say(admin_token, "Клиент постоянный, скидка 10%", "internal")
    await say(worker_token, "Похоже на ТЭН, возьму запасной", "internal")
    await api.patch(f"/tickets/{ticket}", {"status": "in_progress"}, token=worker_token)
    await say(worker_token, "Приеду завтра с 10 до 12", "public")

    seen = await api.get(tracking)
    assert (seen.body["status"], seen.body["device"]) == ("in_progress", DEVICE)
    assert [(c["author_name"], c["body"]) for c in seen.body["comments"]] == [
        ("Олег", "Приеду завтра с 10 до 12")
    ]
    answer = await api.post(f"{tracking}/comments", {"body": "Хорошо, буду дома"})
    assert answer.status == 201

    thread = (await api.get(comments, token=worker_token)).body["items"]
    assert [(c["author"], c["visibility"], c["author_name"]) for c in thread] == [
        ("staff", "internal", "admin@example.com"),
        ("staff", "internal", "Олег"),
        ("staff", "public", "Олег"),
        ("customer", "public", "Иван"),
    ]
    await api.patch(f"/tickets/{ticket}", {"status": "done"}, token=worker_token)
    final = await api.get(tracking)
    assert final.body["status"] == "done"
    assert [(c["author"], c["body"]) for c in final.body["comments"]] == [
        ("staff", "Приеду завтра с 10 до 12"),
        ("customer", "Хорошо, буду дома"),
    ]
    for internal in ("скидка", "ТЭН", "@example.com"):
        assert internal not in final.raw.decode()
    history = (await api.get(f"/tickets/{ticket}/events", token=admin_token)).body["items"]
    assert [e["kind"] for e in history] == [
        "created", "assigned", "commented", "commented", "status_changed", "commented",
        "commented", "status_changed",
    ]  # fmt: skip

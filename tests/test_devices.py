"""Tickets carry the device and the visit address; search finds a serial or IMEI however typed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import Api, problem
from tests.factories import check, make_user, new_client, user_and_token
from tests.test_public_requests import EXAMPLE_REQUEST

DEVICE = {
    "kind": "стиральная машина",
    "brand": "Bosch",
    "model": "WAN24140",
    "serial": "SN-1234 5678",
}
NO_DEVICE = {"kind": None, "brand": None, "model": None, "serial": None}
ADDRESS = "Киев, ул. Садовая, 5, кв. 12"


async def _public(api: Api, **changes: Any) -> dict[str, Any]:
    reply = await api.post("/tickets/public", {**EXAMPLE_REQUEST, **changes})
    assert reply.status == 201, reply.body
    body: dict[str, Any] = reply.body
    return body


async def test_public_request_with_device_and_address_shows_them_to_staff_and_customer(
    api: Api, admin_token: str
) -> None:
    sent = {key: f"  {value}  " for key, value in DEVICE.items()}
    created = await _public(api, device=sent, address=f" {ADDRESS} ")
    ticket = (await api.get(f"/tickets/{created['id']}", token=admin_token)).body
    assert (ticket["device"], ticket["address"]) == (DEVICE, ADDRESS)
    listed = (await api.get("/tickets", token=admin_token)).body["items"]
    assert [(t["device"], t["address"]) for t in listed] == [(DEVICE, ADDRESS)]
    tracking = (await api.get(f"/tickets/public/{created['tracking_token']}")).body
    assert tracking["device"] == DEVICE and "address" not in tracking


async def test_admin_creates_a_ticket_with_device_and_blank_parts_are_null(
    api: Api, admin_token: str
) -> None:
    client = await new_client(api)
    body = {"title": "Течёт", "client_id": client, "device": {"kind": "холодильник", "model": " "}}
    reply = await api.post("/tickets", body, token=admin_token)
    assert reply.status == 201
    assert reply.body["device"] == {**NO_DEVICE, "kind": "холодильник"}
    assert (reply.body["address"], reply.body["contact"]) == (None, None)


async def test_patch_changes_only_the_device_parts_given_and_records_them(
    api: Api, admin_token: str
) -> None:
    created = await _public(api, device=DEVICE)
    path = f"/tickets/{created['id']}"
    reply = await api.patch(
        path, {"device": {"serial": "IMEI 356938035643809", "model": None}}, token=admin_token
    )
    assert reply.status == 200
    assert reply.body["device"] == {**DEVICE, "serial": "IMEI 356938035643809", "model": None}
    moved = await api.patch(path, {"address": ADDRESS}, token=admin_token)
    assert moved.body["address"] == ADDRESS
    cleared = await api.patch(path, {"device": None, "address": None}, token=admin_token)
    assert (cleared.body["device"], cleared.body["address"]) == (NO_DEVICE, None)
    edits = [e["changes"] for e in await check(api, "ticket_events", ticket_id=created["id"])][1:]
    assert edits == [
        {
            "device_model": {"from": "WAN24140", "to": None},
            "device_serial": {"from": "SN-1234 5678", "to": "IMEI 356938035643809"},
        },
        {"address": {"from": None, "to": ADDRESS}},
        {
            "device_kind": {"from": "стиральная машина", "to": None},
            "device_brand": {"from": "Bosch", "to": None},
            "device_serial": {"from": "IMEI 356938035643809", "to": None},
            "address": {"from": ADDRESS, "to": None},
        },
    ]


async def test_worker_may_not_change_the_device(api: Api) -> None:
    worker, token = await user_and_token(api, "w@example.com")
    created = await _public(api)
    await check(api, "set_assignee", id=created["id"], assignee_id=worker["id"])
    reply = await api.patch(f"/tickets/{created['id']}", {"device": {"brand": "LG"}}, token=token)
    assert (
        problem(reply, 403)["detail"] == "Workers may change only a ticket's status, not: device."
    )


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"device": {"kind": "x" * 101}}, [("device.kind", "must be at most 100 characters")]),
        ({"device": {"serial": "1" * 65}}, [("device.serial", "must be at most 64 characters")]),
        ({"device": {"colour": "red"}}, [("device.colour", "unknown field")]),
        ({"device": "Bosch"}, [("device", "must be a JSON object")]),
        ({"device": {"brand": 5}}, [("device.brand", "must be a string")]),
        ({"address": "x" * 501}, [("address", "must be at most 500 characters")]),
    ],
)
async def test_device_and_address_beyond_their_bounds_are_422_and_store_nothing(
    api: Api, admin_token: str, changes: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    public = await api.post("/tickets/public", {**EXAMPLE_REQUEST, **changes})
    assert [(e["field"], e["message"]) for e in problem(public, 422)["errors"]] == errors
    client = await new_client(api)
    staff = await api.post(
        "/tickets", {"title": "t", "client_id": client, **changes}, token=admin_token
    )
    assert [(e["field"], e["message"]) for e in problem(staff, 422)["errors"]] == errors
    assert dict(await check(api, "count_rows"))["tickets"] == 0


@pytest.mark.parametrize("typed", ["sn12345678", "SN 1234-5678", "sn-1234", "SN1234 56"])
async def test_q_finds_a_serial_ignoring_case_spaces_and_dashes(
    api: Api, admin_token: str, typed: str
) -> None:
    wanted = await _public(api, device=DEVICE, title="Шумит")
    await _public(api, device={"serial": "XY-9999"}, title="Шумит")
    reply = await api.get("/tickets", params={"q": typed}, token=admin_token)
    assert [t["id"] for t in reply.body["items"]] == [wanted["id"]]


async def test_q_still_finds_titles_and_a_wildcard_is_literal(api: Api, admin_token: str) -> None:
    titled = await _public(api, device={"serial": "AB_1%"})
    other = await _public(api, device={"serial": "ABC1"}, title="Шумит")
    by_word = await api.get("/tickets", params={"q": "стиралка"}, token=admin_token)
    assert [t["id"] for t in by_word.body["items"]] == [titled["id"]]
    literal = await api.get("/tickets", params={"q": "ab_1%"}, token=admin_token)
    assert [t["id"] for t in literal.body["items"]] == [titled["id"]]
    assert other["id"] != titled["id"]


async def test_q_without_a_digit_searches_titles_only(api: Api, admin_token: str) -> None:
    # Every serial and IMEI has a digit; a plain word is a title search (it stays on the title
    # index instead of testing every ticket's serial).
    lettered = await _public(api, device={"serial": "KLMN-XYZ"}, title="Шумит")
    titled = await _public(api, device={"serial": "KLM-1"}, title="Kln не греет")
    by_word = await api.get("/tickets", params={"q": "kl"}, token=admin_token)
    assert [t["id"] for t in by_word.body["items"]] == [titled["id"]]
    by_serial = await api.get("/tickets", params={"q": "klm-1"}, token=admin_token)
    assert [t["id"] for t in by_serial.body["items"]] == [titled["id"]]
    assert lettered["id"] != titled["id"]


async def test_client_tickets_list_one_clients_device_history_page_by_page(
    api: Api, admin_token: str
) -> None:
    first = await _public(api, device={"brand": "Bosch"})
    second = await _public(api, device={"brand": "LG"})
    await api.post("/tickets/public", {**EXAMPLE_REQUEST, "client": {"phone": "+380500000000"}})
    client_id = (await check(api, "ticket_contact", id=first["id"]))["client_id"]
    page = await api.get(f"/clients/{client_id}/tickets?page_size=1", token=admin_token)
    assert page.status == 200
    rest = await api.get(
        f"/clients/{client_id}/tickets?page_size=1&cursor={page.body['next_cursor']}",
        token=admin_token,
    )
    items = page.body["items"] + rest.body["items"]
    assert [(t["id"], t["device"]["brand"]) for t in items] == [
        (second["id"], "LG"),
        (first["id"], "Bosch"),
    ]
    assert rest.body["next_cursor"] is None
    searched = await api.get(f"/clients/{client_id}/tickets?q=стиралка", token=admin_token)
    assert len(searched.body["items"]) == 2


async def test_client_tickets_is_404_for_no_client_403_for_workers_400_for_client_id(
    api: Api, admin_token: str
) -> None:
    assert problem(await api.get("/clients/99/tickets", token=admin_token), 404)
    client = await new_client(api)
    mixed = await api.get(f"/clients/{client}/tickets?client_id=1", token=admin_token)
    assert "Unknown query parameter 'client_id'" in problem(mixed, 400)["detail"]
    await make_user(api, "w@example.com")
    worker = await api.login("w@example.com", "correct horse battery")
    assert problem(await api.get(f"/clients/{client}/tickets", token=worker), 403)

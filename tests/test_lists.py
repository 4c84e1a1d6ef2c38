"""Lists the way API clients expect: page numbers beside cursors, totals, sorting, date ranges."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm.app_keys import SEARCH_ESTIMATES
from tests.api import Api, problem
from tests.factories import admin_token, check, make_client, make_ticket, make_user, new_client

DAY = datetime(2025, 3, 10, tzinfo=UTC)


async def _walk(api: Api, token: str, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list by cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        extra: dict[str, str] = {"cursor": cursor} if cursor else {}
        page = await api.get(path, token=token, params={**params, **extra})
        assert page.status == 200, page.body
        items += page.body["items"]
        cursor = page.body["next_cursor"]
        if cursor is None:
            return items


async def _tickets(api: Api, n: int, **fields: Any) -> list[int]:
    client = await new_client(api)
    return [await make_ticket(api, client, title=f"стиралка {i}", **fields) for i in range(n)]


async def test_the_original_descriptions_ticket_example_works_as_written(api: Api) -> None:
    _, token = await admin_token(api)
    client = await new_client(api)
    wanted = [
        await make_ticket(api, client, title="Не включается стиралка", status="new"),
        await make_ticket(api, client, title="стиралка готова", status="done"),
    ]
    await make_ticket(api, client, title="стиралка в работе", status="in_progress")
    await make_ticket(api, client, title="холодильник", status="new")
    reply = await api.get(
        "/tickets?q=стиралка&status=new&status=done&page=1&page_size=20", token=token
    )
    assert reply.status == 200
    assert [t["id"] for t in reply.body["items"]] == wanted[::-1]
    assert (reply.body["next_cursor"], reply.body["total"], reply.body["total_exact"]) == (
        None,
        2,
        True,
    )


async def test_the_original_descriptions_empty_form_example_works_as_written(api: Api) -> None:
    admin, token = await admin_token(api)
    worker = await make_user(api, "w@example.com")
    reply = await api.get("/users?page=&page_size=&q=&role=", token=token)
    assert reply.status == 200
    assert [u["id"] for u in reply.body["items"]] == [worker["id"], admin["id"]]
    assert reply.body["total"] == 2
    assert (await api.get("/tickets?status=&q=&page=&sort=", token=token)).status == 200
    unknown = await api.get("/users?colour=", token=token)
    assert problem(unknown, 400)["detail"].startswith("Unknown query parameter 'colour'")


async def test_page_walk_and_cursor_walk_return_the_same_rows(api: Api) -> None:
    _, token = await admin_token(api)
    await _tickets(api, 23)
    by_cursor = await _walk(api, token, "/tickets", page_size="5")
    by_page = []
    for number in range(1, 7):
        page = await api.get(f"/tickets?page={number}&page_size=5", token=token)
        assert page.body["total"] == 23
        by_page += page.body["items"]
        # Every page can hand over to a cursor.
        assert (page.body["next_cursor"] is None) == (number >= 5)
    assert by_page == by_cursor and len(by_cursor) == 23
    # A cursor from page 2 continues with page 3's rows.
    second = await api.get("/tickets?page=2&page_size=5", token=token)
    third = await api.get(f"/tickets?page_size=5&cursor={second.body['next_cursor']}", token=token)
    assert third.body["items"] == by_page[10:15]
    link = second.headers["Link"]
    assert "page=" not in link and f"cursor={second.body['next_cursor']}" in link


async def test_page_numbers_stop_at_10000_rows_and_never_mix_with_a_cursor(api: Api) -> None:
    _, token = await admin_token(api)
    await _tickets(api, 2)
    assert (await api.get("/tickets?page=100&page_size=100", token=token)).status == 200
    assert (await api.get("/tickets?page=500&page_size=20", token=token)).body["items"] == []
    deep = await api.get("/tickets?page=501&page_size=20", token=token)
    assert problem(deep, 400)["detail"] == (
        "Page numbers reach 10,000 rows deep (page * page_size); to go further, continue from a"
        " page's next_cursor with the cursor parameter."
    )
    cursor = (await api.get("/tickets?page_size=1", token=token)).body["next_cursor"]
    both = await api.get(f"/tickets?page=1&cursor={cursor}", token=token)
    assert problem(both, 400)["detail"] == "Give either page or cursor, not both."
    for bad in ("0", "-1", "x", "1.5"):
        reply = await api.get(f"/tickets?page={bad}", token=token)
        assert problem(reply, 422)["errors"] == [
            {"field": "page", "message": "must be a whole number of at least 1"}
        ]


async def test_totals_are_exact_to_10000_then_capped(api: Api) -> None:
    _, token = await admin_token(api)
    client = await new_client(api)
    await check(api, "insert_tickets", client_id=client, n=10_000)
    exact = await api.get("/tickets?page_size=1", token=token)
    assert (exact.body["total"], exact.body["total_exact"]) == (10_000, True)
    await check(api, "insert_tickets", client_id=client, n=1)
    capped = await api.get("/tickets?page_size=1", token=token)
    assert (capped.body["total"], capped.body["total_exact"]) == (10_000, False)
    counts = await api.get("/tickets/counts", token=token)
    assert counts.body["total"] == 10_001
    one = await api.get("/tickets?page_size=1&status=done", token=token)
    assert (one.body["items"], one.body["total"], one.body["total_exact"]) == ([], 0, True)


async def test_a_filter_the_planner_expects_far_past_the_cap_is_not_counted(api: Api) -> None:
    """Past 30,000 expected matches a total says "more than 10,000" from statistics alone."""
    _, token = await admin_token(api)
    client = await new_client(api)
    await check(api, "hold_ticket_statistics")
    try:
        await check(api, "insert_tickets", client_id=client, n=40_000)
        await check(api, "analyze_tickets")
        many = await api.get("/tickets?q=bulk&page_size=1", token=token)
        assert (many.body["total"], many.body["total_exact"]) == (10_000, False)
        # The process keeps the estimate for its next search of the word (migration 0024).
        matches, tuples = api.app[SEARCH_ESTIMATES].get(("bulk:*", None, None))
        assert matches is not None and matches >= 30_000 and tuples is not None
        # The statistics decide, not a count: until they are gathered again, the 10 tickets
        # left still read as "more than 10,000" (the price of not counting).
        await check(api, "delete_tickets_but", kept=10)
        stale = await api.get("/tickets?q=bulk&page_size=1", token=token)
        assert (stale.body["total"], stale.body["total_exact"]) == (10_000, False)
        await check(api, "analyze_tickets")
        fresh = await api.get("/tickets?q=bulk&page_size=1", token=token)
        assert (fresh.body["total"], fresh.body["total_exact"]) == (10, True)
        # One client's tickets are always counted, whatever the statistics say.
        await check(api, "insert_tickets", client_id=client, n=40_000)
        await check(api, "analyze_tickets")
        await check(api, "delete_tickets_but", kept=12)
        one = await api.get(f"/clients/{client}/tickets?q=bulk&page_size=1", token=token)
        assert (one.body["total"], one.body["total_exact"]) == (12, True)
    finally:
        await check(api, "release_ticket_statistics")


def _sorted(items: list[dict[str, Any]], sort: str) -> list[int]:
    """The ids in the order `sort` promises, worked out here from the items themselves."""
    far = "9999-12-31T23:59:59.999999Z"
    keys = {
        "-created_at": lambda t: (t["created_at"], t["id"]),
        "created_at": lambda t: (t["created_at"], t["id"]),
        "-updated_at": lambda t: (t["updated_at"], t["id"]),
        "scheduled_at": lambda t: (t["scheduled_at"] or far, t["id"]),
    }
    reverse = sort.startswith("-")
    return [t["id"] for t in sorted(items, key=keys[sort], reverse=reverse)]


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "-updated_at", "scheduled_at"])
async def test_each_ticket_order_is_total_and_walks_to_the_end_while_rows_arrive(
    api: Api, sort: str
) -> None:
    _, token = await admin_token(api)
    client = await new_client(api)
    ids = await _tickets(api, 12)
    # Ties on every key, nulls, and times apart, so the id must break ties.
    for n, ticket in enumerate(ids):
        when = DAY + timedelta(hours=n % 3)
        await check(api, "set_ticket_times", id=ticket, created_at=when, updated_at=when,
                    scheduled_at=None if n % 4 == 0 else when)  # fmt: skip
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        extra: dict[str, str] = {"cursor": cursor} if cursor else {}
        page = await api.get(
            "/tickets", token=token, params={"sort": sort, "page_size": 5, **extra}
        )
        assert page.status == 200, page.body
        seen += page.body["items"]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
        await make_ticket(api, client, title="новая")  # arrives during the walk
    walked = [t["id"] for t in seen]
    assert sorted(set(walked) & set(ids)) == sorted(ids)
    assert len(walked) == len(set(walked))
    old = [t for t in seen if t["id"] in ids]
    assert [t["id"] for t in old] == _sorted(old, sort)
    if sort == "scheduled_at":
        scheduled = [t["scheduled_at"] for t in old]
        assert scheduled[-3:] == [None, None, None]


async def test_users_and_clients_sort_by_email_and_name(api: Api) -> None:
    _, token = await admin_token(api, "m@example.com")
    for email in ("b@example.com", "a@example.com", "c@example.com"):
        await make_user(api, email)
    users = await _walk(api, token, "/users", sort="email", page_size="2")
    assert [u["email"] for u in users] == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "m@example.com",
    ]
    for name in ("Борис", None, "Анна", "Вера", None):
        await make_client(api, name=name, phone="+380671112233")
    clients = await _walk(api, token, "/clients", sort="name", page_size="2")
    assert [c["name"] for c in clients] == ["Анна", "Борис", "Вера", None, None]
    assert clients[3]["id"] < clients[4]["id"]


async def test_an_unknown_sort_is_422_listing_the_allowed_values(api: Api) -> None:
    _, token = await admin_token(api)
    cases = {
        "/tickets": "-created_at, created_at, -updated_at, scheduled_at",
        "/users": "-created_at, email",
        "/clients": "-created_at, name",
    }
    for path, allowed in cases.items():
        reply = await api.get(f"{path}?sort=title", token=token)
        assert problem(reply, 422)["errors"] == [
            {"field": "sort", "message": f"must be one of: {allowed}"}
        ]


async def test_a_cursor_is_bound_to_its_order(api: Api) -> None:
    _, token = await admin_token(api)
    await _tickets(api, 3)
    cursor = (await api.get("/tickets?page_size=1&sort=created_at", token=token)).body
    reply = await api.get(f"/tickets?cursor={cursor['next_cursor']}", token=token)
    assert problem(reply, 400)["detail"] == (
        "The cursor belongs to another list, order or other filters."
    )


async def test_date_ranges_are_half_open_and_combine_with_filters_and_sorts(api: Api) -> None:
    _, token = await admin_token(api)
    ids = await _tickets(api, 4)
    for n, ticket in enumerate(ids):
        when = DAY + timedelta(days=n)
        await check(api, "set_ticket_times", id=ticket, created_at=when, updated_at=when,
                    scheduled_at=when + timedelta(hours=2))  # fmt: skip

    async def found(**params: str) -> list[int]:
        reply = await api.get("/tickets", token=token, params=params)
        assert reply.status == 200, reply.body
        return [t["id"] for t in reply.body["items"]]

    # [10 March, 12 March): the 12th itself is out; +03:00 is three hours earlier in UTC.
    assert await found(created_from="2025-03-10T00:00:00Z", created_to="2025-03-12T00:00:00Z") == [
        ids[1],
        ids[0],
    ]
    assert await found(created_from="2025-03-11T03:00:00+03:00") == [ids[3], ids[2], ids[1]]
    assert await found(created_to="2025-03-11T00:00:00.000001Z", sort="created_at") == ids[:2]
    assert await found(scheduled_from="2025-03-12T02:00:00Z", scheduled_to="2025-03-13T02:00:00Z",
                       sort="scheduled_at", status="new") == [ids[2]]  # fmt: skip
    # A '+' sent unencoded arrives as a space: read as '+'.
    raw = await api.get("/tickets?created_from=2025-03-11T03:00:00+03:00", token=token)
    assert [t["id"] for t in raw.body["items"]] == [ids[3], ids[2], ids[1]]
    counts = await api.get(
        "/tickets/counts", token=token, params={"created_to": "2025-03-12T00:00:00Z"}
    )
    assert counts.body["total"] == 2


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"created_from": "2025-03-10T00:00:00"}, "created_from", "must be an RFC 3339"),
        ({"created_to": "2025-03-10"}, "created_to", "must be an RFC 3339"),
        ({"scheduled_from": "yesterday"}, "scheduled_from", "must be an RFC 3339"),
        ({"scheduled_to": "2025-13-10T00:00:00Z"}, "scheduled_to", "must be an RFC 3339"),
        (
            {"created_from": "2025-03-11T00:00:00Z", "created_to": "2025-03-10T00:00:00Z"},
            "created_from",
            "must not be after created_to",
        ),
        (
            {"scheduled_from": "2025-03-11T00:00:00Z", "scheduled_to": "2025-03-11T02:59:59+03:00"},
            "scheduled_from",
            "must not be after scheduled_to",
        ),
    ],
)
async def test_a_time_without_offset_or_from_after_to_is_422(
    api: Api, params: dict[str, str], field: str, message: str
) -> None:
    _, token = await admin_token(api)
    for path in ("/tickets", "/tickets/counts"):
        errors = problem(await api.get(path, token=token, params=params), 422)["errors"]
        assert [e["field"] for e in errors] == [field]
        assert errors[0]["message"].startswith(message)


async def test_a_tickets_history_has_page_numbers_and_a_total(api: Api) -> None:
    _, token = await admin_token(api)
    client = await new_client(api)
    created = await api.post("/tickets", {"title": "стиралка", "client_id": client}, token=token)
    ticket = created.body["id"]
    for title in ("раз", "два", "три"):
        assert (await api.patch(f"/tickets/{ticket}", {"title": title}, token=token)).status == 200
    page = await api.get(f"/tickets/{ticket}/events?page=2&page_size=3", token=token)
    assert [e["kind"] for e in page.body["items"]] == ["edited"]
    assert (page.body["total"], page.body["total_exact"], page.body["next_cursor"]) == (
        4,
        True,
        None,
    )
    walked = await _walk(api, token, f"/tickets/{ticket}/events", page_size="3")
    assert [e["kind"] for e in walked] == ["created", "edited", "edited", "edited"]


async def test_concurrent_readers_see_consistent_pages(api: Api) -> None:
    _, token = await admin_token(api)
    await _tickets(api, 6)
    replies = await asyncio.gather(
        *(api.get(f"/tickets?page={n}&page_size=2", token=token) for n in (1, 2, 3))
    )
    assert [len(r.body["items"]) for r in replies] == [2, 2, 2]
    assert [r.body["total"] for r in replies] == [6, 6, 6]

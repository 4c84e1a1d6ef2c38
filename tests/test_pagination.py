"""Keyset pagination: each row once, filters kept, foreign cursors and bad sizes refused."""

from __future__ import annotations

from typing import Any

import pytest
from yarl import URL

from crm import orders
from crm.app_keys import POOL, QUERIES
from tests.api import Api, problem
from tests.demo_queries import ADMIN, never_runs
from tests.factories import admin_token, check, make_client, make_user


async def _walk(api: Api, token: str, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, following next_cursor with the same filters."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await api.get(
            path, token=token, params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status == 200, page.body
        items += page.body["items"]
        cursor = page.body["next_cursor"]
        if cursor is None:
            return items


async def test_walk_in_pages_of_7_sees_every_row_once_while_rows_are_added(api: Api) -> None:
    _, token = await admin_token(api)
    await check(api, "insert_workers", n=260)
    expected = [row["id"] for row in await check(api, "user_ids_newest_first")]
    seen: list[int] = []
    cursor = None
    for number in range(100):
        params = {"page_size": "7", **({"cursor": cursor} if cursor else {})}
        page = await api.get("/users", token=token, params=params)
        assert len(page.body["items"]) == 7 or page.body["next_cursor"] is None
        seen += [user["id"] for user in page.body["items"]]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
        await make_user(api, f"added{number}@example.com")  # newer than the walk: never seen
    assert len(expected) == 261
    assert seen == expected


async def test_link_header_repeats_the_filters_with_the_next_cursor(api: Api) -> None:
    _, token = await admin_token(api)
    await check(api, "insert_workers", n=5)
    params = {"role": "worker", "q": "BULK", "page_size": "2"}
    page = await api.get("/users", token=token, params=params)
    emails = []
    while "Link" in page.headers:
        link = page.headers["Link"]
        assert link.startswith("<http://") and link.endswith('>; rel="next"')
        url = URL(link[1:].partition(">")[0])
        assert dict(url.query) == {**params, "cursor": page.body["next_cursor"]}
        emails += [user["email"] for user in page.body["items"]]
        page = await api.get(url.path_qs, token=token)
    emails += [user["email"] for user in page.body["items"]]
    assert page.body["next_cursor"] is None
    assert sorted(emails) == [f"bulk{n}@example.com" for n in range(1, 6)]


@pytest.mark.parametrize(
    ("host", "path", "params"),
    [
        # The usual links and a search for a word, written without yarl.
        ("127.0.0.1:8080", "/users", {"page_size": "1"}),
        ("crm.example.com", "/users", {"page_size": "1", "role": "worker", "page": "1"}),
        # What yarl writes otherwise: the host and port normalised, values quoted or not.
        ("CRM.Example.com:80", "/users", {"page_size": "1"}),
        ("[::1]:8080", "/users", {"page_size": "1"}),
        ("crm.example.com", "/users", {"page_size": "1", "q": "@example.com"}),
        ("crm.example.com", "/users", {"page_size": "1", "q": "example.com"}),
        ("crm.example.com", "/clients", {"page_size": "1", "q": "Іван Петр"}),
        ("crm.example.com", "/clients", {"page_size": "1", "q": "Петренко"}),
    ],
)
async def test_link_header_is_the_request_url_with_the_next_cursor(
    api: Api, host: str, path: str, params: dict[str, str]
) -> None:
    _, token = await admin_token(api)
    await check(api, "insert_workers", n=3)
    for number in range(3):
        await make_client(api, name=f"Іван Петренко {number}")
    page = await api.get(path, token=token, params=params, headers={"Host": host})
    assert page.status == 200, page.body
    cursor = page.body["next_cursor"]
    assert cursor is not None
    wanted = {k: v for k, v in params.items() if k != "page"} | {"cursor": cursor}
    url = URL.build(scheme="http", authority=host, path=path).with_query(wanted)
    assert page.headers["Link"] == f'<{url}>; rel="next"'


async def test_filters_hold_across_pages(api: Api) -> None:
    _, token = await admin_token(api)
    await check(api, "insert_workers", n=30)
    users = await _walk(api, token, "/users", q="bulk1", role="worker", page_size="4")
    assert sorted(u["email"] for u in users) == sorted(
        f"bulk{n}@example.com" for n in [1, *range(10, 20)]
    )
    for n in range(12):
        await make_client(api, name=f"Client {n}", phone=f"+38067000{n:04}")
    clients = await _walk(api, token, "/clients", q="067 000", page_size="5")
    assert [c["name"] for c in clients] == [f"Client {n}" for n in reversed(range(12))]


async def _cursor(api: Api, token: str, path: str, **params: str) -> str:
    page = await api.get(path, token=token, params={"page_size": "1", **params})
    cursor: str = page.body["next_cursor"]
    assert cursor
    return cursor


async def test_garbled_tampered_or_foreign_cursors_are_400(api: Api) -> None:
    _, token = await admin_token(api)
    await make_user(api, "w1@example.com")
    await make_user(api, "w2@example.com")
    await make_client(api, name="A")
    await make_client(api, name="B")
    users = await _cursor(api, token, "/users")
    workers = await _cursor(api, token, "/users", role="worker")
    tampered = users[:10] + ("A" if users[10] != "A" else "B") + users[11:]
    invalid = "The cursor is invalid; pass back next_cursor exactly as received."
    foreign = "The cursor belongs to another list, order or other filters."
    cases = [
        ("/users", {"cursor": "not-a-cursor"}, invalid),
        ("/users", {"cursor": "é"}, invalid),
        ("/users", {"cursor": tampered}, invalid),
        ("/users", {"cursor": await _cursor(api, token, "/clients")}, foreign),
        ("/clients", {"cursor": users}, foreign),
        ("/users", {"cursor": workers}, foreign),
        ("/users", {"cursor": workers, "role": "admin"}, foreign),
        ("/users", {"cursor": workers, "role": "worker", "q": "w"}, foreign),
    ]
    for path, params, detail in cases:
        reply = await api.get(path, token=token, params=params)
        assert problem(reply, 400)["detail"] == detail, (path, params)
    ok = await api.get("/users", token=token, params={"cursor": workers, "role": "worker"})
    assert [u["email"] for u in ok.body["items"]] == ["w1@example.com"]


@pytest.mark.parametrize("path", ["/users", "/clients"])
@pytest.mark.parametrize("size", ["0", "101", "abc", "-1", " "])
async def test_page_size_outside_1_to_100_is_422(api: Api, path: str, size: str) -> None:
    _, token = await admin_token(api)
    reply = await api.get(path, token=token, params={"page_size": size})
    assert problem(reply, 422)["errors"] == [
        {"field": "page_size", "message": "must be a whole number from 1 to 100"}
    ]


async def test_unknown_or_repeated_query_parameters_are_400_naming_them(api: Api) -> None:
    _, token = await admin_token(api)
    page = await api.get("/users", token=token, params={"pages": "2"})
    assert problem(page, 400)["detail"] == (
        "Unknown query parameter 'pages'; this list takes: cursor, page, page_size, q, role, sort."
    )
    role = await api.get("/clients", token=token, params={"role": ""})
    assert problem(role, 400)["detail"] == (
        "Unknown query parameter 'role'; this list takes: cursor, page, page_size, q, sort."
    )
    twice = await api.get("/users", token=token, params=[("role", "admin"), ("role", "worker")])
    assert problem(twice, 400)["detail"] == "Query parameter 'role' may be given only once."


def _nodes(plan: dict[str, Any]) -> list[str]:
    """Each plan node that can run as 'Node Type' or 'Node Type on index'."""
    if never_runs(plan):
        return []
    index = plan.get("Index Name")
    found = [plan["Node Type"] + (f" on {index}" if index else "")]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


async def _plan(api: Api, name: str, **params: Any) -> list[str]:
    query = api.app[QUERIES][name]
    async with api.app[POOL].acquire() as conn:
        statement = await conn.prepare(query.sql)
        plan = await statement.explain(*[params[p] for p in query.params])
    return _nodes(plan[0]["Plan"])


async def test_lists_and_searches_are_served_by_their_indexes(api: Api) -> None:
    await check(api, "insert_workers", n=3000)
    await check(api, "insert_clients", n=3000)
    await check(api, "analyze")
    newest = orders.USERS[0]
    after = {**newest.params(newest.start), "limit": 8, "offset": 0, **ADMIN}
    client_after = {**orders.CLIENTS[0].params(newest.start), "limit": 8, "offset": 0, **ADMIN}
    # No Sort node: a page costs the same however deep the cursor points.
    for name, params, index in [
        ("list_users", {"role": None, "pattern": None, **after}, "users_listing_idx"),
        ("list_clients", {"pattern": None, **client_after}, "clients_listing_idx"),
    ]:
        nodes = await _plan(api, name, **params)
        assert f"Index Scan on {index}" in nodes, nodes
        assert "Sort" not in nodes, nodes
    by_email = {**after, **orders.USERS[1].params(orders.USERS[1].start)}
    nodes = await _plan(api, "list_users", role=None, pattern=None, **by_email)
    assert "Index Scan on users_email_order_idx" in nodes, nodes
    by_name = {**client_after, **orders.CLIENTS[1].params(orders.CLIENTS[1].start)}
    nodes = await _plan(api, "list_clients", pattern=None, **by_name)
    assert "Index Scan on clients_name_idx" in nodes, nodes
    assert "Bitmap Index Scan on users_email_trgm_idx" in await _plan(
        api, "list_users", role="worker", pattern="%bulk1234@%", **after
    )
    assert "Bitmap Index Scan on clients_search_trgm_idx" in await _plan(
        api, "list_clients", pattern="%0001234%", **client_after
    )

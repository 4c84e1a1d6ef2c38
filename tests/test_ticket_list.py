"""Listing and searching tickets: filters, word forms, prefixes, and each worker's own view."""

from __future__ import annotations

import pytest

from crm.app_keys import LIST_QUERIES
from crm.handlers import tickets as ticket_handlers
from tests.api import Api
from tests.factories import make_ticket, new_client, user_and_token


async def _titles(api: Api, token: str, **params: object) -> list[str]:
    reply = await api.get("/tickets", token=token, params=params)
    assert reply.status == 200, reply.body
    return [item["title"] for item in reply.body["items"]]


@pytest.fixture(name="catalogue")
async def _catalogue(api: Api) -> dict[str, int]:
    client = await new_client(api)
    titles = [
        "Не включается стиралка",
        "Стиральная машина шумит",
        "Fridge is leaking",
        "Two fridges broken",
        "Replace washing machine pump",
        "Телевизор: нет звука!",
    ]
    return {title: await make_ticket(api, client, title=title) for title in titles}


async def test_admin_lists_all_tickets_newest_first_with_names(api: Api, admin_token: str) -> None:
    worker, _ = await user_and_token(api, "w@example.com")
    client = await new_client(api, name="Пётр")
    first = await make_ticket(api, title="Первая", client_id=client)
    second = await make_ticket(
        api, title="Вторая", client_id=client, assignee_id=worker["id"], status="in_progress"
    )
    reply = await api.get("/tickets", token=admin_token)
    assert reply.status == 200
    items = reply.body["items"]
    assert [item["id"] for item in items] == [second, first]
    assert {
        k: items[0][k] for k in ("client_id", "client_name", "assignee_id", "assignee_email")
    } == {
        "client_id": client,
        "client_name": "Пётр",
        "assignee_id": worker["id"],
        "assignee_email": "w@example.com",
    }
    assert (items[1]["assignee_id"], items[1]["assignee_email"]) == (None, None)
    assert reply.body["next_cursor"] is None and "Link" not in reply.headers


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("стиралка", ["Не включается стиралка"]),
        ("стиралку", ["Не включается стиралка"]),
        ("СТИР", ["Стиральная машина шумит", "Не включается стиралка"]),
        ("fridges", ["Two fridges broken", "Fridge is leaking"]),
        ("fridge", ["Two fridges broken", "Fridge is leaking"]),
        ("washing machin", ["Replace washing machine pump"]),
        ("fridge broken", ["Two fridges broken"]),
        ("телевизор звук", ["Телевизор: нет звука!"]),
        ("nothing-like-this", []),
    ],
)
async def test_search_matches_word_forms_and_prefixes(
    api: Api, admin_token: str, catalogue: dict[str, int], q: str, expected: list[str]
) -> None:
    assert await _titles(api, admin_token, q=q) == expected


ALL_TITLES = [
    "Телевизор: нет звука!",
    "Replace washing machine pump",
    "Two fridges broken",
    "Fridge is leaking",
    "Стиральная машина шумит",
    "Не включается стиралка",
]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # Nothing searchable: no title filter at all.
        ("'", ALL_TITLES),
        ("(((", ALL_TITLES),
        ("\\", ALL_TITLES),
        ("!!!", ALL_TITLES),
        ("<->", ALL_TITLES),
        # Operators and quotes are inert: only the words between them count.
        ('"fridge"', ["Two fridges broken", "Fridge is leaking"]),
        ("a & b | !c", []),
        ("fridge:*", ["Two fridges broken", "Fridge is leaking"]),
        ("стир' OR 1=1 --", []),
        ("two | fridge", ["Two fridges broken"]),
    ],
)
async def test_punctuation_and_quotes_in_search_are_inert(
    api: Api, admin_token: str, catalogue: dict[str, int], q: str, expected: list[str]
) -> None:
    assert await _titles(api, admin_token, q=q) == expected


async def test_search_uses_at_most_eight_words(
    api: Api, admin_token: str, catalogue: dict[str, int]
) -> None:
    """Words past the eighth are ignored, which bounds the cost of one search."""
    eight = "two fridges broken two fridges broken two fridges"
    assert await _titles(api, admin_token, q=eight) == ["Two fridges broken"]
    assert await _titles(api, admin_token, q=f"{eight} nowhere") == ["Two fridges broken"]


async def test_status_repeats_and_combines_with_search(api: Api, admin_token: str) -> None:
    client = await new_client(api)
    await make_ticket(api, title="стиралка новая", client_id=client, status="new")
    await make_ticket(api, title="стиралка готова", client_id=client, status="done")
    await make_ticket(api, title="стиралка в работе", client_id=client, status="in_progress")
    await make_ticket(api, title="холодильник", client_id=client, status="done")
    example = "/tickets?q=стиралка&status=new&status=done&page_size=20"
    reply = await api.get(example, token=admin_token)
    assert [t["title"] for t in reply.body["items"]] == ["стиралка готова", "стиралка новая"]


async def test_admin_filters_by_assignee_client_and_unassigned(api: Api, admin_token: str) -> None:
    worker, _ = await user_and_token(api, "w@example.com")
    one, two = await new_client(api, "A", "+111111"), await new_client(api, "B", "+222222")
    await make_ticket(api, title="a-assigned", client_id=one, assignee_id=worker["id"])
    await make_ticket(api, title="a-free", client_id=one)
    await make_ticket(api, title="b-free", client_id=two)
    assert await _titles(api, admin_token, assignee_id=worker["id"]) == ["a-assigned"]
    assert await _titles(api, admin_token, client_id=one) == ["a-free", "a-assigned"]
    assert await _titles(api, admin_token, unassigned="true") == ["b-free", "a-free"]
    assert await _titles(api, admin_token, unassigned="true", client_id=one) == ["a-free"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"assignee_id": "me"}, "assignee_id"),
        ({"client_id": "-1"}, "client_id"),
        ({"unassigned": "yes"}, "unassigned"),
        ({"q": "x" * 201}, "q"),
        ({"page_size": "0"}, "page_size"),
    ],
)
async def test_bad_filter_values_are_422_naming_them(
    api: Api, admin_token: str, params: dict[str, str], field: str
) -> None:
    reply = await api.get("/tickets", token=admin_token, params=params)
    assert reply.status == 422
    assert [e["field"] for e in reply.body["errors"]] == [field]


async def test_worker_sees_only_own_tickets_whatever_the_filters(
    api: Api, admin_token: str
) -> None:
    me, token = await user_and_token(api, "me@example.com")
    other, others_token = await user_and_token(api, "other@example.com")
    client = await new_client(api)
    mine = await make_ticket(api, title="моя стиралка", client_id=client, assignee_id=me["id"])
    await make_ticket(api, title="чужая стиралка", client_id=client, assignee_id=other["id"])
    await make_ticket(api, title="ничья стиралка", client_id=client)
    # A list asked with no parameter is worked out once for each kind of caller: never shared.
    assert await _titles(api, token) == ["моя стиралка"]
    assert await _titles(api, others_token) == ["чужая стиралка"]
    assert await _titles(api, admin_token) == ["ничья стиралка", "чужая стиралка", "моя стиралка"]
    assert await _titles(api, token) == ["моя стиралка"]
    assert await _titles(api, token, assignee_id=other["id"]) == ["моя стиралка"]
    assert await _titles(api, token, q="стиралка") == ["моя стиралка"]
    assert len(await _titles(api, admin_token, q="стиралка")) == 3
    assert await _titles(api, token, unassigned="true") == []
    assert await _titles(api, token, client_id=client) == ["моя стиралка"]
    assert (await api.get(f"/tickets/{mine}", token=token)).status == 200


async def test_list_without_token_is_401(api: Api) -> None:
    assert (await api.get("/tickets")).status == 401


async def test_pages_of_tickets_walk_every_ticket_once(api: Api, admin_token: str) -> None:
    client = await new_client(api)
    ids = [await make_ticket(api, title=f"ticket {n}", client_id=client) for n in range(23)]
    seen: list[int] = []
    path = "/tickets?page_size=5"
    while path:
        reply = await api.get(path, token=admin_token)
        assert reply.status == 200, (path, reply.body)
        seen += [item["id"] for item in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor:
            assert (
                reply.headers["Link"].endswith('; rel="next"') and cursor in reply.headers["Link"]
            )
        path = f"/tickets?page_size=5&cursor={cursor}" if cursor else ""
    assert seen == sorted(ids, reverse=True)


async def test_cursor_from_another_filter_is_400(api: Api, admin_token: str) -> None:
    client = await new_client(api)
    for n in range(3):
        await make_ticket(api, title=f"t{n}", client_id=client)
    cursor = (await api.get("/tickets?page_size=1", token=admin_token)).body["next_cursor"]
    reply = await api.get(f"/tickets?page_size=1&status=new&cursor={cursor}", token=admin_token)
    assert reply.status == 400
    assert reply.body["detail"] == "The cursor belongs to another list, order or other filters."


async def test_nul_in_a_query_parameter_is_400(api: Api, admin_token: str) -> None:
    for path in ("/tickets", "/users", "/clients"):
        reply = await api.get(path, token=admin_token, params={"q": "a\x00b"})
        assert reply.status == 400
        assert reply.body["detail"] == "Query parameter 'q' contains a NUL character."


async def test_list_items_are_exactly_what_get_ticket_returns(api: Api, admin_token: str) -> None:
    """Lists encode rows directly (no Ticket objects); this pins them to the single-ticket shape."""
    worker, _ = await user_and_token(api, "w@example.com")
    client = await new_client(api, name="Пётр")
    await make_ticket(api, client, title="без мастера")
    await make_ticket(api, client, worker["id"], "in_progress", title="с мастером")
    listed = (await api.get("/tickets", token=admin_token)).body["items"]
    for item in listed:
        single = await api.get(f"/tickets/{item['id']}", token=admin_token)
        assert list(item.items()) == list(single.body.items())


async def test_a_list_query_worked_out_once_is_forgotten_in_bulk(
    api: Api, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queries a process keeps worked out are bounded: past the bound they are all let go,
    and every answer stays its own."""
    monkeypatch.setattr(ticket_handlers, "MAX_ASKED", 2)
    client = await new_client(api)
    for status in ("new", "in_progress", "done"):
        await make_ticket(api, title=f"a {status} one", client_id=client, status=status)
    for _ in range(2):
        for status in ("new", "in_progress", "done"):
            assert await _titles(api, admin_token, status=status) == [f"a {status} one"]
            assert len(api.app[LIST_QUERIES]) <= 2


async def test_a_list_opened_without_parameters_continues_by_its_cursor(
    api: Api, admin_token: str
) -> None:
    """The first page of a list asked with no parameter (worked out once and kept) hands over
    to its next page by cursor, for an admin's whole list and a worker's own."""
    worker, token = await user_and_token(api, "walker@example.com")
    client = await new_client(api)
    ids = [
        await make_ticket(api, title=f"t{n}", client_id=client, assignee_id=worker["id"])
        for n in range(23)
    ]
    for caller in (admin_token, token, admin_token):
        first = await api.get("/tickets", token=caller)
        assert first.status == 200 and len(first.body["items"]) == 20
        cursor = first.body["next_cursor"]
        rest = await api.get("/tickets", token=caller, params={"cursor": cursor})
        assert rest.status == 200, rest.body
        seen = [item["id"] for item in first.body["items"] + rest.body["items"]]
        assert seen == sorted(ids, reverse=True)


async def test_a_kept_list_query_answers_as_its_checks_did(api: Api, admin_token: str) -> None:
    """A list query is checked once and kept by its query string as sent: asked again, a refused
    one is refused again, and a searched `&` or `=` stays part of the words (not a filter)."""
    client = await new_client(api)
    await make_ticket(api, client, title="Fridge and oven", status="done")
    await make_ticket(api, client, title="Fridge", status="new")
    for _ in range(2):
        refused = await api.get("/tickets?colour=red", token=admin_token)
        assert refused.status == 400, refused.body
        assert refused.body["detail"].startswith("Unknown query parameter 'colour'")
        assert all("colour" not in key[0] for key in api.app[LIST_QUERIES])
        escaped = await api.get("/tickets?q=fridge%26status%3Dnew", token=admin_token)
        assert escaped.status == 200, escaped.body
        assert [item["title"] for item in escaped.body["items"]] == []
        filtered = await api.get("/tickets?q=fridge&status=new", token=admin_token)
        assert [item["title"] for item in filtered.body["items"]] == ["Fridge"]
        searched = await api.get("/tickets?q=fridge", token=admin_token)
        assert [item["title"] for item in searched.body["items"]] == ["Fridge", "Fridge and oven"]

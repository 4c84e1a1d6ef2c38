"""GET /tickets' commonest shapes (newest first; no filter but one status, the assignee and title
words) run newest_tickets and newest_search on kept plans: they must answer exactly as
list_tickets, which runs every other list. Rows are compared as the API writes them: the kept
statements give times as that text (api_time), list_tickets as datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson

from crm.app_keys import POOL, QUERIES
from crm.convert import json_dumps
from crm.orders import TICKETS
from crm.pagination import micros
from tests.api import Api
from tests.demo_queries import FILTERS
from tests.factories import admin_token, check, make_ticket, new_client, user_and_token

NEWEST = TICKETS[0]


def _written(rows: list[Any]) -> list[Any]:
    """Rows as the API's JSON writes them, read back: a datetime and its api_time text alike."""
    return [orjson.loads(json_dumps(dict(row))) for row in rows]


async def _both(api: Api, caller: dict[str, Any], **page: Any) -> tuple[list[Any], list[Any]]:
    """(list_tickets, list_newest_tickets or, given `search`, list_newest_search) for the same
    page, as lists of dicts as written (_written); a search is given `matches` and `tuples` as
    the service passes them back (none: estimated now)."""
    queries, pool = api.app[QUERIES], api.app[POOL]
    assignee, status = page.pop("assignee_id", None), page.pop("status", None)
    search = page.pop("search", None)
    estimate = {"matches": page.pop("matches", None), "tuples": page.pop("tuples", None)}
    paging = {**NEWEST.params(page.pop("after", NEWEST.start)), **page}
    filters = {
        **FILTERS,
        "assignee_id": assignee,
        "statuses": [status] if status else None,
        "search": search,
    }
    general = await queries.list_tickets(pool, **filters, **paging, **caller)
    del paging["sort"]
    if search is None:
        kept = await queries.list_newest_tickets(
            pool, status=status, assignee_id=assignee, **paging, **caller
        )
    else:
        kept = await queries.list_newest_search(
            pool,
            search=search,
            status=status,
            assignee_id=assignee,
            **estimate,
            **paging,
            **caller,
        )
        kept = [{k: v for k, v in r.items() if k not in ("matches", "tuples")} for r in kept]
    return _written(general), _written(kept)


async def _created_in_steps(api: Api, tickets: list[int], start: datetime, each: int) -> None:
    """Give `tickets` creation times a minute apart, `each` to a minute: ties the id must break."""
    for n, ticket in enumerate(tickets):
        when = start + timedelta(minutes=n // each)
        await check(
            api, "set_ticket_times", id=ticket, created_at=when, updated_at=when, scheduled_at=None
        )


async def _tickets(
    api: Api,
    owners: list[int | None],
    statuses: list[str],
    count: int,
    start: datetime,
    each: int,
) -> list[int]:
    """`count` tickets of one client, assigned and in statuses in turn from these lists, created
    from `start` a minute apart, `each` to a minute."""
    client = await new_client(api)
    tickets = [
        await make_ticket(api, client, owners[n % len(owners)], statuses[n % len(statuses)])
        for n in range(count)
    ]
    await _created_in_steps(api, tickets, start, each)
    return tickets


async def _as_remembered(api: Api, user: dict[str, Any]) -> dict[str, Any]:
    """The caller_* parameters for `user` as the service remembers them (checked in the query)."""
    version = (await check(api, "user_state", id=user["id"]))["token_version"]
    return {
        "caller_id": user["id"],
        "caller_version": version,
        "caller_role": user["role"],
        "caller_confirmed": False,
    }


async def test_newest_tickets_answer_as_list_tickets(api: Api) -> None:
    admin, _ = await admin_token(api)
    first, _ = await user_and_token(api, "first@example.com")
    second, _ = await user_and_token(api, "second@example.com")
    statuses = ["new", "in_progress", "done", "canceled", "new"]
    # Ties on created_at in threes: the order must fall back to the id in both.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    tickets = await _tickets(api, [first["id"], second["id"], None], statuses, 30, start, 3)
    caller = await _as_remembered(api, admin)
    middle = (micros(start + timedelta(minutes=4)), tickets[13])
    pages: list[dict[str, Any]] = [
        {"limit": 11, "offset": 0},
        {"limit": 11, "offset": 10},
        {"limit": 6, "offset": 0, "after": middle},
        {"limit": 21, "offset": 0, "assignee_id": first["id"]},
        {"limit": 4, "offset": 2, "assignee_id": second["id"], "after": middle},
        {"limit": 5, "offset": 0, "status": "new"},
        {"limit": 3, "offset": 1, "status": "canceled", "after": middle},
        {"limit": 11, "offset": 0, "status": "new", "assignee_id": first["id"]},
        # Past the last row: one row of nulls that still carries the total.
        {"limit": 11, "offset": 40},
        {"limit": 11, "offset": 0, "after": (micros(start), tickets[0])},
    ]
    for page in pages:
        general, kept = await _both(api, caller, **page)
        assert kept == general, page
    assert [row["id"] for row in (await _both(api, caller, limit=31, offset=0))[1]] == sorted(
        tickets, key=lambda t: (tickets.index(t) // 3, t), reverse=True
    )
    empty = (await _both(api, caller, limit=11, offset=40))[1]
    assert [(r["id"], r["total"], r["caller_passed"]) for r in empty] == [(None, 30, True)]
    # A stale token version: one row saying the caller did not pass, in both.
    stale = {**caller, "caller_version": caller["caller_version"] + 1}
    general, kept = await _both(api, stale, limit=11, offset=0)
    assert kept == general
    assert [(r["id"], r["caller_passed"]) for r in kept] == [(None, False)]


async def _assigned(api: Api, caller: dict[str, Any], **page: Any) -> list[Any]:
    """list_newest_assigned's rows for the page (an assignee's, by cursor), as dicts as written."""
    paging = {**NEWEST.params(page.pop("after", NEWEST.start)), "status": None, **page}
    del paging["sort"]
    rows = await api.app[QUERIES].list_newest_assigned(api.app[POOL], **paging, **caller)
    return _written(rows)


async def test_an_assignees_list_answers_as_list_tickets(api: Api) -> None:
    """A worker's own list, first page or a cursor's, one status or all, runs its own statement:
    rows, totals, the empty page's row and a refused caller's row as the general statement's."""
    worker, _ = await user_and_token(api, "assigned@example.com")
    other, _ = await user_and_token(api, "other@example.com")
    idle, _ = await user_and_token(api, "idle@example.com")
    statuses = ["new", "in_progress", "done", "canceled"]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    tickets = await _tickets(api, [worker["id"], other["id"], worker["id"]], statuses, 27, start, 2)
    caller = await _as_remembered(api, worker)
    middle = (micros(start + timedelta(minutes=6)), tickets[12])
    pages: list[dict[str, Any]] = [
        {"assignee_id": worker["id"], "limit": 21},
        {"assignee_id": worker["id"], "limit": 5},
        {"assignee_id": worker["id"], "limit": 4, "after": middle},
        {"assignee_id": worker["id"], "limit": 21, "status": "new"},
        {"assignee_id": worker["id"], "limit": 3, "status": "done", "after": middle},
        # No ticket of theirs, none past the first: one row of nulls carrying the total.
        {"assignee_id": idle["id"], "limit": 21},
        {"assignee_id": worker["id"], "limit": 21, "after": (micros(start), tickets[0])},
    ]
    for page in pages:
        general, kept = await _both(api, caller, offset=0, **page)
        assert await _assigned(api, caller, **page) == general == kept, page
    mine = await _assigned(api, caller, assignee_id=worker["id"], limit=21)
    assert [row["id"] for row in mine] == sorted(
        (t for n, t in enumerate(tickets) if n % 3 != 1),
        key=lambda t: (tickets.index(t) // 2, t),
        reverse=True,
    )
    assert {(row["total"], row["assignee_email"]) for row in mine} == {(18, "assigned@example.com")}
    empty = await _assigned(api, caller, assignee_id=idle["id"], limit=21)
    assert [(r["id"], r["total"], r["caller_passed"], r["assignee_email"]) for r in empty] == [
        (None, 0, True, None)
    ]
    # A stale token version: one row saying the caller did not pass, and nothing of theirs.
    stale = {**caller, "caller_version": caller["caller_version"] + 1}
    refused = await _assigned(api, stale, assignee_id=worker["id"], limit=21)
    general, _ = await _both(api, stale, assignee_id=worker["id"], limit=21, offset=0)
    assert refused == general
    assert [(r["id"], r["total"], r["caller_passed"]) for r in refused] == [(None, None, False)]


async def test_newest_search_answers_as_list_tickets(api: Api) -> None:
    admin, _ = await admin_token(api)
    worker, _ = await user_and_token(api, "searcher@example.com")
    client = await new_client(api)
    titles = ["Стиральная машина течёт", "Не греет чайник", "Стиралка шумит", "Чайник и машина"]
    statuses = ["new", "in_progress", "done"]
    tickets = [
        await make_ticket(api, client, worker["id"] if n % 2 else None, statuses[n % 3], title)
        for n, title in enumerate(titles * 6)
    ]
    start = datetime(2026, 2, 1, tzinfo=UTC)
    await _created_in_steps(api, tickets, start, 2)
    caller = await _as_remembered(api, admin)
    middle = (micros(start + timedelta(minutes=5)), tickets[11])
    pages: list[dict[str, Any]] = [
        {"limit": 5, "offset": 0, "search": "машин:*"},
        {"limit": 5, "offset": 4, "search": "машин:*"},
        {"limit": 4, "offset": 0, "search": "стир:*", "after": middle},
        {"limit": 21, "offset": 0, "search": "чайник:* & машин:*"},
        {"limit": 21, "offset": 0, "search": "чайник:*", "status": "done"},
        {"limit": 3, "offset": 1, "search": "стир:*", "assignee_id": worker["id"]},
        {
            "limit": 21,
            "offset": 0,
            "search": "машин:*",
            "status": "new",
            "assignee_id": worker["id"],
        },
        # No match, and a page past the last match: one row of nulls carrying the total.
        {"limit": 11, "offset": 0, "search": "холодильник:*"},
        {"limit": 11, "offset": 30, "search": "чайник:*"},
    ]
    # Unanalysed, the table's size is unknown and every search walks newest first; analysed,
    # the words with few matches for their page read the title index instead (migration 0024).
    for analysed in (False, True):
        if analysed:
            await check(api, "analyze_tickets")
        for page in pages:
            general, kept = await _both(api, caller, **page)
            assert kept == general, (analysed, page)
    found = (await _both(api, caller, limit=21, offset=0, search="чайник:*"))[1]
    assert [row["id"] for row in found] == sorted(
        (t for n, t in enumerate(tickets) if n % 4 in (1, 3)), reverse=True
    )
    assert {row["total"] for row in found} == {12}
    stale = {**caller, "caller_version": caller["caller_version"] + 1}
    general, kept = await _both(api, stale, limit=11, offset=0, search="машин:*")
    assert kept == general
    assert [(r["id"], r["caller_passed"]) for r in kept] == [(None, False)]


async def test_a_search_told_of_few_matches_that_finds_more_than_it_counts_pages_them_all(
    api: Api,
) -> None:
    """Few matches are counted and paged in one read of them; when that read reaches the
    count's cap (more than 10,000), the page is read again from all of them (migration 0025), so
    an estimate far too low still gives the newest."""
    admin, _ = await admin_token(api)
    await check(api, "bulk_tickets", tickets=10_050)
    await check(api, "analyze_tickets")
    caller = await _as_remembered(api, admin)
    estimated = (await _both(api, caller, limit=21, offset=0, search="стир:*"))[1]
    assert {row["total"] for row in estimated} == {10_001}
    tuples = await check(api, "tickets_row_estimate")
    for page in ({"limit": 21, "offset": 0}, {"limit": 6, "offset": 40}):
        general, kept = await _both(
            api, caller, search="стир:*", matches=1.0, tuples=tuples, **page
        )
        assert kept == general, page
        assert {row["total"] for row in kept} == {10_001}
    newest = await check(api, "newest_ticket_ids", limit=21)
    assert [row["id"] for row in estimated] == [row["id"] for row in newest]


async def test_a_search_takes_back_its_estimate_while_the_table_row_count_holds(api: Api) -> None:
    """newest_search answers the estimate it decided by and the table's row count then; given
    both back it decides by them (no planning), given an older row count it estimates anew."""
    admin, _ = await admin_token(api)
    client = await new_client(api)
    for n in range(3):
        await make_ticket(api, client, None, "new", f"Стиралка {n}")
    await check(api, "analyze_tickets")
    caller = await _as_remembered(api, admin)
    queries, pool = api.app[QUERIES], api.app[POOL]
    page = {**NEWEST.params(NEWEST.start), "limit": 21, "offset": 0}
    del page["sort"]
    search = {"search": "стир:*", "status": None, "assignee_id": None, **page, **caller}
    fresh = await queries.list_newest_search(pool, **search, matches=None, tuples=None)
    assert [(r["total"], r["tuples"]) for r in fresh] == [(3, 3.0)] * 3
    assert 0 < fresh[0]["matches"] < 30_000
    # The same row count: a kept estimate of "far more than 10,000" is taken as it is.
    kept = await queries.list_newest_search(pool, **search, matches=50_000.0, tuples=3.0)
    assert {(r["matches"], r["total"]) for r in kept} == {(50_000.0, 10_001)}
    assert [r["id"] for r in kept] == [r["id"] for r in fresh]
    # Statistics gathered since (another row count): estimated again, and counted.
    stale = await queries.list_newest_search(pool, **search, matches=50_000.0, tuples=2.0)
    assert [(r["matches"], r["total"]) for r in stale] == [(fresh[0]["matches"], 3)] * 3


async def test_api_time_writes_times_as_the_json_encoder_does(api: Api) -> None:
    """The kept lists' times are made by api_time (migration 0030): the same text as json_dumps
    writes for the datetime, whatever the session's time zone; null stays null."""
    moments = [
        datetime(2026, 12, 7, 22, 44, 53, 526338, tzinfo=UTC),
        datetime(2026, 12, 7, 22, 44, 53, tzinfo=UTC),  # whole seconds: no fraction
        datetime(2026, 12, 7, 22, 44, 53, 500000, tzinfo=UTC),  # trailing zeros kept
        datetime(2026, 12, 7, 22, 44, 53, 1, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1999, 1, 1, tzinfo=UTC),
        # The first and last the API takes (asyncpg stores the very first and last as infinity).
        datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999998, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 30, 15, 250, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ]
    async with api.app[POOL].acquire() as conn, conn.transaction():
        for zone in ("UTC", "Asia/Kolkata", "America/St_Johns"):
            await conn.execute("SELECT set_config('timezone', $1, true)", zone)
            written = await conn.fetch(
                "SELECT api_time(m) FROM unnest($1::timestamptz[]) AS m", moments
            )
            # Rows come back in UTC (the pool's sessions), as the general statements' do.
            wanted = [orjson.loads(json_dumps(m.astimezone(UTC))) for m in moments]
            assert [row[0] for row in written] == wanted
        assert await conn.fetchval("SELECT api_time(NULL)") is None

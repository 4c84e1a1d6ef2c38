"""Every list, filter and search the API runs reads tickets through an index, never a full scan.

A scratch database gets 100,000 demo tickets (the demo-data SQL), fresh statistics, then EXPLAIN
for each query with the parameters the handlers would pass. At a million tickets a sequential
scan costs half a second; the plan shape, not the timing, is what this pins.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import psycopg
import pytest

from crm import db, demo
from crm.pagination import micros
from crm.queries import load_queries
from crm.search import serial_prefix, title_query
from crm.settings import Settings
from tests.conftest import TEST_SECRET, recreate_database
from tests.demo_queries import ADMIN, QUERIES, count_sql, list_sql, never_runs, newest_params
from tests.factories import CHECKS

SIZE = demo.DemoSize(tickets=100_000, clients=10_000, workers=50)
MIDDLE = (micros(datetime(2025, 6, 1, tzinfo=UTC)), 2**62)
WORKER = 7  # users 2..51 are the demo workers (a shop's users on two pages)
RANGE = (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 2, tzinfo=UTC))


@pytest.fixture(scope="module", name="plans_url")
def _plans_url(server_url: str) -> Iterator[str]:
    """A database of demo tickets, migrated, filled and analysed once for this module."""
    url = recreate_database(server_url, "crm_plans_test")
    db.migrate(url)
    settings = Settings(jwt_secret=TEST_SECRET, argon2_time_cost=1, argon2_memory_kib=1024)
    asyncio.run(demo.fill(url, settings, SIZE, say=lambda _: None))
    yield url


def _q(text: str) -> dict[str, Any]:
    """The search parameters GET /tickets?q=`text` passes."""
    return {"search": title_query(text), "serial_prefix": serial_prefix(text)}


LISTS = {
    "first page": {},
    "deep page": {"after": MIDDLE},
    "one status": {"statuses": ["new"]},
    "rare status": {"statuses": ["canceled"]},
    "two statuses": {"statuses": ["new", "done"]},
    "status, deep": {"statuses": ["in_progress"], "after": MIDDLE},
    "assignee": {"assignee_id": WORKER},
    "worker's open tickets": {"assignee_id": WORKER, "statuses": ["new"]},
    "worker's closed tickets": {"assignee_id": WORKER, "statuses": ["done", "canceled"]},
    "client": {"client_id": 777},
    "unassigned": {"unassigned": True},
    "unassigned of a client": {"unassigned": True, "client_id": 777},
    "common word": {"search": title_query("машина")},
    "rare word": {"search": title_query("магнетрон")},
    "prefix": {"search": title_query("стир")},
    "two words": {"search": title_query("fridge leaking")},
    "unknown word": {"search": title_query("qwertyuiop")},
    "word and status": {"search": title_query("машина"), "statuses": ["canceled"]},
    "word, deep": {"search": title_query("машина"), "after": MIDDLE},
    "worker's search": {"search": title_query("стир"), "assignee_id": WORKER},
    "client's search": {"search": title_query("машина"), "client_id": 777},
    "unassigned search": {"search": title_query("стир"), "unassigned": True},
    "created range": {"created_from": RANGE[0], "created_to": RANGE[1]},
    "scheduled range": {"scheduled_from": RANGE[0], "scheduled_to": RANGE[1]},
    "page 500 by number": {"offset": 9980},
    "word and created range": {"search": title_query("машина"), "created_from": RANGE[0]},
    # A q with a digit is matched as title words and as the start of a serial/IMEI at once.
    "common word or serial": _q("машина 1"),
    "rare word or serial": _q("зебра 7"),
    "whole serial": _q("SN-1C4E 10050000"),
    "serial, typed loosely": _q("sn 1c4e-1005"),
    "serial digits": _q("10050000"),
    "worker's serial": {**_q("sn-1c4e 10050000"), "assignee_id": WORKER},
    "client's serial": {**_q("sn"), "client_id": 777},
}
# Every order, alone, deep, and with the filters a dashboard combines with it.
WITH_EACH_ORDER: dict[str, dict[str, Any]] = {
    "": {},
    ", page 500": {"offset": 9980},
    ", status": {"statuses": ["new"]},
    ", worker": {"assignee_id": WORKER},
    ", worker's open": {"assignee_id": WORKER, "statuses": ["new", "in_progress"]},
    ", word": {"search": title_query("стир")},
    ", scheduled range": {"scheduled_from": RANGE[0], "scheduled_to": RANGE[1]},
}
SORTS = {
    f"{sort}{label}": {"sort": sort, **filters}
    for sort in ("created_at", "-updated_at", "scheduled_at")
    for label, filters in WITH_EACH_ORDER.items()
}
COUNTS = {
    "counts": {},
    "counts, status": {"statuses": ["new"]},
    "counts, worker": {"assignee_id": WORKER},
    "counts, unassigned": {"unassigned": True},
    "counts, word": {"search": title_query("магнетрон")},
    "counts, client": {"client_id": 777},
    "counts, created range": {"created_from": RANGE[0], "created_to": RANGE[1]},
}

AS_WORKER = {"caller_id": WORKER, "caller_version": 1, "caller_role": "worker"}
SEARCHES: dict[str, dict[str, Any]] = {
    "common word": {"search": title_query("машина")},
    "rare word": {"search": title_query("магнетрон")},
    "prefix, deep": {"search": title_query("стир"), "after": MIDDLE},
    "unknown word": {"search": title_query("qwertyuiop")},
    "a worker's": {"search": title_query("стир"), "assignee_id": WORKER, **AS_WORKER},
    "word and status": {"search": title_query("машина"), "status": "canceled"},
}
# Reads that run inside a function on kept (generic) plans: their statements are EXPLAINed as
# the function runs them (auto_explain's nested statements).
KEPT: dict[str, tuple[str, dict[str, Any]]] = {
    "one ticket": ("get_ticket", {"id": 50_000, "assignee_id": None, **ADMIN}),
    "one ticket as a worker": (
        "get_ticket",
        {"id": 50_000, "assignee_id": WORKER, **ADMIN, **AS_WORKER},
    ),
    "newest, first page": ("list_newest_tickets", newest_params()),
    "newest, deep page": ("list_newest_tickets", newest_params(after=MIDDLE)),
    "newest, a worker's": (
        "list_newest_assigned",
        newest_params(assignee_id=WORKER, **AS_WORKER),
    ),
    "newest, a worker's, deep": (
        "list_newest_assigned",
        newest_params(assignee_id=WORKER, after=MIDDLE),
    ),
    "newest, a worker's, page 3": (
        "list_newest_tickets",
        newest_params(assignee_id=WORKER, offset=40),
    ),
    "newest, one status": ("list_newest_tickets", newest_params(status="new")),
    "newest, a rare status, deep": (
        "list_newest_tickets",
        newest_params(status="canceled", after=MIDDLE),
    ),
    "newest, a worker's open": (
        "list_newest_assigned",
        newest_params(status="in_progress", assignee_id=WORKER),
    ),
    # Searches: each step planned with the call's words (a common word walks the newest-first
    # index, a rare one reads the title index), the page's rows on a kept plan.
    **{
        f"newest search, {label}": ("list_newest_search", newest_params(**params))
        for label, params in SEARCHES.items()
    },
    "comments": (
        "list_comments",
        {
            "ticket_id": 50_000,
            "assignee_id": None,
            "after_id": 0,
            "limit": 21,
            "offset": 0,
            **ADMIN,
        },
    ),
    "comments as a worker, deep": (
        "list_comments",
        {
            "ticket_id": 50_000,
            "assignee_id": WORKER,
            "after_id": 10,
            "limit": 101,
            "offset": 0,
            **ADMIN,
            **AS_WORKER,
        },
    ),
}

OTHERS: dict[str, dict[str, Any]] = {
    "get_public_ticket": {
        "tracking_token": "0123456789abcdef0123",
        "staff_label": "Сервисный центр",
        "customer_label": "Вы",
        "max_comments": 200,
    },
    "lock_public_ticket": {"tracking_token": "0123456789abcdef0123"},
    "list_events": {
        "ticket_id": 50_000,
        "assignee_id": None,
        "after_id": 0,
        "limit": 21,
        "offset": 0,
        **ADMIN,
    },
}
TABLES = {"list_events": "ticket_events", "list_comments": "ticket_comments"}


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if never_runs(plan):
        return
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def _plan(url: str, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url, server_settings=db.CUSTOM_PLANS)
    try:
        explained = await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args)
    finally:
        await conn.close()
    return list(_nodes(json.loads(explained)[0]["Plan"]))


def _ticket_scans(nodes: list[dict[str, Any]], table: str) -> list[str]:
    return [n["Node Type"] for n in nodes if n.get("Relation Name") == table]


@pytest.mark.parametrize("filters", [*LISTS.values(), *SORTS.values()], ids=[*LISTS, *SORTS])
async def test_ticket_lists_read_tickets_through_an_index(
    plans_url: str, filters: dict[str, Any]
) -> None:
    nodes = await _plan(plans_url, *list_sql(**filters))
    scans = _ticket_scans(nodes, "tickets")
    assert scans, "the plan never reads tickets"
    assert "Seq Scan" not in scans, scans
    assert any(n.get("Index Name", "").startswith("tickets_") for n in nodes), scans


@pytest.mark.parametrize("filters", COUNTS.values(), ids=COUNTS.keys())
async def test_ticket_counts_never_scan_the_whole_table(
    plans_url: str, filters: dict[str, Any]
) -> None:
    nodes = await _plan(plans_url, *count_sql(**filters))
    assert "Seq Scan" not in _ticket_scans(nodes, "tickets")
    if set(filters) <= {"statuses", "assignee_id", "unassigned"}:
        # Counters, not tickets: a few hundred rows at any size.
        assert _ticket_scans(nodes, "tickets") == []
        assert _ticket_scans(nodes, "ticket_counts")


@pytest.mark.parametrize("name", OTHERS.keys())
async def test_other_ticket_reads_use_an_index(plans_url: str, name: str) -> None:
    query = QUERIES[name.split()[0]]
    params = OTHERS[name]
    nodes = await _plan(plans_url, query.sql, [params[p] for p in query.params])
    table = TABLES.get(name, "tickets")
    scans = _ticket_scans(nodes, table)
    assert scans and "Seq Scan" not in scans, scans


async def _nested_plans(
    url: str, sql: str, args: list[Any], *, analyze: bool = False
) -> list[dict[str, Any]]:
    """The plans of the statements `sql` runs inside its functions, as auto_explain logs them
    (with `analyze`, as they ran: rows and loops)."""
    plans: list[dict[str, Any]] = []

    def logged(_conn: Any, message: Any) -> None:
        if "plan:" in message.message:
            plans.append(json.loads(message.message.split("plan:", 1)[1]))

    # Planned as the pool for kept plans plans them.
    conn = await asyncpg.connect(url, server_settings=db.KEPT_PLANS)
    conn.add_log_listener(logged)
    try:
        await conn.execute("LOAD 'auto_explain'")
        settings = {**AUTO_EXPLAIN, "log_analyze": "on" if analyze else "off"}
        for name, value in settings.items():
            await conn.execute("SELECT set_config($1, $2, false)", f"auto_explain.{name}", value)
        await conn.fetch(sql, *args)
        await asyncio.sleep(0.1)  # notices reach the listener through the event loop
    finally:
        await conn.close()
    return [node for plan in plans for node in _nodes(plan["Plan"])]


AUTO_EXPLAIN = {
    "log_min_duration": "0",
    "log_nested_statements": "on",
    "log_format": "json",
    "log_level": "notice",
}


@pytest.mark.parametrize("name", KEPT.keys())
async def test_reads_on_kept_plans_read_tickets_through_an_index(plans_url: str, name: str) -> None:
    query_name, params = KEPT[name]
    query = QUERIES[query_name]
    nodes = await _nested_plans(plans_url, query.sql, [params[p] for p in query.params])
    table = TABLES.get(query_name, "tickets")
    scans = _ticket_scans(nodes, table)
    assert scans, f"the function never reads {table}"
    assert "Seq Scan" not in scans, scans
    assert any(n.get("Index Name", "").startswith(f"{table}_") for n in nodes), scans


# The indexes that find a user by id (the caller check reads live users only).
USERS_BY_ID = {"users_pkey", "users_live_idx"}


@pytest.mark.parametrize("name", KEPT.keys())
async def test_reads_on_kept_plans_find_their_caller_by_key(plans_url: str, name: str) -> None:
    """The caller check reads one user by id. users_listing_idx (created_at, id) holds id too,
    and on a small users table a kept plan took it and read every entry (migration 0026)."""
    query_name, params = KEPT[name]
    query = QUERIES[query_name]
    nodes = await _nested_plans(plans_url, query.sql, [params[p] for p in query.params])
    users = [
        n.get("Index Name", n["Node Type"]) for n in nodes if n.get("Relation Name") == "users"
    ]
    assert users, "the caller is never checked"
    assert set(users) <= USERS_BY_ID, users


async def test_a_workers_list_reads_the_assignee_once(plans_url: str) -> None:
    """Every row of a worker's list has the same assignee: one read of their e-mail a page, not
    one a row (the caller check is the other read of users)."""
    query = QUERIES["list_newest_assigned"]
    params = newest_params(assignee_id=WORKER, **AS_WORKER)
    nodes = await _nested_plans(
        plans_url, query.sql, [params[p] for p in query.params], analyze=True
    )
    users = [n for n in nodes if n.get("Relation Name") == "users"]
    assert sum(n["Actual Loops"] for n in users) == 2, users
    rows = [n for n in nodes if n.get("Relation Name") == "tickets"]
    assert sum(n["Actual Rows"] for n in rows) == 21, rows


OFFSET_PAGES = {
    "newest, page 500": newest_params(offset=9980),
    "newest, one status, page 500": newest_params(status="done", offset=9980),
}
# (A worker's pages test the status in the table as they walk tickets_assignee_idx.)


@pytest.mark.parametrize("params", OFFSET_PAGES.values(), ids=OFFSET_PAGES.keys())
async def test_kept_offset_pages_skip_rows_in_the_index(
    plans_url: str, params: dict[str, Any]
) -> None:
    """A page number's skipped rows stay in the index: only the page's own rows are read whole."""
    query = QUERIES["list_newest_tickets"]
    nodes = await _nested_plans(plans_url, query.sql, [params[p] for p in query.params])
    walks = [
        n
        for n in nodes
        if n.get("Relation Name") == "tickets" and n.get("Index Name") != "tickets_pkey"
    ]
    assert [n["Node Type"] for n in walks] == ["Index Only Scan"], walks


async def test_demo_data_puts_back_every_index_constraint_and_comment(
    plans_url: str, server_url: str
) -> None:
    """The bulk load sets indexes and constraints aside: all come back as migrations made them."""
    fresh = recreate_database(server_url, "crm_plans_fresh")
    db.migrate(fresh)
    assert await _schema(plans_url) == await _schema(fresh)


async def _schema(url: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        return [dict(row) for row in await CHECKS["schema_objects"](conn)]
    finally:
        await conn.close()


RUNS = 8  # PostgreSQL weighs a generic plan from a prepared statement's sixth run on
_PARAMETER = re.compile(r"\$\d")


async def _plans_of_reused(conn: Any, sql: str, args: list[Any]) -> dict[str, int]:
    """Run `sql` RUNS times as one prepared statement; how often it was planned which way."""
    statement = await conn.prepare(sql)
    for _ in range(RUNS):
        await statement.fetch(*args)
    return dict(await CHECKS["prepared_plans"](conn, name=statement.get_name()))


@pytest.mark.parametrize("filters", LISTS.values(), ids=LISTS.keys())
async def test_ticket_lists_are_planned_for_each_call_through_the_service_pool(
    plans_url: str, filters: dict[str, Any]
) -> None:
    """A list reused as a prepared statement on the service's own pool is planned on every run.

    A generic plan keeps every optional filter as `$n IS NULL OR …` (see the test below), so the
    planner cannot pick the index for the filter given and reads rows it then throws away; the
    pool's session settings must prevent that on every run, not only the first five.
    """
    pool = await db.create_pool(plans_url, Settings(jwt_secret=TEST_SECRET))
    try:
        async with pool.acquire() as conn:
            plans = await _plans_of_reused(conn, *list_sql(**filters))
    finally:
        await pool.close()
    assert plans == {"generic_plans": 0, "custom_plans": RUNS}


async def test_a_generic_plan_ignores_the_filters_the_check_above_guards(plans_url: str) -> None:
    """Where a session lets PostgreSQL reuse a generic plan it does, and that plan carries the
    optional filters as parameters instead of using the index for the one given."""
    sql, args = list_sql(statuses=["canceled"])
    conn = await asyncpg.connect(
        plans_url, server_settings={"plan_cache_mode": "force_generic_plan"}
    )
    try:
        plans = await _plans_of_reused(conn, sql, args)
    finally:
        await conn.close()
    # Without parameters psycopg sends the simple protocol, where `$n` may stay unbound.
    with psycopg.connect(plans_url) as sync:
        row = sync.execute(f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {sql}").fetchone()
    generic = json.dumps(row[0] if row else None)
    assert plans["generic_plans"] == RUNS
    assert _PARAMETER.search(generic)
    custom = json.dumps(await _plan(plans_url, sql, args))
    assert not _PARAMETER.search(custom)


@pytest.mark.parametrize("term", ["зебра 7", "магнетрон2", "sn-1c4e 10050000"])
async def test_a_rare_term_reads_title_and_serial_indexes_not_the_newest_first_walk(
    plans_url: str, term: str
) -> None:
    """A q with a digit matches title words OR a serial prefix: both from their own indexes.

    Without statistics on the serial expression (a partial index has none for the planner) the
    OR looks common, and the planner walks all tickets newest first: seconds at a million.
    """
    nodes = await _plan(plans_url, *list_sql(**_q(term)))
    used = {n.get("Index Name") for n in nodes}
    assert {"tickets_search_idx", "tickets_device_serial_idx"} <= used, used


@pytest.mark.parametrize(
    ("word", "walks"), [("машина", True), ("магнетрон", False), ("qwertyuiop", False)]
)
async def test_a_search_walks_newest_first_for_a_common_word_only(
    plans_url: str, word: str, walks: bool
) -> None:
    """newest_search plans only its estimate; it then takes one of two kept plans (migration
    0024): a word in every sixth title walks the newest-first index, a rare or unknown one reads
    the title index and sorts its few matches (walking for it would read every ticket)."""
    query = QUERIES["list_newest_search"]
    params = newest_params(search=title_query(word))
    nodes = await _nested_plans(plans_url, query.sql, [params[p] for p in query.params])
    used = {n["Index Name"] for n in nodes if "Index Name" in n}
    assert ("tickets_listing_idx" in used) == walks, used
    assert walks or "tickets_search_idx" in used, used


KEPT_STATEMENTS = sorted(query.name for query in load_queries() if query.kept)
# Tables that grow with the shop: a statement that keeps one plan for every value must never read
# one of them whole.
GROWING = {"tickets", "clients", "ticket_comments", "ticket_events", "outbox", "deleted_tickets"}


@pytest.mark.parametrize("name", KEPT_STATEMENTS)
def test_a_statement_that_keeps_its_plan_reads_no_growing_table_whole(
    plans_url: str, name: str
) -> None:
    """The generic plan of every statement marked `-- plan: kept` (the plan its sessions keep
    for every value, see crm.queries.Query.kept) reaches the shop's big tables by index, or
    calls a function that keeps its own plans (their statements are checked above)."""
    sql = load_queries()[name].sql
    # Without parameters psycopg sends the simple protocol, where `$n` may stay unbound.
    with psycopg.connect(plans_url) as conn:
        row = conn.execute(f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {sql}").fetchone()
    assert row is not None
    nodes = list(_nodes(row[0][0]["Plan"]))
    scans = [
        (n["Node Type"], n.get("Relation Name") or n["Function Name"])
        for n in nodes
        if "Relation Name" in n or "Function Name" in n
    ]
    assert scans, "the plan reads nothing?"
    assert not [scan for scan in scans if scan[0] == "Seq Scan" and scan[1] in GROWING], scans

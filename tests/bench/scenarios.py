"""The bench's scenarios: what wrk sends, the SQL the ceilings run instead, the targets."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import attrs

from crm.search import title_query
from tests.bench.load import Call
from tests.demo_queries import (
    comments_sql,
    count_sql,
    get_sql,
    list_sql,
    newest_sql,
    tracking_sql,
)

COMMON, RARE, PREFIX = "машина", "зебра", "стир"


@attrs.frozen
class Prepared:
    """What the scenarios need from the running service and database."""

    admin_token: str
    worker_token: str
    worker_id: int
    worker_email: str
    password: str
    deep_page: int
    deep_cursor: str
    deep_after: tuple[int | None, int]
    ticket_ids: list[int]
    tracking_tokens: list[str]
    toggled: list[int]
    client_phones: list[str]


@attrs.frozen
class Scenario:
    """One row of the table."""

    name: str
    label: str
    calls: list[Call]
    token: str | None
    # The page query and its arguments, for the bare handler and pgbench (reads only).
    sql: tuple[str, list[Any]] | None = None
    # The plainest SQL for the same rows (a query of tests/bench/bench.sql) and its arguments.
    plain: tuple[str, list[Any]] | None = None
    # What a write's ceiling is sent (reads' ceiling calls follow from the scenario's name).
    ceiling: list[Call] | None = None
    # What the ceiling is sent, unmeasured, before a write's runs (see writes()).
    warm_up: list[Call] | None = None
    # The target: at least this share of the plainest-stack ceiling's rate.
    floor: float | None = None
    # Searches are held to a share of our own first page instead.
    of_our_list: float | None = None
    # The first SQL argument of each call, in order, for a ceiling that rotates as we do.
    rotate: tuple[str, ...] = ()


def _get(path: str) -> list[Call]:
    return [Call("GET", path)]


def _search(word: str, label: str, p: Prepared) -> Scenario:
    query = title_query(word)
    return Scenario(f"q_{label.split()[0]}", f"q={word} ({label})",
                    _get(f"/tickets?q={quote(word)}"), p.admin_token,
                    newest_sql(search=query),
                    ("plain_page_search", [query]), of_our_list=SEARCH_FLOOR)  # fmt: skip


READ_FLOOR, WRITE_FLOOR, SEARCH_FLOOR = 0.9, 0.8, 0.8
# A write's warm-up lasts this many measured runs (see writes()).
WARM_UP_RUNS = 2


def reads(p: Prepared) -> list[Scenario]:
    """The read scenarios: lists, filters, searches and one ticket."""
    # Page 5,000's plainest ceiling is page 1's: the plainest stack has no keyset position.
    ids = tuple(str(i) for i in p.ticket_ids)
    return [
        Scenario("first", "GET /tickets, page 1 with total", _get("/tickets"), p.admin_token,
                 newest_sql(), ("plain_page", []), floor=READ_FLOOR),
        Scenario("deep", f"GET /tickets, admin, page {p.deep_page:,}",
                 _get(f"/tickets?cursor={p.deep_cursor}"), p.admin_token,
                 newest_sql(after=p.deep_after), ("plain_page", []), floor=READ_FLOOR),
        _search(COMMON, "common word", p),
        _search(RARE, "rare word", p),
        _search(PREFIX, "prefix", p),
        Scenario("status", "status=new", _get("/tickets?status=new"), p.admin_token,
                 newest_sql(status="new"), ("plain_page_status", ["new"]), floor=READ_FLOOR),
        Scenario("worker", "worker's own list", _get("/tickets"), p.worker_token,
                 newest_sql(assignee_id=p.worker_id, caller_id=p.worker_id, caller_role="worker"),
                 ("plain_page_assignee", [p.worker_id]), floor=READ_FLOOR),
        # Page numbers, each order, counts: held to their own SQL run bare (/bare).
        Scenario("page500", "GET /tickets?page=500 (20 a page)", _get("/tickets?page=500"),
                 p.admin_token, newest_sql(offset=9980)),
        *[Scenario(f"sort{sort}", f"sort={sort}", _get(f"/tickets?sort={sort}"), p.admin_token,
                   list_sql(sort=sort))
          for sort in ("created_at", "-updated_at", "scheduled_at")],
        Scenario("counts", "GET /tickets/counts", _get("/tickets/counts"), p.admin_token,
                 count_sql()),
        Scenario("counts_status", "GET /tickets/counts?status=new",
                 _get("/tickets/counts?status=new"), p.admin_token, count_sql(statuses=["new"])),
        Scenario("get", "GET /tickets/{id}", [Call("GET", f"/tickets/{i}") for i in p.ticket_ids],
                 p.admin_token, get_sql(p.ticket_ids[0]), ("plain_ticket", [p.ticket_ids[0]]),
                 floor=READ_FLOOR, rotate=ids),
        # Beside one ticket: its comments and the customer's tracking page (>= 80% of it).
        Scenario("comments", "GET /tickets/{id}/comments",
                 [Call("GET", f"/tickets/{i}/comments") for i in p.ticket_ids], p.admin_token,
                 comments_sql(p.ticket_ids[0]), rotate=ids),
        Scenario("tracking", "GET /tickets/public/{token}",
                 [Call("GET", f"/tickets/public/{t}") for t in p.tracking_tokens], None,
                 tracking_sql(p.tracking_tokens[0]), rotate=tuple(p.tracking_tokens)),
    ]  # fmt: skip


def writes(p: Prepared, rounds: int = 1) -> list[Scenario]:
    """The write scenarios: public requests, status changes, logins; `rounds` of each measured."""
    public = [
        Call("POST", "/tickets/public", json.dumps(
            {"title": f"Не включается стиралка {n}", "client": {"name": "Bench", "phone": phone}}
        ))
        for n, phone in enumerate(p.client_phones)
    ]  # fmt: skip
    # Each ticket once, in_progress -> done (the reset puts them back before every run), each
    # run on its own block of neighbouring tickets. The first change of a page since the reset's
    # checkpoint writes the whole page to the WAL: in the indexes a change's entries land all
    # over (by client, by assignee), whichever run came first paid for most of them, and that
    # was ours. An unmeasured warm-up of the ceiling's pays for them before either is measured,
    # twice as long as a measured run (WARM_UP_RUNS) on a block twice as big: after a warm-up as
    # long as one run, ours still wrote 8.6 kB a change in its first half and 4.9 kB in its
    # last, the ceiling 6.4 and 5.1 kB in between.
    # Each round has four blocks: ours, the ceiling's, the ceiling's, ours (see run._compare).
    toggled = sorted(p.toggled)
    size = len(toggled) // (4 * rounds + WARM_UP_RUNS)
    warm = toggled[: WARM_UP_RUNS * size]
    blocks = [
        toggled[(n + WARM_UP_RUNS) * size : (n + WARM_UP_RUNS + 1) * size]
        for n in range(4 * rounds)
    ]
    ours = [i for r in range(rounds) for n in (0, 3) for i in blocks[4 * r + n]]
    theirs = [i for r in range(rounds) for n in (1, 2) for i in blocks[4 * r + n]]
    plain_public = [Call("POST", "/plain/public", call.body) for call in public]
    login = json.dumps({"email": p.worker_email, "password": p.password})
    return [
        Scenario("public", "POST /tickets/public", public, None, ceiling=plain_public,
                 floor=WRITE_FLOOR, warm_up=plain_public),
        Scenario("patch", "PATCH /tickets/{id} status",
                 _to_done("/tickets", ours), p.admin_token,
                 ceiling=_to_done("/plain/patch", theirs), floor=WRITE_FLOOR,
                 warm_up=_to_done("/plain/patch", warm)),
        Scenario("login", "POST /auth/login", [Call("POST", "/auth/login", login)], None),
    ]  # fmt: skip


def _to_done(path: str, ids: list[int]) -> list[Call]:
    """A status change to done of each ticket, at `path`/{id}."""
    done = json.dumps({"status": "done"})
    return [Call("PATCH", f"{path}/{i}", done) for i in ids]

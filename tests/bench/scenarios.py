"""The bench's scenarios: what wrk sends, the SQL a bare handler runs instead, the targets."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

import attrs

from crm.search import serial_prefix, title_query
from tests.bench.load import Call
from tests.demo_queries import comments_sql, get_sql, list_sql, tracking_sql

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
    deep_after: tuple[datetime, int]
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
    target_rps: int | None = None
    # The first SQL argument of each call, in order, for a bare handler that rotates as we do.
    rotate: tuple[str, ...] = ()


def _get(path: str) -> list[Call]:
    return [Call("GET", path)]


def reads(p: Prepared) -> list[Scenario]:
    """The read scenarios: lists, filters, searches and one ticket."""
    q = {word: f"/tickets?q={quote(word)}" for word in (COMMON, RARE, PREFIX)}
    ids = tuple(str(i) for i in p.ticket_ids)
    return [
        Scenario("first", "GET /tickets, admin, page 1", _get("/tickets"), p.admin_token,
                 list_sql(), 2000),
        Scenario("deep", f"GET /tickets, admin, page {p.deep_page:,}",
                 _get(f"/tickets?cursor={p.deep_cursor}"), p.admin_token,
                 list_sql(after=p.deep_after), 2000),
        Scenario("q_common", f"q={COMMON} (common word)", _get(q[COMMON]), p.admin_token,
                 list_sql(search=title_query(COMMON), serial_prefix=serial_prefix(COMMON)), 1000),
        Scenario("q_rare", f"q={RARE} (rare word)", _get(q[RARE]), p.admin_token,
                 list_sql(search=title_query(RARE), serial_prefix=serial_prefix(RARE)), 1000),
        Scenario("q_prefix", f"q={PREFIX} (prefix)", _get(q[PREFIX]), p.admin_token,
                 list_sql(search=title_query(PREFIX), serial_prefix=serial_prefix(PREFIX)), 1000),
        Scenario("status", "status=new", _get("/tickets?status=new"), p.admin_token,
                 list_sql(statuses=["new"]), 2000),
        Scenario("worker", "worker's own list", _get("/tickets"), p.worker_token,
                 list_sql(assignee_id=p.worker_id, caller_id=p.worker_id, caller_role="worker"),
                 2000),
        Scenario("get", "GET /tickets/{id}", [Call("GET", f"/tickets/{i}") for i in p.ticket_ids],
                 p.admin_token, get_sql(p.ticket_ids[0]), 3000, ids),
        # Beside one ticket: its comments and the customer's tracking page (>= 80% of it).
        Scenario("comments", "GET /tickets/{id}/comments",
                 [Call("GET", f"/tickets/{i}/comments") for i in p.ticket_ids], p.admin_token,
                 comments_sql(p.ticket_ids[0]), None, ids),
        Scenario("tracking", "GET /tickets/public/{token}",
                 [Call("GET", f"/tickets/public/{t}") for t in p.tracking_tokens], None,
                 tracking_sql(p.tracking_tokens[0]), None, tuple(p.tracking_tokens)),
    ]  # fmt: skip


def writes(p: Prepared) -> list[Scenario]:
    """The write scenarios: public requests, status changes, logins."""
    public = [
        Call("POST", "/tickets/public", json.dumps(
            {"title": f"Не включается стиралка {n}", "client": {"name": "Bench", "phone": phone}}
        ))
        for n, phone in enumerate(p.client_phones)
    ]  # fmt: skip
    # Each ticket once, in_progress -> done (the reset puts them back before every run).
    patches = [Call("PATCH", f"/tickets/{i}", json.dumps({"status": "done"})) for i in p.toggled]
    login = json.dumps({"email": p.worker_email, "password": p.password})
    return [
        Scenario("public", "POST /tickets/public", public, None, None, 1000),
        Scenario("patch", "PATCH /tickets/{id} status", patches, p.admin_token),
        Scenario("login", "POST /auth/login", [Call("POST", "/auth/login", login)], None),
    ]

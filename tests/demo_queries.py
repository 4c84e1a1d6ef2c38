"""The hot read queries with the arguments their handlers pass, as the demo admin: for EXPLAIN and
the bench's ceilings, which must run exactly the SQL the service runs."""

from __future__ import annotations

from typing import Any

from crm.pagination import NEWEST
from crm.queries import load_queries

QUERIES = load_queries()
# The demo admin, checked inside the query as a remembered caller is (crm.auth.gated).
ADMIN = {"caller_id": 1, "caller_version": 1, "caller_role": "admin"}


def list_sql(**filters: Any) -> tuple[str, list[Any]]:
    """list_tickets, first page unless `after` (created_at, id) is given, default filters."""
    after = filters.pop("after", NEWEST)
    params = {
        "search": None,
        "serial_prefix": None,
        "statuses": None,
        "assignee_id": None,
        "client_id": None,
        "unassigned": False,
        "after_created_at": after[0],
        "after_id": after[1],
        "limit": 21,
        **ADMIN,
        **filters,
    }
    query = QUERIES["list_tickets"]
    return query.sql, [params[name] for name in query.params]


def comments_sql(ticket_id: int) -> tuple[str, list[Any]]:
    """list_comments as GET /tickets/{id}/comments runs it for the admin (first page)."""
    params = {"ticket_id": ticket_id, "assignee_id": None, "after_id": 0, "limit": 21, **ADMIN}
    query = QUERIES["list_comments"]
    return query.sql, [params[name] for name in query.params]


def tracking_sql(token: str) -> tuple[str, list[Any]]:
    """get_public_ticket as the tracking page runs it."""
    params = {
        "tracking_token": token,
        "staff_label": "Сервисный центр",
        "customer_label": "Вы",
        "max_comments": 200,
    }
    query = QUERIES["get_public_ticket"]
    return query.sql, [params[name] for name in query.params]


def get_sql(ticket_id: int, **scope: Any) -> tuple[str, list[Any]]:
    """get_ticket as GET /tickets/{id} runs it (as the admin unless `scope` says otherwise)."""
    params = {"id": ticket_id, "assignee_id": None, **ADMIN, **scope}
    query = QUERIES["get_ticket"]
    return query.sql, [params[name] for name in query.params]

"""The hot read queries with the arguments their handlers pass, as the demo admin: for EXPLAIN and
the bench's ceilings, which must run exactly the SQL the service runs."""

from __future__ import annotations

from typing import Any

from crm import orders
from crm.handlers.tickets import newest_query
from crm.pagination import Order
from crm.queries import load_queries

QUERIES = load_queries()
# The demo admin, remembered by the service and so checked inside each query (crm.auth.reader).
ADMIN = {"caller_id": 1, "caller_version": 1, "caller_role": "admin", "caller_confirmed": False}
FILTERS = {
    "search": None,
    "serial_prefix": None,
    "statuses": None,
    "assignee_id": None,
    "client_id": None,
    "unassigned": False,
    "created_from": None,
    "created_to": None,
    "scheduled_from": None,
    "scheduled_to": None,
}
SORTS = {order.name: order for order in orders.TICKETS}


def _order(name: str) -> Order:
    return SORTS[name]


def list_sql(**filters: Any) -> tuple[str, list[Any]]:
    """list_tickets, first page unless `after` (its order's cursor key) is given.

    `sort` picks the order (default newest first), `offset` a page number's rows.
    """
    order = _order(filters.pop("sort", "-created_at"))
    after = filters.pop("after", order.start)
    params = {
        **FILTERS,
        **order.params(after),
        "limit": 21,
        "offset": filters.pop("offset", 0),
        **ADMIN,
        **filters,
    }
    query = QUERIES["list_tickets"]
    return query.sql, [params[name] for name in query.params]


def newest_params(**given: Any) -> dict[str, Any]:
    """list_newest_tickets' parameters: page 1 unless `after`, every ticket unless `status` or
    `assignee_id`."""
    order = SORTS["-created_at"]
    params = {
        **order.params(given.pop("after", order.start)),
        "limit": 21,
        "offset": 0,
        "status": None,
        "assignee_id": None,
        **ADMIN,
        **given,
    }
    del params["sort"]
    if "search" in params:
        # Estimated by the call, as a process's first search of these words is.
        params.setdefault("matches", None)
        params.setdefault("tuples", None)
    return params


def newest_sql(**given: Any) -> tuple[str, list[Any]]:
    """list_newest_tickets as GET /tickets runs it: no filter but one status and the assignee
    (list_newest_assigned for an assignee's first page or a cursor's); list_newest_search with
    `search`, as GET /tickets?q= runs it for title words."""
    params = newest_params(**given)
    query = QUERIES[newest_query(params)]
    return query.sql, [params[name] for name in query.params]


def count_sql(**filters: Any) -> tuple[str, list[Any]]:
    """count_tickets as GET /tickets/counts runs it (as the admin, filters as given)."""
    params = {**FILTERS, **ADMIN, **filters}
    query = QUERIES["count_tickets"]
    return query.sql, [params[name] for name in query.params]


def comments_sql(ticket_id: int) -> tuple[str, list[Any]]:
    """list_comments as GET /tickets/{id}/comments runs it for the admin (first page)."""
    params = {
        "ticket_id": ticket_id,
        "assignee_id": None,
        "after_id": 0,
        "limit": 21,
        "offset": 0,
        **ADMIN,
    }
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


def never_runs(plan: dict[str, Any]) -> bool:
    """Whether a plan branch is cut off by a false one-time filter (another `sort`'s branch)."""
    if plan.get("One-Time Filter") == "false":
        return True
    children = plan.get("Plans", [])
    return len(children) == 1 and never_runs(children[0])

"""The sort orders of every list: each `sort` value, its cursor key, and where row one starts."""

from __future__ import annotations

from crm.pagination import FIRST, LAST, Order, by_time, from_micros, micros

# The first order of each list is its default.
TICKETS = (
    by_time("-created_at", "created_at", LAST),
    by_time("created_at", "created_at", FIRST),
    by_time("-updated_at", "updated_at", LAST),
    # Unscheduled tickets come last: their key is null, which the query reads as infinity.
    by_time("scheduled_at", "scheduled_at", FIRST),
)

_NEWEST_USERS = by_time("-created_at", "created_at", LAST)
USERS = (
    Order(
        _NEWEST_USERS.name,
        _NEWEST_USERS.key,
        lambda key: {**_NEWEST_USERS.params(key), "after_text": None},
        _NEWEST_USERS.start,
    ),
    Order(
        "email",
        key=lambda row: (row["email"], row["id"]),
        params=lambda key: {
            "sort": "email",
            "after_time": None,
            "after_text": key[0],
            "after_id": key[1],
        },
        start=("", 0),
    ),
)

_NEWEST_CLIENTS = by_time("-created_at", "created_at", LAST)
CLIENTS = (
    Order(
        _NEWEST_CLIENTS.name,
        _NEWEST_CLIENTS.key,
        lambda key: {**_NEWEST_CLIENTS.params(key), "after_flag": None, "after_text": None},
        _NEWEST_CLIENTS.start,
    ),
    # Nameless clients last: the key is (no name, name or '', id), clients_name_idx's.
    Order(
        "name",
        key=lambda row: (row["name"] is None, row["name"] or "", row["id"]),
        params=lambda key: {
            "sort": "name",
            "after_time": None,
            "after_flag": key[0],
            "after_text": key[1],
            "after_id": key[2],
        },
        start=(False, "", 0),
    ),
)

# A ticket's history is read oldest first, by id.
EVENTS = (
    Order("id", key=lambda row: (row["id"],), params=lambda key: {"after_id": key[0]}, start=(0,)),
)

# Lists that page by cursor only (their queries take no offset and count no total).
NEWEST_ID = (
    Order(
        "-id",
        key=lambda row: (row["id"],),
        params=lambda key: {"after_id": key[0]},
        start=(2**63 - 1,),
    ),
)
NEWEST_CREATED = (
    Order(
        "-created_at",
        key=lambda row: (micros(row["created_at"]), row["id"]),
        params=lambda key: {"after_created_at": from_micros(key[0]), "after_id": key[1]},
        start=(micros(LAST[0]), LAST[1]),
    ),
)

"""The report_* views: a public interface whose columns are pinned, and whose numbers are right."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.api import Api
from tests.factories import check
from tests.reporting_shop import DAY, HOUR, NOW, at, build_shop

TS, IV, BIG = "timestamp with time zone", "interval", "bigint"
COLUMNS = {
    "report_closes": [
        ("ticket_id", BIG),
        ("closed_at", TS),
        ("worker_id", BIG),
        ("worker_email", "text"),
        ("created_at", TS),
        ("resolution_time", IV),
        ("deleted", "boolean"),
    ],
    "report_daily": [
        ("day", "date"),
        ("created", BIG),
        ("done", BIG),
        ("canceled", BIG),
        ("open_at_end", BIG),
    ],
    "report_tickets": [
        ("ticket_id", BIG),
        ("title", "text"),
        ("status", "USER-DEFINED"),
        ("device_kind", "text"),
        ("device_brand", "text"),
        ("device_model", "text"),
        ("device_serial", "text"),
        ("address", "text"),
        ("client_id", BIG),
        ("client_name", "text"),
        ("client_phone", "text"),
        ("client_email", "text"),
        ("assignee_id", BIG),
        ("assignee_email", "text"),
        ("created_at", TS),
        ("updated_at", TS),
        ("scheduled_at", TS),
        ("first_in_progress_at", TS),
        ("first_response_at", TS),
        ("done_at", TS),
        ("canceled_at", TS),
        ("closed_by_id", BIG),
        ("closed_by_email", "text"),
        ("resolution_time", IV),
        ("reopenings", BIG),
        ("deleted", "boolean"),
        ("deleted_at", TS),
    ],
    "report_worker_load": [
        ("worker_id", BIG),
        ("worker_email", "text"),
        ("active", "boolean"),
        ("open_new", BIG),
        ("open_in_progress", BIG),
        ("done_7d", BIG),
        ("done_30d", BIG),
        ("median_resolution_30d", IV),
        ("p90_resolution_30d", IV),
    ],
}


async def test_the_views_columns_are_a_stable_interface(api: Api) -> None:
    """Renaming, dropping or retyping a column is a deliberate change: update this and README."""
    found: dict[str, list[tuple[str, str]]] = {}
    for row in await check(api, "view_columns"):
        found.setdefault(row["table_name"], []).append((row["column_name"], row["data_type"]))
    assert found == COLUMNS


async def test_every_view_and_column_is_commented(api: Api) -> None:
    assert [dict(row) for row in await check(api, "uncommented_view_columns")] == []


async def test_report_tickets_milestones_closes_and_deletions(api: Api) -> None:
    ids = await build_shop(api)
    rows = {row["ticket_id"]: dict(row) for row in await check(api, "report_tickets_rows")}
    assert len(rows) == 10
    t1, t2, t3, t6, t9 = (rows[ids[name]] for name in ("t1", "t2", "t3", "t6", "t9"))
    assert _pick(t1, "done_at", "closed_by_id", "resolution_time", "reopenings") == (
        at(3, 3, 9),
        ids["w1"],
        timedelta(hours=24),
        0,
    )
    assert t1["first_in_progress_at"] == at(3, 2, 12) and t1["client_name"] == "Иван"
    # Reopened and closed again: the last close counts, credited to the last assignment.
    assert _pick(t2, "first_in_progress_at", "done_at", "closed_by_id", "reopenings") == (
        at(3, 6, 10),
        at(3, 8, 10),
        ids["w2"],
        1,
    )
    assert t2["resolution_time"] == timedelta(hours=72)
    assert _pick(t3, "status", "canceled_at", "done_at", "closed_by_id", "resolution_time") == (
        "canceled",
        at(3, 11, 8),
        None,
        None,
        None,
    )
    assert _pick(t6, "status", "deleted", "deleted_at", "first_in_progress_at") == (
        "in_progress",
        True,
        at(3, 20, 12),
        at(3, 16, 9),
    )
    # Given back to w1 after the close: the close stays w2's.
    assert (t9["assignee_id"], t9["closed_by_id"]) == (ids["w1"], ids["w2"])
    assert t9["resolution_time"] == timedelta(hours=12)
    open_rows = [r for r in rows.values() if r["status"] in ("new", "in_progress")]
    assert all(r["done_at"] is None and r["resolution_time"] is None for r in open_rows)
    assert [r["ticket_id"] for r in rows.values() if r["deleted"]] == [ids["t6"]]


async def test_report_closes_lists_each_last_move_to_done_once(api: Api) -> None:
    ids = await build_shop(api)
    rows = [
        (row["ticket_id"], row["closed_at"], row["worker_email"], row["resolution_time"])
        for row in await check(api, "report_closes_rows")
    ]
    assert rows == [
        (ids["t1"], at(3, 3, 9), "w1@example.com", timedelta(hours=24)),
        (ids["t2"], at(3, 8, 10), "w2@example.com", timedelta(hours=72)),
        (ids["t7"], NOW - 8 * DAY, "w1@example.com", 2 * DAY),
        (ids["t8"], NOW - 2 * DAY, "w2@example.com", DAY),
        (ids["t9"], NOW - 12 * HOUR, "w2@example.com", 12 * HOUR),
    ]


async def test_report_daily_counts_every_utc_day_and_the_backlog(api: Api) -> None:
    await build_shop(api)
    rows = [dict(row) for row in await check(api, "report_daily_rows")]
    days = [row["day"] for row in rows]
    today = NOW.date()
    assert days == [
        date(2026, 3, 2) + timedelta(n) for n in range((today - date(2026, 3, 2)).days + 1)
    ]
    by_day = {row["day"]: _pick(row, "created", "done", "canceled", "open_at_end") for row in rows}
    assert [by_day[date(2026, 3, d)] for d in (2, 3, 4, 5, 6, 7, 8, 10, 11, 15, 16, 20, 31)] == [
        (1, 0, 0, 1),  # T1 arrives
        (0, 1, 0, 0),  # T1 done
        (0, 0, 0, 0),  # a day without events
        (1, 0, 0, 1),  # T2 arrives
        (0, 0, 0, 0),  # T2 done, but reopened later: its close is on the 8th
        (0, 0, 0, 1),  # T2 reopened
        (0, 1, 0, 0),  # T2 done for good
        (1, 0, 0, 1),  # T3 arrives
        (0, 0, 1, 0),  # T3 canceled
        (1, 0, 0, 1),  # T6 arrives
        (0, 0, 0, 1),  # T6 started
        (0, 0, 0, 0),  # T6 deleted while open
        (1, 0, 0, 1),  # T4 arrives at 22:30 UTC
    ]
    assert by_day[date(2026, 4, 2)] == (1, 0, 0, 2)
    assert sum(row["created"] for row in rows) == 10
    assert sum(row["done"] for row in rows) == 5
    assert sum(row["canceled"] for row in rows) == 1
    assert rows[-1]["open_at_end"] == 3  # T4, T5, T10


async def test_report_worker_load_holds_closes_and_resolution_times(api: Api) -> None:
    ids = await build_shop(api)
    rows = [dict(row) for row in await check(api, "report_worker_load_rows")]
    assert rows == [
        {
            "worker_id": ids["w1"],
            "worker_email": "w1@example.com",
            "active": True,
            "open_new": 0,
            "open_in_progress": 1,
            "done_7d": 0,
            "done_30d": 1,
            "median_resolution_30d": 2 * DAY,
            "p90_resolution_30d": 2 * DAY,
        },
        {
            "worker_id": ids["w2"],
            "worker_email": "w2@example.com",
            "active": True,
            "open_new": 1,
            "open_in_progress": 0,
            "done_7d": 2,
            "done_30d": 2,
            "median_resolution_30d": 18 * HOUR,
            "p90_resolution_30d": 22 * HOUR + timedelta(minutes=48),
        },
        {
            "worker_id": ids["w3"],
            "worker_email": "w3@example.com",
            "active": True,
            "open_new": 0,
            "open_in_progress": 0,
            "done_7d": 0,
            "done_30d": 0,
            "median_resolution_30d": None,
            "p90_resolution_30d": None,
        },
    ]


def _pick(row: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(row[name] for name in names)

"""sql/reports/*.sql, run by the bundled psql as a reporting login, give exact numbers.

Each report runs as `psql -v from=… -v to=… -f FILE` would for an analyst (here with --csv to
read the answer), on the shop of tests/reporting_shop.py, whose history is known to the minute.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import subprocess
from collections.abc import AsyncIterator

import psycopg
import pytest
from psycopg import sql

from crm import db_access
from crm.package_files import SQL_DIR
from tests.api import Api
from tests.reporting_shop import build_shop

REPORTS = SQL_DIR / "reports"
PASSWORD = "reports-only-password-1"
SPRING = {"from": "2026-03-01", "to": "2026-05-01"}


@pytest.fixture(name="analyst_url")
async def _analyst_url(api: Api, database_url: str, server_url: str) -> AsyncIterator[str]:
    """The shop, and a reporting login's URL to read it with."""
    await build_shop(api)
    login = f"analyst_{secrets.token_hex(4)}"
    assert await db_access.create_reporting_login(database_url, login, PASSWORD) is None
    scheme, _, rest = database_url.partition("://")
    yield f"{scheme}://{login}:{PASSWORD}@{rest.partition('@')[2]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(login)))


def _report(url: str, name: str, **variables: str) -> list[dict[str, str]]:
    """Run one report file through psql and return its rows as text, as psql prints them."""
    args = [str(db_access.psql_path()), "-X", "--csv", "-v", "ON_ERROR_STOP=1"]
    for key, value in variables.items():
        args += ["-v", f"{key}={value}"]
    done = subprocess.run(  # noqa: S603 (the bundled psql on our own files)
        [*args, "-f", str(REPORTS / f"{name}.sql"), url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PGTZ": "UTC"},
    )
    assert (done.returncode, done.stderr) == (0, "")
    return list(csv.DictReader(io.StringIO(done.stdout)))


def test_every_report_file_is_tested() -> None:
    assert sorted(p.stem for p in REPORTS.glob("*.sql")) == [
        "backlog_ageing",
        "first_response",
        "monthly_intake",
        "repeat_customers",
        "worker_throughput",
    ]


def test_monthly_intake_by_status(analyst_url: str) -> None:
    assert _report(analyst_url, "monthly_intake", **SPRING) == [
        _row("month created new in_progress done canceled deleted", "2026-03 5 1 0 2 1 1"),
        _row("month created new in_progress done canceled deleted", "2026-04 1 1 0 0 0 0"),
    ]


def test_backlog_ageing_buckets(analyst_url: str) -> None:
    header = "age open new in_progress"
    assert _report(analyst_url, "backlog_ageing") == [
        {"age": "under 1 day", "open": "0", "new": "0", "in_progress": "0"},
        {"age": "1 to 3 days", "open": "0", "new": "0", "in_progress": "0"},
        {"age": "3 to 7 days", "open": "1", "new": "0", "in_progress": "1"},
        {"age": "7 to 30 days", "open": "0", "new": "0", "in_progress": "0"},
        {"age": "30 days or more", "open": "2", "new": "2", "in_progress": "0"},
    ]
    since_april = _report(analyst_url, "backlog_ageing", **{"from": "2026-04-01"})
    assert [r["open"] for r in since_april] == ["0", "0", "1", "0", "1"]
    assert list(since_april[0]) == header.split()


def test_worker_throughput_per_week(analyst_url: str) -> None:
    header = "week worker closed median_hours p90_hours"
    assert _report(
        analyst_url, "worker_throughput", **{"from": "2026-03-01", "to": "2026-04-01"}
    ) == [
        _row(header, "2026-03-02 w1@example.com 1 24.0 24.0"),
        _row(header, "2026-03-02 w2@example.com 1 72.0 72.0"),
    ]


def test_repeat_customers(analyst_url: str) -> None:
    spring = _report(analyst_url, "repeat_customers", **SPRING)
    assert [(r["client_name"], r["tickets"], r["done"]) for r in spring] == [
        ("Иван", "2", "2"),
        ("Олена", "2", "0"),
        ("Петро", "2", "0"),  # one of them deleted: the customer still came back
    ]
    assert spring[0]["client_phone"] == "+380671112233"
    assert spring[0]["first_ticket_at"] == "2026-03-02 09:00:00+00"
    ever = _report(analyst_url, "repeat_customers")
    assert [(r["client_name"], r["tickets"], r["done"]) for r in ever] == [
        ("Петро", "4", "1"),
        ("Иван", "3", "3"),
        ("Олена", "3", "1"),
    ]


def test_first_response_time(analyst_url: str) -> None:
    header = "month created answered median_hours p90_hours"
    assert _report(analyst_url, "first_response", **SPRING) == [
        _row(header, "2026-03 5 4 14.0 24.0"),  # T1 3 h, T3 4 h (a public reply), T2 and T6 24 h
        {**_row(header, "2026-04 1 0 - -"), "median_hours": "", "p90_hours": ""},
    ]


def _row(header: str, values: str) -> dict[str, str]:
    return dict(zip(header.split(), values.split(), strict=True))

"""Migrations apply, roll back completely, apply again; the schema documents itself."""

from __future__ import annotations

import psycopg

from crm import db
from tests.api import Api
from tests.conftest import recreate_database
from tests.factories import CHECKS, check

ALL = ["0001.initial", "0002.list_plans", "0003.ticket_rows", "0008.outbox"]
TABLES = [
    "clients",
    "idempotency_keys",
    "outbox",
    "outbox_attempts",
    "ticket_events",
    "tickets",
    "users",
    "webhooks",
]


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute(CHECKS["public_tables"].sql).fetchall()]


def test_apply_rollback_all_and_apply_again(server_url: str) -> None:
    url = recreate_database(server_url, "crm_migrations_test")
    assert db.migrate(url) == ALL
    assert _tables(url) == TABLES
    assert db.migrate(url) == []
    assert db.migrate(url, rollback_all=True) == ALL[::-1]
    assert _tables(url) == []
    assert db.migrate(url) == ALL
    assert _tables(url) == TABLES


async def test_every_table_and_column_has_a_comment(api: Api) -> None:
    assert [dict(row) for row in await check(api, "uncommented_columns")] == []

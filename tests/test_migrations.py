"""Migrations apply, roll back completely, apply again; the schema documents itself."""

from __future__ import annotations

import psycopg

from crm import db
from crm.package_files import MIGRATIONS_DIR
from tests.api import Api
from tests.conftest import recreate_database
from tests.factories import CHECKS, check

ALL = sorted(p.stem for p in MIGRATIONS_DIR.glob("*.sql") if not p.stem.endswith(".rollback"))
CORE_TABLES = {
    "clients",
    "idempotency_keys",
    "ticket_comments",
    "ticket_events",
    "tickets",
    "users",
}


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute(CHECKS["public_tables"].sql).fetchall()]


def test_apply_rollback_all_and_apply_again(server_url: str) -> None:
    url = recreate_database(server_url, "crm_migrations_test")
    assert db.migrate(url) == ALL
    tables = _tables(url)
    assert set(tables) >= CORE_TABLES
    assert db.migrate(url) == []
    assert db.migrate(url, rollback_all=True) == ALL[::-1]
    assert _tables(url) == []
    assert db.migrate(url) == ALL
    assert _tables(url) == tables


async def test_every_table_and_column_has_a_comment(api: Api) -> None:
    assert [dict(row) for row in await check(api, "uncommented_columns")] == []

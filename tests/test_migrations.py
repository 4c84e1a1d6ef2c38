"""Migrations apply, roll back completely, apply again; the schema documents itself."""

from __future__ import annotations

import asyncpg
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


async def test_counters_get_all_their_slots_and_room_to_update_in_place(server_url: str) -> None:
    """Migration 0023 on a shop with tickets: every counter key gets its 16 slots (at zero, so
    the sums stay), and both tables keep room on each page for updates in place."""
    url = recreate_database(server_url, "crm_counters_migration_test")
    db.migrate(url)
    while db.migrate(url, rollback=True) != ["0023.counters_kept_together"]:
        pass
    conn = await asyncpg.connect(url)
    try:
        client = await CHECKS.insert_client(conn, name="Иван", phone="+380671112233", email=None)
        await CHECKS.insert_tickets(conn, client_id=client["id"], n=30)
        real = [tuple(row) for row in await CHECKS.real_ticket_counts(conn)]
        slots = [tuple(row) for row in await CHECKS.counter_slots_per_key(conn)]
        assert ("ticket_counts", 1) in slots
        assert [tuple(r) for r in await CHECKS.counter_fillfactors(conn)] == [
            ("ticket_counts", None),
            ("ticket_totals", None),
        ]
        db.migrate(url)
        assert [tuple(row) for row in await CHECKS.counter_slots_per_key(conn)] == [
            ("ticket_counts", 16),
            ("ticket_totals", 16),
        ]
        assert [tuple(row) for row in await CHECKS.kept_ticket_counts(conn)] == real
        assert [tuple(r) for r in await CHECKS.counter_fillfactors(conn)] == [
            ("ticket_counts", "30"),
            ("ticket_totals", "10"),
        ]
    finally:
        await conn.close()

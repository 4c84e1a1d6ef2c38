"""A 200,000-row CSV export streams: the real `crm serve` process's memory stays flat."""

from __future__ import annotations

import asyncio
import os
import urllib.request
from typing import Any

import asyncpg
import psutil

from crm import db
from tests.conftest import TEST_SECRET, recreate_database
from tests.e2e.server import clean_env, free_port, request, run_crm, serving
from tests.factories import CHECKS

ROWS = 200_000
PASSWORD = "export-admin-password"
# Buffering the export would hold its ~30 MB of CSV (and more as Python objects).
ALLOWED_GROWTH = 15 * 1024 * 1024


async def _fill(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await CHECKS["bulk_tickets"](conn, tickets=ROWS)
        await CHECKS["analyze_history"](conn)
    finally:
        await conn.close()


def _server() -> psutil.Process:
    """The `crm serve` child of this test process."""
    children = psutil.Process(os.getpid()).children(recursive=True)
    return next(p for p in children if "serve" in p.cmdline())


def _export(url: str, token: str, server: psutil.Process) -> tuple[int, int, int]:
    """Read the export in 64 kB pieces; return its bytes, its lines and the server's peak RSS."""
    outgoing = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    size = lines = peak = 0
    with urllib.request.urlopen(outgoing, timeout=300) as response:  # noqa: S310 (loopback)
        while piece := response.read(65536):
            size += len(piece)
            lines += piece.count(b"\n")  # titles here hold no line breaks
            peak = max(peak, server.memory_info().rss)
    return size, lines, peak


def test_a_200000_row_export_keeps_the_servers_memory_flat(server_url: str) -> None:
    url = recreate_database(server_url, "crm_csv_memory")
    db.migrate(url)
    asyncio.run(_fill(url))
    env = clean_env(
        DATABASE_URL=url, JWT_SECRET=TEST_SECRET, PORT=str(free_port()), CRM_ADMIN_PASSWORD=PASSWORD
    )
    assert run_crm("create-admin", "--email", "admin@example.com", env=env).returncode == 0
    with serving(env) as base:
        status, body = request(
            f"{base}/auth/login", {"email": "admin@example.com", "password": PASSWORD}
        )
        token: Any = body["access_token"]
        server = _server()
        export = f"{base}/reports/tickets.csv"
        # A small export first, so the baseline includes everything a request loads.
        _export(f"{export}?to=2026-01-02T00:00:00Z", token, server)
        baseline = server.memory_info().rss
        size, lines, peak = _export(export, token, server)
    assert status == 200
    assert lines == ROWS + 1
    assert size > 2 * ALLOWED_GROWTH
    print(f"export: {size:,} bytes; server RSS {baseline:,} before, {peak:,} at most")
    assert peak - baseline < ALLOWED_GROWTH, (baseline, peak)

"""The bench's database: a demo shop cached between runs, reset to the same state before each."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import attrs

from crm import db
from crm.demo import DEFAULT_PASSWORD
from crm.queries import load_queries

CACHE = Path(__file__).resolve().parents[2] / ".bench"
BENCH_SQL = load_queries(Path(__file__).parent)
# Enough tickets that no run of the PATCH scenario (ours or its ceiling, three rounds) touches
# one twice.
TOGGLED = 100_000


@attrs.frozen
class Size:
    """How big the demo shop is."""

    tickets: int
    clients: int
    workers: int

    @property
    def folder(self) -> Path:
        """Where this size's database lives (git-ignored)."""
        return CACHE / f"db-{self.tickets}-{self.clients}-{self.workers}"


@contextlib.contextmanager
def demo_database(size: Size) -> Iterator[str]:
    """The embedded PostgreSQL holding a demo shop of `size`, generated on first use; its URL."""
    with db.embedded_database(size.folder) as url:
        ready = size.folder / "generated"
        if not ready.exists():
            print(f"generating demo data ({size.tickets:,} tickets) into {size.folder} ...")
            command = [sys.executable, "-m", "crm", "demo-data", "--force"]
            command += ["--password", DEFAULT_PASSWORD]
            for name, value in attrs.asdict(size).items():
                command += [f"--{name}", str(value)]
            env = {**os.environ, "DATABASE_URL": url}
            subprocess.run(command, env=env, check=True)  # noqa: S603 (our own command)
            ready.touch()
        db.migrate(url)  # a cache made before a new migration gets it
        yield url


def sample_ids(size: Size) -> list[int]:
    """About a thousand tickets spread over the shop, which the one-ticket scenarios rotate."""
    step = max(1, size.tickets // 1000)
    return list(range(step, size.tickets + 1, step))


@contextlib.asynccontextmanager
async def _connected(url: str) -> AsyncIterator[Any]:
    """A connection of its own to the bench database, closed after the block."""
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


async def tracking_tokens(url: str, ids: list[int]) -> list[str]:
    """The tracking tokens of tickets `ids`, in that order."""
    async with _connected(url) as conn:
        rows = await BENCH_SQL.bench_tracking_tokens(conn, ids=ids)
    return [row["tracking_token"] for row in rows]


async def wal_position(url: str) -> int:
    """How many bytes of WAL the server has written since it was made."""
    async with _connected(url) as conn:
        position: int = await BENCH_SQL.bench_wal_position(conn)
    return position


async def checkpoint(url: str) -> None:
    """Write out everything changed so far: PostgreSQL's next timed checkpoint is then a whole
    interval (5 minutes) away."""
    async with _connected(url) as conn:
        await BENCH_SQL.bench_checkpoint(conn)


async def reset(url: str, size: Size) -> list[int]:
    """Undo earlier runs' writes; return the tickets the PATCH scenario toggles."""
    async with _connected(url) as conn:
        await BENCH_SQL.bench_reset(conn, demo_tickets=size.tickets)
        await BENCH_SQL.bench_reset_clients(conn, demo_clients=size.clients)
        await BENCH_SQL.bench_reset_outbox(conn)
        rows = await BENCH_SQL.bench_toggle_set(conn, count=min(TOGGLED, size.tickets // 4))
        await BENCH_SQL.bench_vacuum(conn)
        await BENCH_SQL.bench_checkpoint(conn)
    return [row["id"] for row in rows]

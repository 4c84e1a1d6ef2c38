"""`python -m tests.bench.reports`: how long each report view and ready report takes at scale.

Runs on the bench's cached demo shop (1M tickets by default; generated on first use, as
`make bench` does) or on any embedded data folder given with --folder. Each query runs three
times; the figures are the first (cold-ish) and the best of the other two, in milliseconds.
Everything runs as a reporting login, as analysts do; ready reports through the bundled psql,
timed by psql's own \\timing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from crm import db, db_access
from crm.package_files import SQL_DIR
from tests.bench.data import BENCH_SQL, Size, demo_database

RUNS = 3
ANALYST = "bench_analyst"


def _last_full_month() -> tuple[datetime, datetime]:
    stop = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (stop - timedelta(days=1)).replace(day=1), stop


async def _time_views(url: str, month: tuple[datetime, datetime]) -> dict[str, list[float]]:
    conn = await asyncpg.connect(url)
    found: dict[str, list[float]] = {}
    try:
        for query in BENCH_SQL:
            if not query.name.startswith("bench_report_"):
                continue
            for _ in range(RUNS):
                started = time.perf_counter()
                given = {"start": month[0], "stop": month[1]}
                await query(conn, **{name: given[name] for name in query.params})
                found.setdefault(query.doc, []).append((time.perf_counter() - started) * 1000)
    finally:
        await conn.close()
    return found


def _time_report(url: str, path: Path, month: tuple[datetime, datetime]) -> list[float]:
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write("\\timing on\n" + path.read_text())
        script.flush()
        command = [str(db_access.psql_path()), "-X", "-q", "-o", "/dev/null", url]
        command += ["-v", f"from={month[0].date()}", "-v", f"to={month[1].date()}"]
        command += ["-v", "ON_ERROR_STOP=1"]
        figures = []
        for _ in range(RUNS):
            done = subprocess.run(  # noqa: S603 (the bundled psql on our own files)
                [*command, "-f", script.name], capture_output=True, text=True, check=True
            )
            figures += [float(ms) for ms in re.findall(r"Time: ([0-9.]+) ms", done.stdout)]
        return figures


@contextmanager
def _database(args: argparse.Namespace) -> Iterator[str]:
    """An analyst's URL (a reporting login) on the chosen database."""
    if args.folder:
        with db.embedded_database(Path(args.folder)) as url:
            db.migrate(url)
            yield asyncio.run(_analyst(url))
    else:
        with demo_database(Size(args.tickets, args.clients, args.workers)) as url:
            yield asyncio.run(_analyst(url))


async def _analyst(url: str) -> str:
    """The bench's reporting login (made on first use; the socket trusts it, as psql does)."""
    error = await db_access.create_reporting_login(url, ANALYST, "bench-analyst-password")
    assert error is None or "already exists" in error, error
    return url.replace("postgresql://postgres:@", f"postgresql://{ANALYST}@", 1)


def main() -> int:
    """Print each view's and report's time at the chosen size."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.reports")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--folder", help="an embedded data folder already filled (CRM_DATA_DIR)")
    args = parser.parse_args()
    month = _last_full_month()
    with _database(args) as url:
        print(asyncio.run(_count(url)), f"; a month = [{month[0].date()}, {month[1].date()})")
        print(f"{'query':<72} {'first ms':>9} {'best ms':>9}")
        for name, runs in asyncio.run(_time_views(url, month)).items():
            print(f"{name:<72} {runs[0]:>9.0f} {min(runs[1:]):>9.0f}")
        for path in sorted((SQL_DIR / "reports").glob("*.sql")):
            runs = _time_report(url, path, month)
            label = f"sql/reports/{path.name} (a month)"
            print(f"{label:<72} {runs[0]:>9.0f} {min(runs[1:]):>9.0f}")
    return 0


async def _count(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        counted: str = await BENCH_SQL.bench_count_history(conn)
        return counted
    finally:
        await conn.close()


if __name__ == "__main__":
    raise SystemExit(main())

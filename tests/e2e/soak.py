"""`make soak`: minutes of mixed traffic against `crm serve --workers 2` with one database
restart in the middle, then the books: no 5xx but 503s while the database was away, every 201
stored exactly once, every history leading to its ticket's status, memory flat at the end.

Usage: python -m tests.e2e.soak [--seconds 300]. Prints its figures; exits 1 when a book fails.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from crm import db
from crm.queries import load_queries
from tests.e2e.server import clean_env, free_port, run_crm
from tests.pg_faults import FaultyServer

ADMIN = ("soak-admin@example.com", "soak-admin-password")
WORKERS = [f"soak-worker{n}@example.com" for n in range(3)]
DECOY = "soak-decoy@example.com"
PASSWORD = "soak-worker-password"
ADDRESSES = [f"198.51.100.{n}" for n in range(1, 51)]
WORDS = ["стиралка", "холодильник", "washer", "boiler", "не включается", "течёт"]
BOOKS = load_queries(Path(__file__).resolve().parent.parent / "sql")


class Run:
    """What the traffic saw: every status by time, the 201s, and the restart window."""

    def __init__(self, base: str, seconds: float) -> None:
        self.base = base
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.statuses: collections.Counter[int] = collections.Counter()
        self.errors: list[tuple[float, str]] = []  # 5xx and transport errors, by time
        self.created: dict[str, int] = {}
        self.window: tuple[float, float] = (float("inf"), float("inf"))
        self.titles = itertools.count()

    def now(self) -> float:
        return time.monotonic() - self.started

    def going(self) -> bool:
        return time.monotonic() < self.deadline

    async def call(
        self, http: aiohttp.ClientSession, method: str, path: str, **kw: Any
    ) -> tuple[int, Any]:
        try:
            async with http.request(method, self.base + path, **kw) as response:
                body = await response.json(content_type=None) if response.status != 204 else None
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            self.errors.append((self.now(), type(exc).__name__))
            await asyncio.sleep(0.2)
            return 0, None
        self.statuses[status] += 1
        if status >= 500:
            self.errors.append((self.now(), str(status)))
        return status, body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _login(run: Run, http: aiohttp.ClientSession, email: str, password: str) -> str | None:
    status, body = await run.call(
        http, "POST", "/auth/login", json={"email": email, "password": password}
    )
    if status != 200:
        await asyncio.sleep(1)  # the database is away, or a limit: no tight loop
        return None
    token: str = body["access_token"]
    return token


async def public_sender(run: Run) -> None:
    async with aiohttp.ClientSession() as http:
        while run.going():
            title = f"soak {next(run.titles)} {random.choice(WORDS)}"
            body = {"title": title, "client": {"phone": f"+38067{random.randrange(10**7):07d}"}}
            headers = {"X-Forwarded-For": random.choice(ADDRESSES)}
            status, answer = await run.call(
                http, "POST", "/tickets/public", json=body, headers=headers
            )
            if status == 201:
                run.created[title] = answer["id"]


async def wrong_logins(run: Run) -> None:
    async with aiohttp.ClientSession() as http:
        while run.going():
            # A real account no worker loop uses (it locks, as it should) and an unknown one.
            email = random.choice([DECOY, "nobody@example.com"])
            headers = {"X-Forwarded-For": random.choice(ADDRESSES)}
            await run.call(
                http,
                "POST",
                "/auth/login",
                json={"email": email, "password": "wrong-one"},
                headers=headers,
            )
            await asyncio.sleep(0.2)


async def admin_reader(run: Run) -> None:
    async with aiohttp.ClientSession() as http:
        token = None
        while run.going():
            token = token or await _login(run, http, *ADMIN)
            if token is None:
                continue
            query = random.choice(
                [{"q": random.choice(WORDS)}, {"status": "new"}, {"status": "done"}, {}]
            )
            status, page = await run.call(
                http,
                "GET",
                "/tickets",
                params={**query, "page_size": "20"},
                headers=_bearer(token),
            )
            if status == 200 and page["next_cursor"]:
                await run.call(
                    http,
                    "GET",
                    "/tickets",
                    params={**query, "page_size": "20", "cursor": page["next_cursor"]},
                    headers=_bearer(token),
                )
            await run.call(http, "GET", "/clients", params={"q": "067"}, headers=_bearer(token))


async def assigner(run: Run, worker_ids: list[int]) -> None:
    async with aiohttp.ClientSession() as http:
        token = None
        while run.going():
            token = token or await _login(run, http, *ADMIN)
            if token is None:
                continue
            status, page = await run.call(
                http,
                "GET",
                "/tickets",
                params={"status": "new", "unassigned": "true"},
                headers=_bearer(token),
            )
            for ticket in page["items"][:5] if status == 200 else []:
                change = {"assignee_id": random.choice(worker_ids), "status": "in_progress"}
                await run.call(
                    http, "PATCH", f"/tickets/{ticket['id']}", json=change, headers=_bearer(token)
                )
            await asyncio.sleep(0.3)


async def worker(run: Run, email: str) -> None:
    async with aiohttp.ClientSession() as http:
        token = None
        while run.going():
            token = token or await _login(run, http, email, PASSWORD)
            if token is None:
                continue
            status, page = await run.call(
                http, "GET", "/tickets", params={"status": "in_progress"}, headers=_bearer(token)
            )
            for ticket in page["items"][:3] if status == 200 else []:
                await run.call(
                    http,
                    "PATCH",
                    f"/tickets/{ticket['id']}",
                    json={"status": "done"},
                    headers=_bearer(token),
                )
            await asyncio.sleep(0.3)


async def restarter(run: Run, server: FaultyServer, at: float) -> None:
    await asyncio.sleep(at)
    stopped = run.now()
    await asyncio.to_thread(server.stop)
    await asyncio.sleep(3)
    await asyncio.to_thread(server.start)
    # 503s are right from the stop until the pool has replaced its dead connections.
    run.window = (stopped, run.now() + 15)
    print(f"database restarted at {stopped:.0f} s (down {run.now() - stopped:.1f} s)")


async def memory_sampler(run: Run, parent: int, samples: list[tuple[float, int]]) -> None:
    while run.going():
        children = [
            p for p in psutil.Process(parent).children() if "spawn_main" in " ".join(p.cmdline())
        ]
        samples.append((run.now(), sum(p.memory_info().rss for p in children)))
        await asyncio.sleep(5)


async def traffic(base: str, seconds: float, server: FaultyServer, parent: int) -> tuple[Run, Any]:
    run = Run(base, seconds)
    async with aiohttp.ClientSession() as http:
        token = await _login(run, http, *ADMIN)
        assert token, "the admin cannot log in"
        worker_ids = []
        for email in [*WORKERS, DECOY]:
            status, user = await run.call(
                http,
                "POST",
                "/users",
                headers=_bearer(token),
                json={"email": email, "password": PASSWORD, "role": "worker"},
            )
            assert status == 201, user
            if email != DECOY:
                worker_ids.append(user["id"])
    samples: list[tuple[float, int]] = []
    await asyncio.gather(
        *(public_sender(run) for _ in range(4)),
        wrong_logins(run),
        admin_reader(run),
        assigner(run, worker_ids),
        *(worker(run, email) for email in WORKERS),
        restarter(run, server, seconds / 2),
        memory_sampler(run, parent, samples),
    )
    return run, samples


async def books(url: str, run: Run, samples: list[tuple[float, int]], seconds: float) -> bool:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        stored = await BOOKS.soak_tickets(conn)
        broken = await BOOKS.soak_broken_histories(conn)
    finally:
        await conn.close()
    by_title = collections.Counter(row["title"] for row in stored)
    ids = {row["title"]: row["id"] for row in stored}
    missing = [t for t, i in run.created.items() if ids.get(t) != i]
    doubled = [t for t, n in by_title.items() if n > 1]
    unanswered = [t for t in by_title if t not in run.created]
    start, end = run.window
    outside = [
        (t, what)
        for t, what in run.errors
        if not (start <= t <= end and what in ("503", "ServerDisconnectedError", "ClientOSError"))
    ]
    inside = [(t, what) for t, what in run.errors if start <= t <= end]
    statuses = dict(sorted(run.statuses.items()))
    total = sum(run.statuses.values())
    # RSS swings by argon2's 64 MiB buffers as logins come and go: compare medians of the first
    # and the last minute of the last three.
    first = [rss for t, rss in samples if seconds - 180 <= t < seconds - 120]
    last = [rss for t, rss in samples if t >= seconds - 60]
    growth = statistics.median(last) / statistics.median(first) - 1 if first and last else 0.0
    print(f"requests: {total} in {seconds:.0f} s ({total / seconds:.0f}/s); by status: {statuses}")
    print(
        f"restart window: {start:.0f}–{end:.0f} s; errors inside it: {len(inside)}"
        f" ({collections.Counter(w for _, w in inside)})"
    )
    print(f"5xx or transport errors outside it: {len(outside)} {outside[:5]}")
    print(
        f"201s: {len(run.created)}; stored tickets: {len(stored)}; missing: {len(missing)};"
        f" stored twice: {len(doubled)}; stored without a 201: {len(unanswered)}"
    )
    by_status = dict(collections.Counter(row["status"] for row in stored))
    print(f"tickets by status at the end: {by_status}")
    print(f"histories that do not lead to their status: {len(broken)}")
    mib = [round(rss / 2**20) for _, rss in samples]
    print(f"workers' RSS (MiB, every 5 s): {mib}")
    print(
        f"RSS growth over the last 3 minutes (median of its last minute against its first):"
        f" {growth:+.1%} (limit +20%)"
    )
    ok = not outside and not missing and not doubled and not broken and growth < 0.20
    print("books balanced" if ok else "BOOKS DO NOT BALANCE")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=300)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="crm-soak-"))
    try:
        with db.embedded_database(folder) as url:
            env = clean_env(
                DATABASE_URL=url,
                ENV="production",
                PORT=str(free_port()),
                JWT_SECRET="soak-secret-0123456789-0123456789-0123456789",
                TRUSTED_PROXIES="127.0.0.1",
                LIMIT_PUBLIC_TICKETS="1000/60",
                CRM_ADMIN_PASSWORD=ADMIN[1],
                DB_STATEMENT_TIMEOUT="5",
            )
            assert run_crm("migrate", env=env).returncode == 0
            assert run_crm("create-admin", "--email", ADMIN[0], env=env).returncode == 0
            log = folder / "serve.log"
            with open(log, "w") as errors:
                server = subprocess.Popen(
                    [sys.executable, "-m", "crm", "serve", "--workers", "2"],
                    env=env,
                    stderr=errors,
                    text=True,
                )
            try:
                base = f"http://127.0.0.1:{env['PORT']}"
                _wait(base)
                faulty = FaultyServer.of(url, folder / "pgdata")
                run, samples = asyncio.run(traffic(base, args.seconds, faulty, server.pid))
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(30)
            ok = asyncio.run(books(url, run, samples, args.seconds))
            tracebacks = log.read_text().count("Traceback")
            print(
                f"tracebacks in the server log: {tracebacks}; server exit code {server.returncode}"
            )
            return 0 if ok and server.returncode == 0 else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait(base: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    raise SystemExit(main())

"""`make bench-outbox`: what the outbox costs a request, and how fast the loop drains it.

1. POST /tickets/public (with an e-mail, so each queues an e-mail and a webhook call) and a
   status PATCH (an e-mail and a call), against `crm serve` with and without the outbox write
   (tests/bench/no_outbox.py), both running, in short runs alternating between them. Delivery
   is off in both (OUTBOX_IN_SERVE=false): this is the cost to the request alone.
2. 10,000 e-mails queued at once, drained by `crm deliver` into a local aiosmtpd server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
from typing import Any

import aiohttp
import asyncpg
from aiosmtpd.controller import Controller

from crm.demo import ADMIN_EMAIL, DEFAULT_PASSWORD
from tests.bench import data, load, processes
from tests.bench.load import Call, Result

SIDES = {"without": ["-m", "tests.bench.no_outbox"], "with": ["-m", "crm"]}


async def _setup(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await data.BENCH_SQL.bench_subscribe(conn)
    finally:
        await conn.close()


async def _token(base: str) -> str:
    async with aiohttp.ClientSession() as http:
        body = {"email": ADMIN_EMAIL, "password": DEFAULT_PASSWORD}
        async with http.post(f"{base}/auth/login", json=body) as response:
            token: str = (await response.json())["access_token"]
            return token


def _public_calls(count: int) -> list[Call]:
    return [
        Call("POST", "/tickets/public", json.dumps({
            "title": f"Не включается стиралка {n}",
            "client": {"name": "Bench", "email": f"bench{n}@example.com"},
        }))
        for n in range(count)
    ]  # fmt: skip


def _server(url: str, side: str) -> contextlib.AbstractContextManager[tuple[str, int]]:
    port = processes.free_port()
    env = {
        "DATABASE_URL": url,
        "JWT_SECRET": processes.BENCH_SECRET,
        "ENV": "bench",
        "OUTBOX_IN_SERVE": "false",
    }
    return processes.running([*SIDES[side], "serve", "--port", str(port)], "/healthz", port, env)


async def _toggle(url: str, count: int) -> list[int]:
    """Put the PATCH scenario's tickets back to in_progress; return their ids."""
    conn = await asyncpg.connect(url)
    try:
        rows = await data.BENCH_SQL.bench_toggle_set(conn, count=count)
    finally:
        await conn.close()
    return [row["id"] for row in rows]


class _Count:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 OK"


def _drain(url: str, emails: int) -> tuple[float, int]:
    async def queue() -> None:
        conn = await asyncpg.connect(url)
        try:
            await data.BENCH_SQL.bench_reset_outbox(conn)
            await data.BENCH_SQL.bench_queue_emails(conn, count=emails)
        finally:
            await conn.close()

    async def pending() -> int:
        conn = await asyncpg.connect(url)
        try:
            count: int = await data.BENCH_SQL.bench_outbox_pending(conn)
            return count
        finally:
            await conn.close()

    asyncio.run(queue())
    counter = _Count()
    smtp_port = processes.free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = {
        "DATABASE_URL": url,
        "JWT_SECRET": processes.BENCH_SECRET,
        "ENV": "bench",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
    }
    try:
        started = time.monotonic()
        with processes.running(["-m", "crm", "deliver"], "", 0, env, ready=lambda: True):
            while asyncio.run(pending()) > 0:
                if time.monotonic() - started > 600:
                    break
                time.sleep(0.2)
            elapsed = time.monotonic() - started
    finally:
        controller.stop()
    return elapsed, counter.received


def main() -> int:
    """Measure both sides and the drain; print the figures."""
    parser = argparse.ArgumentParser(prog="make bench-outbox", description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=3, help="a scenario, a side, a round")
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="without/with pairs")
    parser.add_argument("--part", choices=("all", "requests", "drain"), default="all")
    args = parser.parse_args()
    if why := load.check_wrk():
        print(why)
        return 1
    size = data.Size(args.tickets, args.clients, args.workers)
    with data.demo_database(size) as url:
        if args.part != "drain":
            _requests(url, size, args)
        if args.part != "requests":
            elapsed, received = _drain(url, args.emails)
            print(
                f"drain: {received:,} of {args.emails:,} e-mails to a local aiosmtpd by"
                f" `crm deliver` in {elapsed:.1f} s ({received / elapsed:.0f}/s;"
                " target: 10,000 in < 60 s)"
            )
    return 0


def _requests(url: str, size: data.Size, args: argparse.Namespace) -> None:
    """Both servers up at once; short runs alternating between them, `--rounds` times.

    Other work on the machine comes and goes; runs seconds apart see nearly the same machine,
    so each round's ratio is fair, and the median round is the figure.
    """
    toggled = asyncio.run(data.reset(url, size))
    asyncio.run(_setup(url))
    runs: dict[str, dict[str, list[Result]]] = {side: {"public": [], "patch": []} for side in SIDES}
    with _server(url, "without") as (without, _), _server(url, "with") as (with_, _):
        bases = {"without": without, "with": with_}
        token = asyncio.run(_token(with_))
        for base in bases.values():  # warm-up: the pools open their connections
            load.wrk(base, _public_calls(200), None, 1)
        public = _public_calls(20_000)
        half = len(toggled) // 2
        for round_ in range(args.rounds):
            toggled = asyncio.run(_toggle(url, len(toggled)))
            order = list(SIDES) if round_ % 2 == 0 else list(SIDES)[::-1]
            for n, side in enumerate(order):
                mine = toggled[n * half : (n + 1) * half]
                patches = [Call("PATCH", f"/tickets/{i}", '{"status": "done"}') for i in mine]
                runs[side]["public"].append(load.wrk(bases[side], public, None, args.seconds))
                runs[side]["patch"].append(load.wrk(bases[side], patches, token, args.seconds))
    print(
        f"\n{size.tickets:,} tickets; wrk -t1 -c{load.CONNECTIONS}; {args.rounds} rounds of"
        f" {args.seconds} s a side, alternating; cost = the median round's"
    )
    print(f"{'scenario':<22}{'without r/s':>12}{'with r/s':>10}{'cost':>7}"
          f"{'p50 without':>13}{'p50 with':>10}  rounds' costs")  # fmt: skip
    for name, label in (("public", "POST /tickets/public"), ("patch", "PATCH status")):
        without_runs, with_runs = runs["without"][name], runs["with"][name]
        costs = [1 - w.rps / o.rps for o, w in zip(without_runs, with_runs, strict=True)]
        without_mean, with_mean = _mean(without_runs), _mean(with_runs)
        print(
            f"{label:<22}{without_mean.rps:>12.0f}{with_mean.rps:>10.0f}"
            f"{statistics.median(costs):>7.1%}"
            f"{without_mean.p50_ms or 0:>11.1f}ms{with_mean.p50_ms or 0:>8.1f}ms  "
            + " ".join(f"{c:.0%}" for c in costs)
            + f"  (non-2xx: {without_mean.non_2xx}/{with_mean.non_2xx})"
        )


def _mean(results: list[Result]) -> Result:
    return Result(
        rps=sum(r.rps for r in results) / len(results),
        p50_ms=sum(r.p50_ms or 0 for r in results) / len(results),
        non_2xx=sum(r.non_2xx for r in results),
    )


if __name__ == "__main__":
    raise SystemExit(main())

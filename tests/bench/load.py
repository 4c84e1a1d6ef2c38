"""Load generators: wrk against HTTP, pgbench against PostgreSQL; each run bounded in time."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import attrs

N = TypeVar("N", int, float)
LUA = Path(__file__).with_name("requests.lua")
CONNECTIONS = 16
WRK_MISSING = (
    "wrk is not installed: `apt-get install wrk` (Debian/Ubuntu), `brew install wrk` (macOS)."
)


@attrs.frozen
class Result:
    """What one load run measured."""

    rps: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    non_2xx: int = 0
    socket_errors: int = 0
    requests: int = 0
    # CPU seconds the server process(es) and PostgreSQL's processes used during the run.
    # None where the run was not metered.
    server_cpu_s: float | None = None
    pg_cpu_s: float | None = None
    # Bytes of WAL PostgreSQL wrote during the run (None where not metered).
    wal_bytes: int | None = None

    @property
    def server_us(self) -> float | None:
        """The server's CPU time per request, in µs."""
        if self.server_cpu_s is None or not self.requests:
            return None
        return self.server_cpu_s / self.requests * 1e6

    @property
    def wal_per_request(self) -> float | None:
        """The WAL PostgreSQL wrote per request, in bytes."""
        if self.wal_bytes is None or not self.requests:
            return None
        return self.wal_bytes / self.requests

    @property
    def pg_us(self) -> float | None:
        """PostgreSQL's CPU time per request, in µs."""
        if self.pg_cpu_s is None or not self.requests:
            return None
        return self.pg_cpu_s / self.requests * 1e6


@attrs.frozen
class Call:
    """One HTTP request of a scenario: method, path (with query) and an optional JSON body."""

    method: str
    path: str
    body: str = ""


def _total(values: list[N | None]) -> N | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def merge(*runs: Result, p99: Callable[[list[float]], float] = max) -> Result:
    """Equal-length runs as one: mean rate and p50, every error and CPU second, and their p99s
    taken as `p99` takes them (the worst, unless told)."""
    n = len(runs)
    return Result(
        rps=sum(r.rps for r in runs) / n,
        p50_ms=sum(r.p50_ms or 0 for r in runs) / n,
        p99_ms=p99([r.p99_ms or 0 for r in runs]),
        non_2xx=sum(r.non_2xx for r in runs),
        socket_errors=sum(r.socket_errors for r in runs),
        requests=sum(r.requests for r in runs),
        server_cpu_s=_total([r.server_cpu_s for r in runs]),
        pg_cpu_s=_total([r.pg_cpu_s for r in runs]),
        wal_bytes=_total([r.wal_bytes for r in runs]),
    )


def check_wrk() -> str | None:
    """Why wrk cannot run, or None."""
    return None if shutil.which("wrk") else WRK_MISSING


def wrk(
    base: str, calls: list[Call], token: str | None, seconds: int, conns: int = CONNECTIONS
) -> Result:
    """Cycle through `calls` with wrk -t1 -c`conns` for `seconds` and read its summary line."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as file:
        for call in calls:
            file.write(f"{call.method}\t{call.path}\t{call.body}\n")
    env = {**os.environ, "WRK_REQUESTS": file.name, "WRK_TOKEN": token or ""}
    command = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "-s", str(LUA), base]
    try:
        out = subprocess.run(  # noqa: S603 (our own command line)
            command, env=env, capture_output=True, text=True, timeout=seconds + 30, check=True
        ).stdout
    finally:
        os.unlink(file.name)
    summary, _, error = out.split("BENCH ", 1)[1].partition("BENCH_ERROR ")
    if error:
        print(f"  first error of {calls[0].method} {calls[0].path}...: {error.strip()[:200]}")
    fields = dict(re.findall(r"(\w+)=(\d+)", summary))
    values = {key: int(value) for key, value in fields.items()}
    return Result(
        rps=values["requests"] / (values["duration_us"] / 1e6),
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        non_2xx=values["non2xx"],
        socket_errors=values["socket_errors"],
        requests=values["requests"],
    )


def pgbench(binary: str, url: str, sql: str, seconds: int) -> Result:
    """Run one statement as a pgbench script, prepared, on `CONNECTIONS` clients; its tps."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(sql.strip().rstrip(";") + ";\n")
    command = [binary, "-n", "-M", "prepared", f"-c{CONNECTIONS}", "-j1", f"-T{seconds}"]
    try:
        out = subprocess.run(  # noqa: S603 (our own command line)
            [*command, "-f", file.name, url],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"pgbench failed on:\n{sql}\n{exc.stderr}") from None
    finally:
        os.unlink(file.name)
    tps = re.search(r"tps = ([\d.]+)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    assert tps, out
    return Result(rps=float(tps.group(1)), p50_ms=float(latency.group(1)) if latency else None)

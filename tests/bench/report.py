"""The one table the bench prints: our numbers, the ceilings' ratios, CPU per request, targets."""

from __future__ import annotations

import os
import platform
import statistics
import time

from tests.bench.load import Result
from tests.bench.scenarios import Scenario

P99_TARGET_MS = 50.0
HEADER = (
    f"{'scenario':<34}{'req/s':>7}{'p50':>7}{'p99':>7}{'err':>7}{'srv µs':>9}{'pg µs':>7}"
    f"{'/plain':>7}{'cpu':>5}{'/bare':>6}{'/http':>6}{'/pgb':>6}{'plain srv':>10}{'pg µs':>7}"
    "  target"
)
LEGEND = (
    "req/s, p50/p99 ms, errors and CPU µs a request (server, PostgreSQL) are ours; /plain /bare"
    " /http /pgb are our rate over each ceiling's, measured in the same run (/plain and /bare:"
    " the median of the rounds a scenario with a target ran); 'cpu' is the"
    " plainest ceiling's CPU a request (server + PostgreSQL) over ours; 'plain srv, pg µs' is"
    " the plainest ceiling's CPU a request."
)


def _share(ours: Result, other: Result | None, rounds: list[float] | None) -> float | None:
    """Ours over `other`'s rate: the median round's when it ran in rounds."""
    if rounds:
        return statistics.median(rounds)
    return ours.rps / other.rps if other and other.rps else None


def _ratio(ours: Result, ceiling: Result | None, rounds: list[float] | None = None) -> str:
    share = _share(ours, ceiling, rounds)
    return f"{share:.0%}" if share is not None else "-"


def _cpu_ratio(ours: Result, ceiling: Result | None) -> str:
    """The plainest ceiling's CPU a request (server + PostgreSQL) over ours: the rate ratio a
    machine would show whose cores are all busy, and steadier than rates on a shared one."""
    if not ceiling or not (ours.server_us and ours.pg_us and ceiling.server_us and ceiling.pg_us):
        return "-"
    return f"{(ceiling.server_us + ceiling.pg_us) / (ours.server_us + ours.pg_us):.0%}"


def _num(value: float | None, digits: int = 0) -> str:
    return f"{value:.{digits}f}" if value is not None else "-"


def verdict(
    scenario: Scenario,
    ours: Result,
    plain: Result | None,
    our_list: Result | None,
    rounds: dict[str, list[float]] | None = None,
) -> str:
    """Which targets the row misses, or 'ok' ('-' when it has none); a scenario that ran in
    rounds is held to its median round."""
    misses = []
    rounds = rounds or {}
    share = _share(ours, plain, rounds.get("plain"))
    if scenario.floor and share is not None and share < scenario.floor:
        misses.append(f"<{scenario.floor:.0%} plain")
    of_list = _share(ours, our_list, rounds.get("list"))
    if scenario.of_our_list and of_list is not None and of_list < scenario.of_our_list:
        misses.append(f"<{scenario.of_our_list:.0%} of our list")
    if scenario.ceiling and ours.p99_ms is not None and ours.p99_ms >= P99_TARGET_MS:
        misses.append(f"p99>={P99_TARGET_MS:.0f}")
    if ours.non_2xx or ours.socket_errors:
        misses.append("errors")
    if not (scenario.floor or scenario.of_our_list):
        return "-" if not misses else "MISS " + ",".join(misses)
    return "MISS " + ",".join(misses) if misses else "ok"


def row(
    scenario: Scenario,
    ours: Result,
    ceilings: dict[str, Result],
    our_list: Result | None,
    rounds: dict[str, list[float]] | None = None,
) -> str:
    """One line of the table (`rounds`: ours over each interleaved ceiling, one a round)."""
    plain = ceilings.get("plain")
    rounds = rounds or {}
    return (
        f"{scenario.label:<34}{ours.rps:>7.0f}{_num(ours.p50_ms, 1):>7}{_num(ours.p99_ms, 1):>7}"
        f"{ours.non_2xx + ours.socket_errors:>7}{_num(ours.server_us):>9}{_num(ours.pg_us):>7}"
        f"{_ratio(ours, plain, rounds.get('plain')):>7}{_cpu_ratio(ours, plain):>5}"
        f"{_ratio(ours, ceilings.get('bare'), rounds.get('bare')):>6}"
        f"{_ratio(ours, ceilings.get('http')):>6}{_ratio(ours, ceilings.get('pgb')):>6}"
        f"{_num(plain.server_us if plain else None):>10}{_num(plain.pg_us if plain else None):>7}"
        f"  {verdict(scenario, ours, plain, our_list, rounds)}"
    )


def cpu(result: Result | None) -> str:
    """A run's CPU a request: the server's and PostgreSQL's µs."""
    if result is None or result.server_us is None or result.pg_us is None:
        return "-"
    return f"{result.server_us:.0f} + {result.pg_us:.0f}"


def wal(result: Result | None) -> str:
    """A run's WAL a request, in bytes."""
    per_request = result.wal_per_request if result else None
    return f"{per_request:,.0f} B" if per_request is not None else "-"


def per_core(result: Result | None) -> str:
    """What one core of the server and one of PostgreSQL would carry at this CPU cost."""
    if result is None or not result.server_us or not result.pg_us:
        return "-"
    return f"server {1e6 / result.server_us:,.0f}/s, PostgreSQL {1e6 / result.pg_us:,.0f}/s"


def machine() -> str:
    """Where and when the numbers were taken, with the load other work put on the machine."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')} · {platform.machine()} · {os.cpu_count()} cores"
        f" · load before the run {load}"
    )

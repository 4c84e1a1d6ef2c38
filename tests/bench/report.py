"""The one table the bench prints: our numbers, the ceilings' ratios, and the targets."""

from __future__ import annotations

import os
import platform
import time

from tests.bench.load import Result
from tests.bench.scenarios import Scenario

P99_TARGET_MS = 50.0
HEADER = (
    f"{'scenario':<34}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'non2xx':>7}"
    f"{'/http':>7}{'/bare':>7}{'/pgb':>7}  target"
)


def _ratio(ours: Result, ceiling: Result | None) -> str:
    return f"{ours.rps / ceiling.rps:.0%}" if ceiling and ceiling.rps else "-"


def _ms(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "-"


def verdict(scenario: Scenario, ours: Result, bare: Result | None) -> str:
    """Which targets the row misses, or 'ok'."""
    misses = []
    if scenario.target_rps and ours.rps < scenario.target_rps:
        misses.append(f"<{scenario.target_rps}/s")
    if scenario.target_rps and ours.p99_ms is not None and ours.p99_ms >= P99_TARGET_MS:
        misses.append(f"p99>={P99_TARGET_MS:.0f}")
    if ours.non_2xx or ours.socket_errors:
        misses.append("errors")
    if bare and ours.rps < 0.6 * bare.rps:
        misses.append("<60% bare")
    return "MISS " + ",".join(misses) if misses else "ok"


def row(
    scenario: Scenario, ours: Result, http: Result | None, bare: Result | None, pgb: Result | None
) -> str:
    """One line of the table."""
    target = verdict(scenario, ours, bare) if scenario.target_rps or bare else "-"
    return (
        f"{scenario.label:<34}{ours.rps:>8.0f}{_ms(ours.p50_ms):>8}{_ms(ours.p99_ms):>8}"
        f"{ours.non_2xx + ours.socket_errors:>7}"
        f"{_ratio(ours, http):>7}{_ratio(ours, bare):>7}{_ratio(ours, pgb):>7}  {target}"
    )


def machine() -> str:
    """Where and when the numbers were taken, with the load other work put on the machine."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')} · {platform.machine()} · {os.cpu_count()} cores"
        f" · load before the run {load}"
    )

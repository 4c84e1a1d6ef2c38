"""Starting and stopping the servers the bench measures, and reading their memory."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil

BENCH_SECRET = "bench-secret-that-is-long-enough-for-hs256-0123456789"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback server)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within a minute")


@contextlib.contextmanager
def running(
    args: list[str],
    health: str,
    port: int,
    env: dict[str, str],
    ready: Callable[[], bool] | None = None,
) -> Iterator[tuple[str, int]]:
    """Run a server until the block ends; yield its base URL and pid.

    `ready` replaces the wait for `health` for processes that serve no HTTP (`crm deliver`).
    """
    log = Path(f"/tmp/crm-bench-{port}.log")  # noqa: S108 (a throwaway log of our own server)
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, *args], env={**os.environ, **env}, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        if ready is None:
            _wait_until_up(base + health, process)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def service(url: str, workers: int) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """`crm serve` on a free port against the demo database."""
    port = free_port()
    env = {
        "DATABASE_URL": url,
        "JWT_SECRET": BENCH_SECRET,
        "ENV": "bench",
        # Every bench customer comes from one address: its abuse limit would refuse all but 20.
        "LIMIT_PUBLIC_TICKETS": "0/3600",
        # The writes are measured as requests: each queues its notifications in its own
        # transaction, as always, but nothing delivers them during the run (as
        # `make bench-outbox` measures the request). Delivering is the loop's work, measured
        # by that bench's drain; here, with no SMTP server, every e-mail would fail and be
        # retried, charging the scenario that happens to run then.
        "OUTBOX_IN_SERVE": "false",
    }
    args = ["-m", "crm", "serve", "--port", str(port), "--workers", str(workers)]
    return running(args, "/healthz", port, env)


def ceiling(url: str, spec_file: Path) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """The bare ceiling app on a free port."""
    port = free_port()
    args = ["-m", "tests.bench.ceiling", str(port), url, str(spec_file)]
    return running(args, "/http/first", port, {})


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children once they are idle, in MiB."""
    root = psutil.Process(pid)
    family = [root, *root.children(recursive=True)]
    # Logins still queued when wrk stops hold argon2's 64 MiB each: wait until the CPU rests.
    deadline = time.monotonic() + 30
    busy = sum(sum(p.cpu_times()[:2]) for p in family)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = sum(sum(p.cpu_times()[:2]) for p in family)
        if now - busy < 0.05:
            break
        busy = now
    return sum(p.memory_info().rss for p in family) / 2**20


def _family(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def cpu_times(pid: int) -> dict[int, float]:
    """User + system CPU seconds of a process and each of its descendants, by pid."""
    times = {}
    for process in _family(pid):
        with contextlib.suppress(psutil.Error):  # a backend may exit between listing and reading
            times[process.pid] = sum(process.cpu_times()[:2])
    return times


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two `cpu_times` (a process born meanwhile counts from zero)."""
    return sum(spent - before.get(pid, 0.0) for pid, spent in after.items())


def postmaster_pid(data_dir: Path) -> int:
    """The pid of the PostgreSQL server running on `data_dir` (its backends are its children)."""
    return int((data_dir / "postmaster.pid").read_text().split()[0])

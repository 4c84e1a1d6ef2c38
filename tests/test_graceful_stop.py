"""SIGTERM during a burst of public requests over keep-alive connections: every request the
server acknowledged (201) is stored exactly once, nothing unacknowledged is stored, requests in
flight finish, and the server is gone within 10 seconds."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psycopg

from crm import db
from tests.e2e.server import clean_env, free_port, run_crm

CONNECTIONS = 8
SECRET = "graceful-stop-test-secret-0123456789abcdef"


async def _burst(
    base: str, worker: int, stop_at: float, created: dict[str, int], enough: asyncio.Event
) -> list[str]:
    """Send public requests on one keep-alive connection until the server goes away."""
    failures = []
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as http:
        n = 0
        while time.monotonic() < stop_at:
            title = f"burst {worker}-{n}"
            n += 1
            body = {"title": title, "client": {"phone": f"+3806700{worker:02d}{n % 1000:03d}"}}
            try:
                async with http.post(f"{base}/tickets/public", json=body) as response:
                    if response.status == 201:
                        created[title] = (await response.json())["id"]
                        if len(created) >= 100:
                            enough.set()
                    else:
                        failures.append(f"{title}: {response.status}")
            except (aiohttp.ClientError, OSError):
                return failures  # the server closed: the burst from this connection is over
    return failures


async def test_sigterm_during_a_burst_keeps_every_acknowledged_request() -> None:
    folder = Path(tempfile.mkdtemp(prefix="crm-graceful-"))
    server: subprocess.Popen[str] | None = None
    try:
        with db.embedded_database(folder) as url:
            env = clean_env(
                DATABASE_URL=url,
                JWT_SECRET=SECRET,
                ENV="production",
                PORT=str(free_port()),
                LIMIT_PUBLIC_TICKETS="0/3600",
            )
            assert run_crm("migrate", env=env).returncode == 0
            log_path = folder / "serve.log"
            server = _start(env, log_path)
            base = f"http://127.0.0.1:{env['PORT']}"
            await _until_up(base, server)
            created: dict[str, int] = {}
            stop_at, enough = time.monotonic() + 30, asyncio.Event()
            bursts = [
                asyncio.ensure_future(_burst(base, n, stop_at, created, enough))
                for n in range(CONNECTIONS)
            ]
            # A hundred acknowledged, the burst still going; failing requests fail the test here
            # rather than leave it waiting for ever.
            await asyncio.wait_for(enough.wait(), 30)
            server.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            failures = [f for result in await asyncio.gather(*bursts) for f in result]
            await asyncio.to_thread(server.wait, 10)
            stopped_in = time.monotonic() - signalled
            log = log_path.read_text()
            with psycopg.connect(url) as conn:
                stored = conn.execute("SELECT title, id FROM tickets").fetchall()
    finally:
        if server is not None and server.poll() is None:
            server.kill()  # only when the test failed before the server stopped
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)
    assert failures == [], failures
    assert server.returncode == 0, log
    assert stopped_in < 10
    titles = [title for title, _ in stored]
    assert len(titles) == len(set(titles))  # nothing stored twice
    assert dict(stored) == created  # every 201 stored, nothing stored without its 201
    assert "Traceback" not in log


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    with open(log, "w") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "crm", "serve"], env=env, stderr=errors, text=True
        )


async def _until_up(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        while True:
            assert server.poll() is None, "crm serve exited"
            try:
                async with http.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            assert time.monotonic() < deadline, "crm serve did not start"
            await asyncio.sleep(0.2)

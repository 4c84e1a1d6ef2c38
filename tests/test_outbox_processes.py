"""Real `crm serve` processes deliver the outbox: never a row twice, nothing lost to kill -9."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from crm import db
from crm.queries import load_queries
from tests.conftest import recreate_database
from tests.e2e.server import clean_env, free_port, request, serving
from tests.factories import CHECKS
from tests.notify_fixtures import Mailbox, smtp_server

QUERIES = load_queries()


@pytest.fixture(name="shared_url")
def _shared_url(server_url: str) -> str:
    """A database of its own that several server processes share."""
    url = recreate_database(server_url, "crm_outbox_processes")
    db.migrate(url)
    return url


def _env(url: str, smtp: str, data: Path) -> dict[str, str]:
    return clean_env(
        DATABASE_URL=url,
        PORT=str(free_port()),
        CRM_DATA_DIR=str(data),
        SMTP_URL=smtp,
        OUTBOX_RETRY_BASE_SECONDS="1",
        DB_POOL_MIN_SIZE="1",
    )


async def _queue(url: str, count: int) -> None:
    """One ticket and `count` e-mails about it, queued in one transaction; then one NOTIFY."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            client = await CHECKS["insert_client"](conn, name="Иван", phone=None, email=None)
            ticket = await CHECKS["insert_ticket"](
                conn, title="Чайник", client_id=client["id"], assignee_id=None, status="new"
            )
            await CHECKS["queue_emails"](conn, ticket_id=ticket, count=count)
        # As the app does once a request that queued rows has committed.
        await QUERIES["wake_deliverers"](conn)
    finally:
        await conn.close()


async def _outbox(url: str) -> tuple[dict[str, int], int]:
    conn = await asyncpg.connect(url)
    try:
        counts = dict(await CHECKS["outbox_counts"](conn))
        attempts = await conn.fetchval("SELECT count(*) FROM outbox_attempts")
        return counts, attempts
    finally:
        await conn.close()


def _wait(check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_servers_on_one_database_never_deliver_a_row_twice(
    shared_url: str, tmp_path: Path
) -> None:
    mailbox = Mailbox(delay=0.005)
    count = 400
    with (
        smtp_server(mailbox) as smtp,
        serving(_env(shared_url, smtp, tmp_path / "a"), log=tmp_path / "a.log"),
        serving(_env(shared_url, smtp, tmp_path / "b"), log=tmp_path / "b.log"),
    ):
        asyncio.run(_queue(shared_url, count))
        _wait(lambda: len(mailbox.messages) >= count, 60)
        time.sleep(1)  # a duplicate, were there one, would arrive by now
    recipients = [rcpt[0] for rcpt, _ in mailbox.messages]
    assert len(recipients) == count
    assert len(set(recipients)) == count
    counts, attempts = asyncio.run(_outbox(shared_url))
    assert counts == {"pending": 0, "sent": count, "dead": 0}
    assert attempts == count


@pytest.fixture(name="killable")
def _killable() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_kill_9_during_delivery_then_delivery_after_restart(
    shared_url: str, tmp_path: Path, killable: list[subprocess.Popen[str]]
) -> None:
    mailbox = Mailbox()
    mailbox.stall = True
    with smtp_server(mailbox) as smtp:
        env = _env(shared_url, smtp, tmp_path / "a")
        first = subprocess.Popen(
            [sys.executable, "-m", "crm", "serve"], env=env, stderr=subprocess.DEVNULL, text=True
        )
        killable.append(first)
        _wait(lambda: _answers(env["PORT"]), 60)
        asyncio.run(_queue(shared_url, 1))
        _wait(lambda: mailbox.stalled == 1, 30)  # the server is mid-delivery, holding the row
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        mailbox.stall = False
        # The killed server's transaction died with its connection: the row is pending again.
        assert asyncio.run(_outbox(shared_url)) == ({"pending": 1, "sent": 0, "dead": 0}, 0)
        with serving(_env(shared_url, smtp, tmp_path / "b"), log=tmp_path / "b.log"):
            _wait(lambda: len(mailbox.messages) == 1, 30)
    assert [rcpt for rcpt, _ in mailbox.messages] == [["customer1@example.com"]]
    assert asyncio.run(_outbox(shared_url)) == ({"pending": 0, "sent": 1, "dead": 0}, 1)


def _answers(port: str) -> bool:
    try:
        return request(f"http://127.0.0.1:{port}/healthz")[0] == 200
    except OSError:
        return False


def test_sigterm_mid_delivery_releases_the_row_for_the_next_server(
    shared_url: str, tmp_path: Path, killable: list[subprocess.Popen[str]]
) -> None:
    mailbox = Mailbox()
    mailbox.stall = True
    with smtp_server(mailbox) as smtp:
        env = _env(shared_url, smtp, tmp_path / "a")
        first = subprocess.Popen(
            [sys.executable, "-m", "crm", "serve"], env=env, stderr=subprocess.PIPE, text=True
        )
        killable.append(first)
        _wait(lambda: _answers(env["PORT"]), 60)
        asyncio.run(_queue(shared_url, 1))
        _wait(lambda: mailbox.stalled == 1, 30)
        first.send_signal(signal.SIGTERM)
        # The batch in hand gets a grace period, then is rolled back: no try is recorded.
        _, log = first.communicate(timeout=60)
        assert first.returncode == 0, log
        assert "outbox delivery stopped mid-batch; its rows will be retried" in log
        assert asyncio.run(_outbox(shared_url)) == ({"pending": 1, "sent": 0, "dead": 0}, 0)
        mailbox.stall = False
        with serving(_env(shared_url, smtp, tmp_path / "b"), log=tmp_path / "b.log"):
            _wait(lambda: len(mailbox.messages) == 1, 30)
    assert asyncio.run(_outbox(shared_url)) == ({"pending": 0, "sent": 1, "dead": 0}, 1)


def test_crm_deliver_runs_the_loop_alone_and_stops_on_sigterm(
    shared_url: str, tmp_path: Path, killable: list[subprocess.Popen[str]]
) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as smtp:
        deliver = subprocess.Popen(
            [sys.executable, "-m", "crm", "deliver"],
            env=_env(shared_url, smtp, tmp_path / "a"),
            stderr=subprocess.PIPE,
            text=True,
        )
        killable.append(deliver)
        asyncio.run(_queue(shared_url, 3))
        _wait(lambda: len(mailbox.messages) == 3, 60)
        deliver.send_signal(signal.SIGTERM)
        _, log = deliver.communicate(timeout=30)
    assert deliver.returncode == 0, log
    assert asyncio.run(_outbox(shared_url)) == ({"pending": 0, "sent": 3, "dead": 0}, 3)

"""The delivery loop: claim due outbox rows, send them, record the outcome, sleep until woken."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from aiohttp import web

from crm import db
from crm.app_keys import POOL, QUERIES, SETTINGS
from crm.notify.email import Mailer, MailFailed
from crm.notify.webhooks import WebhookFailed, WebhookSender
from crm.queries import Queries, load_queries
from crm.settings import Settings

log = logging.getLogger("crm.notify")

CHANNEL = "outbox"
# Even with no NOTIFY (a lost listener connection), look again this often.
IDLE_SECONDS = 30.0
# How long a graceful shutdown lets the batch in hand finish before rolling it back.
SHUTDOWN_SECONDS = 15.0


def retry_delay(attempts: int, settings: Settings) -> float | None:
    """Seconds before try number `attempts + 1`, or None when the row has had its tries.

    Exponential from OUTBOX_RETRY_BASE_SECONDS, capped at OUTBOX_RETRY_MAX_SECONDS, with full
    jitter over the upper half so rows that failed together do not come back together.
    """
    if attempts >= settings.outbox_max_attempts:
        return None
    ceiling: float = min(
        settings.outbox_retry_max_seconds,
        settings.outbox_retry_base_seconds * 2 ** (attempts - 1),
    )
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not a secret)


class Deliverer:
    """Delivers the outbox from one process; any number of them may share a database."""

    def __init__(self, settings: Settings, pool: Any, queries: Queries) -> None:
        self.settings = settings
        self._pool = pool
        self._queries = queries
        self._mailer = Mailer(settings)
        self._webhooks = WebhookSender(
            timeout=settings.webhook_timeout_seconds, public_only=not settings.is_local
        )
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()

    async def deliver_batch(self) -> int:
        """Claim a batch of due rows, deliver them concurrently, record it; return how many."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await self._queries.claim_due(conn, limit=self.settings.outbox_batch_size)
            if not rows:
                return 0
            limit = asyncio.Semaphore(self.settings.outbox_concurrency)

            async def attempt(row: Any) -> tuple[bool, int | None, str | None]:
                async with limit:
                    return await self._attempt(row)

            outcomes = await asyncio.gather(*(attempt(row) for row in rows))
            delays = [
                None if ok else retry_delay(row["attempts"] + 1, self.settings)
                for row, (ok, _, _) in zip(rows, outcomes, strict=True)
            ]
            for row, (ok, _, error), delay in zip(rows, outcomes, delays, strict=True):
                if not ok and delay is None:
                    log.warning(
                        "outbox %d (%s %s to %s) is dead after %d tries: %s",
                        row["id"],
                        row["channel"],
                        row["event_type"],
                        row["recipient"] or row["webhook_url"],
                        row["attempts"] + 1,
                        error,
                    )
            await self._queries.record_attempts(
                conn,
                ids=[row["id"] for row in rows],
                oks=[ok for ok, _, _ in outcomes],
                response_statuses=[status for _, status, _ in outcomes],
                errors=[error for _, _, error in outcomes],
                delays=delays,
            )
        return len(rows)

    async def _attempt(self, row: Any) -> tuple[bool, int | None, str | None]:
        """One try: (delivered, the receiver's HTTP status, why it failed)."""
        try:
            if row["channel"] == "email":
                await self._mailer.send(row)
                return True, None, None
            return True, await self._webhooks.send(row), None
        except MailFailed as exc:
            return False, None, str(exc)[:1000]
        except WebhookFailed as exc:
            return False, exc.status, str(exc)[:1000]
        except Exception as exc:  # a bug in rendering must not stop the other rows
            log.exception("outbox %d could not be delivered", row["id"])
            return False, None, f"{type(exc).__name__}: {exc}"[:1000]

    async def drain(self) -> int:
        """Deliver batches until nothing is due; return how many rows were tried."""
        total = 0
        while (done := await self.deliver_batch()) > 0:
            total += done
        return total

    async def run(self, database_url: str) -> None:
        """Deliver until stop(): drain, then sleep until NOTIFY, the next due row, or a while."""
        while not self._stop.is_set():
            try:
                await self._listen_and_deliver(database_url)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("outbox delivery paused for 5 s: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 5)
            except Exception:
                log.exception("outbox delivery failed; starting again in 5 s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 5)

    async def _listen_and_deliver(self, database_url: str) -> None:
        listener = await asyncpg.connect(database_url)
        try:
            await listener.add_listener(CHANNEL, lambda *_: self._wake.set())
            while not self._stop.is_set():
                self._wake.clear()
                if await self.deliver_batch():
                    continue
                due_in = await self._queries.next_due_in(self._pool)
                wait = IDLE_SECONDS if due_in is None else min(IDLE_SECONDS, max(due_in, 0.0))
                if wait > 0:
                    await _first(self._wake.wait(), self._stop.wait(), seconds=wait)
        finally:
            await listener.close(timeout=5)

    def stop(self) -> None:
        """Ask the loop to finish its batch in hand and return."""
        self._stop.set()

    async def close(self) -> None:
        """Release the HTTP session and the SMTP connections."""
        await self._webhooks.close()
        await self._mailer.close()


async def _first(*waits: Any, seconds: float) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


@contextlib.asynccontextmanager
async def delivering(settings: Settings, pool: Any, queries: Queries) -> AsyncIterator[Deliverer]:
    """Run the loop in the background; on exit let its batch finish, else roll it back."""
    assert settings.database_url
    deliverer = Deliverer(settings, pool, queries)
    task = asyncio.create_task(deliverer.run(settings.database_url), name="outbox-delivery")
    try:
        yield deliverer
    finally:
        deliverer.stop()
        try:
            await asyncio.wait_for(task, SHUTDOWN_SECONDS)
        except TimeoutError:
            # Cancelled mid-batch: its transaction rolls back and the rows are due again.
            log.warning("outbox delivery stopped mid-batch; its rows will be retried")
        await deliverer.close()


async def delivery_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx for `crm serve`: the loop runs beside the HTTP server, on the app's pool."""
    async with delivering(app[SETTINGS], app[POOL], app[QUERIES]):
        yield


async def deliver_forever(settings: Settings) -> None:
    """`crm deliver`: the loop alone, with a small pool of its own, until SIGINT or SIGTERM."""
    import signal

    assert settings.database_url
    pool = await db.create_pool(settings.database_url, settings)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    try:
        async with delivering(settings, pool, load_queries()):
            log.info("delivering the outbox (ENV=%s)", settings.env)
            await stopped.wait()
    finally:
        await pool.close()

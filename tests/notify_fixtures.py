"""Real counterparts for notifications: an SMTP server (aiosmtpd), a webhook receiver (aiohttp)."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import time
from collections.abc import AsyncIterator, Callable, Iterator
from email.message import EmailMessage
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from crm.app import create_app
from crm.app_keys import POOL, QUERIES
from crm.notify.outbox import Deliverer
from crm.settings import Settings
from tests.api import Api
from tests.e2e.server import free_port


class Mailbox:
    """What the SMTP server received: each message parsed, with its envelope recipients."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        # Seconds each message takes to accept, so several senders overlap.
        self.delay = delay
        # While set, messages are held for a minute and refused (a stuck server).
        self.stall = False
        self.stalled = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """aiosmtpd's hook: keep the message."""
        if self.stall:
            self.stalled += 1
            await asyncio.sleep(60)
            return "451 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`, in arrival order."""
        return [message for rcpt, message in self.messages if address in rcpt]


@attrs.define
class Receiver:
    """A webhook receiver: records each request; `statuses` (consumed in order) are its answers."""

    url: str
    requests: list[tuple[dict[str, str], bytes]] = attrs.field(factory=list)
    statuses: list[int] = attrs.field(factory=list)
    delay: float = 0.0

    def bodies(self) -> list[Any]:
        """The JSON bodies received."""
        import json

        return [json.loads(raw) for _, raw in self.requests]


@contextlib.contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[str]:
    """Run a real SMTP server (aiosmtpd, in its own thread) for `mailbox`; yield its URL."""
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture(name="mailbox")
def _mailbox() -> Iterator[tuple[Mailbox, str]]:
    """A real SMTP server on 127.0.0.1 and its smtp:// URL."""
    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        yield mailbox, url


@pytest.fixture(name="receiver")
async def _receiver() -> AsyncIterator[Receiver]:
    """A real aiohttp server on 127.0.0.1 that takes webhooks."""
    port = free_port()
    receiver = Receiver(url=f"http://127.0.0.1:{port}/hook")

    async def take(request: web.Request) -> web.Response:
        receiver.requests.append((dict(request.headers), await request.read()))
        if receiver.delay:
            await asyncio.sleep(receiver.delay)
        status = receiver.statuses.pop(0) if receiver.statuses else 204
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/hook", take)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield receiver
    finally:
        await runner.cleanup()


@pytest.fixture(name="notify_settings")
def _notify_settings(
    settings: Settings, mailbox: tuple[Mailbox, str], empty_tables: None
) -> Settings:
    """The test settings with the SMTP server, back-off in hundredths of a second; empty tables."""
    return attrs.evolve(
        settings,
        smtp_url=mailbox[1],
        smtp_from="Repair CRM <crm@example.com>",
        public_base_url="https://crm.example.com",
        outbox_retry_base_seconds=0.01,
        outbox_retry_max_seconds=0.02,
        outbox_max_attempts=3,
    )


@pytest.fixture(name="napi")
async def _napi(aiohttp_client: Any, notify_settings: Settings) -> AsyncIterator[Api]:
    """The real app with notifications configured (its delivery loop is not running)."""
    client = await aiohttp_client(create_app(notify_settings))
    yield Api(client)


@pytest.fixture(name="deliverer")
async def _deliverer(napi: Api, notify_settings: Settings) -> AsyncIterator[Deliverer]:
    """A delivery loop's worker on the app's pool, driven by hand (drain) in tests."""
    deliverer = Deliverer(notify_settings, napi.app[POOL], napi.app[QUERIES])
    yield deliverer
    await deliverer.close()


async def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait until `check()` holds (a real server works in its own time), or fail."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)

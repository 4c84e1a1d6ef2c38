"""The app behind the real server (CrmRunner: timeouts, access log, parser errors) on a port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from crm.app import create_app
from crm.http.server import CrmRunner
from crm.settings import Settings
from tests.e2e.server import free_port


@contextlib.asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[tuple[web.Application, int]]:
    """Serve `settings`' app on 127.0.0.1 until the block ends; yield the app and its port."""
    app = create_app(settings)
    runner = CrmRunner(app, header_timeout=settings.header_read_timeout)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield app, port
    finally:
        await runner.cleanup()


async def raw_exchange(port: int, data: bytes, *, wait: float = 5.0) -> bytes:
    """Send raw bytes, return everything the server answers before it closes or goes quiet."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        chunks = []
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                while chunk := await reader.read(65536):
                    chunks.append(chunk)
        return b"".join(chunks)
    finally:
        writer.close()

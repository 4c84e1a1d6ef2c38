"""The real app on a real port in a background thread, and plain HTTP calls to it for set-up."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from crm.app import create_app
from crm.settings import Settings
from tests.e2e.server import free_port


@contextlib.contextmanager
def app_server(settings: Settings) -> Iterator[str]:
    """Serve create_app(settings) on 127.0.0.1 from its own event loop; yield the base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(settings))
    port = free_port()
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        except BaseException as error:
            failure.append(error)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=run, name="ui-test-server", daemon=True)
    thread.start()
    started.wait(60)
    try:
        if failure:
            raise failure[0]
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(60)
        loop.close()


def call(
    base: str, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    """One JSON request; the status and parsed body (None when empty)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    outgoing = urllib.request.Request(  # noqa: S310 (loopback only)
        base + path, data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(outgoing, timeout=10) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None

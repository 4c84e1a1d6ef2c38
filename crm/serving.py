"""Serving HTTP: one process, or several sharing the port (SO_REUSEPORT) under a parent."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import threading
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from crm.access_log import configure_logging
from crm.app import create_app
from crm.http.server import CrmRunner
from crm.notify.outbox import delivery_ctx
from crm.settings import Settings

log = logging.getLogger("crm")


def serve(settings: Settings, host: str, port: int, *, reuse_port: bool = False) -> None:
    """Serve until SIGINT or SIGTERM; `reuse_port` lets sibling processes bind the same port."""
    app = create_app(settings)
    if settings.deliver_in_serve:
        # Every serving process delivers too: SKIP LOCKED shares the rows among them.
        app.cleanup_ctx.append(delivery_ctx)
    loop = _new_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_serve(app, settings, host, port, reuse_port))
    finally:
        loop.close()
        # Access lines still waiting for their loop's flush (a worker process exits without
        # logging's own flush at exit).
        for handler in logging.getLogger().handlers:
            handler.flush()


async def _serve(
    app: web.Application, settings: Settings, host: str, port: int, reuse_port: bool
) -> None:
    """Serve until SIGINT or SIGTERM, then let requests in flight finish (within a bound)."""
    runner = CrmRunner(app, header_timeout=settings.header_read_timeout)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
        await site.start()
        await stop.wait()
        log.info("stopping: finishing requests in flight")
    finally:
        await runner.cleanup()


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to completion on the same kind of event loop as the server."""
    loop = _new_loop()
    try:
        loop.run_until_complete(main)
    finally:
        loop.close()


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (not on Windows): a cheaper event loop than asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _worker(settings: Settings, host: str, port: int) -> None:
    configure_logging(settings.log_format)
    serve(settings, host, port, reuse_port=True)


def serve_many(settings: Settings, host: str, port: int, workers: int) -> int:
    """Run `workers` serving processes until a signal, or until one dies; stop them all."""
    # Spawned, not forked: a fresh interpreter inherits no event loop, pool or atexit hook.
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_worker, args=(settings, host, port), name=f"crm-web-{n}")
        for n in range(workers)
    ]
    for child in children:
        child.start()
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    while not stop.wait(0.5):
        if any(not child.is_alive() for child in children):
            log.error("a worker exited; stopping the others")
            break
    for child in children:
        child.terminate()  # aiohttp shuts down gracefully on SIGTERM
    for child in children:
        child.join(30)
    return 0 if stop.is_set() else 1

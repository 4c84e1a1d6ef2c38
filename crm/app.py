"""The application factory: settings in, a ready aiohttp app out; no environment, no globals."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from aiohttp import web

from crm import db
from crm.app_keys import (
    CALLERS,
    CURSOR_SECRET,
    LIST_QUERIES,
    PASSWORDS,
    POOL,
    QUERIES,
    READ_POOL,
    SEARCH_ESTIMATES,
    SETTINGS,
)
from crm.auth import confirm_before_refusing
from crm.availability import BoundedPool, DatabaseState
from crm.errors import error_middleware
from crm.http.headers import preflight_middleware, response_hook
from crm.http.proxy import forwarded_middleware
from crm.notify.wake import wake_middleware, waker_ctx
from crm.passwords import Passwords
from crm.queries import load_queries
from crm.routes import setup_routes
from crm.search import Estimates
from crm.settings import Settings


def create_app(settings: Settings) -> web.Application:
    """Build the app; the database pools open on start-up and close on clean-up."""
    if not settings.database_url:
        raise ValueError(
            "create_app needs settings.database_url (the CLI supplies the embedded one)"
        )
    # Every request passes each middleware: the two that only act when configured are left
    # out when they are not.
    middlewares = [
        *([forwarded_middleware] if settings.trusted_proxies else []),
        error_middleware,
        *([preflight_middleware] if settings.cors_origins else []),
        confirm_before_refusing,
        wake_middleware,
    ]
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=middlewares)
    app.on_response_prepare.append(response_hook(settings))
    app[SETTINGS] = settings
    app[CURSOR_SECRET] = hashlib.sha256(b"cursor:" + settings.jwt_secret.encode()).digest()
    app[QUERIES] = load_queries()
    app[CALLERS] = {}
    app[LIST_QUERIES] = {}
    app[SEARCH_ESTIMATES] = Estimates()
    app[PASSWORDS] = Passwords(
        settings.argon2_time_cost,
        settings.argon2_memory_kib,
        threads=settings.password_threads,
        per_address=settings.password_checks_per_address,
    )
    app.cleanup_ctx.append(_pools)
    app.cleanup_ctx.append(waker_ctx)
    app.on_cleanup.append(_close_passwords)
    setup_routes(app)
    return app


async def _pools(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert settings.database_url
    app[POOL] = await _bounded(settings.database_url, settings, "primary")
    # Lists and searches may read from a replica; without one they share the primary's pool.
    read_url = settings.database_read_url
    app[READ_POOL] = await _bounded(read_url, settings, "replica") if read_url else app[POOL]
    yield
    if app[READ_POOL] is not app[POOL]:
        await app[READ_POOL].close()
    await app[POOL].close()


async def _bounded(url: str, settings: Settings, name: str) -> BoundedPool:
    state = DatabaseState(name)
    kept = await db.create_pool(url, settings, kept_plans=True)
    try:
        pool = await db.create_pool(url, settings)
    except BaseException:
        await kept.close()
        raise
    timeout = settings.db_acquire_timeout
    return BoundedPool(pool, timeout, state, kept=BoundedPool(kept, timeout, state))


async def _close_passwords(app: web.Application) -> None:
    app[PASSWORDS].close()

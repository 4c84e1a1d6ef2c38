"""Typed application keys: everything the app keeps for its handlers, named in one place."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from crm.models import Caller
from crm.passwords import Passwords
from crm.queries import Queries
from crm.search import Estimates
from crm.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
# HMAC key for pagination cursors, derived from JWT_SECRET so it needs no setting of its own.
CURSOR_SECRET = web.AppKey("cursor_secret", bytes)
QUERIES = web.AppKey("queries", Queries)
# The last checked state of each user this process has seen: what makes a read one round trip
# (the read query checks it again; see crm.auth.reader).
CALLERS: web.AppKey[dict[int, Caller]] = web.AppKey("callers")
# Ticket list queries worked out (filters, page, kept parameters), by query string and caller
# kind: the same lists are asked again and again (crm.handlers.tickets._asked).
LIST_QUERIES: web.AppKey[dict[tuple[str, int | None, int | None], Any]] = web.AppKey("list_queries")
# Title searches' estimated matches, kept while the statistics stand (crm.search.Estimates).
SEARCH_ESTIMATES = web.AppKey("search_estimates", Estimates)
PASSWORDS = web.AppKey("passwords", Passwords)
# asyncpg ships no type hints; the pools are asyncpg.Pool.
POOL: web.AppKey[Any] = web.AppKey("pool")
READ_POOL: web.AppKey[Any] = web.AppKey("read_pool")
# Sends NOTIFY outbox after requests that queued notifications (crm/notify/wake.py).
WAKER: web.AppKey[Any] = web.AppKey("waker")

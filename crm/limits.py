"""Abuse limits: fixed-window counters in PostgreSQL, so every process and machine agrees."""

from __future__ import annotations

import random

from aiohttp import web

from crm.app_keys import POOL, QUERIES, SETTINGS
from crm.errors import Problem
from crm.http.proxy import client_address
from crm.settings import Limit

# About one hit in this many also deletes counters that ended a day ago: no timer to run.
_PRUNE_ONE_IN = 200


def too_many(retry_after: int, what: str) -> Problem:
    """429 with Retry-After in seconds."""
    return Problem(
        429,
        f"Too many {what}; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )


async def count(request: web.Request, bucket: str, subject: str, limit: Limit, what: str) -> None:
    """Count one hit of `subject` in `bucket`; 429 once the window's count is over `limit`."""
    if limit.count == 0:
        return
    app = request.app
    row = await app[QUERIES].hit_limit(
        app[POOL], bucket=bucket, subject=subject, window_seconds=limit.seconds
    )
    await _prune_sometimes(app)
    if row["hits"] > limit.count:
        raise too_many(row["retry_after"], what)


async def _prune_sometimes(app: web.Application) -> None:
    if random.randrange(_PRUNE_ONE_IN) == 0:  # noqa: S311 (not for security)
        await app[QUERIES].prune_limits(app[POOL])


async def refuse_if_spent(
    request: web.Request, bucket: str, subject: str, limit: Limit, what: str
) -> None:
    """429 when `subject` already used up `limit` in this window; counts nothing."""
    if limit.count == 0:
        return
    app = request.app
    row = await app[QUERIES].peek_limit(
        app[POOL], bucket=bucket, subject=subject, window_seconds=limit.seconds
    )
    if row is not None and row["hits"] >= limit.count:
        raise too_many(row["retry_after"], what)


async def forget(request: web.Request, bucket: str, subject: str) -> None:
    """Clear `subject`'s count in `bucket`."""
    await request.app[QUERIES].clear_limit(request.app[POOL], bucket=bucket, subject=subject)


def public_ticket(request: web.Request) -> dict[str, object]:
    """The public-request limit of the caller's address (LIMIT_PUBLIC_TICKETS), as the
    parameters of create_public_request, which counts the hit in the same round trip."""
    limit = request.app[SETTINGS].public_ticket_limit
    return {
        "limit_subject": client_address(request),
        "limit_count": limit.count,
        "limit_seconds": limit.seconds,
    }


async def public_ticket_counted(request: web.Request, retry_after: int | None) -> None:
    """After create_public_request: 429 when it found the address's limit spent."""
    await _prune_sometimes(request.app)
    if retry_after is not None:
        raise too_many(retry_after, "requests from your address")


async def public_comment(request: web.Request) -> None:
    """Count a customer's comment through a tracking link (LIMIT_PUBLIC_COMMENTS)."""
    limit = request.app[SETTINGS].public_comment_limit
    await count(
        request, "public_comment", client_address(request), limit, "comments from your address"
    )

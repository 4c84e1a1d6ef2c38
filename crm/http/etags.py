"""Lost updates: an ETag names a row's stored version; If-Match makes a change conditional."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from aiohttp import web

from crm.errors import Problem

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Ours are strong tags "v<microseconds of updated_at>"; weak or foreign tags never match.
_TAG = re.compile(r'^"v([0-9]{1,20})"$')


def etag(updated_at: datetime) -> str:
    """The strong ETag of a row version: every change sets updated_at anew."""
    return f'"v{(updated_at - _EPOCH) // _MICROSECOND}"'


def if_match(request: web.Request) -> list[datetime] | None:
    """The row versions If-Match accepts: None without the header (or `*`), else a list that
    may be empty (no tag of ours), which nothing matches."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    versions = []
    for tag in raw.split(","):
        match = _TAG.match(tag.strip())
        if match and len(match.group(1)) <= 17:
            versions.append(_EPOCH + timedelta(microseconds=int(match.group(1))))
    return versions


def precondition_failed() -> Problem:
    """412: the resource changed since the client read it."""
    return Problem(
        412, "The resource changed since you read it (If-Match); read it again and retry."
    )


def tagged(response: web.Response, updated_at: datetime) -> web.Response:
    """`response` with the ETag of the row version it shows."""
    response.headers["ETag"] = etag(updated_at)
    return response

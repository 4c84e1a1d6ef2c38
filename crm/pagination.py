"""Keyset pagination for every list: page requests, signed opaque cursors, the next link."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from aiohttp import web
from multidict import MultiDict

from crm.errors import FieldError, Problem, ValidationFailed

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PAGING = frozenset({"page_size", "cursor"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Sort keys for "before everything": the first page uses the same index range as the others.
NEWEST = (datetime.max.replace(tzinfo=UTC), 2**63 - 1)


@attrs.frozen
class PageRequest:
    """A parsed page request: how many rows, and the sort key to continue after."""

    size: int
    after: tuple[Any, ...] | None
    scope: str


def page_request(
    query: Mapping[str, str], secret: bytes, scope: str, filters: Mapping[str, Any]
) -> PageRequest:
    """Read page_size and cursor; a cursor from another list or other filters is a 400."""
    raw_size = query.get("page_size", str(DEFAULT_PAGE_SIZE))
    if not raw_size.isdigit() or not 1 <= int(raw_size) <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            [FieldError("page_size", f"must be a whole number from 1 to {MAX_PAGE_SIZE}")],
            "Invalid query parameter.",
        )
    full_scope = f"{scope}:{_digest(filters)}"
    cursor = query.get("cursor")
    after = _decode(cursor, secret, full_scope) if cursor is not None else None
    return PageRequest(int(raw_size), after, full_scope)


def page_body(
    request: web.Request,
    page: PageRequest,
    rows: Sequence[Any],
    key: Callable[[Any], Sequence[Any]],
    secret: bytes,
) -> tuple[list[Any], str | None, dict[str, str]]:
    """Cut the extra row off, and return the items, next cursor and Link header."""
    items = list(rows[: page.size])
    if len(rows) <= page.size:
        return items, None, {}
    cursor = _encode(key(items[-1]), secret, page.scope)
    query = MultiDict(request.query)
    query.popall("cursor", None)
    query["cursor"] = cursor
    return items, cursor, {"Link": f'<{request.url.with_query(query)}>; rel="next"'}


def contains(term: str | None) -> str | None:
    """A LIKE pattern matching `term` anywhere, its own wildcards taken literally."""
    if not term:
        return None
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def newest_first(row: Any) -> tuple[int, int]:
    """The cursor key of lists ordered newest first: created_at in microseconds, then id."""
    delta = row["created_at"] - _EPOCH
    return (delta // timedelta(microseconds=1), row["id"])


def after_newest(page: PageRequest) -> dict[str, Any]:
    """SQL parameters `after_created_at` and `after_id` for a newest-first keyset query."""
    if page.after is None:
        created_at, row_id = NEWEST
    else:
        micros, row_id = page.after
        created_at = _EPOCH + timedelta(microseconds=micros)
    return {"after_created_at": created_at, "after_id": row_id, "limit": page.size + 1}


def _digest(filters: Mapping[str, Any]) -> str:
    canonical = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _sign(payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()[:12]


def _encode(key: Sequence[Any], secret: bytes, scope: str) -> str:
    payload = json.dumps([scope, list(key)], separators=(",", ":")).encode()
    token = payload + _sign(payload, secret)
    return base64.urlsafe_b64encode(token).rstrip(b"=").decode()


def _decode(cursor: str, secret: bytes, scope: str) -> tuple[Any, ...]:
    bad = Problem(400, "The cursor is invalid; pass back next_cursor exactly as received.")
    try:
        token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        raise bad from None
    payload, signature = token[:-12], token[-12:]
    if len(token) <= 12 or not hmac.compare_digest(signature, _sign(payload, secret)):
        raise bad
    cursor_scope, key = json.loads(payload)
    if cursor_scope != scope:
        raise Problem(400, "The cursor belongs to another list or other filters.")
    return tuple(key)

"""Every list's paging: sort orders, page numbers beside signed opaque cursors, totals, Link."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import attrs
import orjson
from aiohttp import web
from multidict import MultiDict, MultiMapping

from crm.convert import whole_number
from crm.errors import FieldError, Problem, ValidationFailed

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Offset pages stop here (page * page_size); totals are exact up to here.
MAX_OFFSET_ROWS = 10_000
PAGING = frozenset({"page_size", "cursor", "page"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LAST = (datetime.max.replace(tzinfo=UTC), 2**63 - 1)
FIRST = (datetime.min.replace(tzinfo=UTC), 0)

Row = Any
Key = tuple[Any, ...]


@attrs.frozen
class Order:
    """One sort order of a list: its `sort` value, its cursor key, and the key before row one.

    `key(row)` is what a cursor carries (JSON values); `params(key)` turns it back into the
    list query's `sort` and `after_*` parameters. Every order ends with the id, so it is total.
    """

    name: str
    key: Callable[[Row], Key]
    params: Callable[[Key], dict[str, Any]]
    start: Key


def micros(value: datetime | str | None) -> int | None:
    """A time (or the API's text of one) as whole microseconds since 1970 (exact, unlike a
    float), None as None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value - _EPOCH) // timedelta(microseconds=1)


def from_micros(value: int | None) -> datetime | None:
    """The inverse of `micros`."""
    return None if value is None else _EPOCH + timedelta(microseconds=value)


def by_time(name: str, column: str, start: Key) -> Order:
    """An order by one time column, then id; `start` is FIRST (ascending) or LAST (descending)."""
    return Order(
        name,
        key=lambda row: (micros(row[column]), row["id"]),
        params=lambda key: {"sort": name, "after_time": from_micros(key[0]), "after_id": key[1]},
        start=(micros(start[0]), start[1]),
    )


@attrs.frozen
class PageRequest:
    """A parsed page request: size, where to continue (key and offset), the order, the scope."""

    size: int
    after: Key
    offset: int
    order: Order
    scope: str

    def params(self) -> dict[str, Any]:
        """The list query's paging parameters: sort, after_*, limit (one extra row), offset."""
        return {
            **self.order.params(self.after),
            "limit": self.size + 1,
            "offset": self.offset,
        }


def clean_query(query: MultiMapping[str]) -> MultiDict[str]:
    """The query without empty values: `q=` or `page=` from a form means the parameter is absent."""
    return MultiDict((name, value) for name, value in query.items() if value != "")


def page_request(
    query: Mapping[str, str],
    secret: bytes,
    scope: str,
    filters: Mapping[str, Any],
    orders: Sequence[Order],
    *,
    numbered: bool = True,
) -> PageRequest:
    """Read page_size, sort, and cursor or page; 400 for a foreign cursor, a page too deep, both.

    A list whose query takes no offset (`numbered` false) refuses page numbers.
    """
    size = _whole(query, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    if not numbered and "page" in query:
        raise Problem(400, "This list pages by cursor only; follow next_cursor.")
    order = _order(query, orders)
    full_scope = f"{scope}:{order.name}:{_digest(filters)}"
    cursor, page = query.get("cursor"), _whole(query, "page", 1, None)
    if cursor is not None:
        if "page" in query:
            raise Problem(400, "Give either page or cursor, not both.")
        return PageRequest(size, _decode(cursor, secret, full_scope), 0, order, full_scope)
    if page * size > MAX_OFFSET_ROWS:
        raise Problem(
            400,
            f"Page numbers reach {MAX_OFFSET_ROWS:,} rows deep (page * page_size); to go further,"
            " continue from a page's next_cursor with the cursor parameter.",
        )
    return PageRequest(size, order.start, (page - 1) * size, order, full_scope)


def page_body(
    request: web.Request,
    query: MultiMapping[str],
    page: PageRequest,
    rows: Sequence[Row],
    item: Callable[[Row], Any],
    secret: bytes,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The body `{items, next_cursor, total, total_exact}` and the Link header of a list page.

    `rows` come from a list query: at most size + 1 rows (the extra one says there is more),
    or one row of nulls when the page is empty, each carrying the `total` counted to 10,001.
    """
    # .keys(): "in" on an asyncpg Record may test its values.
    counted = rows[0]["total"] if rows and "total" in rows[0].keys() else None  # noqa: SIM118
    if rows and rows[0]["id"] is None:
        rows = []
    items = [item(row) for row in rows[: page.size]]
    body: dict[str, Any] = {"items": items, "next_cursor": None}
    if counted is not None:  # lists that page by cursor only count no total
        body["total"] = min(counted, MAX_OFFSET_ROWS)
        body["total_exact"] = counted <= MAX_OFFSET_ROWS
    if len(rows) <= page.size:
        return body, {}
    cursor = _encode(page.order.key(rows[page.size - 1]), secret, page.scope)
    body["next_cursor"] = cursor
    return body, {"Link": f'<{next_url(request, query, cursor)}>; rel="next"'}


def next_url(request: web.Request, query: MultiMapping[str], cursor: str) -> str:
    """The request's URL with `cursor` in place of its cursor or page number, as yarl writes it.

    yarl makes it for a path or parameter that needs quoting but in UTF-8 (a space, `&`, `%`);
    the rest (a list's usual link, a search for words) is joined here: building request.url and
    its query anew was a twentieth of a page's time.
    """
    pairs = [(k, v) for k, v in query.items() if k != "cursor" and k != "page"]
    pairs.append(("cursor", cursor))
    path = request.rel_url.raw_path
    plain = _HOST.fullmatch(request.host) and _AS_IS.fullmatch(path)
    if plain and all(_AS_IS.fullmatch(k) and _VALUE.fullmatch(v) for k, v in pairs):
        joined = "&".join(f"{k}={v if v.isascii() else quote(v, safe='')}" for k, v in pairs)
        return f"{_origin(request)}{path}?{joined}"
    return str(request.url.with_query(MultiDict(pairs)))


# What yarl writes as it is in a path and a query: no quoting, no dot segments to resolve.
_AS_IS = re.compile(r"[A-Za-z0-9/_~-]*")
# A query value yarl writes as it is but for letters beyond ASCII, which it writes as their UTF-8
# bytes in %XX, as quote() does.
_VALUE = re.compile(r"[A-Za-z0-9_.~\-\x80-\ud7ff\ue000-\U0010ffff]*")
# A host (name or address) and port with no user part, whose origin is what its URL starts with.
_HOST = re.compile(r"[A-Za-z0-9.:\[\]-]+")


def _origin(request: web.Request) -> str:
    # As yarl writes it (host in lower case, no default port), once for each scheme and host:
    # the Host header is the client's, so only the first few are kept.
    key = (request.scheme, request.host)
    origin = _ORIGINS.get(key)
    if origin is None:
        origin = str(request.url.origin())
        if len(_ORIGINS) < 64:
            _ORIGINS[key] = origin
    return origin


_ORIGINS: dict[tuple[str, str], str] = {}


def contains(term: str | None) -> str | None:
    """A LIKE pattern matching `term` anywhere, its own wildcards taken literally."""
    if not term:
        return None
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(name, message)], "Invalid query parameter.")


def _whole(query: Mapping[str, str], name: str, default: int, most: int | None) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    # ASCII digits only (never `²`, which isdigit() takes and int() refuses), at most 19 of them.
    number = whole_number(raw)
    if number is None or number < 1 or (most is not None and number > most):
        bound = f"from 1 to {most}" if most is not None else "of at least 1"
        raise _invalid(name, f"must be a whole number {bound}")
    return number


def _order(query: Mapping[str, str], orders: Sequence[Order]) -> Order:
    wanted = query.get("sort")
    if wanted is None:
        return orders[0]
    for order in orders:
        if order.name == wanted:
            return order
    raise _invalid("sort", "must be one of: " + ", ".join(o.name for o in orders))


def _digest(filters: Mapping[str, Any]) -> str:
    # orjson (stdlib json was most of paging's cost); times as str(), as json.dumps's default
    # gave them, so a cursor made before still fits its list unless a filter was non-ASCII.
    canonical = orjson.dumps(
        filters, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    )
    return hashlib.sha256(canonical).hexdigest()[:16]


def _sign(payload: bytes, secret: bytes) -> bytes:
    mac = _keyed(secret).copy()
    mac.update(payload)
    return mac.digest()[:12]


# The key's HMAC state made once: copying it costs less than keying HMAC anew for each cursor
# (hmac.digest's one call looks the digest up in OpenSSL each time: 23k instructions).
@functools.lru_cache(maxsize=4)
def _keyed(secret: bytes) -> hmac.HMAC:
    return hmac.new(secret, digestmod=hashlib.sha256)


def _encode(key: Key, secret: bytes, scope: str) -> str:
    # The same bytes json.dumps gave but for non-ASCII text, which _decode reads either way.
    payload = orjson.dumps([scope, key])
    token = payload + _sign(payload, secret)
    return base64.urlsafe_b64encode(token).rstrip(b"=").decode()


def _decode(cursor: str, secret: bytes, scope: str) -> Key:
    try:
        token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        raise _bad_cursor() from None
    payload, signature = token[:-12], token[-12:]
    if len(token) <= 12 or not hmac.compare_digest(signature, _sign(payload, secret)):
        raise _bad_cursor()
    cursor_scope, key = orjson.loads(payload)
    if cursor_scope != scope:
        raise Problem(400, "The cursor belongs to another list, order or other filters.")
    return tuple(key)


def _bad_cursor() -> Problem:
    return Problem(400, "The cursor is invalid; pass back next_cursor exactly as received.")

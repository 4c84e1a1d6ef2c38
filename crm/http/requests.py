"""Reading a request: JSON bodies, partial updates, path ids and typed query-string values."""

from __future__ import annotations

import asyncio
import enum
import json
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import orjson
from aiohttp import web
from aiohttp.http_exceptions import ContentEncodingError
from aiohttp.web_protocol import RequestPayloadError
from multidict import MultiDict

from crm.app_keys import SETTINGS
from crm.convert import MAX_ID, converter, field_errors, structure, whole_number
from crm.errors import FieldError, Problem, ValidationFailed, not_found
from crm.http.headers import media_type
from crm.pagination import PAGING, clean_query

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


async def read_body(request: web.Request, cls: type[T]) -> T:
    """Parse the JSON body into `cls`: 400 when it is not JSON, 422 when its values are wrong."""
    return structure(await read_json(request), cls)


async def read_patch(
    request: web.Request, cls: type[T], nullable: Collection[str] = ()
) -> tuple[T, frozenset[str]]:
    """Parse a partial update: `cls` (absent fields None) and the names of the fields given."""
    return patch_of(await read_json(request), cls, nullable)


def patch_of(data: Any, cls: type[T], nullable: Collection[str] = ()) -> tuple[T, frozenset[str]]:
    """A partial update `cls` from parsed JSON, as read_patch makes it."""
    if isinstance(data, dict):
        known = attrs.fields_dict(cls)  # type: ignore[arg-type]
        nulls = [k for k, v in data.items() if v is None and k in known and k not in nullable]
        if nulls:
            raise ValidationFailed([FieldError(k, "must not be null") for k in sorted(nulls)])
        if not data:
            raise ValidationFailed([FieldError("$", "must change at least one field")])
    return structure(data, cls), frozenset(data)


def path_id(request: web.Request, what: str, name: str = "id") -> int:
    """The `{id}` (or `{name}`) of the path; one beyond any database id is simply not found."""
    value = whole_number(request.match_info[name])
    if value is None or not 1 <= value <= MAX_ID:
        raise not_found(what)
    return value


# Parsed JSON holds a UTF-16 surrogate only where its text escapes one (\uD800 to \uDFFF;
# strict UTF-8 decoding refuses them as raw bytes): only then are its strings walked, not for
# every escaped letter, as json.dumps writes each non-ASCII one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


# orjson reads the JSON that json.loads reads, to the same values, at a fraction of the cost
# (the bench's public request: 29k instructions to parse and check, 7k, 22k with the walk below).
# What it refuses (lone surrogates, NaN, 1e400, nesting past 1024) json.loads then reads or
# refuses as it always has. It reads an integer beyond 64 bits as a float, though, and no field
# of ours is a float: a body holding one is read again by json.loads.
def _holds_float(data: Any) -> bool:
    return float in map(type, _scalars(data))


async def read_json(request: web.Request) -> Any:
    """The parsed JSON body, or a 400, 408 or 415 problem saying why it could not be read."""
    raw = await _read_raw(request)
    if not raw:
        raise Problem(400, "The body is empty; send a JSON object.")
    if not is_json(media_type(request)):
        raise Problem(415, "Send the body as JSON, with Content-Type: application/json.")
    try:
        fast = orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass  # json.loads says why, as it always has
    else:
        if not _holds_float(fast):
            return fast
    try:
        data = json.loads(raw.decode("utf-8"))  # strict UTF-8: no lone surrogates as raw bytes
    except RecursionError:
        raise Problem(400, "The body is not valid JSON: it is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"The body is not valid JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(raw) and not _encodable(data):
        raise Problem(400, "The body is not valid JSON: it holds a lone UTF-16 surrogate.")
    return data


def is_json(content_type: str) -> bool:
    """Whether a media type is JSON (application/json or any +json type)."""
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


async def _read_raw(request: web.Request) -> bytes:
    """The whole body within the body read timeout; a broken Content-Encoding is a 400."""
    try:
        if request.content.is_eof():
            # The whole body is here (a small one comes with its headers): no timer to set.
            return await request.read()
        async with asyncio.timeout(request.app[SETTINGS].body_read_timeout):
            return await request.read()
    except TimeoutError:
        raise Problem(
            408, "The body did not arrive in time.", headers={"Connection": "close"}
        ) from None
    except RequestPayloadError as exc:
        # aiohttp decodes Content-Encoding while reading; a body that is not what it claims fails.
        if isinstance(exc.__cause__, ContentEncodingError):
            raise Problem(400, "The body does not match its Content-Encoding.") from None
        raise Problem(400, "The body could not be read.") from None


def _encodable(data: Any) -> bool:
    """Whether every string in parsed JSON is valid Unicode (JSON escapes allow lone surrogates)."""
    for value in _scalars(data):
        if type(value) is str:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def _scalars(data: Any) -> list[Any]:
    """Every key and every value in parsed JSON that is not an object or an array."""
    found, pending = [], [data]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is dict:
            pending.extend(value.keys())
            pending.extend(value.values())
        elif kind is list:
            pending.extend(value)
        else:
            found.append(value)
    return found


def query_params(
    request: web.Request, allowed: Iterable[str], repeatable: Iterable[str] = ()
) -> MultiDict[str]:
    """The query string without empty values, refusing (400) unknown parameters and repeats."""
    if not request.query_string:  # a list opened as it is: nothing to check
        return MultiDict()
    query = request.query
    allowed, repeatable = set(allowed) | PAGING, set(repeatable)
    for name in query:
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise Problem(400, f"Unknown query parameter '{name}'; this list takes: {known}.")
        if name not in repeatable and len(query.getall(name)) > 1:
            raise Problem(400, f"Query parameter '{name}' may be given only once.")
        if any("\x00" in value for value in query.getall(name)):
            raise Problem(400, f"Query parameter '{name}' contains a NUL character.")
        if not all(_encodable(value) for value in query.getall(name)):
            raise Problem(400, f"Query parameter '{name}' is not valid UTF-8.")
    return clean_query(query)


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(name, message)], "Invalid query parameter.")


def int_param(query: Mapping[str, str], name: str) -> int | None:
    """A positive id, or None when absent."""
    raw = query.get(name)
    if raw is None:
        return None
    value = whole_number(raw)
    if value is None or not 1 <= value <= MAX_ID:
        raise _invalid(name, "must be a positive whole number")
    return value


def bool_param(query: Mapping[str, str], name: str) -> bool:
    """true or false; false when absent."""
    raw = query.get(name, "false")
    if raw not in ("true", "false"):
        raise _invalid(name, "must be true or false")
    return raw == "true"


def enum_params(values: list[str], name: str, kind: type[E]) -> list[E] | None:
    """Every value of a repeatable parameter as members of `kind`, or None when absent."""
    if not values:
        return None
    try:
        return [kind(value) for value in values]
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise _invalid(name, f"must be one of: {allowed}") from None


def query_value(query: Mapping[str, str], name: str, cls: Any) -> Any:
    """One optional query parameter as `cls` (None when absent), or a 422 naming it."""
    if name not in query:
        return None
    try:
        return converter.structure(query[name], cls)
    except Exception as exc:
        raise ValidationFailed(field_errors(exc, name), "Invalid query parameter.") from None


# RFC 3339: a date, a time and an offset (Z or ±hh:mm). A '+' sent unencoded in a URL arrives as
# a space, so a space before the offset reads as '+'.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(?P<offset>[Zz]|[+\- ]\d{2}:\d{2})$"
)


def time_param(query: Mapping[str, str], name: str) -> datetime | None:
    """An RFC 3339 date-time with an offset, as UTC; None when absent; 422 otherwise."""
    raw = query.get(name)
    if raw is None:
        return None
    match = _RFC3339.match(raw)
    if match and match["offset"] == " " + match["offset"][1:]:
        raw = raw[: match.start("offset")] + "+" + raw[match.start("offset") + 1 :]
    try:
        if not match:
            raise ValueError
        return datetime.fromisoformat(raw).astimezone(UTC)
    except ValueError:
        raise _invalid(
            name, "must be an RFC 3339 date-time with an offset, e.g. 2025-01-14T10:00:00+03:00"
        ) from None


def time_range(
    query: Mapping[str, str], start: str, end: str
) -> tuple[datetime | None, datetime | None]:
    """A half-open range [start, end) of two optional time parameters; 422 when start > end."""
    low, high = time_param(query, start), time_param(query, end)
    if low is not None and high is not None and low > high:
        raise _invalid(start, f"must not be after {end}")
    return low, high

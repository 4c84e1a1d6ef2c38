"""Reading a request: JSON bodies, partial updates, path ids and typed query-string values."""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any, TypeVar

import attrs
from aiohttp import web
from multidict import MultiMapping

from crm.convert import MAX_ID, converter, field_errors, structure
from crm.errors import FieldError, Problem, ValidationFailed, not_found
from crm.pagination import PAGING

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


async def read_body(request: web.Request, cls: type[T]) -> T:
    """Parse the JSON body into `cls`: 400 when it is not JSON, 422 when its values are wrong."""
    return structure(await read_json(request), cls)


async def read_patch(
    request: web.Request, cls: type[T], nullable: Collection[str] = ()
) -> tuple[T, frozenset[str]]:
    """Parse a partial update: `cls` (absent fields None) and the names of the fields given."""
    data = await read_json(request)
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
    value = int(request.match_info[name])
    if not 1 <= value <= MAX_ID:
        raise not_found(what)
    return value


async def read_json(request: web.Request) -> Any:
    """The parsed JSON body, or a 400 problem saying why it could not be read."""
    raw = await request.read()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"The body is not valid JSON: {exc}") from None


def query_params(
    request: web.Request, allowed: Iterable[str], repeatable: Iterable[str] = ()
) -> MultiMapping[str]:
    """The query string, refusing (400) unknown parameters and repeats of single-valued ones."""
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
    return query


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(name, message)], "Invalid query parameter.")


def int_param(query: Mapping[str, str], name: str) -> int | None:
    """A positive id, or None when absent."""
    raw = query.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise _invalid(name, "must be a positive whole number")
    return int(raw)


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

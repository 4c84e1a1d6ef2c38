"""Typed query-string values: each bad one is a 422 naming the parameter."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, TypeVar

from crm.convert import MAX_ID, converter, field_errors
from crm.errors import FieldError, ValidationFailed

E = TypeVar("E", bound=enum.Enum)


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

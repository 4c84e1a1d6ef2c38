"""Typed query-string values: each bad one is a 422 naming the parameter."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

from crm.errors import FieldError, ValidationFailed

E = TypeVar("E", bound=enum.Enum)


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(name, message)], "Invalid query parameter.")


def int_param(query: Mapping[str, str], name: str) -> int | None:
    """A positive id, or None when absent."""
    raw = query.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) < 2**63:
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


def text_param(query: Mapping[str, str], name: str, max_len: int) -> str | None:
    """A trimmed string of at most `max_len` characters; None when absent or blank."""
    raw = query.get(name, "").strip()
    if len(raw) > max_len:
        raise _invalid(name, f"must be at most {max_len} characters")
    return raw or None

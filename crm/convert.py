"""The one cattrs converter: strict JSON in (field errors with paths), plain JSON out."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NewType, TypeVar
from urllib.parse import urlsplit

import attrs
import cattrs
import orjson
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from crm.errors import FieldError, ValidationFailed

T = TypeVar("T")

Email = NewType("Email", str)
Password = NewType("Password", str)
Title = NewType("Title", str)
Name = NewType("Name", str)
Comment = NewType("Comment", str)
Description = NewType("Description", str)
Phone = NewType("Phone", str)
Id = NewType("Id", int)
Search = NewType("Search", str)
WebhookUrl = NewType("WebhookUrl", str)
DeviceText = NewType("DeviceText", str)
Serial = NewType("Serial", str)
Address = NewType("Address", str)
DisplayName = NewType("DisplayName", str)
CommentBody = NewType("CommentBody", str)

# An address every mail system and JSON Schema's `email` format take: an ASCII dot-atom of at
# most 64 characters, then host labels of letters, digits and inner hyphens, the last a name.
_LOCAL = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
EMAIL_RE = re.compile(
    rf"(?=[^@]{{1,64}}@){_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?"
)
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE_RE = re.compile(r"^\+?[0-9]{5,20}$")
MAX_ID = 2**63 - 1  # PostgreSQL bigint
_ASCII_NUMBER = re.compile(r"^[0-9]{1,19}$")
# asyncpg stores these two exact values as -infinity and infinity, which no client can read back.
FIRST_MOMENT = datetime.min.replace(tzinfo=UTC)
LAST_MOMENT = datetime.max.replace(tzinfo=UTC)
_OUT_OF_RANGE = "must fall after 0001-01-01T00:00:00Z and before 9999-12-31T23:59:59.999999Z"

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)


def _strict(kind: type, name: str) -> Any:
    def hook(value: Any, _: Any) -> Any:
        # bool is an int in Python, but `true` is not a number in JSON.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise TypeError(f"must be {name}")
        return value

    return hook


converter.register_structure_hook(str, _strict(str, "a string"))
converter.register_structure_hook(int, _strict(int, "an integer"))
converter.register_structure_hook(bool, _strict(bool, "true or false"))


def _is_content(char: str) -> bool:
    """Neither white space nor a C0 or C1 control character."""
    return not char.isspace() and not (char < " " or "\x7f" <= char <= "\x9f")


def text(value: Any, *, max_len: int, required: bool = False) -> str:
    """A trimmed string; blank is refused when required.

    The length is the one sent, before trimming, so it is exactly the contract's maxLength.
    """
    if not isinstance(value, str):
        raise TypeError("must be a string")
    if len(value) > max_len:
        raise ValueError(f"must be at most {max_len} characters")
    trimmed = value.strip()
    if "\x00" in trimmed:
        raise ValueError("must not contain NUL characters")  # PostgreSQL text cannot hold them
    # Blank is also nothing but control characters: openapi.yaml's non-blank pattern says so.
    if required and not any(_is_content(c) for c in trimmed):
        raise ValueError("must not be empty")
    return trimmed


def email(value: Any) -> str:
    """A trimmed, lower-cased e-mail address."""
    address = text(value, max_len=254, required=True).lower()
    if not EMAIL_RE.fullmatch(address):
        raise ValueError("must be a valid e-mail address")
    return address


def phone(value: Any) -> str:
    """Digits with an optional leading +, whatever spaces, dashes or brackets were typed."""
    digits = _PHONE_SEPARATORS.sub("", text(value, max_len=40, required=True))
    if not _PHONE_RE.match(digits):
        raise ValueError("must be a phone number: 5 to 20 digits, optionally starting with +")
    return digits


def phone_search(term: str) -> str:
    """The digits of a phone-like search term (`+38 067 111-22` → `3806711122`), else the term."""
    digits = _PHONE_SEPARATORS.sub("", term).lstrip("+")
    return digits if digits.isdigit() else term


def password(value: Any) -> str:
    """A password of 8 to 256 characters, kept exactly as typed."""
    if not isinstance(value, str):
        raise TypeError("must be a string")
    if not 8 <= len(value) <= 256:
        raise ValueError("must be 8 to 256 characters long")
    return str(value)


def whole_number(raw: str) -> int | None:
    """`raw` as a whole number when it is 1 to 19 ASCII digits (never `²` or `١`), else None."""
    return int(raw) if _ASCII_NUMBER.match(raw) else None


# RFC 3986's characters, every % starting an escape: what JSON Schema's `uri` format accepts.
_URI = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def webhook_url(value: Any) -> str:
    """An absolute http(s) URL with an ASCII host name or address, as a webhook target."""
    url = text(value, max_len=2000, required=True)
    if not _URI.fullmatch(url):
        raise ValueError("must be a URL in ASCII, with non-ASCII characters %-encoded")
    try:
        parsed = urlsplit(url)
        parsed.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        raise ValueError("must be a valid http:// or https:// URL") from None
    host = parsed.netloc.rpartition("@")[2]
    host = host.partition("]")[0] + "]" if host.startswith("[") else host.partition(":")[0]
    if parsed.scheme not in ("http", "https") or not _HOST.fullmatch(host):
        raise ValueError("must be an http:// or https:// URL with a host")
    if parsed.username or parsed.password:
        raise ValueError("must not carry a user name or password")
    return url


def identifier(value: Any) -> int:
    """A database id: a whole number from 1 to the largest bigint."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("must be an integer")
    if not 1 <= value <= MAX_ID:
        raise ValueError("must be a positive whole number (a database id)")
    return value


def timestamp(value: Any) -> datetime:
    """An ISO 8601 date-time with a time zone, as UTC."""
    if not isinstance(value, str):
        raise TypeError("must be an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time, e.g. 2025-01-14T10:00:00Z") from None
    if parsed.tzinfo is None:
        raise ValueError("must include a time zone, e.g. 2025-01-14T10:00:00Z")
    try:
        moment = parsed.astimezone(UTC)
    except OverflowError:  # the offset moves it before year 1 or after year 9999
        raise ValueError(_OUT_OF_RANGE) from None
    if moment in (FIRST_MOMENT, LAST_MOMENT):
        raise ValueError(_OUT_OF_RANGE)
    return moment


_VALIDATORS: dict[Any, Callable[[Any], Any]] = {
    Email: email,
    Phone: phone,
    Id: identifier,
    Password: password,
    Title: lambda v: text(v, max_len=200, required=True),
    Name: lambda v: text(v, max_len=200),
    Comment: lambda v: text(v, max_len=2000),
    Description: lambda v: text(v, max_len=5000),
    Search: lambda v: text(v, max_len=200).lower(),
    WebhookUrl: webhook_url,
    # Optional free text: blank (as an empty form field sends it) is stored as null.
    DeviceText: lambda v: text(v, max_len=100) or None,
    Serial: lambda v: text(v, max_len=64) or None,
    Address: lambda v: text(v, max_len=500) or None,
    DisplayName: lambda v: text(v, max_len=100) or None,
    CommentBody: lambda v: text(v, max_len=5000, required=True),
    datetime: timestamp,
}


def _validated(check: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda value, _: check(value)


for _type, _check in _VALIDATORS.items():
    converter.register_structure_hook(_type, _validated(_check))


def _enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(value)
    except ValueError:
        raise ValueError("must be one of: " + ", ".join(str(m.value) for m in cls)) from None


# StrEnum too: class hooks follow the MRO, where str would come before Enum.
converter.register_structure_hook(enum.Enum, _enum)
converter.register_structure_hook(enum.StrEnum, _enum)
converter.register_unstructure_hook(datetime, lambda d: iso(d))


def _objects_only(cls: type) -> Callable[[Any, Any], Any]:
    # The generated structurer would fail with AttributeError on a nested non-object.
    inner: Callable[[Any, Any], Any] = make_dict_structure_fn(cls, converter)

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeError("must be a JSON object")
        return inner(value, cls)

    return hook


converter.register_structure_hook_factory(attrs.has, _objects_only)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as every timestamp in the API."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def structure(data: Any, cls: type[T]) -> T:
    """Turn parsed JSON into `cls`, or raise a 422 listing every bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("$", "the body must be a JSON object")])
    try:
        return converter.structure(data, cls)
    except Exception as exc:
        raise ValidationFailed(field_errors(exc)) from None


def field_errors(exc: BaseException, path: str = "") -> list[FieldError]:
    """Flatten a cattrs error tree into field errors with dotted paths."""
    if isinstance(exc, ForbiddenExtraKeysError):
        return [FieldError(_join(path, key), "unknown field") for key in sorted(exc.extra_fields)]
    if isinstance(exc, ClassValidationError | IterableValidationError):
        found: list[FieldError] = []
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                found += field_errors(sub, _join(path, note.name))
            elif isinstance(note, IterableValidationNote):
                found += field_errors(sub, f"{path}[{note.index}]")
        for sub in without:
            found += field_errors(sub, path)
        return found
    if isinstance(exc, KeyError):
        return [FieldError(path or "$", "is required")]
    if isinstance(exc, ValueError | TypeError):
        message = str(exc)
        if not message.startswith(("must", "is ", "unknown")):
            message = "has an invalid value"
        return [FieldError(path or "$", message)]
    raise exc


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def dump(value: Any) -> Any:
    """attrs instances (and lists of them) as JSON-ready data."""
    return converter.unstructure(value)


def _unstructure(value: Any) -> Any:
    if attrs.has(type(value)):
        return converter.unstructure(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON of attrs or plain data; datetimes as ISO 8601 UTC with a Z, as iso()."""
    return orjson.dumps(data, default=_unstructure, option=orjson.OPT_UTC_Z)

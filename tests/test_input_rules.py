"""One source of truth for input rules: openapi.yaml, the converter and the database agree.

Every string limit, pattern and enum a request body schema states is checked against the
converter (one past a limit is refused, the limit itself accepted), and the longest accepted values
are stored through the API, so the database never refuses what the contract allows.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema_rs
import psycopg
import pytest
from jsonschema import Draft202012Validator

from crm.convert import structure
from crm.errors import ValidationFailed
from crm.models import (
    LoginRequest,
    NewClient,
    NewTicket,
    NewUser,
    NewWebhook,
    PublicTicketRequest,
    RegisterRequest,
    Role,
    TicketPatch,
    TicketStatus,
    UserPatch,
)
from crm.settings import Settings
from tests.api import Api
from tests.contract import SPEC_DICT
from tests.factories import admin_token, check

SCHEMAS = SPEC_DICT["components"]["schemas"]
BODIES: dict[str, type] = {
    "LoginRequest": LoginRequest,
    "RegisterRequest": RegisterRequest,
    "NewUser": NewUser,
    "UserPatch": UserPatch,
    "NewClient": NewClient,
    "ClientPatch": NewClient,
    "PublicTicketRequest": PublicTicketRequest,
    "NewTicket": NewTicket,
    "TicketPatch": TicketPatch,
}
ENUMS: dict[str, type[enum.Enum]] = {"Role": Role, "TicketStatus": TicketStatus}


def _email_of(n: int) -> str:
    """An e-mail of exactly n characters (n >= 6) that is valid but for its length."""
    local = "a" * min(64, n - 5)
    labels, left = [], n - len(local) - 1 - len(".co")
    while left > 63:
        labels.append("b" * 62)
        left -= 63
    labels.append("b" * left)
    return f"{local}@{'.'.join(labels)}.co"


# Values of exactly n characters that satisfy a named schema's other rules.
SAMPLES: dict[str, Callable[[int], str]] = {
    "Email": _email_of,
    "ClientPhone": lambda n: ("1 " * n)[:n] if n <= 40 else "1" * n,
}
PROBES: dict[str, list[str]] = {
    "ClientPhone": [
        "+380671112233",
        "067 111-22-33",
        "(067) 111.22.33",
        " 12345 ",
        "12345",
        "1234",
        "+1234",
        "++12345",
        "12a45",
        "1+2345",
        "1" * 20,
        "1" * 21,
        "+" + "1" * 20,
        "-( 1 2 3 4 5 )-",
    ],
}


def _resolve(schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The schema a property's value meets (refs, allOf, `| null` unwrapped) and its name."""
    name = None
    while True:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            schema = SCHEMAS[name]
        elif "allOf" in schema:
            schema = schema["allOf"][0]
        elif "oneOf" in schema or "anyOf" in schema:
            options = schema.get("oneOf") or schema["anyOf"]
            schema = next(s for s in options if s != {"type": "null"})
        else:
            return name, schema


def _string_rules() -> Iterator[tuple[str, str, str | None, dict[str, Any]]]:
    for body, _ in BODIES.items():
        for prop, raw in SCHEMAS[body]["properties"].items():
            name, schema = _resolve(raw)
            types = schema.get("type")
            if "string" in (types if isinstance(types, list) else [types]):
                yield body, prop, name, schema


def _errors_for(cls: type, prop: str, value: Any) -> list[str]:
    try:
        structure({prop: value}, cls)
    except ValidationFailed as exc:
        return [e.message for e in exc.errors or [] if e.field == prop]
    return []


RULES = list(_string_rules())
LIMITS = [(b, p, n, s) for b, p, n, s in RULES if "maxLength" in s or "minLength" in s]


@pytest.mark.parametrize(
    ("body", "prop", "name", "schema"), LIMITS, ids=[f"{b}.{p}" for b, p, *_ in LIMITS]
)
def test_each_length_limit_is_the_converters(
    body: str, prop: str, name: str | None, schema: dict[str, Any]
) -> None:
    """At the limit: accepted by both; one past it: refused by both."""
    sample: Callable[[int], str] = SAMPLES.get(name or "", lambda n: "я" * n)
    validator: Any = Draft202012Validator(schema)
    cls = BODIES[body]
    if "maxLength" in schema:
        longest = sample(schema["maxLength"])
        assert validator.is_valid(longest) and _errors_for(cls, prop, longest) == []
        too_long = sample(schema["maxLength"] + 1)
        assert not validator.is_valid(too_long) and _errors_for(cls, prop, too_long) != []
        # Surrounding spaces count: the limit is on what is sent, as the contract says.
        padded = " " + longest
        assert not validator.is_valid(padded) and _errors_for(cls, prop, padded) != []
    if schema.get("minLength", 0) > 0:
        shortest = sample(schema["minLength"])
        assert validator.is_valid(shortest) and _errors_for(cls, prop, shortest) == []
        too_short = "x" * (schema["minLength"] - 1)
        assert not validator.is_valid(too_short) and _errors_for(cls, prop, too_short) != []


def test_every_bounded_input_string_has_a_length_limit() -> None:
    unbounded = [
        f"{b}.{p}"
        for b, p, _, s in RULES
        if "maxLength" not in s and "enum" not in s and s.get("format") != "date-time"
    ]
    # A login password is checked against a hash, never stored: any length gets the same 401.
    assert unbounded == ["LoginRequest.password", "RegisterRequest.password_confirm"]


PATTERNED = sorted({(n, s["pattern"]) for _, _, n, s in RULES if "pattern" in s and n})


@pytest.mark.parametrize(("name", "pattern"), PATTERNED, ids=[n for n, _ in PATTERNED])
def test_each_pattern_agrees_with_the_converter(name: str, pattern: str) -> None:
    cls, prop = {"ClientPhone": (NewClient, "phone")}[name]
    verdicts = {
        probe: (bool(re.search(pattern, probe)), _errors_for(cls, prop, probe) == [])
        for probe in PROBES[name]
    }
    assert {p: v for p, v in verdicts.items() if v[0] != v[1]} == {}
    assert {v[0] for v in verdicts.values()} == {True, False}, "probes must include both kinds"


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_each_enum_is_the_models(name: str) -> None:
    assert SCHEMAS[name]["enum"] == [member.value for member in ENUMS[name]]


async def test_the_database_stores_the_longest_values_the_contract_allows(api: Api) -> None:
    _, token = await admin_token(api)
    longest_email = SAMPLES["Email"](254)
    client = await api.post(
        "/clients",
        {"name": "я" * 200, "phone": "+" + "1" * 20, "email": longest_email, "comment": "я" * 2000},
        token=token,
    )
    assert client.status == 201, client.body
    short_phone = await api.post("/clients", {"phone": "12345"}, token=token)
    assert short_phone.status == 201, short_phone.body
    ticket = await api.post(
        "/tickets",
        {"title": "я" * 200, "description": "я" * 5000, "client_id": client.body["id"]},
        token=token,
    )
    assert ticket.status == 201, ticket.body
    user = await api.post(
        "/users",
        {"email": "b" + longest_email[1:], "password": "p" * 256, "role": "worker"},
        token=token,
    )
    assert user.status == 201, user.body
    counts = await check(api, "count_rows")
    assert (counts["clients"], counts["tickets"]) == (2, 1)


@pytest.mark.parametrize(
    ("statement", "value"),
    [
        ("INSERT INTO clients (phone) VALUES (%s)", "1234"),
        ("INSERT INTO clients (email) VALUES (%s)", "Upper@example.com"),
        ("INSERT INTO clients (email) VALUES (%s)", "no-at-sign.example.com"),
        ("INSERT INTO users (email, password_hash, role) VALUES (%s, 'x', 'admin')", "a b@c.de"),
    ],
)
def test_the_database_refuses_what_the_converter_refuses(
    settings: Settings, sync_db: psycopg.Connection[Any], statement: str, value: str
) -> None:
    """The same rules hold for analysts and scripts that write SQL directly."""
    with pytest.raises(psycopg.errors.CheckViolation):
        sync_db.execute(statement, (value,))


EMAILS = [
    "a@b.co",
    "A.B@Ex.Org",
    " a@b.co ",
    "o'neil+repairs@mail.example.ua",
    "a@b",
    "a b@c.de",
    "@b.co",
    "a@b.co.",
    "a@@b.co",
    "a..b@c.de",
    "ü@b.co",
    "a@ü.co",
    "¢@v.\u0007±p",
    "a@-b.co",
    "a@b_c.co",
    "x" * 64 + "@b.co",
    "x" * 65 + "@b.co",
    "a@" + "b" * 63 + ".co",
    "a@" + "b" * 64 + ".co",
    "a@1.2.3.4",
    "a@b.c0",
]


def test_every_email_the_api_takes_meets_the_contracts_email_format() -> None:
    """Schemathesis and generated clients check `format: email`: the API's rule is stricter."""
    schema = {"type": "string", "format": "email"}
    checker = jsonschema_rs.validator_for(schema, validate_formats=True)
    verdicts = {
        e: (_errors_for(NewClient, "email", e) == [], checker.is_valid(e.strip())) for e in EMAILS
    }
    assert [e for e, (taken, valid) in verdicts.items() if taken and not valid] == []
    assert sorted(e for e, (taken, _) in verdicts.items() if taken) == sorted(
        [
            " a@b.co ",
            "A.B@Ex.Org",
            "a@" + "b" * 63 + ".co",
            "a@b.c0",
            "a@b.co",
            "o'neil+repairs@mail.example.ua",
            "x" * 64 + "@b.co",
        ]
    )


URLS = [
    "https://shop.example.com/hooks/crm",
    "http://127.0.0.1:8080/x?a=1#f",
    "https://[::1]:80/",
    "https://xn--e1afmkfd.xn--p1ai/",
    "https://h/a%20b",
    "https://пример.рф/",
    "https://a b/",
    "https://h/%zz",
    "https://\u000f\u00a9h",
    "ftp://h/",
    "https:///x",
    "https://user:pw@h/",
]


def test_every_webhook_url_the_api_takes_meets_the_contracts_uri_format() -> None:
    uri = {"type": "string", "format": "uri"}
    checker = jsonschema_rs.validator_for(uri, validate_formats=True)
    taken = [u for u in URLS if _errors_for(NewWebhook, "url", u) == []]
    assert [u for u in taken if not checker.is_valid(u)] == []
    assert taken == URLS[:5]

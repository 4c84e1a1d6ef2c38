"""Hostile input gets a clean 4xx problem, and nothing is stored: each attack the issue found."""

from __future__ import annotations

import gzip
import time
from typing import Any

import jwt
import pytest

from tests.api import Api, problem
from tests.conftest import TEST_SECRET
from tests.factories import admin_token, check, make_ticket, make_user, new_client

PUBLIC = {"title": "Washer", "client": {"phone": "+380671112233"}}
HUGE = "9" * 5000
JSON = {"Content-Type": "application/json"}


async def _nothing_stored(api: Api) -> None:
    assert dict(await check(api, "count_rows")) == {
        "clients": 0,
        "tickets": 0,
        "events": 0,
        "keys": 0,
    }


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "W\\ud800", "client": {"phone": "+380671112233"}}',
        b'{"title": "Washer", "client": {"name": "\\udfff", "phone": "+380671112233"}}',
        b'{"title": "Washer", "client": {"phone": "+380671112233"}, "\\ud800": 1}',
        b'{"title": "W\xed\xa0\x80", "client": {"phone": "+380671112233"}}',
        b'{"title": "W\\uDBFF", "client": {"phone": "+380671112233"}}',
    ],
    ids=["escaped-title", "escaped-name", "escaped-key", "raw-bytes", "upper-case-escape"],
)
async def test_lone_surrogate_in_public_request_is_400(api: Api, raw: bytes) -> None:
    reply = await api.post("/tickets/public", data=raw, headers=JSON)
    assert problem(reply, 400)["detail"].startswith("The body is not valid JSON")
    await _nothing_stored(api)


async def test_escaped_letters_and_surrogate_pairs_are_kept(api: Api) -> None:
    """Only a lone surrogate is refused: a pair is one character (an emoji), and escaped
    letters are letters."""
    title = b"\\u0421\\u0442\\u0438\\u0440\\u043a\\u0430 \\ud83d\\ude00"
    raw = b'{"title": "' + title + b'", "client": {"phone": "+380671112233"}}'
    reply = await api.post("/tickets/public", data=raw, headers=JSON)
    assert reply.status == 201, reply.body
    created = reply.body
    assert created["title"] == "Стирка \U0001f600"
    stored = await check(api, "ticket_row", id=created["id"])
    assert stored["title"] == "Стирка \U0001f600"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"email": "a@example.com", "password": "\\ud800xxxxxxxx"}',
        b'{"email": "a@b.cd", "password": "\xed\xa0\x80"}',
    ],
    ids=["escaped", "raw-bytes"],
)
async def test_lone_surrogate_in_password_is_400(api: Api, raw: bytes) -> None:
    reply = await api.post("/auth/login", data=raw, headers=JSON)
    problem(reply, 400)


async def test_lone_surrogate_in_ticket_patch_is_400_and_changes_nothing(api: Api) -> None:
    _, token = await admin_token(api)
    ticket_id = await make_ticket(api, await new_client(api))
    reply = await api.patch(
        f"/tickets/{ticket_id}", data=b'{"title": "\\ud800"}', headers=JSON, token=token
    )
    problem(reply, 400)
    assert (await check(api, "ticket_row", id=ticket_id))["title"] == "Washer"


async def test_an_encoded_surrogate_in_a_query_is_taken_literally(api: Api) -> None:
    _, token = await admin_token(api)
    reply = await api.get("/tickets?q=%ED%A0%80", token=token)
    empty: dict[str, object] = {"items": [], "next_cursor": None, "total": 0, "total_exact": True}
    assert (reply.status, reply.body) == (200, empty)


async def test_json_nested_ten_thousand_deep_is_400(api: Api) -> None:
    raw = b'{"title": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    reply = await api.post("/tickets/public", data=raw, headers=JSON)
    assert problem(reply, 400)["detail"] == "The body is not valid JSON: it is nested too deeply."
    await _nothing_stored(api)


async def test_five_thousand_digit_id_in_a_path_is_404(api: Api) -> None:
    _, token = await admin_token(api)
    for method in ("GET", "PATCH", "DELETE"):
        body = {"title": "x"} if method == "PATCH" else None
        reply = await api.call(method, f"/tickets/{HUGE}", json_body=body, token=token)
        problem(reply, 404)
    problem(await api.get(f"/users/{HUGE}", token=token), 404)
    problem(await api.get(f"/clients/{HUGE}", token=token), 404)


@pytest.mark.parametrize("name", ["page_size", "assignee_id", "client_id"])
@pytest.mark.parametrize("value", [HUGE, "²", "١", "1" + "0" * 19])
async def test_odd_numbers_in_a_query_are_422(api: Api, name: str, value: str) -> None:
    _, token = await admin_token(api)
    reply = await api.get("/tickets", params={name: value}, token=token)
    assert problem(reply, 422)["errors"][0]["field"] == name


@pytest.mark.parametrize("field", ["client_id", "assignee_id"])
async def test_five_thousand_digit_id_in_a_body_is_4xx_and_stores_nothing(
    api: Api, field: str
) -> None:
    _, token = await admin_token(api)
    client_id = await new_client(api)
    raw = f'{{"title": "Washer", "client_id": {client_id}, "{field}": {HUGE}}}'.encode()
    reply = await api.post("/tickets", data=raw, headers=JSON, token=token)
    assert reply.status in (400, 422), reply.body
    assert (await check(api, "count_rows"))["tickets"] == 0


async def test_non_ascii_digits_are_not_an_id(api: Api) -> None:
    _, token = await admin_token(api)
    ticket_id = await make_ticket(api, await new_client(api))
    assert ticket_id == 1
    problem(await api.get("/tickets/%D9%A1", token=token), 404)  # Arabic-Indic one
    problem(await api.get("/tickets/%C2%B9", token=token), 404)  # superscript one


OFF_RANGE = [
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:30:00-01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
]


@pytest.mark.parametrize("moment", OFF_RANGE)
async def test_public_time_outside_the_years_1_to_9999_is_422(api: Api, moment: str) -> None:
    reply = await api.post("/tickets/public", {**PUBLIC, "scheduled_at": moment})
    assert problem(reply, 422)["errors"][0]["field"] == "scheduled_at"
    await _nothing_stored(api)


@pytest.mark.parametrize("moment", OFF_RANGE)
async def test_admin_time_outside_the_range_is_422_and_stores_nothing(
    api: Api, moment: str
) -> None:
    _, token = await admin_token(api)
    client_id = await new_client(api)
    body = {"title": "Washer", "client_id": client_id, "scheduled_at": moment}
    reply = await api.post("/tickets", body, token=token)
    message = "must fall after 0001-01-01T00:00:00Z and before 9999-12-31T23:59:59.999999Z"
    assert problem(reply, 422)["errors"] == [{"field": "scheduled_at", "message": message}]
    assert (await check(api, "count_rows"))["tickets"] == 0
    ticket_id = await make_ticket(api, client_id)
    reply = await api.patch(f"/tickets/{ticket_id}", {"scheduled_at": moment}, token=token)
    problem(reply, 422)
    assert (await check(api, "ticket_row", id=ticket_id))["scheduled_at"] is None


@pytest.mark.parametrize(
    ("moment", "stored"),
    [("0001-01-01T00:00:00.000001Z", "0001-01-01T00:00:00.000001Z"),
     ("9999-12-31T23:59:59.999998+00:00", "9999-12-31T23:59:59.999998Z")],
)  # fmt: skip
async def test_times_just_inside_the_range_round_trip(api: Api, moment: str, stored: str) -> None:
    reply = await api.post("/tickets/public", {**PUBLIC, "scheduled_at": moment})
    assert reply.status == 201, reply.body
    assert reply.body["scheduled_at"] == stored


async def test_gzip_encoding_on_a_plain_body_is_400(api: Api) -> None:
    headers = {**JSON, "Content-Encoding": "gzip"}
    reply = await api.post("/tickets/public", data=b'{"title": "x"}', headers=headers)
    assert problem(reply, 400)["detail"] == "The body does not match its Content-Encoding."
    await _nothing_stored(api)


async def test_a_real_gzip_body_is_read(api: Api) -> None:
    raw = gzip.compress(b'{"title": "Washer", "client": {"phone": "+380671112233"}}')
    headers = {**JSON, "Content-Encoding": "gzip"}
    reply = await api.post("/tickets/public", data=raw, headers=headers)
    assert reply.status == 201, reply.body


def _signed(sub: Any, ver: Any = 1) -> str:
    now = int(time.time())
    claims = {"sub": sub, "ver": ver, "iat": now, "exp": now + 60}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    ("sub", "ver"),
    [(str(2**64), 1), (HUGE, 1), ("١", 1), (" 1", 1), ("1", 2**40), ("1", True), (1, 1)],
)
async def test_signed_token_with_insane_claims_is_401(api: Api, sub: Any, ver: Any) -> None:
    await make_user(api, "admin@example.com", "admin")
    reply = await api.get("/auth/me", token=_signed(sub, ver))
    assert problem(reply, 401)["detail"] == "The token is invalid."


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_json_sent_as_another_type_is_415(api: Api, content_type: str) -> None:
    raw = b'{"title": "Washer", "client": {"phone": "+380671112233"}}'
    reply = await api.post("/tickets/public", data=raw, headers={"Content-Type": content_type})
    problem(reply, 415)
    await _nothing_stored(api)


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json", 201),
        ("application/json;charset=UTF-8", 201),
        ("Application/JSON; Charset=utf-8", 201),
        ("application/json ; charset=utf-8", 201),
        ("application/jsonx", 415),
        ("application/json-seq", 415),
    ],
)
async def test_json_is_known_however_its_type_is_spelled(
    api: Api, content_type: str, status: int
) -> None:
    raw = b'{"title": "Washer", "client": {"phone": "+380671112233"}}'
    reply = await api.post("/tickets/public", data=raw, headers={"Content-Type": content_type})
    assert reply.status == status
    stored = dict(await check(api, "count_rows"))
    assert (stored["tickets"], stored["events"]) == ((1, 1) if status == 201 else (0, 0))


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("18446744073709551616", "must be a positive whole number (a database id)"),
        ("9223372036854775808", "must be a positive whole number (a database id)"),
        ("-99999999999999999999", "must be a positive whole number (a database id)"),
        ("1e400", "must be an integer"),
        ("NaN", "must be an integer"),
        ("1.0", "must be an integer"),
    ],
)
async def test_a_number_in_a_body_is_read_as_written(api: Api, number: str, message: str) -> None:
    """However the body is parsed, an integer past 64 bits stays an integer (and is refused as
    an id, not as a float), and what only Python's reader takes (NaN, 1e400) reads as before."""
    _, token = await admin_token(api)
    raw = b'{"title": "Washer", "client_id": ' + number.encode() + b"}"
    headers = {"Content-Type": "application/json"}
    reply = await api.post("/tickets", data=raw, headers=headers, token=token)
    assert problem(reply, 422)["errors"] == [{"field": "client_id", "message": message}]


async def test_problem_json_is_json_enough(api: Api) -> None:
    raw = b'{"title": "Washer", "client": {"phone": "+380671112233"}}'
    headers = {"Content-Type": "application/merge-patch+json; charset=utf-8"}
    reply = await api.post("/tickets/public", data=raw, headers=headers)
    assert reply.status == 201


@pytest.mark.parametrize("address", ["\u00a2@v\u0087.\u0007\u00b1p", "a\u0001@example.com"])
async def test_control_characters_in_an_email_are_422(api: Api, address: str) -> None:
    _, token = await admin_token(api)
    reply = await api.post("/clients", {"name": "x", "email": address}, token=token)
    assert problem(reply, 422)["errors"] == [
        {"field": "email", "message": "must be a valid e-mail address"}
    ]

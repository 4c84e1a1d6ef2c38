"""What an operator relies on: security headers, an access log without secrets, timeouts for
slow clients, the parser's errors as problems, CORS only when asked, trusted proxies only."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from typing import Any

import aiohttp
import attrs
import pytest
import yarl
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from crm.access_log import (
    ACCESS_MESSAGE,
    AccessLog,
    JsonFormatter,
    LineHandler,
    TextFormatter,
    access_message,
    configure_logging,
)
from crm.handlers.docs import DOCS_POLICY
from crm.http.headers import API_POLICY
from crm.settings import Settings
from tests.api import Api, problem
from tests.contract import check_problem
from tests.factories import PASSWORD, admin_token, make_ticket, make_user, new_client
from tests.served import raw_exchange, served

pytestmark = pytest.mark.usefixtures("empty_tables")
SHOP = "https://shop.example"
PUBLIC = {"title": "Washer", "client": {"phone": "+380671112233"}}


def _assert_secure(headers: Any, policy: str = API_POLICY) -> None:
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"] == policy
    assert headers["Server"] == "crm"


async def test_every_api_response_has_security_headers_and_no_store(api: Api) -> None:
    replies = [
        await api.get("/healthz"),
        await api.get("/no/such/route"),
        await api.post("/auth/login", {"email": "a@example.com", "password": "wrong-password"}),
        await api.post("/tickets/public", PUBLIC),
    ]
    assert [reply.status for reply in replies] == [200, 404, 401, 201]
    for reply in replies:
        _assert_secure(reply.headers)
        assert reply.headers["Cache-Control"] == "no-store"


async def test_docs_page_has_a_strict_policy_of_its_own(api: Api) -> None:
    reply = await api.get("/docs")
    _assert_secure(reply.headers, DOCS_POLICY)
    assert "'unsafe-eval'" not in DOCS_POLICY and "script-src 'self' 'sha256-" in DOCS_POLICY
    asset = await api.client.get("/docs/static/swagger-ui.css")
    assert asset.status == 200 and "Cache-Control" not in asset.headers
    assert asset.headers["X-Content-Type-Options"] == "nosniff"


def _access_lines(caplog: Any) -> list[dict[str, Any]]:
    return [r.http for r in caplog.records if r.name == "crm.access"]


async def _admin_logged_in(
    app: Any, port: int, http: aiohttp.ClientSession
) -> tuple[Api, dict[str, Any], str]:
    """An Api on a served `app` (for the factories), an admin made there, and their token."""
    api = Api.__new__(Api)
    api.app = app
    user = await make_user(api, "admin@example.com", "admin")
    login = {"email": "admin@example.com", "password": PASSWORD}
    async with http.post(f"http://127.0.0.1:{port}/auth/login", json=login) as response:
        token = (await response.json())["access_token"]
    return api, user, token


async def test_access_log_has_one_line_per_request_and_no_secrets(
    settings: Settings, caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="crm.access")
    async with served(settings) as (app, port), aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{port}"
        _, _, token = await _admin_logged_in(app, port, http)
        async with http.post(f"{base}/tickets/public", json=PUBLIC) as response:
            tracking = (await response.json())["tracking_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Request-Id": "req-42"}
        async with http.get(f"{base}/auth/me", headers=headers) as response:
            me = await response.json()
        async with http.get(f"{base}/tickets/public/{tracking}?token={tracking}") as response:
            assert response.status == 200
        async with http.get(f"{base}/tickets?page_size=5&access_token={token}") as response:
            assert response.status == 401
        async with http.get(f"{base}/ui/track/{tracking}") as response:
            assert response.status == 200
    lines = _access_lines(caplog)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("POST", "/auth/login", 200),
        ("POST", "/tickets/public", 201),
        ("GET", "/auth/me", 200),
        ("GET", "/tickets/public/***?token=***", 200),
        ("GET", "/tickets?page_size=5&access_token=***", 401),
        ("GET", "/ui/track/***", 200),
    ]
    assert lines[2]["user_id"] == me["id"] and lines[2]["request_id"] == "req-42"
    assert all(line["remote"] == "127.0.0.1" and line["duration_ms"] >= 0 for line in lines)
    assert all(len(line["request_id"]) == 32 for line in lines if line is not lines[2])
    for secret in (PASSWORD, token, tracking, "Bearer"):
        assert secret not in caplog.text


def test_json_log_lines_carry_the_access_fields() -> None:
    record = logging.LogRecord("crm.access", logging.INFO, __file__, 1, "GET /x 200", None, None)
    record.http = {"method": "GET", "path": "/x", "status": 200, "user_id": None}
    line = json.loads(JsonFormatter().format(record))
    assert line | {"time": "t"} == {
        "time": "t",
        "level": "INFO",
        "logger": "crm.access",
        "message": "GET /x 200",
        "method": "GET",
        "path": "/x",
        "status": 200,
        "user_id": None,
    }


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()])
def test_an_access_line_without_a_record_reads_as_the_record_would(
    formatter: TextFormatter | JsonFormatter,
) -> None:
    fields = {
        "method": "GET",
        "path": "/x",
        "status": 200,
        "duration_ms": 1.5,
        "request_id": "r" * 32,
        "user_id": 7,
        "remote": "10.0.0.1",
    }
    record = logging.LogRecord(
        "crm.access", logging.INFO, __file__, 1, ACCESS_MESSAGE, (fields,), None
    )
    record.http = fields
    record.created, record.msecs = 1_700_000_000.25, 250.0
    message = ACCESS_MESSAGE % fields
    assert access_message(fields, "1.5") == message
    assert formatter.info_line(record.created, "crm.access", message, fields) == formatter.format(
        record
    )


_TEXT_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO crm\.access: GET /auth/me 200 "
    r"[0-9.]+ms request=req-7 user=(\d+) remote=127\.0\.0\.1"
)


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_the_served_access_log_writes_its_lines_to_stderr(
    settings: Settings, log_format: str
) -> None:
    configure_logging(log_format)
    handler = logging.getLogger().handlers[0]
    written = io.StringIO()
    handler.setStream(written)  # type: ignore[attr-defined]
    async with served(settings) as (app, port), aiohttp.ClientSession() as http:
        _, user, token = await _admin_logged_in(app, port, http)
        headers = {"Authorization": f"Bearer {token}", "X-Request-Id": "req-7"}
        async with http.get(f"http://127.0.0.1:{port}/auth/me", headers=headers) as response:
            assert response.status == 200
        # Written a moment later, with nothing else logged or flushed meanwhile.
        lines = await _access_lines_within(written, 2, seconds=5)
    if log_format == "text":
        match = _TEXT_LINE.fullmatch(lines[1])
        assert match is not None and int(match[1]) == user["id"]
    else:
        line = json.loads(lines[1])
        assert (line["level"], line["logger"], line["path"], line["status"]) == (
            "INFO",
            "crm.access",
            "/auth/me",
            200,
        )
        assert (line["request_id"], line["user_id"]) == ("req-7", user["id"])
        assert line["message"].startswith("GET /auth/me 200 ")
    assert token not in written.getvalue() and PASSWORD not in written.getvalue()


async def test_an_access_line_names_only_its_own_requests_caller(settings: Settings) -> None:
    """The caller noted for a request's line is that request's: on the same keep-alive
    connection, a request without a token after one with a token is logged without a user."""
    configure_logging("text")
    handler = logging.getLogger().handlers[0]
    written = io.StringIO()
    handler.setStream(written)  # type: ignore[attr-defined]
    one_connection = aiohttp.TCPConnector(limit=1)
    async with (
        served(settings) as (app, port),
        aiohttp.ClientSession(connector=one_connection) as http,
    ):
        _, user, token = await _admin_logged_in(app, port, http)
        me = f"http://127.0.0.1:{port}/auth/me"
        async with http.get(me, headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200
        async with http.get(me) as response:
            assert response.status == 401
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
        lines = await _access_lines_within(written, 4, seconds=5)
    users = [line.split(" user=")[1].split(" ")[0] for line in lines]
    assert users == ["None", str(user["id"]), "None", "None"], lines


async def test_the_served_access_log_masks_a_tracking_token_however_its_path_is_written(
    settings: Settings,
) -> None:
    """The line is made from the raw path when nothing in it can decode: a token's path spelled
    with an escape still reaches its route, and its line is still masked."""
    configure_logging("text")
    handler = logging.getLogger().handlers[0]
    written = io.StringIO()
    handler.setStream(written)  # type: ignore[attr-defined]
    async with served(settings) as (_, port), aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{port}"
        async with http.post(f"{base}/tickets/public", json=PUBLIC) as response:
            tracking = (await response.json())["tracking_token"]
        paths = [
            f"/tickets/public/{tracking}",
            f"/%74ickets/public/{tracking}",
            f"/ui/track/{tracking}",
            f"/ui/%74rack/{tracking}",
        ]
        statuses = []
        for path in paths:
            async with http.get(yarl.URL(base + path, encoded=True)) as response:
                statuses.append(response.status)
        lines = await _access_lines_within(written, 1 + len(paths), seconds=5)
    assert statuses == [200, 200, 200, 200]
    assert tracking not in written.getvalue()
    assert all(" /tickets/public/*** 200 " in line for line in lines[1:3]), lines
    assert all(" /ui/track/*** 200 " in line for line in lines[3:]), lines


async def _access_lines_within(written: io.StringIO, count: int, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while True:
        lines = [line for line in written.getvalue().splitlines() if "crm.access" in line]
        if len(lines) >= count or time.monotonic() > deadline:
            assert len(lines) == count, lines
            return lines
        await asyncio.sleep(0.01)


def test_a_text_access_line_reads_as_its_message_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text line the access log writes without a dict of fields (access_text) is info_line
    of access_message's message of those fields."""
    configure_logging("text")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, LineHandler)
    written = io.StringIO()
    handler.setStream(written)
    request = make_mocked_request("POST", "/tickets/public")
    response = web.Response(status=201, headers={"X-Request-Id": "r" * 32})
    fields = {
        "method": "POST",
        "path": "/tickets/public",
        "status": 201,
        "duration_ms": 12.3,
        "request_id": "r" * 32,
        "user_id": None,
        "remote": request.remote,
    }
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.25)
    AccessLog(logging.getLogger("crm.access"), "").log(request, response, 0.01234)
    handler.flush()
    line = written.getvalue().rstrip("\n")
    message = access_message(fields, "12.3")
    formatter = handler.formatter
    assert isinstance(formatter, TextFormatter)
    assert line == formatter.info_line(1_700_000_000.25, "crm.access", message, fields)
    assert line.endswith(",250 INFO crm.access: " + message)


async def test_access_lines_wait_for_their_flush_and_keep_their_order() -> None:
    """An access line is held until its flush is due, and any other record writes the lines
    held before its own, so the log stays in order."""
    configure_logging("text")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, LineHandler)
    written = io.StringIO()
    handler.setStream(written)
    handler.write_info("crm.access", "GET /a 200", {})
    handler.write_info("crm.access", "GET /b 200", {})
    assert written.getvalue() == ""
    logging.getLogger("crm").warning("after both")
    lines = written.getvalue().splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        "INFO crm.access: GET /a 200",
        "INFO crm.access: GET /b 200",
        "WARNING crm: after both",
    ]
    handler.write_info("crm.access", "GET /c 200", {})
    assert (await _access_lines_within(written, 3, seconds=5))[-1].endswith("GET /c 200")
    handler.write_info("crm.access", "GET /d 200", {})
    handler.flush()
    assert written.getvalue().splitlines()[-1].endswith("INFO crm.access: GET /d 200")


def _split(raw: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status, headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        # Looked at for raw UTF-8 before parsing: must cost what its length does, no more.
        b"GET /" + b"\xd1\x81" * 30_000,
    ],
    ids=["long-request-line", "bad-header", "two-lengths", "long-utf8-request-line"],
)
async def test_the_parsers_own_errors_are_problems(
    settings: Settings, request_bytes: bytes
) -> None:
    async with served(settings) as (_, port):
        raw = await raw_exchange(port, request_bytes)
    status, headers, body = _split(raw)
    assert status.split(" ")[1] == "400"
    assert headers["content-type"] == "application/problem+json; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff" and headers["server"] == "crm"
    check_problem(body)
    assert json.loads(body)["detail"].startswith("The request could not be parsed")


async def test_raw_utf8_in_a_request_target_is_parsed_first_and_on_a_kept_connection(
    settings: Settings,
) -> None:
    """curl sends `?q=стиралка` unescaped: the C parser alone would refuse such a line, so a
    connection that sends one is parsed in Python from then on, whichever request it is."""
    line = "GET /tickets/public/нет-такого-билета HTTP/1.1\r\nHost: x\r\n".encode()
    async with served(settings) as (_, port):
        first = await raw_exchange(port, line + b"Connection: close\r\n\r\n")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            _, headers, _ = _split(await reader.readuntil(b"\r\n\r\n"))
            await reader.readexactly(int(headers["content-length"]))
            writer.write(line + b"Connection: close\r\n\r\n")
            later = await reader.read()
        finally:
            writer.close()
    for raw in (first, later):
        status, _, body = _split(raw)
        # Parsed and routed: an impossible tracking token is not found, not a parse error.
        assert status.split(" ")[1] == "404", raw[:300]
        check_problem(body)
        assert not json.loads(body)["detail"].startswith("The request could not be parsed")


async def test_headers_that_never_finish_get_408_and_the_connection_closes(
    settings: Settings,
) -> None:
    quick = attrs.evolve(settings, header_read_timeout=1.0)
    async with served(quick) as (_, port):
        started = time.monotonic()
        raw = await raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", wait=10)
        took = time.monotonic() - started
        silent = await raw_exchange(port, b"", wait=10)
    assert took < 5
    status, headers, body = _split(raw)
    assert status == "HTTP/1.1 408 Request Timeout" and headers["connection"] == "close"
    assert json.loads(body)["detail"] == "The request headers did not arrive in time."
    assert _split(silent)[0] == "HTTP/1.1 408 Request Timeout"


async def test_a_body_that_never_finishes_gets_408(settings: Settings) -> None:
    quick = attrs.evolve(settings, body_read_timeout=1.0)
    head = (
        b"POST /tickets/public HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"title": '
    )
    async with served(quick) as (_, port):
        raw = await raw_exchange(port, head, wait=10)
    status, _, body = _split(raw)
    assert status.split(" ")[1] == "408"
    assert json.loads(body)["detail"] == "The body did not arrive in time."


async def test_a_keep_alive_connection_between_requests_is_not_cut_by_the_header_timeout(
    settings: Settings,
) -> None:
    quick = attrs.evolve(settings, header_read_timeout=1.0)
    async with served(quick) as (_, port), aiohttp.ClientSession() as http:
        for _ in range(2):
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
            await asyncio.sleep(1.5)
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200


async def test_cors_is_off_by_default(api: Api) -> None:
    reply = await api.post("/tickets/public", PUBLIC, headers={"Origin": SHOP})
    assert reply.status == 201 and "Access-Control-Allow-Origin" not in reply.headers
    preflight = await api.client.options(
        "/tickets/public",
        headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 405 and "Access-Control-Allow-Origin" not in preflight.headers


@pytest.fixture(name="cors_api")
async def _cors_api(aiohttp_client: Any, settings: Settings) -> Api:
    from crm.app import create_app

    return Api(await aiohttp_client(create_app(attrs.evolve(settings, cors_origins=(SHOP,)))))


async def test_an_allowed_origin_gets_a_preflight_and_cors_headers(cors_api: Api) -> None:
    preflight = await cors_api.client.options(
        "/tickets/public",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, idempotency-key",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == SHOP
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST"
    assert "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Access-Control-Max-Age"] == "600"
    reply = await cors_api.post("/tickets/public", PUBLIC, headers={"Origin": SHOP})
    assert reply.status == 201
    assert reply.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Location" in reply.headers["Access-Control-Expose-Headers"]
    assert reply.headers["Vary"] == "Origin"


async def test_another_origin_gets_no_cors(cors_api: Api) -> None:
    evil = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    preflight = await cors_api.client.options("/tickets/public", headers=evil)
    assert preflight.status == 405 and "Access-Control-Allow-Origin" not in preflight.headers
    reply = await cors_api.post("/tickets/public", PUBLIC, headers={"Origin": evil["Origin"]})
    assert "Access-Control-Allow-Origin" not in reply.headers


FORWARDED = {
    "X-Forwarded-For": "198.51.100.9, 203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "crm.example",
}


async def _next_link(settings: Settings, caplog: Any) -> tuple[str, str]:
    caplog.set_level(logging.INFO, logger="crm.access")
    async with served(settings) as (app, port), aiohttp.ClientSession() as http:
        api, _, token = await _admin_logged_in(app, port, http)
        client_id = await new_client(api)
        for _ in range(2):
            await make_ticket(api, client_id)
        headers = {**FORWARDED, "Authorization": f"Bearer {token}"}
        url = f"http://127.0.0.1:{port}/tickets?page_size=1"
        async with http.get(url, headers=headers) as response:
            link = response.headers["Link"]
    return link, _access_lines(caplog)[-1]["remote"]


async def test_behind_a_trusted_proxy_links_use_the_forwarded_scheme_and_host(
    settings: Settings, caplog: Any
) -> None:
    trusting = attrs.evolve(
        settings,
        trusted_proxies=Settings.from_env(
            {"TRUSTED_PROXIES": "127.0.0.1/32", "JWT_SECRET": "x"}
        ).trusted_proxies,
    )
    link, remote = await _next_link(trusting, caplog)
    assert link.startswith("<https://crm.example/tickets?page_size=1&cursor=")
    assert remote == "203.0.113.7"


async def test_forwarded_headers_from_anyone_else_are_ignored(
    settings: Settings, caplog: Any
) -> None:
    link, remote = await _next_link(settings, caplog)
    assert link.startswith("<http://127.0.0.1:")
    assert remote == "127.0.0.1"


async def test_created_location_stays_relative_so_it_resolves_against_the_proxy(api: Api) -> None:
    _, token = await admin_token(api)
    reply = await api.post(
        "/tickets",
        {"title": "x", "client_id": await new_client(api)},
        token=token,
        headers=FORWARDED,
    )
    assert reply.headers["Location"] == f"/tickets/{reply.body['id']}"


async def test_options_on_an_unknown_route_is_a_404_problem(cors_api: Api) -> None:
    reply = await cors_api.call(
        "OPTIONS", "/nowhere", headers={"Origin": SHOP, "Access-Control-Request-Method": "GET"}
    )
    problem(reply, 404)

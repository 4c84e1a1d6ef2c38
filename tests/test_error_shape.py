"""Every error is RFC 9457 problem details; no traceback ever reaches a client."""

from __future__ import annotations

import io
from typing import Any

from aiohttp import web

from crm.app import create_app
from crm.settings import Settings
from tests.api import Api, problem
from tests.contract import check_problem


async def test_unknown_route_is_404_problem(api: Api) -> None:
    reply = await api.get("/no/such/route")
    problem(reply, 404, "Not Found")
    assert reply.body["detail"] == "No such route."


async def test_wrong_method_is_405_problem_with_allow(api: Api) -> None:
    reply = await api.call("DELETE", "/auth/login")
    problem(reply, 405, "Method Not Allowed")
    assert reply.headers["Allow"] == "POST"


async def test_malformed_json_is_400_problem(api: Api) -> None:
    reply = await api.post(
        "/auth/login", data=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    problem(reply, 400, "Bad Request")
    assert reply.body["detail"].startswith("The body is not valid JSON")


async def test_empty_body_is_400_problem(api: Api) -> None:
    problem(await api.post("/auth/login"), 400, "Bad Request")


async def test_body_over_the_limit_is_413_problem(api: Api) -> None:
    big = io.BytesIO(b'{"email": "' + b"a" * (1024 * 1024 + 10) + b'"}')
    reply = await api.post("/auth/login", data=big, headers={"Content-Type": "application/json"})
    problem(reply, 413, "Content Too Large")


async def test_validation_error_is_422_with_field_errors(api: Api) -> None:
    reply = await api.post("/auth/login", {"email": 5, "password": True, "extra": 1})
    problem(reply, 422, "Unprocessable Content")
    assert sorted(reply.body["errors"], key=lambda e: e["field"]) == [
        {"field": "email", "message": "must be a string"},
        {"field": "extra", "message": "unknown field"},
        {"field": "password", "message": "must be a string"},
    ]


async def test_json_that_is_not_an_object_is_422(api: Api) -> None:
    reply = await api.post("/auth/login", [1, 2])
    problem(reply, 422, "Unprocessable Content")
    assert reply.body["errors"] == [{"field": "$", "message": "the body must be a JSON object"}]


async def test_unexpected_error_is_500_with_request_id_and_no_traceback(
    aiohttp_client: Any, settings: Settings, caplog: Any, empty_tables: None
) -> None:
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals")

    app = create_app(settings)
    app.router.add_get("/boom", boom)
    client = await aiohttp_client(app)
    response = await client.get("/boom", headers={"X-Request-Id": "req-123"})
    raw = await response.read()
    assert response.status == 500
    check_problem(raw)
    body = await response.json(content_type=None)
    assert body["request_id"] == "req-123"
    assert "req-123" in body["detail"]
    assert "secret internals" not in raw.decode() and "Traceback" not in raw.decode()
    assert "req-123" in caplog.text and "secret internals" in caplog.text

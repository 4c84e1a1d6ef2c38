"""A test client that speaks JSON, carries tokens and checks each response against the contract."""

from __future__ import annotations

import json
from typing import Any

import attrs
from aiohttp.test_utils import TestClient
from multidict import CIMultiDictProxy

from tests.contract import check_response


@attrs.frozen
class Reply:
    """What came back: status, headers, and the body (parsed JSON, else text; None when empty)."""

    status: int
    headers: CIMultiDictProxy[str]
    body: Any
    raw: bytes


class Api:
    """Calls the real app over HTTP; every reply is validated against openapi.yaml."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.app = client.app

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        data: Any = None,
        params: Any = None,
    ) -> Reply:
        """Send one request and return its checked reply."""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            data = json.dumps(json_body)
            sent.setdefault("Content-Type", "application/json")
        response = await self.client.request(method, path, data=data, headers=sent, params=params)
        raw = await response.read()
        query = dict(response.url.query) if response.url.query else None
        check_response(
            method, response.url.path, query, response.status, dict(response.headers), raw
        )
        is_json = response.content_type.endswith("json")
        body = json.loads(raw) if raw and is_json else raw.decode() if raw else None
        return Reply(response.status, response.headers, body, raw)

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.call("GET", path, **kw)

    async def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.call("POST", path, json_body=body, **kw)

    async def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.call("PATCH", path, json_body=body, **kw)

    async def delete(self, path: str, **kw: Any) -> Reply:
        return await self.call("DELETE", path, **kw)

    async def login(self, email: str, password: str) -> str:
        """Log in and return the bearer token."""
        reply = await self.post("/auth/login", {"email": email, "password": password})
        assert reply.status == 200, reply.body
        token: str = reply.body["access_token"]
        return token


PROBLEM_KEYS = {"type", "title", "status", "detail"}


def problem(reply: Reply, status: int, title: str | None = None) -> dict[str, Any]:
    """The problem body of `reply`, after checking the one error shape every error has.

    problem+json in UTF-8 with type, title, status and detail; `title` when given; and nothing
    internal (no traceback) in the raw body.
    """
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert reply.body.keys() >= PROBLEM_KEYS
    assert reply.body["status"] == status
    assert reply.body["type"] == "about:blank"
    if title is not None:
        assert reply.body["title"] == title
    assert "Traceback" not in reply.raw.decode()
    body: dict[str, Any] = reply.body
    return body

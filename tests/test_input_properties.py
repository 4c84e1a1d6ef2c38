"""Property: whatever a client sends to the public form or a ticket PATCH, never a 5xx, and
nothing is stored unless the answer is 2xx."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.app import create_app
from crm.settings import Limit, Settings
from tests.api import Api
from tests.factories import admin_token, check, make_ticket, new_client

# Fixtures are shared by the examples of one test: each example checks what it changed.
FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
texts = st.text(max_size=30) | st.sampled_from(["", " ", "\x00", "\ud800", "a" * 5001])
moments = st.sampled_from(
    [
        "2025-01-14T10:00:00Z",
        "2025-01-14T10:00:00",
        "0001-01-01T00:30:00+01:00",
        "9999-12-31T23:30:00-01:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "0001-01-01T00:00:01Z",
        "2025-02-30T00:00:00Z",
    ]
)
ids = st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([1, 2, 2**63 - 1, 2**63])
phones = st.sampled_from(["+380671112233", "12345", "+", "١٢٣٤٥٦"]) | texts


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return values | junk


public_bodies = st.fixed_dictionaries(
    {"title": _maybe(texts)},
    optional={
        "description": _maybe(texts),
        "scheduled_at": _maybe(moments),
        "client": st.fixed_dictionaries(
            {},
            optional={
                "name": _maybe(texts),
                "phone": _maybe(phones),
                "email": _maybe(st.sampled_from(["a@example.com", "@", "a@b"])),
                "comment": _maybe(texts),
            },
        )
        | junk,
        "extra": junk,
    },
)

patch_bodies = st.fixed_dictionaries(
    {},
    optional={
        "title": _maybe(texts),
        "description": _maybe(texts),
        "scheduled_at": _maybe(moments),
        "client_id": _maybe(ids),
        "assignee_id": _maybe(ids),
        "status": _maybe(st.sampled_from(["new", "in_progress", "done", "canceled", "lost"])),
    },
)


@pytest.fixture(name="api")
async def _api(aiohttp_client: Any, settings: Settings, empty_tables: None) -> Api:
    """The app with room for every example's public request (the hourly limit is tested apart)."""
    roomy = attrs.evolve(settings, public_ticket_limit=Limit(0, 3600))
    return Api(await aiohttp_client(create_app(roomy)))


def _encoded(body: Any) -> bytes:
    # json.dumps writes a lone surrogate as its escape, as a hostile client would.
    return json.dumps(body).encode()


@FAST
@given(body=public_bodies | junk)
async def test_public_request_never_fails_and_stores_only_when_created(api: Api, body: Any) -> None:
    before = dict(await check(api, "count_rows"))
    reply = await api.post(
        "/tickets/public", data=_encoded(body), headers={"Content-Type": "application/json"}
    )
    assert reply.status < 500, reply.body
    after = dict(await check(api, "count_rows"))
    if reply.status == 201:
        assert after["tickets"] == before["tickets"] + 1
        stored = await check(api, "ticket_row", id=reply.body["id"])
        assert stored["title"] == body["title"].strip()
    else:
        assert after == before


@FAST
@given(body=patch_bodies | junk)
async def test_ticket_patch_never_fails_and_changes_only_when_ok(api: Api, body: Any) -> None:
    token = await _admin(api)
    ticket_id = await make_ticket(api, await new_client(api))
    before = dict(await check(api, "ticket_row", id=ticket_id))
    reply = await api.patch(
        f"/tickets/{ticket_id}",
        data=_encoded(body),
        headers={"Content-Type": "application/json"},
        token=token,
    )
    assert reply.status < 500, reply.body
    if reply.status != 200:
        assert dict(await check(api, "ticket_row", id=ticket_id)) == before
        assert await check(api, "ticket_events", ticket_id=ticket_id) == []


_TOKENS: dict[Api, str] = {}


async def _admin(api: Api) -> str:
    """One admin per test (the fixtures outlive each example)."""
    if api not in _TOKENS:
        _, _TOKENS[api] = await admin_token(api)
    return _TOKENS[api]

"""`crm demo-data` fills an empty database and refuses one that already has data."""

from __future__ import annotations

import asyncio

import pytest

from crm.cli import main
from tests.api import Api
from tests.conftest import TEST_SECRET
from tests.factories import check, make_user


async def test_demo_data_refuses_a_database_with_data_and_leaves_it_alone(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await make_user(api, "real@example.com")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    args = ["demo-data", "--tickets", "10", "--clients", "5", "--workers", "2"]
    assert await asyncio.to_thread(main, args) == 1
    assert "already has data; pass --force" in capsys.readouterr().err
    assert await check(api, "count_users") == 1

"""Small helpers that build exactly the rows a test needs, through the app's own queries."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from crm.app_keys import PASSWORDS, POOL, QUERIES
from crm.queries import load_queries
from tests.api import Api

PASSWORD = "correct horse battery"


async def make_user(
    api: Api, email: str, role: str = "worker", password: str = PASSWORD
) -> dict[str, Any]:
    """Insert a user and return its row."""
    app = api.app
    password_hash = await app[PASSWORDS].hash(password)
    row = await app[QUERIES].insert_user(
        app[POOL], email=email, password_hash=password_hash, role=role, display_name=None
    )
    assert row is not None
    return dict(row)


async def user_and_token(api: Api, email: str, role: str = "worker") -> tuple[dict[str, Any], str]:
    """Insert a user, log them in, return the row and the token."""
    user = await make_user(api, email, role)
    return user, await api.login(email, PASSWORD)


async def make_client(api: Api, **fields: Any) -> dict[str, Any]:
    """Insert a client (fields: name, phone, email, comment) and return its row."""
    values = {"name": None, "phone": None, "email": None, "comment": None, **fields}
    row = await api.app[QUERIES].insert_client(api.app[POOL], **values)
    return dict(row)


async def new_client(api: Api, name: str = "Иван", phone: str = "+380671112233") -> int:
    """Insert a client with a name and phone and return its id."""
    client = await make_client(api, name=name, phone=phone)
    return int(client["id"])


async def make_ticket(
    api: Api,
    client_id: int,
    assignee_id: int | None = None,
    status: str = "new",
    title: str = "Washer",
) -> int:
    """Insert a ticket straight into the table (no history) and return its id."""
    ticket_id: int = await check(
        api,
        "insert_ticket",
        title=title,
        client_id=client_id,
        assignee_id=assignee_id,
        status=status,
    )
    return ticket_id


CHECKS = load_queries(Path(__file__).parent / "sql")


async def check(api: Api, query: str, /, **params: Any) -> Any:
    """Run one of tests/sql/checks.sql against the test database."""
    return await CHECKS[query](api.app[POOL], **params)


async def until_waiting(api: Api, count: int) -> None:
    """Wait until `count` database sessions are queued on a lock."""
    for _ in range(500):
        if await check(api, "waiting_lock_count") >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} sessions never queued on a lock")


async def admin_token(api: Api, email: str = "admin@example.com") -> tuple[dict[str, Any], str]:
    """Insert an admin, log them in, return the row and the token."""
    return await user_and_token(api, email, "admin")

"""Password hashing off the event loop on a bounded queue: a burst gets 429, not a long wait."""

from __future__ import annotations

import asyncio

import pytest

from crm.errors import Problem
from crm.passwords import Passwords


@pytest.fixture(name="passwords")
def _passwords() -> Passwords:
    return Passwords(time_cost=1, memory_kib=1024, threads=1, max_waiting=2)


async def test_checks_beyond_the_queue_bound_get_429_with_retry_after(passwords: Passwords) -> None:
    stored = await passwords.hash("correct horse")
    results = await asyncio.gather(
        *(passwords.verify(stored, "correct horse") for _ in range(5)), return_exceptions=True
    )
    passed = [r for r in results if r == (True, None)]
    refused = [r for r in results if isinstance(r, Problem)]
    assert (len(passed), len(refused)) == (2, 3)
    assert {(p.status, p.headers["Retry-After"]) for p in refused} == {(429, "1")}
    # The queue drains: once the burst is over, checks run again.
    assert await passwords.verify(stored, "correct horse") == (True, None)
    passwords.close()


async def test_a_wrong_password_and_an_unknown_user_are_both_refused(passwords: Passwords) -> None:
    stored = await passwords.hash("correct horse")
    assert await passwords.verify(stored, "wrong horse") == (False, None)
    assert await passwords.verify(None, "correct horse") == (False, None)
    passwords.close()

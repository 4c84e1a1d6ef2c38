"""argon2id hashing, off the event loop on a bounded pool, so logins never stall other requests."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from crm.errors import Problem

P = ParamSpec("P")
R = TypeVar("R")


class Passwords:
    """Hash and verify passwords; a burst beyond `max_waiting` gets 429 instead of a long queue."""

    def __init__(
        self,
        time_cost: int,
        memory_kib: int,
        *,
        threads: int = 1,
        max_waiting: int = 64,
        per_address: int = 1,
    ):
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=1
        )
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")
        self._max_waiting = max_waiting
        self._waiting = 0
        # Checks each client address has running or queued: one address cannot fill the queue.
        self._per_address = per_address
        self._by_address: dict[str, int] = {}
        # Verified when the email is unknown, so both failures take the same time.
        self._dummy = self._hasher.hash("not a real password")

    async def hash(self, password: str) -> str:
        """The argon2id PHC string for `password`."""
        hashed: str = await self._run(self._hasher.hash, password)
        return hashed

    async def verify(self, password_hash: str | None, password: str) -> tuple[bool, str | None]:
        """Whether `password` matches, and a fresh hash when the stored one uses old parameters."""
        return await self._run(self._verify_sync, password_hash, password)

    @contextlib.contextmanager
    def turn(self, address: str) -> Iterator[None]:
        """Hold one of `address`'s few places (PASSWORD_CHECKS_PER_ADDRESS) for a whole login,
        before any database work; 429 at once when it has none left."""
        held = self._by_address.get(address, 0)
        if held >= self._per_address:
            raise Problem(
                429,
                "Too many password checks from your address at once; retry shortly.",
                headers={"Retry-After": "1"},
            )
        self._by_address[address] = held + 1
        try:
            yield
        finally:
            left = self._by_address[address] - 1
            if left:
                self._by_address[address] = left
            else:
                del self._by_address[address]

    def _verify_sync(self, password_hash: str | None, password: str) -> tuple[bool, str | None]:
        try:
            self._hasher.verify(password_hash or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return False, None
        if password_hash is None:
            return False, None
        if self._hasher.check_needs_rehash(password_hash):
            return True, self._hasher.hash(password)
        return True, None

    async def _run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        if self._waiting >= self._max_waiting:
            raise Problem(
                429,
                "Too many password checks at once; retry shortly.",
                headers={"Retry-After": "1"},
            )
        self._waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, functools.partial(fn, *args, **kwargs)
            )
        finally:
            self._waiting -= 1

    def close(self) -> None:
        """Stop the hashing threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)

"""Who is calling: JWT issue and check, the per-request user lookup, gated queries, role guards."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import jwt
from aiohttp import web

from crm.app_keys import CALLERS, POOL, QUERIES, SETTINGS
from crm.errors import Problem, unauthorized
from crm.models import Role
from crm.settings import Settings

T = TypeVar("T")
ALGORITHM = "HS256"
MAX_REMEMBERED = 10_000
_CALLER = web.RequestKey("caller", dict)


def issue_token(settings: Settings, user_id: int, token_version: int) -> str:
    """A signed token naming the user and the token version it was issued for."""
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "ver": token_version,
        "iat": now,
        "exp": now + settings.jwt_expires,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


# The signature check and claim parsing cost more than the rest of a small request, and a client
# sends the same token many times: remember good tokens (bad ones raise and are not cached).
@functools.lru_cache(maxsize=4096)
def _verified(secret: str, token: str) -> tuple[int, int, float]:
    """The user id, token version and expiry of a token whose signature and claims check out."""
    claims = jwt.decode(
        token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub", "ver"]}
    )
    return int(claims["sub"]), int(claims["ver"]), float(claims["exp"])


def _claims(settings: Settings, header: str | None) -> tuple[int, int]:
    if not header:
        raise unauthorized("Missing bearer token.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("The Authorization header must be 'Bearer <token>'.")
    try:
        user_id, version, expires = _verified(settings.jwt_secret, token.strip())
    except jwt.ExpiredSignatureError:
        raise unauthorized("The token has expired; log in again.") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise unauthorized("The token is invalid.") from None
    # A remembered token still expires on time (the same test PyJWT makes).
    if expires <= time.time():
        raise unauthorized("The token has expired; log in again.")
    return user_id, version


async def current_user(request: web.Request) -> dict[str, object]:
    """The calling user (id, email, role), checked against the database once per request."""
    cached: dict[str, object] | None = request.get(_CALLER)
    if cached is not None:
        return cached
    app = request.app
    user_id, version = _claims(app[SETTINGS], request.headers.get("Authorization"))
    row = await app[QUERIES].get_user_for_auth(app[POOL], id=user_id)
    seen = app[CALLERS]
    # One answer for every stale case, so a token reveals nothing about the account.
    if row is None or row["token_version"] != version:
        seen.pop(user_id, None)
        raise unauthorized("The token is no longer valid; log in again.")
    caller: dict[str, object] = dict(row)
    request[_CALLER] = caller
    if len(seen) >= MAX_REMEMBERED:
        seen.clear()
    seen[user_id] = caller
    return caller


async def require(request: web.Request, *roles: Role) -> dict[str, object]:
    """The calling user if their role is one of `roles` (any role when none given), else 401/403."""
    caller = await current_user(request)
    if roles and caller["role"] not in roles:
        raise Problem(403, "Your role is not allowed to do this.")
    return caller


# The gate parameters of a query whose caller was already checked: the gate folds away.
CHECKED: dict[str, object] = dict.fromkeys(("caller_id", "caller_version", "caller_role"))


def _gate(caller: dict[str, object]) -> dict[str, object]:
    return {
        "caller_id": caller["id"],
        "caller_version": caller["token_version"],
        "caller_role": caller["role"],
    }


async def gated(
    request: web.Request,
    run: Callable[[dict[str, object], dict[str, object]], Awaitable[T]],
    empty: Callable[[T], bool],
    *,
    same_database: bool = True,
) -> T:
    """`run(caller, gate)`, whose query also checks the caller: one round trip, not two.

    The caller comes from this process's last check of the same user and token version, and
    `gate` holds the SQL parameters that check it again (or CHECKED when the database already
    confirmed it in this request). If the query comes back empty the token or role may have
    changed since: check for real and run again. A refusal while reading the request waits for
    the real check, so a dead token still gets 401 before any 400, 404 or 422. A replica
    (`same_database` false) may lag behind a revocation, so then the primary is asked first, as
    everywhere else, and the query does not check again (the replica may not know a new token).
    """
    caller, checked = await _remembered(request, same_database)
    try:
        result = await run(caller, CHECKED if checked else _gate(caller))
    except Problem:
        if not checked:
            await current_user(request)
        raise
    if not checked and empty(result):
        result = await run(await current_user(request), CHECKED)
    return result


async def _remembered(request: web.Request, same_database: bool) -> tuple[dict[str, object], bool]:
    """The caller, and whether the database confirmed it during this request."""
    checked: dict[str, object] | None = request.get(_CALLER)
    if checked is not None:
        return checked, True
    if same_database:
        app = request.app
        user_id, version = _claims(app[SETTINGS], request.headers.get("Authorization"))
        seen = app[CALLERS].get(user_id)
        if seen is not None and seen["token_version"] == version:
            return seen, False
    return await current_user(request), True

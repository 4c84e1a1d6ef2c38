"""Who is calling: JWT issue and check, the per-request user lookup, and role guards."""

from __future__ import annotations

import functools
import time

import jwt
from aiohttp import web

from crm.errors import Problem, unauthorized
from crm.keys import POOL, QUERIES, SETTINGS
from crm.models import Role
from crm.settings import Settings

ALGORITHM = "HS256"
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
    # One answer for every stale case, so a token reveals nothing about the account.
    if row is None or row["token_version"] != version:
        raise unauthorized("The token is no longer valid; log in again.")
    caller: dict[str, object] = dict(row)
    request[_CALLER] = caller
    return caller


async def require(request: web.Request, *roles: Role) -> dict[str, object]:
    """The calling user if their role is one of `roles` (any role when none given), else 401/403."""
    caller = await current_user(request)
    if roles and caller["role"] not in roles:
        raise Problem(403, "Your role is not allowed to do this.")
    return caller

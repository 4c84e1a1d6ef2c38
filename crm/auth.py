"""Who is calling: JWT issue and check, the caller each read query checks again, role guards."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import Any

import attrs
import jwt
from aiohttp import web

from crm.access_log import note_user
from crm.app_keys import CALLERS, POOL, QUERIES, SETTINGS
from crm.convert import MAX_ID, whole_number
from crm.errors import Handler, Problem, unauthorized
from crm.models import Caller, Role
from crm.settings import Settings

ALGORITHM = "HS256"
MAX_REMEMBERED = 10_000
STALE = "The token is no longer valid; log in again."


@attrs.frozen
class Reader:
    """The caller a read query runs as; the query checks it again and says whether it passed.

    `confirmed`: the database already accepted this caller during the request, so the query need
    not ask again (a read replica may lag behind a new token). Otherwise the caller is the one
    this process remembers for the token, trusted for nothing until the query confirms it.
    """

    caller: Caller
    confirmed: bool

    def params(self) -> dict[str, Any]:
        """The `caller_*` parameters of every read query (see caller_passes, migration 0005)."""
        return {
            "caller_id": self.caller.id,
            "caller_version": self.caller.token_version,
            "caller_role": self.caller.role.value,
            "caller_confirmed": self.confirmed,
        }

    @property
    def own_tickets(self) -> int | None:
        """The caller's ticket scope (see Caller.own_tickets)."""
        return self.caller.own_tickets


# Confirmed by the database during this request / remembered but not confirmed yet.
_CONFIRMED = web.RequestKey("caller", Caller)
_UNCONFIRMED = web.RequestKey("unconfirmed_caller", Caller)


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
    user_id, version = claims["sub"], claims["ver"]
    # Signed is not sane: a user id must fit a bigint and a version an integer column.
    number = whole_number(user_id) if isinstance(user_id, str) else None
    if number is None or not 1 <= number <= MAX_ID:
        raise jwt.InvalidTokenError("sub is not a user id")
    if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version < 2**31:
        raise jwt.InvalidTokenError("ver is not a token version")
    return number, version, float(claims["exp"])


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


async def current_user(request: web.Request) -> Caller:
    """The calling user, checked against the database (once per request)."""
    checked: Caller | None = request.get(_CONFIRMED)
    if checked is not None:
        return checked
    app = request.app
    user_id, version = _claims(app[SETTINGS], request.headers.get("Authorization"))
    note_user(user_id)
    row = await app[QUERIES].get_user_for_auth(app[POOL], id=user_id, token_version=version)
    seen = app[CALLERS]
    # One answer for every stale case, so a token reveals nothing about the account.
    if row is None:
        seen.pop(user_id, None)
        raise unauthorized(STALE)
    caller = Caller(row["id"], row["email"], Role(row["role"]), row["token_version"])
    request[_CONFIRMED] = caller
    request.pop(_UNCONFIRMED, None)
    if len(seen) >= MAX_REMEMBERED:
        seen.clear()
    seen[user_id] = caller
    return caller


async def require(request: web.Request, *roles: Role) -> Caller:
    """The caller, checked now, if their role is one of `roles` (any when none), else 401/403."""
    caller = await current_user(request)
    if roles and caller.role not in roles:
        raise Problem(403, "Your role is not allowed to do this.")
    return caller


async def reader(request: web.Request, *roles: Role, replica: bool = False) -> Reader:
    """The caller a read runs as: the remembered one when there is one, else checked now.

    The read query itself then checks the remembered caller (token version and role), so a read
    is one round trip and a revoked token is refused at once. A replica (`replica`) may lag
    behind a revocation: then the primary checks first, as for a write.
    """
    confirmed = request.get(_CONFIRMED)
    if confirmed is None and not replica:
        app = request.app
        user_id, version = _claims(app[SETTINGS], request.headers.get("Authorization"))
        seen = app[CALLERS].get(user_id)
        note_user(user_id)
        # A role refusal is never answered on the remembered caller's word.
        if seen is not None and seen.token_version == version and _allowed(seen, roles):
            request[_UNCONFIRMED] = seen
            return Reader(seen, confirmed=False)
    return Reader(await require(request, *roles), confirmed=True)


def _allowed(caller: Caller, roles: Sequence[Role]) -> bool:
    return not roles or caller.role in roles


def admitted(request: web.Request, row: Any) -> Any:
    """`row` (the first row of a read query) if the query let the caller pass, else 401."""
    if row is None or not row["caller_passed"]:
        refused = request.pop(_UNCONFIRMED, None)
        if refused is not None:
            request.app[CALLERS].pop(refused.id, None)
        raise unauthorized(STALE)
    passed = request.pop(_UNCONFIRMED, None)
    if passed is not None:
        request[_CONFIRMED] = passed
    return row


@web.middleware
async def confirm_before_refusing(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A request refused before its query ran checks its remembered caller: 401 comes first."""
    try:
        return await handler(request)
    except Problem as problem:
        if problem.status != 401 and request.get(_UNCONFIRMED) is not None:
            del request[_UNCONFIRMED]
            await current_user(request)
        raise

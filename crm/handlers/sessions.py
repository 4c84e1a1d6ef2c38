"""Log in, see who you are, and (on a developer's machine) register."""

from __future__ import annotations

from aiohttp import web

from crm import auth, limits
from crm.app_keys import PASSWORDS, POOL, QUERIES, SETTINGS
from crm.changes import users
from crm.errors import FieldError, ValidationFailed, not_found, unauthorized
from crm.http.proxy import client_address
from crm.http.requests import read_body
from crm.http.responses import as_item, created, found, json_response
from crm.models import AccessToken, LoginRequest, RegisterRequest, User


async def login(request: web.Request) -> web.Response:
    """Trade e-mail and password for a bearer token; one 401 for every wrong pair."""
    body = await read_body(request, LoginRequest)
    app = request.app
    settings = app[SETTINGS]
    address = client_address(request)
    by_address = ("login_address", address, settings.login_address_limit)
    by_account = ("login_account", body.email, settings.login_account_limit)
    with app[PASSWORDS].turn(address):
        await limits.refuse_if_spent(request, *by_address, "failed logins from your address")
        await limits.refuse_if_spent(request, *by_account, "failed logins for this account")
        row = await app[QUERIES].get_login(app[POOL], email=body.email)
        stored = row["password_hash"] if row else None
        ok, rehashed = await app[PASSWORDS].verify(stored, body.password)
        if not ok or row is None:
            await limits.count(request, *by_address, "failed logins from your address")
            await limits.count(request, *by_account, "failed logins for this account")
            raise unauthorized("Wrong e-mail or password.")
    await limits.forget(request, "login_account", body.email)
    if rehashed:
        await app[QUERIES].set_password_hash(app[POOL], id=row["id"], password_hash=rehashed)
    token = auth.issue_token(settings, row["id"], row["token_version"])
    return json_response(AccessToken(access_token=token, expires_in=settings.jwt_expires))


async def me(request: web.Request) -> web.Response:
    """The user the token belongs to."""
    read = await auth.reader(request)
    row = await request.app[QUERIES].get_user(request.app[POOL], id=read.caller.id, **read.params())
    return found(auth.admitted(request, row), as_item(User), "User")


async def register(request: web.Request) -> web.Response:
    """Create a user without logging in: only on a developer's machine (ENV=local)."""
    app = request.app
    if not app[SETTINGS].is_local:
        raise not_found("Route")
    body = await read_body(request, RegisterRequest)
    if body.password != body.password_confirm:
        raise ValidationFailed([FieldError("password_confirm", "must match password")])
    row = await users.insert_user(
        app[POOL], app[QUERIES], app[PASSWORDS], body.email, body.password, body.role
    )
    return created(request, row, as_item(User), "get_user")

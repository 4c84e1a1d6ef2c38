"""Users and clients are for admins: a worker gets 403, a caller without a token 401."""

from __future__ import annotations

import pytest

from tests.api import Api, problem
from tests.factories import make_client, user_and_token

ADMIN_ROUTES = [
    ("GET", "/users", None),
    ("POST", "/users", {"email": "x@example.com", "role": "worker", "password": "worker123"}),
    ("GET", "/users/{user}", None),
    ("PATCH", "/users/{user}", {"role": "admin"}),
    ("DELETE", "/users/{user}", None),
    ("GET", "/clients", None),
    ("POST", "/clients", {"name": "Olena"}),
    ("GET", "/clients/{client}", None),
    ("PATCH", "/clients/{client}", {"name": "Olena K."}),
    ("DELETE", "/clients/{client}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_worker_gets_403_and_anonymous_401_on_every_admin_route(
    api: Api, method: str, path: str, body: dict[str, str] | None
) -> None:
    worker, token = await user_and_token(api, "w@example.com")
    client = await make_client(api, name="Olena")
    url = path.format(user=worker["id"], client=client["id"])
    forbidden = await api.call(method, url, json_body=body, token=token)
    assert problem(forbidden, 403)["detail"] == "Your role is not allowed to do this."
    anonymous = await api.call(method, url, json_body=body)
    assert problem(anonymous, 401)["detail"] == "Missing bearer token."
    me = await api.get("/auth/me", token=token)
    assert (me.body["role"], me.body["active"]) == ("worker", True)

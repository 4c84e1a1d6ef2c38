"""Set-up through the API itself: staff, clients and tickets, as a shop would have them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.ui.server import call

PASSWORD = "correct horse battery"
ADMIN = "admin@example.com"
WORKER = "master@example.com"


def register_admin(base: str, email: str = ADMIN) -> str:
    """The first admin (registration is open with ENV=local); returns their token."""
    body = {"email": email, "password": PASSWORD, "password_confirm": PASSWORD, "role": "admin"}
    status, _ = call(base, "POST", "/auth/register", body)
    assert status == 201
    return login(base, email)


def login(base: str, email: str) -> str:
    status, answer = call(base, "POST", "/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, answer
    token: str = answer["access_token"]
    return token


def add_user(base: str, token: str, email: str = WORKER, role: str = "worker") -> dict[str, Any]:
    status, user = call(
        base, "POST", "/users", {"email": email, "password": PASSWORD, "role": role}, token
    )
    assert status == 201, user
    return dict(user)


def public_ticket(base: str, title: str, **extra: Any) -> dict[str, Any]:
    """A customer's request; returns the answer (id, tracking_token, …)."""
    body = {"title": title, "client": {"name": "Иван Петров", "phone": "+7 900 123-45-67"}, **extra}
    status, created = call(base, "POST", "/tickets/public", body)
    assert status == 201, created
    return dict(created)


def patch_ticket(base: str, token: str, ticket_id: int, **changes: Any) -> dict[str, Any]:
    status, ticket = call(base, "PATCH", f"/tickets/{ticket_id}", changes, token)
    assert status == 200, ticket
    return dict(ticket)


def today_at(hour: int, minute: int = 0) -> str:
    """An instant today in this machine's time zone (the browser's too), as UTC ISO 8601."""
    local = datetime.now().astimezone().replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local.astimezone(UTC).isoformat().replace("+00:00", "Z")


def days_from_now(days: int) -> str:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def log_in(page: Any, email: str) -> None:
    """Log in through the login page, as a person would."""
    page.goto("/ui/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/ui/tickets**")

"""Every page, desktop and phone, saved to test-output/screenshots for people to look at."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.ui.conftest import DESKTOP, PHONE, shoot
from tests.ui.data import (
    WORKER,
    add_user,
    days_from_now,
    log_in,
    patch_ticket,
    public_ticket,
    register_admin,
    today_at,
)


def _both(page: Page, path: str, name: str, ready: str) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        shoot(page, name)


def _shop(base_url: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    admin = register_admin(base_url)
    worker = add_user(base_url, admin)
    add_user(base_url, admin, "olga@example.com")
    washer = public_ticket(
        base_url,
        "Не сливает воду стиральная машина",
        description="Гудит, но вода стоит.",
        scheduled_at=today_at(11),
    )
    public_ticket(base_url, "Холодильник не морозит", scheduled_at=days_from_now(2))
    oven = public_ticket(base_url, "Духовка не греет")
    patch_ticket(base_url, admin, washer["id"], assignee_id=worker["id"], status="in_progress")
    patch_ticket(base_url, admin, oven["id"], assignee_id=worker["id"])
    return admin, worker, washer


def test_every_page_desktop_and_phone(pages: Any, base_url: str) -> None:
    _, _, washer = _shop(base_url)
    public = pages()
    _both(public, "/ui", "request-form", "#request-form")
    _both(public, f"/ui/track/{washer['tracking_token']}", "track", "#timeline li")
    _both(public, "/ui/login", "login", "#login-form")

    admin = pages()
    log_in(admin, "admin@example.com")
    _both(admin, "/ui/tickets", "tickets-admin", "table.table tbody tr")
    _both(admin, f"/ui/tickets/{washer['id']}", "ticket", ".history li")
    _both(admin, "/ui/users", "users", "table.table tbody tr")
    _both(admin, "/ui/clients", "clients", "table.table tbody tr")

    worker = pages()
    log_in(worker, WORKER)
    _both(worker, "/ui/tickets", "tickets-worker", ".ticket-card")

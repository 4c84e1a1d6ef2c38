"""What a customer does in the browser: send a repair request, see its errors, follow it."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.ui.conftest import PHONE, shoot
from tests.ui.data import patch_ticket, public_ticket, register_admin
from tests.ui.server import call


def _fill_request(page: Page) -> None:
    page.get_by_label("The problem in a few words").fill("Washing machine does not drain")
    page.get_by_label("Details").fill("Hums, water stays in the drum.")
    page.get_by_label("Kind of device").fill("Washing machine")
    page.get_by_label("Brand").fill("Bosch")
    page.get_by_label("Model").fill("WAT28")
    page.get_by_label("Serial number or IMEI").fill("SN-123")
    page.get_by_label("Address").fill("1 Main St, flat 5")
    page.get_by_label("Preferred date").fill("2031-03-14")
    page.get_by_label("Preferred time").fill("10:30")
    page.get_by_label("Your name").fill("Ivan")
    page.get_by_label("Phone").fill("+7 900 123-45-67")
    page.get_by_label("E-mail").fill("ivan@example.com")


def test_request_form_sends_the_request_and_shows_its_tracking_link(
    page: Page, base_url: str, sql: Any
) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/ui$"))
    _fill_request(page)
    page.get_by_role("button", name="Send request").click()

    done = page.locator("#request-done")
    expect(done).to_be_focused()
    expect(done.get_by_role("heading")).to_have_text("Request No. 1 received")
    token = sql.execute("SELECT tracking_token FROM tickets").fetchone()[0]
    link = page.locator("#track-link")
    expect(link).to_have_text(f"{base_url}/ui/track/{token}")
    shoot(page, "request-sent")

    title, scheduled, name, phone = sql.execute(
        "SELECT t.title, t.scheduled_at, c.name, c.phone FROM tickets t JOIN clients c"
        " ON c.id = t.client_id"
    ).fetchone()
    assert (title, name, phone) == ("Washing machine does not drain", "Ivan", "+79001234567")
    # The browser's 10:30 on that day, whatever its time zone, is the instant stored.
    browser_instant = page.evaluate("new Date('2031-03-14T10:30').toISOString()")
    assert scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") == browser_instant
    admin = register_admin(base_url)
    _, ticket = call(base_url, "GET", "/tickets/1", token=admin)
    if "device" in ticket:
        device = {"kind": "Washing machine", "brand": "Bosch", "model": "WAT28", "serial": "SN-123"}
        assert (ticket["device"], ticket["address"]) == (device, "1 Main St, flat 5")
    else:
        # An API without device fields: the form tells them in the description instead.
        assert ticket["description"] == (
            "Hums, water stays in the drum.\n"
            "Device: Washing machine · Bosch WAT28 (Serial number or IMEI: SN-123)\n"
            "Address: 1 Main St, flat 5"
        )

    link.click()
    expect(page.locator("#track-title")).to_have_text("Washing machine does not drain")


def test_a_retried_submission_reuses_its_idempotency_key(page: Page, sql: Any) -> None:
    sent: list[tuple[str, str | None, int]] = []

    def lose_the_first_answer(route: Route) -> None:
        response = route.fetch()  # the server records the ticket...
        request = route.request
        sent.append((request.headers["idempotency-key"], request.post_data, response.status))
        if [status for _, _, status in sent].count(201) == 1 and response.status == 201:
            route.abort("connectionreset")  # ...but the answer never arrives
        else:
            route.fulfill(response=response)

    page.goto("/ui")
    _fill_request(page)
    page.watch.allow("/tickets/public")  # type: ignore[attr-defined]
    page.route("**/tickets/public", lose_the_first_answer)
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".form-alert")).to_have_text(re.compile("No connection to the server"))
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Request No. 1 received")).to_be_visible()

    lost, retried = [attempt for attempt in sent if attempt[2] == 201]
    assert lost[:2] == retried[:2]  # the same key with the same body: the stored answer
    assert sql.execute("SELECT count(*) FROM tickets").fetchone()[0] == 1


def test_field_errors_appear_beside_their_fields_with_focus_on_the_first(
    page: Page, sql: Any
) -> None:
    page.goto("/ui")
    page.get_by_role("button", name="Send request").click()

    title = page.get_by_label("The problem in a few words")
    expect(title).to_be_focused()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_have_text("Please fill this in.")
    expect(page.locator(".form-alert")).to_have_text("Please check the highlighted fields.")
    shoot(page, "request-errors")

    title.fill("Fridge is warm")
    page.get_by_label("Preferred time").fill("09:00")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_label("Preferred date")).to_be_focused()
    expect(page.locator("#visit-date-error")).to_have_text("Pick a date for the visit too.")

    page.get_by_label("Preferred time").fill("")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_label("Phone")).to_be_focused()
    expect(page.locator("#phone-error")).to_have_text(
        "Give a phone or an e-mail so we can reach you."
    )
    expect(page.locator("#title-error")).to_have_count(0)

    page.get_by_label("E-mail").fill("not-an-address")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_label("E-mail")).to_be_focused()
    expect(page.locator("#email-error")).to_have_text("This does not look like an e-mail address.")
    expect(page.locator("#phone-error")).to_have_count(0)
    assert sql.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0


def test_the_tracking_page_shows_where_the_repair_is(pages: Any, base_url: str) -> None:
    created = public_ticket(base_url, "Oven does not heat")
    admin = register_admin(base_url)
    patch_ticket(base_url, admin, created["id"], status="in_progress")
    page = pages(viewport=PHONE)

    page.goto(f"/ui/track/{created['tracking_token']}")
    expect(page.locator("#track-title")).to_have_text("Oven does not heat")
    current = page.locator("#timeline [aria-current='step']")
    expect(current).to_contain_text("In repair")
    expect(page.locator("#timeline .step.past")).to_have_text(["Received"])

    patch_ticket(base_url, admin, created["id"], status="done")
    page.reload()
    expect(page.locator("#timeline [aria-current='step']")).to_contain_text("Done")
    shoot(page, "track-done")

    page.goto("/ui/track/no-such-token-at-all-0000")
    expect(page.get_by_role("heading", name="We could not find this request")).to_be_visible()

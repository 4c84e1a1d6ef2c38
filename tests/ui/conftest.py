"""Browser tests: one Chromium (Debian's) per session, the real app and database per test.

Every test fails on a browser console error, an uncaught exception, a CSP violation, a missing
UI asset or message; expected API refusals (a 422 shown beside a field) are not errors.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    ViewportSize,
    sync_playwright,
)
from psycopg import sql

from crm import db
from crm.settings import Settings
from tests.conftest import APP_TABLES, TEST_SECRET, recreate_database
from tests.ui.server import app_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 360, "height": 740}
# An API refusal the page shows to the user (Chromium logs each as a console error).
_API_REFUSAL = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")
# Every test page reports CSP violations to the console, where the checks below see them.
_WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: the sync Playwright session keeps an event loop marked running
    in the main thread until the session ends, where pytest-asyncio's tests cannot run."""
    here = Path(__file__).resolve().parent
    items.sort(key=lambda item: item.path.is_relative_to(here))


@pytest.fixture(scope="session", name="ui_database")
def _ui_database(server_url: str) -> str:
    url = recreate_database(server_url, "crm_ui_test")
    db.migrate(url)
    return url


@pytest.fixture(scope="session", name="base_url")
def _base_url(ui_database: str) -> Iterator[str]:
    """The app on a real port, for the whole session (tables are emptied per test)."""
    settings = Settings(
        jwt_secret=TEST_SECRET,
        database_url=ui_database,
        pool_min_size=1,
        pool_max_size=4,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )
    with app_server(settings) as url:
        yield url


@pytest.fixture(name="sql")
def _sql(ui_database: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the UI tests' database, whose tables start empty."""
    with psycopg.connect(ui_database, autocommit=True) as conn:
        tables = [sql.Identifier(row[0]) for row in conn.execute(APP_TABLES).fetchall()]
        truncate = sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE")
        conn.execute(truncate.format(sql.SQL(", ").join(tables)))
        yield conn


@pytest.fixture(scope="session", name="playwright")
def _playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session", name="browser")
def _browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Watch:
    """What went wrong in the browser during one test."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.allowed: list[str] = []

    def allow(self, url_part: str) -> None:
        """A test breaks requests to this URL on purpose: their failures are expected."""
        self.allowed.append(url_part)

    def _expected(self, url: str) -> bool:
        return any(part in url for part in self.allowed)

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if self._expected(message.location.get("url", "")):
            return
        if message.type == "error" and not _API_REFUSAL.match(text):
            self.problems.append(f"console error: {text} at {message.location}")
        if message.type == "warning" and text.startswith("missing message"):
            self.problems.append(f"console: {text}")

    def failed(self, request: Request) -> None:
        # Leaving a page cancels what it was still loading: that is not a fault.
        if request.failure != "net::ERR_ABORTED" and not self._expected(request.url):
            self.problems.append(f"failed: {request.url} {request.failure}")

    def response(self, response: Response) -> None:
        if "/ui" in response.url and response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")


def open_page(browser: Browser, base_url: str, locale: str = "en-US", **options: Any) -> Page:
    """A new tab in a fresh context (own storage), watched for errors."""
    options.setdefault("viewport", DESKTOP)
    context = browser.new_context(base_url=base_url, locale=locale, **options)
    context.add_init_script(_WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    watch = Watch()
    page.on("console", watch.console)
    page.on("pageerror", lambda error: watch.problems.append(f"uncaught: {error}"))
    page.on("response", watch.response)
    page.on("requestfailed", watch.failed)
    page.watch = watch  # type: ignore[attr-defined]
    return page


@pytest.fixture(name="pages")
def _pages(browser: Browser, base_url: str, sql: Any) -> Iterator[Any]:
    """Open watched tabs with pages(locale=..., viewport=...); each must end without problems."""
    opened: list[Page] = []

    def make(locale: str = "en-US", **options: Any) -> Page:
        page = open_page(browser, base_url, locale, **options)
        opened.append(page)
        return page

    yield make
    problems = [p for page in opened for p in page.watch.problems]  # type: ignore[attr-defined]
    for page in opened:
        page.context.close()
    assert problems == []


@pytest.fixture(name="page")
def _page(pages: Any) -> Page:
    """One watched tab, in English, desktop-sized."""
    page: Page = pages()
    return page


def shoot(page: Page, name: str) -> None:
    """Save the page as test-output/screenshots/<name>-<desktop|phone>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or DESKTOP
    kind = "phone" if size["width"] < 600 else "desktop"
    page.screenshot(path=SCREENSHOTS / f"{name}-{kind}.png", full_page=True)

"""The web UI as files and headers: every page served with a strict CSP, no inline code, one
catalogue per language with the same keys, and each page under 100 KB with everything it loads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crm.handlers.ui import PAGES_DIR, STATIC_DIR
from crm.http.headers import UI_POLICY
from tests.api import Api, problem

PAGES = {
    "/ui": "request.html",
    "/ui/track/q3Jm0sX1b9H2c8kLw5Zt7YpRf4Ve6NuA": "track.html",
    "/ui/login": "login.html",
    "/ui/tickets": "tickets.html",
    "/ui/tickets/123": "ticket.html",
    "/ui/users": "users.html",
    "/ui/clients": "clients.html",
}
BUDGET = 100 * 1024
_IMPORT = re.compile(r"""(?:import|from)\s*(?:\(\s*)?["'](\.{1,2}/[^"']+)["']""")
_ASSET = re.compile(r"""(?:src|href)="/ui/static/([^"#]+)""")
_CSS_URL = re.compile(r"""url\("?([^")]+)"?\)""")


def test_strict_policy_is_the_one_the_issue_asks_for() -> None:
    assert UI_POLICY == (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


@pytest.mark.parametrize("path", sorted(PAGES))
async def test_each_page_is_html_under_the_strict_policy(api: Api, path: str) -> None:
    page = await api.get(path)
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Content-Security-Policy"] == UI_POLICY
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.body == (PAGES_DIR / PAGES[path]).read_text(encoding="utf-8")


async def test_root_leads_to_the_request_form(api: Api) -> None:
    reply = await api.client.get("/", allow_redirects=False)
    assert (reply.status, reply.headers["Location"]) == (302, "/ui")


async def test_assets_are_served_with_the_same_headers(api: Api) -> None:
    for asset, kind in [
        ("js/pages/request.js", "javascript"),
        ("app.css", "text/css"),
        ("messages.ru.json", "application/json"),
    ]:
        reply = await api.client.get(f"/ui/static/{asset}")
        assert reply.status == 200, asset
        assert kind in reply.headers["Content-Type"]
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Content-Security-Policy"] == UI_POLICY
    missing = await api.client.get("/ui/static/nothing.js")
    assert missing.status == 404
    assert missing.headers["X-Content-Type-Options"] == "nosniff"


def _html_files() -> list[Path]:
    return sorted(PAGES_DIR.glob("*.html"))


@pytest.mark.parametrize("html", _html_files(), ids=lambda p: p.name)
def test_pages_have_no_inline_script_style_or_handler(html: Path) -> None:
    text = html.read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", text, re.S)
    assert scripts and all(
        'src="/ui/static/' in attrs and not body.strip() for attrs, body in scripts
    )
    assert "<style" not in text and " style=" not in text
    assert not re.search(r"\son[a-z]+=", text)
    assert "http://" not in text and "https://" not in text  # nothing from elsewhere


def _module_graph(entry: Path) -> set[Path]:
    """The script and every module it imports, statically or dynamically."""
    seen: set[Path] = set()
    todo = [entry]
    while todo:
        path = todo.pop().resolve()
        if path in seen:
            continue
        seen.add(path)
        todo += [path.parent / found for found in _IMPORT.findall(path.read_text("utf-8"))]
    return seen


def _page_files(html: Path) -> set[Path]:
    """The page and everything it loads: scripts, styles, images, and its catalogue."""
    files = {html}
    for asset in _ASSET.findall(html.read_text("utf-8")):
        path = STATIC_DIR / asset
        files |= _module_graph(path) if asset.endswith(".js") else {path}
        if asset.endswith(".css"):
            files |= {STATIC_DIR / url for url in _CSS_URL.findall(path.read_text("utf-8"))}
    return files | {STATIC_DIR / "icons.svg", STATIC_DIR / "messages.ru.json"}


@pytest.mark.parametrize("html", _html_files(), ids=lambda p: p.name)
def test_each_page_with_all_it_loads_stays_under_100_kb(html: Path) -> None:
    files = _page_files(html)
    assert all(path.exists() for path in files), sorted(str(p) for p in files if not p.exists())
    size = sum(path.stat().st_size for path in files)
    assert size < BUDGET, f"{html.name}: {size} bytes"


def _catalogue(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((STATIC_DIR / f"messages.{lang}.json").read_text("utf-8"))
    return data


# Keys the scripts build from API values, e.g. t(`status.${status}`).
_BUILT_KEYS = {
    "status.new", "status.in_progress", "status.done", "status.canceled",
    "role.admin", "role.worker", "actions.demote", "actions.deactivate", "actions.delete",
    "track.step.new", "track.step.in_progress", "track.step.done",
    "tickets.next.in_progress", "tickets.next.done",
    "worker.filter.open", "worker.filter.done", "worker.filter.all",
    "tickets.sort.-created_at", "tickets.sort.created_at", "tickets.sort.-updated_at",
    "tickets.sort.scheduled_at", "device.kind", "device.brand", "device.model", "device.serial",
    "comments.internalHint", "comments.publicHint",
}  # fmt: skip


def test_both_catalogues_say_every_message_the_pages_use() -> None:
    ru, en = _catalogue("ru"), _catalogue("en")
    assert sorted(ru) == sorted(en)
    assert all(text.strip() for text in [*ru.values(), *en.values()])
    used = set(_BUILT_KEYS)
    for html in _html_files():
        used |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', html.read_text("utf-8")))
    for script in STATIC_DIR.rglob("*.js"):
        used |= set(re.findall(r'\bt\(\s*"([^"]+)"', script.read_text("utf-8")))
        used |= set(
            re.findall(r'"((?:errors|conflicts|login)\.[a-zA-Z]+)"', script.read_text("utf-8"))
        )
    assert sorted(used - set(en)) == []
    for key, text in en.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", ru[key])), key


async def test_a_ticket_page_for_an_id_that_cannot_exist_is_404(api: Api) -> None:
    reply = await api.get(f"/ui/tickets/{2**63}")
    assert problem(reply, 404)["detail"] == "Ticket not found."

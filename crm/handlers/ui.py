"""The web UI: static pages and assets from crm/ui, each answer under a strict CSP (UI_POLICY,
set with every response's headers in crm.http.headers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from crm.http.requests import path_id

UI_DIR = Path(__file__).resolve().parent.parent / "ui"
PAGES_DIR = UI_DIR / "pages"
STATIC_DIR = UI_DIR / "static"


def _page(name: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    path = PAGES_DIR / name

    async def page(request: web.Request) -> web.StreamResponse:
        if "id" in request.match_info:
            path_id(request, "Ticket")  # beyond any database id: 404, as the contract says
        return web.FileResponse(path, headers={"Content-Type": "text/html; charset=utf-8"})

    page.__doc__ = f"The UI page {name}; its script reads the path for ids and tokens."
    return page


request_form = _page("request.html")
track_page = _page("track.html")
login_page = _page("login.html")
tickets_page = _page("tickets.html")
_ticket_page = _page("ticket.html")


async def ticket_page(request: web.Request) -> web.StreamResponse:
    """The UI page ticket.html for an id that can exist; any other is a 404 problem."""
    path_id(request, "Ticket")
    return await _ticket_page(request)


users_page = _page("users.html")
clients_page = _page("clients.html")


async def home(request: web.Request) -> web.Response:
    """The site's root leads to the public repair request form."""
    return web.Response(status=302, headers={"Location": "/ui"})


def setup_ui(app: web.Application) -> None:
    """Add the UI's pages (named by their operationIds in openapi.yaml, tag ui) and assets."""
    app.router.add_routes(
        [
            web.get("/", home, allow_head=False, name="get_home"),
            web.get("/ui", request_form, allow_head=False, name="ui_request_form"),
            web.get(
                "/ui/track/{tracking_token}", track_page, allow_head=False, name="ui_track_page"
            ),
            web.get("/ui/login", login_page, allow_head=False, name="ui_login_page"),
            web.get("/ui/tickets", tickets_page, allow_head=False, name="ui_tickets_page"),
            web.get(
                "/ui/tickets/{id:[0-9]+}", ticket_page, allow_head=False, name="ui_ticket_page"
            ),
            web.get("/ui/users", users_page, allow_head=False, name="ui_users_page"),
            web.get("/ui/clients", clients_page, allow_head=False, name="ui_clients_page"),
        ]
    )
    app.router.add_static("/ui/static", STATIC_DIR, name="ui_static")

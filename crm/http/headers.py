"""Headers every response carries (security, caching, CORS), and CORS preflights."""

from __future__ import annotations

from collections.abc import MutableMapping

from aiohttp import web
from aiohttp.web_urldispatcher import MatchInfoError

from crm.app_keys import SETTINGS
from crm.errors import Handler

# The Server header names the product, never the versions an attacker would look up.
SERVER_NAME = "crm"
# An API response is data, never a page: nothing may run or embed it.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# HTML pages load only their own scripts, styles and images.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The web UI (/ui): no inline script or style anywhere, so nothing but our own files may run or
# style it.
UI_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# What a browser may send and read across origins (CORS_ORIGINS only).
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-Id"
EXPOSED_HEADERS = "Location, Link, Retry-After, ETag, X-Request-Id"
PREFLIGHT_MAX_AGE = "600"


def secure(
    headers: MutableMapping[str, str], *, html: bool, static: bool = False, ui: bool = False
) -> None:
    """Set the security headers on a response's headers (a page's own CSP is kept); `ui`: an
    answer of the web UI, under its own policy."""
    headers["Server"] = SERVER_NAME
    headers["X-Content-Type-Options"] = "nosniff"
    # Tracking links carry the customer's token: never hand it to another site as a Referer.
    headers["Referrer-Policy"] = "same-origin" if ui else "no-referrer"
    policy = UI_POLICY if ui else PAGE_POLICY if html else API_POLICY
    headers.setdefault("Content-Security-Policy", policy)
    if not static:
        # Tokens, people's contacts and tickets must not sit in a browser's or proxy's cache.
        headers["Cache-Control"] = "no-store"
    elif ui:
        # No build step means no hashed file names: browsers revalidate (ETag), not guess.
        headers.setdefault("Cache-Control", "no-cache")


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Every response the app sends: security headers, and CORS for allowed origins."""
    secure(
        response.headers,
        html=response.content_type == "text/html",
        static=isinstance(response, web.FileResponse),
        ui=request.path == "/ui" or request.path.startswith("/ui/"),
    )
    origin = request.headers.get("Origin")
    if origin and origin in request.app[SETTINGS].cors_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.app[SETTINGS].cors_origins:
        response.headers.add("Vary", "Origin")


@web.middleware
async def preflight_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a CORS preflight from an allowed origin for a route that exists; else as usual."""
    origin = request.headers.get("Origin")
    wanted = request.headers.get("Access-Control-Request-Method")
    match = request.match_info
    if (
        request.method == "OPTIONS"
        and origin in request.app[SETTINGS].cors_origins
        and wanted
        and isinstance(match, MatchInfoError)
        and match.http_exception.status == 405
    ):
        allowed = sorted(match.http_exception.allowed_methods)  # type: ignore[attr-defined]
        if wanted in allowed:
            return web.Response(
                status=204,
                headers={
                    "Access-Control-Allow-Methods": ", ".join(allowed),
                    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                    "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                },
            )
    return await handler(request)

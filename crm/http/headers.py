"""Headers every response carries (security, caching, CORS), and CORS preflights."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import MatchInfoError
from multidict import CIMultiDict

from crm.app_keys import SETTINGS
from crm.errors import Handler
from crm.settings import Settings

ResponseHook = Callable[[web.Request, web.StreamResponse], Awaitable[None]]

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


# What secure() sets on an answer of the API (neither a page, a file nor the UI's), made once:
# the hook runs on every response. A CIMultiDict, as the response's own headers are: their
# update then takes its case-folded keys as they are (a dict's were folded on every update,
# a third of the hook's cost).
_API_HEADERS: CIMultiDict[str] = CIMultiDict()
secure(_API_HEADERS, html=False)
_API_TYPES = frozenset(
    ("application/json; charset=utf-8", "application/problem+json; charset=utf-8")
)


def response_hook(settings: Settings) -> ResponseHook:
    """The app's on_response_prepare hook: security headers on every response, and CORS for the
    allowed origins (`settings.cors_origins`)."""
    origins = frozenset(settings.cors_origins)

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        path = request.path
        ui = path == "/ui" or path.startswith("/ui/")
        if (
            headers.get(hdrs.CONTENT_TYPE) in _API_TYPES
            and not ui
            and hdrs.CONTENT_SECURITY_POLICY not in headers
            and not isinstance(response, web.FileResponse)
        ):
            headers.update(_API_HEADERS)  # secure()'s headers for an API answer, in one call
        else:
            secure(
                headers,
                html=media_type(response) == "text/html",
                static=isinstance(response, web.FileResponse),
                ui=ui,
            )
        if origins:
            origin = request.headers.get(hdrs.ORIGIN)
            if origin in origins:
                headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
                headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = EXPOSED_HEADERS
            headers.add(hdrs.VARY, "Origin")

    return on_prepare


# Content-Type values this service writes and clients send most, with their media type:
# aiohttp's content_type parses the value with the e-mail package each time it is asked (6k
# instructions of a small request). Any other value is still asked that way.
_MEDIA_TYPES = {
    value: value.partition(";")[0]
    for value in (
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=utf-8",
        "application/json; charset=UTF-8",
        "application/json;charset=UTF-8",
        "application/problem+json; charset=utf-8",
        "text/html; charset=utf-8",
    )
}


def media_type(message: web.BaseRequest | web.StreamResponse) -> str:
    """A request's or response's media type, as aiohttp's `content_type` gives it."""
    raw = message.headers.get(hdrs.CONTENT_TYPE)
    known = _MEDIA_TYPES.get(raw) if raw is not None else None
    return known if known is not None else message.content_type


@web.middleware
async def preflight_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a CORS preflight from an allowed origin for a route that exists; else as usual.
    Only in the app when CORS_ORIGINS names some (without, no preflight is answered)."""
    if request.method != "OPTIONS":
        return await handler(request)
    origin = request.headers.get("Origin")
    wanted = request.headers.get("Access-Control-Request-Method")
    match = request.match_info
    if (
        origin in request.app[SETTINGS].cors_origins
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

"""Who is really calling: X-Forwarded-* honoured only from TRUSTED_PROXIES."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from aiohttp import web

from crm.access_log import note_remote
from crm.app_keys import SETTINGS
from crm.errors import Handler
from crm.settings import Network

_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str | None, networks: Sequence[Network]) -> bool:
    ip = _address(address) if address else None
    return ip is not None and any(ip in network for network in networks)


def _client(chain: list[str], networks: Sequence[Network]) -> str | None:
    """The nearest address in X-Forwarded-For that is not one of our proxies (right to left)."""
    for hop in reversed(chain):
        ip = _address(hop)
        if ip is None:
            return None  # a forged or broken chain: keep the proxy's own address
        if not any(ip in network for network in networks):
            return str(ip)
    return str(_address(chain[0])) if chain else None


def _first(request: web.Request, name: str) -> str:
    return request.headers.get(name, "").split(",")[0].strip()


@web.middleware
async def forwarded_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Take client address, scheme and host from a trusted proxy's headers; note them for logs.
    Only in the app when TRUSTED_PROXIES names some (without, nobody's headers are believed)."""
    networks = request.app[SETTINGS].trusted_proxies
    if _trusted(request.remote, networks):
        changes: dict[str, str] = {}
        chain = [
            hop
            for value in request.headers.getall("X-Forwarded-For", [])
            for hop in value.split(",")
        ]
        client = _client(chain, networks)
        if client:
            changes["remote"] = client
        proto = _first(request, "X-Forwarded-Proto").lower()
        if proto in ("http", "https"):
            changes["scheme"] = proto
        host = _first(request, "X-Forwarded-Host")
        if host and _HOST.match(host):
            changes["host"] = host
        if changes:
            request = request.clone(**changes)  # type: ignore[arg-type]
            note_remote(request.remote)
    return await handler(request)


def client_address(request: web.Request) -> str:
    """The caller's address, as the rate limits count it."""
    return request.remote or "unknown"

"""Webhooks: the signed JSON body of an event, and a POST that never reaches private networks."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from crm.convert import converter, dump, json_dumps
from crm.models import Ticket

SIGNATURE_HEADER = "Webhook-Signature"


class WebhookFailed(Exception):
    """The receiver did not take the event: `status` is its HTTP status, if it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ForbiddenAddress(OSError):
    """The webhook's host is, or resolves to, a loopback, link-local or private address."""


def body(row: Any) -> bytes:
    """What a receiver gets: event id, type, time, the ticket as the API shows it, extras."""
    payload = row["payload"]
    event: dict[str, Any] = {
        "id": row["event_id"],
        "type": row["event_type"],
        "created_at": row["created_at"],
        "ticket": api_ticket(payload["ticket"]),
    }
    for extra in ("previous_status", "comment"):
        if extra in payload:
            event[extra] = payload[extra]
    return json_dumps(event)


def api_ticket(snapshot: dict[str, Any]) -> Any:
    """The stored snapshot (ticket_rows as jsonb) in the API's own shape, via the Ticket class."""
    known = {field.name: snapshot.get(field.name) for field in attrs.fields(Ticket)}
    return dump(converter.structure(known, Ticket))


def signature(secret: str, timestamp: int, content: bytes) -> str:
    """The Webhook-Signature value: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`."""
    signed = f"{timestamp}.".encode() + content
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local…)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_public_host(url: str) -> None:
    """Raise ForbiddenAddress unless every address the URL's host resolves to is public."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        results = await DefaultResolver().resolve(host, 0, socket.AF_UNSPEC)
        addresses = [result["host"] for result in results]
    for address in addresses:
        if not is_public_address(address):
            raise ForbiddenAddress(f"{host} resolves to a non-public address ({address})")


class PublicOnlyResolver(AbstractResolver):
    """aiohttp's resolver, refusing names that resolve to non-public addresses (DNS rebinding)."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve like aiohttp does, then refuse any non-public answer."""
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if not is_public_address(result["host"]):
                raise ForbiddenAddress(f"{host} resolves to a non-public address")
        return results

    async def close(self) -> None:
        """Close the inner resolver."""
        await self._inner.close()


class WebhookSender:
    """POSTs signed events with a bounded timeout; outside ENV=local only to public addresses."""

    def __init__(self, *, timeout: float, public_only: bool) -> None:
        self._public_only = public_only
        resolver = PublicOnlyResolver() if public_only else None
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=resolver, limit=100),
            timeout=aiohttp.ClientTimeout(total=timeout),
            headers={"User-Agent": "repair-crm-webhooks"},
        )

    async def send(self, row: Any) -> int:
        """Deliver one outbox row's event; return the 2xx status or raise WebhookFailed."""
        url = row["webhook_url"]
        if url is None:
            raise WebhookFailed("the webhook was deleted")
        content = body(row)
        headers = {
            "Content-Type": "application/json",
            "Webhook-Id": row["event_id"],
            SIGNATURE_HEADER: signature(row["webhook_secret"], int(time.time()), content),
        }
        try:
            if self._public_only:
                await check_public_host(url)
            # No redirects: a 3xx could point anywhere, including the shop's own network.
            async with self._session.post(
                url, data=content, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise WebhookFailed(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
        if not 200 <= response.status < 300:
            raise WebhookFailed(f"HTTP {response.status}", response.status)
        return response.status

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._session.close()

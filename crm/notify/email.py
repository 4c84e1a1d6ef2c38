"""E-mail: render a notification in the recipient's language; send it over SMTP or to a file."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import logging
import secrets
import socket
import time
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from crm.models import EventType
from crm.notify.messages import STATUS, TEXTS
from crm.settings import Settings

log = logging.getLogger("crm.notify")


class MailFailed(Exception):
    """The message could not be handed to the SMTP server; the text says why."""


def render(row: Any, settings: Settings) -> bytes:
    """The message for one outbox row: plain text and HTML, in the payload's language."""
    payload = row["payload"]
    language = payload.get("language") if payload.get("language") in TEXTS else "ru"
    subject, paragraphs = TEXTS[language][EventType(row["event_type"])]
    ticket = payload["ticket"]
    token = payload.get("tracking_token")
    comment = payload.get("comment") or {}
    values = {
        "id": ticket["id"],
        "title": ticket["title"],
        "status": STATUS[language].get(ticket["status"], ticket["status"]),
        "previous_status": STATUS[language].get(payload.get("previous_status") or "", ""),
        "comment": comment.get("body", ""),
        # The web UI's tracking page (ui_track_page): status, device and public comments.
        "link": f"{settings.base_url}/ui/track/{token}" if token else "",
    }
    escaped = {key: html.escape(str(value)) for key, value in values.items()}
    if values["link"]:
        link = escaped["link"]
        escaped["link"] = f'<a href="{link}">{link}</a>'
    text = "\n\n".join(paragraph.format(**values) for paragraph in paragraphs) + "\n"
    body = "".join(f"<p>{paragraph.format(**escaped)}</p>" for paragraph in paragraphs)
    page = f'<!doctype html><html lang="{language}"><body>{body}</body></html>\n'
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "localhost"
    headers = {
        "Subject": Header(subject.format(**values), "utf-8").encode(maxlinelen=998),
        "From": _address(settings.smtp_from),
        "To": row["recipient"],
        "Date": formatdate(localtime=False),
        # The sender's domain, given: make_msgid would look up this host's name every time.
        "Message-ID": make_msgid(idstring=f"outbox-{row['id']}", domain=domain),
    }
    return _alternative(headers, text, page)


def _alternative(headers: dict[str, str], text: str, page: str) -> bytes:
    """A multipart/alternative MIME message of UTF-8 text and HTML, base64-encoded, CRLF lines.

    Written out directly: the email package's generator took a millisecond a message, which
    bounded how fast the outbox drains.
    """
    boundary = "=_" + secrets.token_hex(16)
    lines = [f"{name}: {value}" for name, value in headers.items()]
    lines += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"']
    lines.append("")
    for subtype, content in (("plain", text), ("html", page)):
        lines += [
            f"--{boundary}",
            f'Content-Type: text/{subtype}; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
            "",
            base64.encodebytes(content.encode()).decode().replace("\n", "\r\n").rstrip(),
        ]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode()


def _address(header: str) -> str:
    """A From header with its display name encoded for any language."""
    name, address = parseaddr(header)
    return formataddr((name, address), charset="utf-8")


# An idle SMTP connection older than this is closed rather than reused (servers drop them).
IDLE_CONNECTION_SECONDS = 30.0


class Mailer:
    """Sends rendered messages: over SMTP_URL, or (ENV=local without it) into .eml files.

    SMTP connections are kept and reused: a new one per message (connect, EHLO, STARTTLS, login,
    QUIT) cost more than the message itself.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._folder = settings.data_dir / "mail"
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        # This machine's name for EHLO, looked up once (aiosmtplib would per connection).
        self._local_hostname: str | None = None

    async def send(self, row: Any) -> None:
        """Deliver one outbox row's e-mail; raise MailFailed saying why it could not."""
        url = self._settings.smtp_url
        if url is None and not self._settings.is_local:
            raise MailFailed("SMTP_URL is not set")  # before rendering what cannot be sent
        content = render(row, self._settings)
        if url is None:
            self._write(row, content)
            return
        sender = parseaddr(self._settings.smtp_from)[1]
        client, reused = self._reusable()
        try:
            if client is None:
                client = await self._connect(url)
            try:
                await client.sendmail(sender, [row["recipient"]], content)
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                if not reused:
                    raise
                # The server dropped the idle connection: once more on a fresh one.
                client.close()
                client = await self._connect(url)
                await client.sendmail(sender, [row["recipient"]], content)
        except (aiosmtplib.SMTPException, OSError) as exc:
            if client is not None:
                client.close()
            raise MailFailed(f"{type(exc).__name__}: {exc}") from None
        self._idle.append((client, time.monotonic()))

    def _reusable(self) -> tuple[aiosmtplib.SMTP | None, bool]:
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and time.monotonic() - since < IDLE_CONNECTION_SECONDS:
                return client, True
            client.close()
        return None, False

    async def _connect(self, url: str) -> aiosmtplib.SMTP:
        if self._local_hostname is None:
            loop = asyncio.get_running_loop()
            self._local_hostname = await loop.run_in_executor(None, socket.getfqdn)
        client = aiosmtplib.SMTP(
            **_smtp_options(url), local_hostname=self._local_hostname, timeout=30
        )
        await client.connect()
        return client

    async def close(self) -> None:
        """Say goodbye on every kept connection."""
        idle, self._idle = self._idle, []
        for client, _ in idle:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()

    def _write(self, row: Any, content: bytes) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        path: Path = self._folder / f"{row['id']:08d}-{row['event_type']}.eml"
        path.write_bytes(content)
        log.info("e-mail to %s written to %s (no SMTP_URL)", row["recipient"], path)


def _smtp_options(url: str) -> dict[str, Any]:
    """aiosmtplib's connection options from smtp://user:password@host:port (smtps: TLS at once)."""
    parts = urlsplit(url)
    implicit_tls = parts.scheme == "smtps"
    return {
        "hostname": parts.hostname,
        "port": parts.port or (465 if implicit_tls else 587),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_tls": implicit_tls,
        # smtp://: STARTTLS whenever the server offers it (aiosmtplib's default).
        "start_tls": None if not implicit_tls else False,
    }

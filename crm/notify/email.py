"""E-mail: render a notification in the recipient's language; send it over SMTP or to a file."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import socket
import time
from email.message import EmailMessage
from email.utils import make_msgid
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


def render(row: Any, settings: Settings) -> EmailMessage:
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
        "link": f"{settings.base_url}/tickets/public/{token}" if token else "",
    }
    message = EmailMessage()
    message["Subject"] = subject.format(**values)
    message["From"] = settings.smtp_from
    message["To"] = row["recipient"]
    message["Message-ID"] = make_msgid(idstring=f"outbox-{row['id']}")
    lines = [paragraph.format(**values) for paragraph in paragraphs]
    message.set_content("\n\n".join(lines) + "\n")
    escaped = {key: html.escape(str(value)) for key, value in values.items()}
    if values["link"]:
        link = escaped["link"]
        escaped["link"] = f'<a href="{link}">{link}</a>'
    body = "".join(f"<p>{paragraph.format(**escaped)}</p>" for paragraph in paragraphs)
    message.add_alternative(
        f'<!doctype html><html lang="{language}"><body>{body}</body></html>', subtype="html"
    )
    return message


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
        message = render(row, self._settings)
        url = self._settings.smtp_url
        if url is None:
            if not self._settings.is_local:
                raise MailFailed("SMTP_URL is not set")
            self._write(row, message)
            return
        client, reused = self._reusable()
        try:
            if client is None:
                client = await self._connect(url)
            try:
                await client.send_message(message)
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                if not reused:
                    raise
                # The server dropped the idle connection: once more on a fresh one.
                client.close()
                client = await self._connect(url)
                await client.send_message(message)
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

    def _write(self, row: Any, message: EmailMessage) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        path: Path = self._folder / f"{row['id']:08d}-{row['event_type']}.eml"
        path.write_bytes(bytes(message))
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

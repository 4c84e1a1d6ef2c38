"""E-mail: render a notification in the recipient's language; send it over SMTP or to a file."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import socket
import time
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import aiosmtplib

from crm.models import EventType
from crm.notify.messages import STATUS, TEXTS
from crm.settings import Settings

log = logging.getLogger("crm.notify")


class MailFailed(Exception):
    """The message could not be handed to the SMTP server; the text says why."""


def render(row: Any, settings: Settings) -> Message:
    """The message for one outbox row: plain text and HTML, in the payload's language.

    Built with the email package's older MIME classes: three times faster than EmailMessage,
    which is what bounds the drain rate.
    """
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
    escaped = {key: html.escape(str(value)) for key, value in values.items()}
    if values["link"]:
        link = escaped["link"]
        escaped["link"] = f'<a href="{link}">{link}</a>'
    text = "\n\n".join(paragraph.format(**values) for paragraph in paragraphs) + "\n"
    body = "".join(f"<p>{paragraph.format(**escaped)}</p>" for paragraph in paragraphs)
    page = f'<!doctype html><html lang="{language}"><body>{body}</body></html>\n'
    message = MIMEMultipart("alternative")
    # A Header (not str) so the older classes fold it as encoded words, as they are meant to.
    message["Subject"] = cast(str, Header(subject.format(**values), "utf-8"))
    message["From"] = _address(settings.smtp_from)
    message["To"] = row["recipient"]
    message["Date"] = formatdate(localtime=False)
    # The sender's domain, given: make_msgid would otherwise look up this host's name each time.
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"outbox-{row['id']}", domain=domain)
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(page, "html", "utf-8"))
    return message


def _address(header: str) -> str:
    """A From header with its display name encoded for any language."""
    name, address = parseaddr(header)
    return formataddr((name, address), charset="utf-8")


# The older classes' policy, with SMTP's line ends.
_CRLF = compat32.clone(linesep="\r\n")
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
        content = render(row, self._settings).as_bytes(policy=_CRLF)
        url = self._settings.smtp_url
        if url is None:
            if not self._settings.is_local:
                raise MailFailed("SMTP_URL is not set")
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

"""E-mail: render a notification in the recipient's language; send it over SMTP or to a file."""

from __future__ import annotations

import html
import logging
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


class Mailer:
    """Sends rendered messages: over SMTP_URL, or (ENV=local without it) into .eml files."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._folder = settings.data_dir / "mail"

    async def send(self, row: Any) -> None:
        """Deliver one outbox row's e-mail; raise MailFailed saying why it could not."""
        message = render(row, self._settings)
        url = self._settings.smtp_url
        if url is None:
            if not self._settings.is_local:
                raise MailFailed("SMTP_URL is not set")
            self._write(row, message)
            return
        try:
            await aiosmtplib.send(message, **_smtp_options(url), timeout=30)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailFailed(f"{type(exc).__name__}: {exc}") from None

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

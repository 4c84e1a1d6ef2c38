"""What the e-mails say, in Russian (the default) and English."""

from __future__ import annotations

from crm.models import EventType

STATUS = {
    "ru": {"new": "новая", "in_progress": "в работе", "done": "готово", "canceled": "отменена"},
    "en": {"new": "new", "in_progress": "in progress", "done": "done", "canceled": "canceled"},
}

# Per language and event: the subject and the body's paragraphs, as str.format templates over
# id, title, status, previous_status, comment and link.
TEXTS: dict[str, dict[EventType, tuple[str, list[str]]]] = {
    "ru": {
        EventType.TICKET_CREATED: (
            "Заявка №{id} принята",
            [
                "Здравствуйте! Мы получили вашу заявку «{title}».",
                "Следить за ней можно по ссылке: {link}",
            ],
        ),
        EventType.STATUS_CHANGED: (
            "Заявка №{id}: {status}",
            [
                "Статус вашей заявки «{title}» изменился: {previous_status} → {status}.",
                "Подробности: {link}",
            ],
        ),
        EventType.PUBLIC_COMMENT: (
            "Заявка №{id}: новый комментарий",
            ["По вашей заявке «{title}» пишут:", "{comment}", "Ответить: {link}"],
        ),
        EventType.ASSIGNED: (
            "Вам назначена заявка №{id}",
            ["Вам назначена заявка №{id} «{title}» (статус: {status})."],
        ),
        EventType.CUSTOMER_COMMENT: (
            "Заявка №{id}: ответ клиента",
            ["Клиент написал по заявке №{id} «{title}»:", "{comment}"],
        ),
    },
    "en": {
        EventType.TICKET_CREATED: (
            "Request #{id} received",
            [
                "Hello! We have received your request “{title}”.",
                "You can follow it here: {link}",
            ],
        ),
        EventType.STATUS_CHANGED: (
            "Request #{id}: {status}",
            [
                "Your request “{title}” has moved on: {previous_status} → {status}.",
                "Details: {link}",
            ],
        ),
        EventType.PUBLIC_COMMENT: (
            "Request #{id}: a new comment",
            ["There is news about your request “{title}”:", "{comment}", "Reply: {link}"],
        ),
        EventType.ASSIGNED: (
            "Request #{id} is assigned to you",
            ["Request #{id} “{title}” is assigned to you (status: {status})."],
        ),
        EventType.CUSTOMER_COMMENT: (
            "Request #{id}: the customer replied",
            ["The customer wrote about request #{id} “{title}”:", "{comment}"],
        ),
    },
}

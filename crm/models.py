"""attrs classes for what comes in (bodies) and goes out (rows as JSON)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from crm.convert import (
    Address,
    Comment,
    CommentBody,
    Description,
    DeviceText,
    DisplayName,
    Email,
    Id,
    Name,
    Password,
    Phone,
    Serial,
    Title,
    WebhookUrl,
)


class Role(enum.StrEnum):
    """What a user may do."""

    ADMIN = "admin"
    WORKER = "worker"


@attrs.frozen
class Caller:
    """A staff user whose token the database accepted: who they are and the token version.

    The e-mail is as of that check; the role is fixed for a token version (a role change
    revokes tokens), so a query that re-checks the version may trust the role.
    """

    id: int
    email: str
    role: Role
    token_version: int

    @property
    def own_tickets(self) -> int | None:
        """Workers see only tickets assigned to them (their id); admins see all (None)."""
        return self.id if self.role is Role.WORKER else None


@attrs.frozen
class LoginRequest:
    """POST /auth/login."""

    email: Email
    password: str


@attrs.frozen
class RegisterRequest:
    """POST /auth/register (ENV=local only)."""

    email: Email
    password: Password
    password_confirm: str
    role: Role = Role.WORKER


@attrs.frozen
class AccessToken:
    """What a successful login returns."""

    access_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 (the OAuth 2 token type, not a secret)


@attrs.frozen
class User:
    """A user as the API shows it: never the password hash."""

    id: int
    email: str
    display_name: str | None
    role: Role
    active: bool
    created_at: datetime
    updated_at: datetime


# Admin API: users and clients.


@attrs.frozen
class NewUser:
    """POST /users."""

    email: Email
    password: Password
    role: Role
    display_name: DisplayName | None = None


@attrs.frozen
class UserPatch:
    """PATCH /users/{id}: only the fields given change (display_name null clears it)."""

    email: Email | None = None
    display_name: DisplayName | None = None
    password: Password | None = None
    role: Role | None = None
    active: bool | None = None


@attrs.frozen
class Client:
    """A customer as the API shows it."""

    id: int
    name: str | None
    phone: str | None
    email: str | None
    comment: str | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class NewClient:
    """A customer's contact details: POST /clients, and the `client` of a public request."""

    name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    comment: Comment | None = None


@attrs.frozen
class ClientPatch(NewClient):
    """PATCH /clients/{id}: only the fields given change; null clears one."""


class TicketStatus(enum.StrEnum):
    """Where a ticket is."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELED = "canceled"


@attrs.frozen
class Device:
    """The device under repair; every part optional (blank is null)."""

    kind: DeviceText | None = None
    brand: DeviceText | None = None
    model: DeviceText | None = None
    serial: Serial | None = None


DEVICE_COLUMNS = {
    "kind": "device_kind",
    "brand": "device_brand",
    "model": "device_model",
    "serial": "device_serial",
}


def device_columns(device: Device | None) -> dict[str, str | None]:
    """The device as the tickets table's device_* column values."""
    given = device or Device()
    return {column: getattr(given, key) for key, column in DEVICE_COLUMNS.items()}


@attrs.frozen
class PublicTicketRequest:
    """POST /tickets/public: a customer's repair request."""

    title: Title
    client: NewClient
    description: Description | None = None
    scheduled_at: datetime | None = None
    device: Device | None = None
    address: Address | None = None


@attrs.frozen
class PublicTicketCreated:
    """What the customer gets back: the ticket and the token to follow it with."""

    id: int
    title: str
    status: TicketStatus
    scheduled_at: datetime | None
    created_at: datetime
    tracking_token: str


@attrs.frozen
class PublicTicketStatus:
    """What a customer may see of their ticket: public comments only, nothing about other people."""

    id: int
    title: str
    status: TicketStatus
    created_at: datetime
    updated_at: datetime
    scheduled_at: datetime | None
    device: dict[str, str | None]
    comments: list[dict[str, Any]]


class Visibility(enum.StrEnum):
    """Who sees a comment."""

    INTERNAL = "internal"
    PUBLIC = "public"


@attrs.frozen
class NewComment:
    """POST /tickets/{id}/comments (staff)."""

    body: CommentBody
    visibility: Visibility


@attrs.frozen
class CommentEdit:
    """PATCH /tickets/{id}/comments/{comment_id}: the new text."""

    body: CommentBody


@attrs.frozen
class CustomerComment:
    """POST /tickets/public/{token}/comments: the customer's answer (always public)."""

    body: CommentBody


@attrs.frozen
class TicketComment:
    """A comment as staff see it: author "customer" when written through the tracking link."""

    id: int
    ticket_id: int
    body: str
    visibility: Visibility
    author: str
    author_id: int | None
    author_name: str | None
    created_at: datetime
    edited_at: datetime | None


@attrs.frozen
class NewTicket:
    """POST /tickets (admin)."""

    title: Title
    client_id: Id
    description: Description | None = None
    assignee_id: Id | None = None
    scheduled_at: datetime | None = None
    device: Device | None = None
    address: Address | None = None


@attrs.frozen
class TicketPatch:
    """PATCH /tickets/{id}: only the keys present change; null clears a nullable field."""

    title: Title | None = None
    description: Description | None = None
    scheduled_at: datetime | None = None
    client_id: Id | None = None
    assignee_id: Id | None = None
    status: TicketStatus | None = None
    device: Device | None = None
    address: Address | None = None


@attrs.frozen
class Ticket:
    """A ticket as staff see it, with its client's name and assignee's e-mail."""

    id: int
    title: str
    description: str | None
    status: TicketStatus
    client_id: int
    client_name: str | None
    assignee_id: int | None
    assignee_email: str | None
    scheduled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    device: dict[str, str | None]
    address: str | None
    contact: dict[str, str | None] | None


@attrs.frozen
class TicketEvent:
    """One row of a ticket's history."""

    id: int
    ticket_id: int
    kind: str
    actor_id: int | None
    actor_email: str | None
    from_status: TicketStatus | None
    to_status: TicketStatus | None
    from_assignee_id: int | None
    to_assignee_id: int | None
    comment_id: int | None
    changes: dict[str, Any] | None
    created_at: datetime


@attrs.frozen
class AssigneeCount:
    """How many of the counted tickets one worker holds (null: unassigned)."""

    assignee_id: int | None
    count: int


@attrs.frozen
class TicketCounts:
    """GET /tickets/counts: the tickets the filters select, by status and (admins) assignee."""

    total: int
    by_status: dict[str, int]
    by_assignee: list[AssigneeCount] | None


# Notifications: webhook subscriptions and the outbox.


class EventType(enum.StrEnum):
    """What happened to a ticket, as e-mails and webhooks report it."""

    TICKET_CREATED = "ticket.created"
    STATUS_CHANGED = "ticket.status_changed"
    ASSIGNED = "ticket.assigned"
    PUBLIC_COMMENT = "ticket.public_comment"
    CUSTOMER_COMMENT = "ticket.customer_comment"


@attrs.frozen
class NewWebhook:
    """POST /webhooks."""

    url: WebhookUrl
    event_types: list[EventType]
    active: bool = True


@attrs.frozen
class WebhookPatch:
    """PATCH /webhooks/{id}: only the fields given change."""

    url: WebhookUrl | None = None
    event_types: list[EventType] | None = None
    active: bool | None = None


@attrs.frozen
class Webhook:
    """A subscription as the API shows it: never its secret."""

    id: int
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class WebhookCreated(Webhook):
    """What creating a subscription returns, the only time the secret is shown."""

    secret: str


class OutboxStatus(enum.StrEnum):
    """Where a notification is."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


@attrs.frozen
class OutboxItem:
    """One queued notification, for operators: never its payload."""

    id: int
    event_id: str
    event_type: str
    channel: str
    recipient: str | None
    webhook_id: int | None
    ticket_id: int | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@attrs.frozen
class DeliveryAttempt:
    """One try to deliver a notification."""

    attempted_at: datetime
    ok: bool
    response_status: int | None
    error: str | None


@attrs.frozen
class WebhookDelivery(OutboxItem):
    """A webhook's delivery with each of its attempts, oldest first."""

    attempt_log: list[DeliveryAttempt] = attrs.field(factory=list)

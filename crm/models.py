"""attrs classes for what comes in (bodies) and goes out (rows as JSON)."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from crm.convert import Comment, Email, Name, Password, Phone


class Role(enum.StrEnum):
    """What a user may do."""

    ADMIN = "admin"
    WORKER = "worker"


@attrs.frozen
class LoginRequest:
    """POST /auth/login."""

    email: Email
    password: str


@attrs.frozen
class RegisterRequest:
    """POST /auth/register (ENV=local only), the seed's body."""

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


@attrs.frozen
class UserPatch:
    """PATCH /users/{id}: only the fields given change."""

    email: Email | None = None
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
    """POST /clients: at least a name, phone or e-mail."""

    name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    comment: Comment | None = None


@attrs.frozen
class ClientPatch(NewClient):
    """PATCH /clients/{id}: only the fields given change; null clears one."""

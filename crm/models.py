"""attrs classes for what comes in (bodies) and goes out (rows as JSON)."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from crm.convert import Email, Password


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

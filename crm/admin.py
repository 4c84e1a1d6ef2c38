"""Creating the first admin from the command line, with the same rules as the API."""

from __future__ import annotations

from crm import db
from crm.convert import Email, Password, structure
from crm.errors import ValidationFailed
from crm.models import RegisterRequest, Role
from crm.passwords import Passwords
from crm.queries import load_queries
from crm.settings import Settings


async def create_admin(settings: Settings, email: str, password: str) -> str | None:
    """Insert an admin; return an error message instead when the input or e-mail is refused."""
    try:
        body = structure(
            {"email": email, "password": password, "password_confirm": password, "role": "admin"},
            RegisterRequest,
        )
    except ValidationFailed as exc:
        return "; ".join(f"{e.field} {e.message}" for e in exc.errors or [])
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib)
    assert settings.database_url
    pool = await db.create_pool(settings.database_url, settings)
    try:
        row = await load_queries().insert_user(
            pool,
            email=Email(body.email),
            password_hash=await passwords.hash(Password(body.password)),
            role=Role.ADMIN.value,
        )
    finally:
        await pool.close()
        passwords.close()
    return None if row else f"a user with e-mail {body.email} already exists"

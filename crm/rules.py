"""Pure domain rules: who may change what, callable from handlers and tests alike."""

from __future__ import annotations

from collections.abc import Collection

from crm.models import Role


def admin_removal(role: Role | None, active: bool | None) -> str | None:
    """The verb for a change that takes admin rights away ('demote', 'deactivate'), else None."""
    if role is Role.WORKER:
        return "demote"
    if active is False:
        return "deactivate"
    return None


def admin_removal_conflict(
    action: str, caller_id: int, target_id: int, active_admin_ids: Collection[int]
) -> str | None:
    """Why `action` on the target would lock admins out (self, or the last admin), else None."""
    if target_id == caller_id:
        return f"You cannot {action} yourself; ask another admin."
    if target_id in active_admin_ids and len(active_admin_ids) <= 1:
        return f"You cannot {action} the last active admin; promote another user first."
    return None


def has_contact(name: str | None, phone: str | None, email: str | None) -> bool:
    """A client can be reached or recognised: a name, phone or e-mail is present."""
    return bool(name or phone or email)

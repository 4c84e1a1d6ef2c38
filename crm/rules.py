"""Pure domain rules: who may change what, and which status moves are allowed."""

from __future__ import annotations

import functools
from collections.abc import Collection

from crm.models import Role, TicketStatus

NEW, IN_PROGRESS, DONE, CANCELED = (
    TicketStatus.NEW,
    TicketStatus.IN_PROGRESS,
    TicketStatus.DONE,
    TicketStatus.CANCELED,
)

# Workers only move their tickets forward; admins may also cancel and reopen.
WORKER_MOVES = {NEW: {IN_PROGRESS}, IN_PROGRESS: {DONE}}
ADMIN_MOVES = {
    NEW: {IN_PROGRESS, CANCELED},
    IN_PROGRESS: {DONE, CANCELED},
    DONE: {IN_PROGRESS},
    CANCELED: {NEW},
}


def transition_error(role: Role, current: TicketStatus, wanted: TicketStatus) -> str | None:
    """Why `role` may not move a ticket from `current` to `wanted`, or None when it may."""
    if current == wanted:
        return f"The ticket is already {current.value}."
    moves = ADMIN_MOVES if role == Role.ADMIN else WORKER_MOVES
    if wanted in moves.get(current, set()):
        return None
    if role == Role.WORKER and wanted in ADMIN_MOVES.get(current, set()):
        return f"Only an admin can move a ticket from {current.value} to {wanted.value}."
    return f"Cannot move from {current.value} to {wanted.value}."


# Once per role and status: every status change asks, and the answer never changes.
@functools.cache
def moves_into(role: Role, wanted: TicketStatus) -> tuple[str, ...]:
    """The statuses (their values) from which `role` may move a ticket to `wanted`
    (transition_error's rule, as an array a single statement can check)."""
    return tuple(
        current.value for current in TicketStatus if transition_error(role, current, wanted) is None
    )


WORKER_FIELDS = frozenset({"status"})


def forbidden_fields(role: Role, fields: Collection[str]) -> list[str]:
    """The fields of a ticket change that `role` may not touch."""
    return [] if role == Role.ADMIN else sorted(set(fields) - WORKER_FIELDS)


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


EDIT_WINDOW_MINUTES = 15
CLOSED_COMMENT_DAYS = 30


def comment_edit_refusal(
    caller_id: int, author_id: int | None, editable: bool
) -> tuple[int, str] | None:
    """Why a staff member may not edit a comment (status, detail): only its author, 15 minutes."""
    if author_id != caller_id:
        return 403, "Only the author of a comment may edit it."
    if not editable:
        return 409, f"A comment can be edited only in the first {EDIT_WINDOW_MINUTES} minutes."
    return None


def customer_comment_refusal(closed_days: float | None) -> str | None:
    """Why a customer may not comment: the ticket was done or canceled over 30 days ago."""
    if closed_days is not None and closed_days > CLOSED_COMMENT_DAYS:
        return (
            f"This ticket was closed more than {CLOSED_COMMENT_DAYS} days ago; "
            "please send a new request."
        )
    return None

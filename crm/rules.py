"""Pure domain rules: which status moves are allowed, and to whom."""

from __future__ import annotations

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


WORKER_FIELDS = frozenset({"status"})


def forbidden_fields(role: Role, fields: set[str]) -> list[str]:
    """The fields of a ticket change that `role` may not touch."""
    return [] if role == Role.ADMIN else sorted(fields - WORKER_FIELDS)

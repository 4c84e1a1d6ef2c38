"""The original description's story, through a Python client generated from openapi.yaml.

Run by tests/test_generated_client.py with the generator's own interpreter and the generated
package on PYTHONPATH; argv[1] is the running service's base URL. Exits non-zero on any surprise.
"""

import sys
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from crm_client import AuthenticatedClient, Client
from crm_client.api.auth import login, register
from crm_client.api.public import create_public_ticket, get_public_ticket
from crm_client.api.tickets import count_tickets, list_ticket_events, list_tickets, update_ticket
from crm_client.api.users import create_user
from crm_client.models import (
    ListTicketsSort,
    LoginRequest,
    NewClient,
    NewUser,
    Problem,
    PublicTicketCreated,
    PublicTicketRequest,
    RegisterRequest,
    Role,
    Ticket,
    TicketCounts,
    TicketEventPage,
    TicketPage,
    TicketPatch,
    TicketStatus,
    User,
)


def token_for(public: Client, email: str, password: str) -> str:
    """Log in through the generated client and return the bearer token."""
    answer = login.sync(client=public, body=LoginRequest(email=email, password=password))
    assert not isinstance(answer, Problem) and answer is not None, answer
    token: str = answer.access_token
    return token


def main(base_url: str) -> None:
    public = Client(base_url=base_url, raise_on_unexpected_status=True)

    # A customer sends the example request, twice with one Idempotency-Key: one ticket.
    request = PublicTicketRequest(
        title="Не включается стиралка",
        description="После щелчка выбивает автомат",
        client=NewClient(name="Иван", phone="+380671112233", email="ivan@example.com"),
    )
    sent = create_public_ticket.sync(client=public, body=request, idempotency_key="story-1")
    again = create_public_ticket.sync(client=public, body=request, idempotency_key="story-1")
    assert isinstance(sent, PublicTicketCreated) and isinstance(again, PublicTicketCreated)
    assert sent.id == again.id and sent.status == TicketStatus.NEW

    # The first admin registers (ENV=local), logs in and creates a worker.
    admin_body = RegisterRequest(
        email="admin@example.com", password="admin123", password_confirm="admin123"
    )
    admin_body.role = Role.ADMIN
    assert isinstance(register.sync(client=public, body=admin_body), User)
    admin = AuthenticatedClient(
        base_url=base_url, token=token_for(public, "admin@example.com", "admin123")
    )
    worker_body = NewUser(email="work2@example.com", password="worker123", role=Role.WORKER)
    worker = create_user.sync(client=admin, body=worker_body)
    assert isinstance(worker, User) and worker.role == Role.WORKER, worker

    # The admin assigns the ticket; the worker moves it along.
    assigned = update_ticket.sync(sent.id, client=admin, body=TicketPatch(assignee_id=worker.id))
    assert isinstance(assigned, Ticket) and assigned.assignee_email == "work2@example.com"
    me = AuthenticatedClient(
        base_url=base_url, token=token_for(public, "work2@example.com", "worker123")
    )
    for status in (TicketStatus.IN_PROGRESS, TicketStatus.DONE):
        moved = update_ticket.sync(sent.id, client=me, body=TicketPatch(status=status))
        assert isinstance(moved, Ticket) and moved.status == status, moved

    # A forbidden move comes back as a typed problem, not an exception or a bare dict.
    refused = update_ticket.sync_detailed(
        sent.id, client=me, body=TicketPatch(status=TicketStatus.NEW)
    )
    assert refused.status_code == HTTPStatus.CONFLICT
    assert (
        isinstance(refused.parsed, Problem)
        and refused.parsed.detail == "Cannot move from done to new."
    )

    # The customer sees the progress; the history tells the story.
    progress = get_public_ticket.sync(sent.tracking_token, client=public)
    assert (
        progress is not None
        and not isinstance(progress, Problem)
        and progress.status == TicketStatus.DONE
    )
    history = list_ticket_events.sync(sent.id, client=me)
    assert isinstance(history, TicketEventPage)
    assert [event.kind.value for event in history.items] == [
        "created",
        "assigned",
        "status_changed",
        "status_changed",
    ]

    # More requests, then search with a second page by cursor.
    for n in range(3):
        more = PublicTicketRequest(
            title=f"Стиралка шумит {n}", client=NewClient(phone=f"+38050000000{n}")
        )
        assert isinstance(create_public_ticket.sync(client=public, body=more), PublicTicketCreated)
    first = list_tickets.sync(client=admin, q="стир", page_size=2)
    assert (
        isinstance(first, TicketPage)
        and len(first.items) == 2
        and isinstance(first.next_cursor, str)
    )
    second = list_tickets.sync(client=admin, q="стир", page_size=2, cursor=first.next_cursor)
    assert isinstance(second, TicketPage) and len(second.items) == 2 and second.next_cursor is None
    seen = {t.id for t in first.items} | {t.id for t in second.items}
    assert len(seen) == 4 and sent.id in seen
    assert (first.total, first.total_exact) == (4, True)

    # Page numbers give the rows the cursor walk gave; sorting, date ranges and counts.
    by_number = list_tickets.sync(client=admin, q="стир", page_size=2, page=2)
    assert isinstance(by_number, TicketPage) and by_number.items == second.items
    oldest = list_tickets.sync(client=admin, q="стир", sort=ListTicketsSort("created_at"))
    assert isinstance(oldest, TicketPage) and oldest.items[0].id == sent.id
    now = datetime.now(UTC)
    recent = list_tickets.sync(
        client=admin, created_from=now - timedelta(hours=1), created_to=now + timedelta(hours=1)
    )
    assert isinstance(recent, TicketPage) and recent.total == 4
    counts = count_tickets.sync(client=admin)
    assert isinstance(counts, TicketCounts) and counts.total == 4
    assert counts.by_status.done == 1 and counts.by_status.new == 3

    # An expected 4xx is read back as a typed error with its field errors.
    bad = create_user.sync_detailed(
        client=admin, body=NewUser(email="not-an-email", password="x", role=Role.WORKER)
    )
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY and isinstance(bad.parsed, Problem)
    assert {error.field for error in bad.parsed.errors} == {"email", "password"}
    print("generated client story: ok")


if __name__ == "__main__":
    main(sys.argv[1])

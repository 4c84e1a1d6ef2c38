"""A small shop with a known history, for checking report views and ready reports to the number.

Times are UTC. Fixed March-April 2026 tickets exercise days and months; tickets relative to
now exercise the last-7/30-days figures of report_worker_load.

T1  Иван   created 03-02 09:00, w1, started 03-02 12:00, done 03-03 09:00 (24 h, w1)
T2  Иван   created 03-05 10:00, w1, started 03-06 10:00, done 03-06 22:00, reopened 03-07 08:00,
           given to w2 03-07 09:00, done 03-08 10:00 (72 h, w2, one reopening)
T3  Олена  created 03-10 08:00, w1 answers publicly 03-10 12:00, canceled 03-11 08:00
T4  Олена  created 03-31 22:30 (01:30 on April 1 in Kyiv), w2, still new
T5  Петро  created 04-02 10:00 by the public, unassigned, still new; an internal note 11:00 and
           the customer's own comment 12:00 are no response
T6  Петро  created 03-15 09:00, w1, started 03-16 09:00, deleted 03-20 12:00 while in progress
T7  Петро  created now-10 d, w1, started now-9 d, done now-8 d (2 days, w1)
T8  Олена  created now-3 d, w2, done now-2 d (1 day, w2)
T9  Иван   created now-1 d, w1, given to w2 now-20 h, done now-12 h (12 h, w2), then given to
           w1 now-6 h: the close stays w2's
T10 Петро  created now-5 d, w1, started now-4 d, in progress
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api import Api
from tests.factories import check, make_client, make_user

NOW = datetime.now(UTC).replace(microsecond=0)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A fixed time in 2026, UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


class Shop:
    """Builds tickets with explicit histories; ids are kept by name (t1, w1, ...)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.ids: dict[str, int] = {}

    async def ticket(
        self, name: str, client: str, created: datetime, status: str, assignee: str | None
    ) -> int:
        ticket_id: int = await check(
            self.api,
            "insert_ticket_at",
            title=f"Ticket {name}",
            client_id=self.ids[client],
            assignee_id=self.ids[assignee] if assignee else None,
            status=status,
            created_at=created,
        )
        self.ids[name] = ticket_id
        await self.event(name, "created", created, to_status="new")
        return ticket_id

    async def event(self, ticket: str, kind: str, when: datetime, **fields: Any) -> None:
        values = {
            "from_status": None,
            "to_status": None,
            "to_assignee_id": None,
            "actor_id": None,
            "changes": None,
            **fields,
        }
        await check(
            self.api,
            "insert_event_at",
            ticket_id=self.ids[ticket],
            kind=kind,
            created_at=when,
            **values,
        )

    async def comment(
        self, ticket: str, author: str | None, visibility: str, when: datetime
    ) -> None:
        actor = self.ids[author] if author else None
        changes = {"visibility": visibility}  # the pool's jsonb codec encodes it
        await self.event(ticket, "commented", when, actor_id=actor, changes=changes)

    async def assign(self, ticket: str, worker: str, when: datetime) -> None:
        await self.event(ticket, "assigned", when, to_assignee_id=self.ids[worker])

    async def move(self, ticket: str, old: str, new: str, when: datetime) -> None:
        await self.event(ticket, "status_changed", when, from_status=old, to_status=new)


async def build_shop(api: Api) -> dict[str, int]:
    """Insert the shop described above; return the ids by name."""
    shop = Shop(api)
    for name in ("w1", "w2", "w3"):
        shop.ids[name] = (await make_user(api, f"{name}@example.com"))["id"]
    for name, client, phone in [
        ("ivan", "Иван", "+380671112233"),
        ("olena", "Олена", "+380671112244"),
        ("petro", "Петро", "+380671112255"),
    ]:
        shop.ids[name] = (await make_client(api, name=client, phone=phone))["id"]

    await shop.ticket("t1", "ivan", at(3, 2, 9), "done", "w1")
    await shop.assign("t1", "w1", at(3, 2, 9, 30))
    await shop.move("t1", "new", "in_progress", at(3, 2, 12))
    await shop.move("t1", "in_progress", "done", at(3, 3, 9))

    await shop.ticket("t2", "ivan", at(3, 5, 10), "done", "w2")
    await shop.assign("t2", "w1", at(3, 5, 11))
    await shop.move("t2", "new", "in_progress", at(3, 6, 10))
    await shop.move("t2", "in_progress", "done", at(3, 6, 22))
    await shop.move("t2", "done", "in_progress", at(3, 7, 8))
    await shop.assign("t2", "w2", at(3, 7, 9))
    await shop.move("t2", "in_progress", "done", at(3, 8, 10))

    await shop.ticket("t3", "olena", at(3, 10, 8), "canceled", None)
    await shop.comment("t3", "w1", "public", at(3, 10, 12))
    await shop.move("t3", "new", "canceled", at(3, 11, 8))

    await shop.ticket("t4", "olena", at(3, 31, 22, 30), "new", "w2")
    await shop.assign("t4", "w2", at(3, 31, 23))

    await shop.ticket("t5", "petro", at(4, 2, 10), "new", None)
    await shop.comment("t5", "w1", "internal", at(4, 2, 11))
    await shop.comment("t5", None, "public", at(4, 2, 12))

    await shop.ticket("t6", "petro", at(3, 15, 9), "in_progress", "w1")
    await shop.assign("t6", "w1", at(3, 15, 10))
    await shop.move("t6", "new", "in_progress", at(3, 16, 9))
    await check(api, "delete_ticket_at", id=shop.ids["t6"], deleted_at=at(3, 20, 12))

    await shop.ticket("t7", "petro", NOW - 10 * DAY, "done", "w1")
    await shop.assign("t7", "w1", NOW - 10 * DAY + HOUR)
    await shop.move("t7", "new", "in_progress", NOW - 9 * DAY)
    await shop.move("t7", "in_progress", "done", NOW - 8 * DAY)

    await shop.ticket("t8", "olena", NOW - 3 * DAY, "done", "w2")
    await shop.assign("t8", "w2", NOW - 3 * DAY + HOUR)
    await shop.move("t8", "new", "in_progress", NOW - 3 * DAY + 2 * HOUR)
    await shop.move("t8", "in_progress", "done", NOW - 2 * DAY)

    await shop.ticket("t9", "ivan", NOW - DAY, "done", "w1")
    await shop.assign("t9", "w1", NOW - DAY + HOUR)
    await shop.move("t9", "new", "in_progress", NOW - DAY + 2 * HOUR)
    await shop.assign("t9", "w2", NOW - 20 * HOUR)
    await shop.move("t9", "in_progress", "done", NOW - 12 * HOUR)
    await shop.assign("t9", "w1", NOW - 6 * HOUR)

    await shop.ticket("t10", "petro", NOW - 5 * DAY, "in_progress", "w1")
    await shop.assign("t10", "w1", NOW - 5 * DAY + HOUR)
    await shop.move("t10", "new", "in_progress", NOW - 4 * DAY)
    return shop.ids

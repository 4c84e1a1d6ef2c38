"""ticket_json reads a row by position from its end: every query whose rows it makes into
tickets must end with TICKET_COLUMNS, in that order."""

from __future__ import annotations

import pytest

from crm.app_keys import POOL, QUERIES
from crm.handlers.tickets import TICKET_COLUMNS
from tests.api import Api

# Every query crm/handlers/tickets.py hands to ticket_json.
TICKET_QUERIES = [
    "list_tickets",
    "list_newest_tickets",
    "list_newest_assigned",
    "list_newest_search",
    "get_ticket",
    "change_ticket_status",
]


@pytest.mark.parametrize("name", TICKET_QUERIES)
async def test_a_ticket_query_ends_with_the_ticket_columns(api: Api, name: str) -> None:
    async with api.app[POOL].acquire() as conn:
        statement = await conn.prepare(api.app[QUERIES][name].sql)
        columns = tuple(attribute.name for attribute in statement.get_attributes())
    assert columns[-len(TICKET_COLUMNS) :] == TICKET_COLUMNS
    assert "caller_passed" in columns[: -len(TICKET_COLUMNS)]

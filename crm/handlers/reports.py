"""Reports over HTTP: the report_tickets view as a CSV download for admins."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from crm.app_keys import QUERIES, READ_POOL
from crm.auth import require
from crm.errors import FieldError, Problem, ValidationFailed
from crm.http.requests import enum_params, query_params, query_value
from crm.models import Role, TicketStatus
from crm.reports import TICKET_COLUMNS, csv_chunks

FILTERS = ("from", "to", "status", "excel")


async def export_tickets_csv(request: web.Request) -> web.StreamResponse:
    """Stream report_tickets rows created in [from, to) as CSV, never holding them all."""
    await require(request, Role.ADMIN)
    query = query_params(request, FILTERS, repeatable=("status",))
    # query_params also lets the list paging parameters through: an export has no pages.
    if extra := sorted(set(query) - set(FILTERS)):
        raise Problem(
            400,
            f"Unknown query parameter '{extra[0]}'; this export takes: from, to, status, excel.",
        )
    if query.get("excel", "0") not in ("0", "1"):
        raise ValidationFailed([FieldError("excel", "must be 0 or 1")], "Invalid query parameter.")
    statuses = enum_params(query.getall("status", []), "status", TicketStatus)
    params = {
        "created_from": query_value(query, "from", datetime),
        "created_to": query_value(query, "to", datetime),
        "statuses": [s.value for s in statuses] if statuses else None,
    }
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8; header=present",
            "Content-Disposition": 'attachment; filename="tickets.csv"',
        }
    )
    app = request.app
    async with app[READ_POOL].acquire() as conn, conn.transaction(readonly=True):
        # A server-side cursor: rows arrive a batch at a time, whatever the export's size.
        rows = app[QUERIES].export_report_tickets.stream(conn, **params)
        await response.prepare(request)
        async for chunk in csv_chunks(TICKET_COLUMNS, rows, excel=query.get("excel") == "1"):
            await response.write(chunk)
    await response.write_eof()
    return response

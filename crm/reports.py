"""CSV export of the report views: RFC 4180, UTF-8, formula-safe, streamed in constant memory."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from crm.convert import iso

# Spreadsheets run a cell that starts with one of these as a formula; customers write the text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
BATCH = 500
# export_report_tickets's columns, in order: the CSV header.
TICKET_COLUMNS = (
    "ticket_id", "title", "status", "device_kind", "device_brand", "device_model",
    "device_serial", "address", "client_id", "client_name", "client_phone", "client_email",
    "assignee_id", "assignee_email", "created_at", "updated_at", "scheduled_at",
    "first_in_progress_at", "first_response_at", "done_at", "canceled_at", "closed_by_id",
    "closed_by_email", "resolution_seconds", "reopenings", "deleted", "deleted_at",
)  # fmt: skip


def cell(value: Any) -> str:
    """One value as CSV text: times in ISO 8601 UTC, booleans as true/false, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    text = str(value)
    # OWASP's advice: a leading apostrophe makes the spreadsheet show the text as text.
    return "'" + text if text.startswith(FORMULA_START) else text


async def csv_chunks(
    header: Sequence[str], rows: AsyncIterator[Any], *, excel: bool = False
) -> AsyncIterator[bytes]:
    """The header and then the rows as CSV (CRLF line ends), a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if excel:
        buffer.write(BOM)
    writer.writerow(header)
    count = 0
    async for row in rows:
        writer.writerow([cell(row[name]) for name in header])
        count += 1
        if count % BATCH == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()

"""GET /reports/tickets.csv: RFC 4180 CSV of report_tickets, formula-safe, for admins only."""

from __future__ import annotations

import csv
import io

from crm.reports import TICKET_COLUMNS
from tests.api import Api, problem
from tests.factories import check, make_client, user_and_token
from tests.reporting_shop import at

TRICKY = 'Не включается, "щёлкает"\nи пахнет'


async def _tickets(api: Api) -> dict[str, int]:
    ivan = (await make_client(api, name='=HYPERLINK("http://x")', phone="+380671112233"))["id"]
    olena = (await make_client(api, name="Олена", email="olena@example.com"))["id"]
    ids = {}
    for name, client, created, status, title in [
        ("a", ivan, at(3, 2, 9), "new", TRICKY),
        ("b", olena, at(3, 5, 10), "done", "@SUM(A1:A9)"),
        ("c", olena, at(4, 1, 0), "canceled", "-1+2"),
    ]:
        ids[name] = await check(
            api,
            "insert_ticket_at",
            title=title,
            client_id=client,
            assignee_id=None,
            status=status,
            created_at=created,
        )
    return ids


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def test_export_quotes_russian_text_commas_quotes_and_newlines(
    api: Api, admin_token: str
) -> None:
    ids = await _tickets(api)
    reply = await api.get("/reports/tickets.csv", token=admin_token)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert reply.headers["Content-Disposition"] == 'attachment; filename="tickets.csv"'
    raw = reply.raw.decode("utf-8")
    assert raw.startswith(",".join(TICKET_COLUMNS) + "\r\n")
    # RFC 4180: the field is quoted, its quotes doubled, its line break kept inside the quotes.
    assert '"Не включается, ""щёлкает""\nи пахнет"' in raw
    assert raw.endswith("\r\n") and raw.count("\r\n") == 4
    rows = _rows(raw)
    assert [(r["ticket_id"], r["title"], r["status"]) for r in rows] == [
        (str(ids["a"]), TRICKY, "new"),
        (str(ids["b"]), "'@SUM(A1:A9)", "done"),
        (str(ids["c"]), "'-1+2", "canceled"),
    ]
    first = rows[0]
    # Formula-looking cells written by customers get an apostrophe; a phone's + too.
    assert (first["client_name"], first["client_phone"]) == (
        '\'=HYPERLINK("http://x")',
        "'+380671112233",
    )
    assert (first["created_at"], first["deleted"], first["done_at"]) == (
        "2026-03-02T09:00:00Z",
        "false",
        "",
    )
    assert rows[1]["client_email"] == "olena@example.com"


async def test_export_filters_by_creation_time_and_status(api: Api, admin_token: str) -> None:
    ids = await _tickets(api)
    march = {"from": "2026-03-01T00:00:00+02:00", "to": "2026-04-01T03:00:00+03:00"}
    reply = await api.get("/reports/tickets.csv", token=admin_token, params=march)
    assert [r["ticket_id"] for r in _rows(reply.body)] == [str(ids["a"]), str(ids["b"])]
    params = [("status", "new"), ("status", "canceled")]
    reply = await api.get("/reports/tickets.csv", token=admin_token, params=params)
    assert [r["ticket_id"] for r in _rows(reply.body)] == [str(ids["a"]), str(ids["c"])]
    empty = await api.get(
        "/reports/tickets.csv", token=admin_token, params={"status": "in_progress"}
    )
    assert empty.body == ",".join(TICKET_COLUMNS) + "\r\n"


async def test_excel_gets_a_byte_order_mark(api: Api, admin_token: str) -> None:
    await _tickets(api)
    plain = await api.get("/reports/tickets.csv", token=admin_token)
    excel = await api.get("/reports/tickets.csv", token=admin_token, params={"excel": "1"})
    assert excel.raw == b"\xef\xbb\xbf" + plain.raw


async def test_only_admins_export_and_bad_parameters_are_refused(
    api: Api, admin_token: str
) -> None:
    _, worker = await user_and_token(api, "w@example.com")
    assert (await api.get("/reports/tickets.csv", token=worker)).status == 403
    assert (await api.get("/reports/tickets.csv")).status == 401
    for params, status, field in [
        ({"from": "yesterday"}, 422, "from"),
        ({"to": "2026-03-01T00:00:00"}, 422, "to"),
        ({"status": "lost"}, 422, "status"),
        ({"excel": "yes"}, 422, "excel"),
    ]:
        reply = await api.get("/reports/tickets.csv", token=admin_token, params=params)
        assert [e["field"] for e in problem(reply, status)["errors"]] == [field]
    twice = [("from", "2026-01-01T00:00:00Z")] * 2
    for wrong in ([("page_size", "5")], [("sort", "title")], twice):
        reply = await api.get("/reports/tickets.csv", token=admin_token, params=wrong)
        assert reply.status == 400, wrong

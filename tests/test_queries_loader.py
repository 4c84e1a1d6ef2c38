"""The SQL loader: aiosql grammar, :named parameters, errors at start-up, not per request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm.package_files import DEMO_SQL_DIR
from crm.queries import QueryFileError, convert_params, load_queries, parse_file

CRM = Path(__file__).resolve().parent.parent / "crm"


def test_named_parameters_become_positional_once_each() -> None:
    sql, params = convert_params("SELECT :a::int, ':not_me', \"x:y\", :b -- :c\n WHERE x = :a")
    assert sql == "SELECT $1::int, ':not_me', \"x:y\", $2 -- :c\n WHERE x = $1"
    assert params == ("a", "b")


def test_kinds_and_docs_are_read() -> None:
    queries = parse_file("-- Things.\n\n-- name: get_thing^\n-- One thing.\nSELECT :id;\n", "t.sql")
    assert [(q.name, q.kind, q.doc, q.sql, q.params) for q in queries] == [
        ("get_thing", "^", "One thing.", "SELECT $1;", ("id",))
    ]


def test_a_kept_plan_is_marked_apart_from_the_description() -> None:
    text = "-- name: get_thing^\n-- One thing.\n-- plan: kept\nSELECT :id;\n"
    text += "-- name: x\n-- X.\nSELECT 1;"
    kept, plain = parse_file(text, "t.sql")
    assert (kept.name, kept.doc, kept.kept) == ("get_thing", "One thing.", True)
    assert (plain.name, plain.kept) == ("x", False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "SELECT 1;\n-- name: x\n-- Doc.\nSELECT 1;",
            "t.sql:1: SQL before the first '-- name:' line",
        ),
        ("-- name: Bad-Name\n-- Doc.\nSELECT 1;", "t.sql:1: bad query name 'Bad-Name'"),
        ("-- name: no_doc\nSELECT 1;", "t.sql:1: query 'no_doc' needs a one-line '--' description"),
        ("-- name: empty\n-- Doc.\n", "t.sql:1: query 'empty' has no SQL"),
        ("-- name: quote\n-- Doc.\nSELECT 'open;", "unterminated ' quote"),
        ("-- name: positional\n-- Doc.\nSELECT $1;", "use :named parameters, not positional $1"),
        ("-- only a comment\n", "t.sql: no '-- name:' queries"),
    ],
)
def test_malformed_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(QueryFileError, match=re.escape(message)):
        parse_file(text, "t.sql")


def test_duplicate_names_across_files_fail_loading(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("-- name: same$\n-- Doc.\nSELECT 1;\n")
    (tmp_path / "b.sql").write_text("-- name: same$\n-- Doc.\nSELECT 2;\n")
    with pytest.raises(QueryFileError, match=r"b.sql: query 'same' already defined in a.sql"):
        load_queries(tmp_path)


async def test_a_query_refuses_missing_or_extra_parameters() -> None:
    query = load_queries()["get_client"]
    caller = {"caller_id": 1, "caller_version": 1, "caller_role": "admin", "caller_confirmed": True}
    with pytest.raises(TypeError, match=r"missing \['id'\], unexpected \['client_id'\]"):
        await query(None, client_id=1, **caller)


def test_the_serving_app_does_not_load_demo_queries() -> None:
    assert [q.name for q in load_queries() if q.name.startswith("demo_")] == []
    assert all(q.name.startswith("demo_") for q in load_queries(DEMO_SQL_DIR))


def test_every_query_the_code_calls_exists_and_every_query_is_called() -> None:
    queries = {q.name: q for q in [*load_queries(), *load_queries(DEMO_SQL_DIR)]}
    code = "\n".join(p.read_text() for p in CRM.rglob("*.py") if p.name != "queries.py")
    names = set(re.findall(r"(?:QUERIES\]|queries|load_queries\(\))\.(\w+)(?:\(|\.stream\()", code))
    assert names, "no query calls found"
    assert sorted(name for name in names if name not in queries) == []
    assert sorted(name for name in queries if name not in names) == []

"""Named SQL from sql/*.sql (aiosql grammar), checked at load and run through asyncpg."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs

from crm.package_files import SQL_DIR

_NAME_LINE = re.compile(r"^--\s*name:\s*(?P<name>\S+)\s*$")
_NAME = re.compile(r"^(?P<base>[a-z_][a-z0-9_]*)(?P<kind>[\^$!]?)$")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A description line that marks a statement whose plan is kept (see Query.kept).
KEPT_MARK = "plan: kept"


class QueryFileError(Exception):
    """A SQL file breaks the grammar; raised at start-up, never during a request."""


@attrs.frozen
class Query:
    """One named statement: `kind` is '' (rows), '^' (one row), '$' (one value) or '!' (execute)."""

    name: str
    kind: str
    doc: str
    sql: str
    params: tuple[str, ...]
    source: str
    # Marked `-- plan: kept`: its plan depends on no value it is given (a call of a function that
    # keeps its own plans, or a lookup by key), so it runs on the pool's sessions that keep plans.
    kept: bool = False
    # The parameters' names as a set, made once: every call's are checked against them.
    names: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    @names.default
    def _names(self) -> frozenset[str]:
        return frozenset(self.params)

    async def __call__(self, conn: Any, **params: Any) -> Any:
        """Run the statement on a connection or pool with exactly its named parameters."""
        if params.keys() != self.names:
            missing = sorted(set(self.params) - params.keys())
            extra = sorted(params.keys() - set(self.params))
            raise TypeError(f"query {self.name}: missing {missing}, unexpected {extra}")
        args = [params[name] for name in self.params]
        if self.kept:
            # A pool hands over its sibling whose sessions keep plans (crm.availability); a
            # transaction's connection runs the statement as it is, planned for its values.
            conn = getattr(conn, "kept", conn)
        if self.kind == "^":
            return await conn.fetchrow(self.sql, *args)
        if self.kind == "$":
            return await conn.fetchval(self.sql, *args)
        if self.kind == "!":
            return await conn.execute(self.sql, *args)
        return await conn.fetch(self.sql, *args)

    def stream(self, conn: Any, *, prefetch: int = 1000, **params: Any) -> Any:
        """The rows through a server-side cursor, `prefetch` at a time (inside a transaction)."""
        if params.keys() != self.names:
            raise TypeError(
                f"query {self.name}: parameters {sorted(params)} != {list(self.params)}"
            )
        return conn.cursor(self.sql, *[params[name] for name in self.params], prefetch=prefetch)


class Queries:
    """All queries by name: `await queries.get_user(conn, id=1)`."""

    def __init__(self, queries: dict[str, Query]) -> None:
        self._queries = queries
        # Each query an attribute of its own: found by the usual look-up, which failed first
        # (an AttributeError made and caught inside) on every call that reached __getattr__.
        self.__dict__.update(queries)

    def __getattr__(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"no query named {name!r} in sql/") from None

    def __getitem__(self, name: str) -> Query:
        return self._queries[name]

    def __contains__(self, name: str) -> bool:
        return name in self._queries

    def __iter__(self) -> Any:
        return iter(self._queries.values())


def load_queries(directory: Path = SQL_DIR) -> Queries:
    """Load every *.sql file in `directory`; a malformed file or duplicate name raises."""
    found: dict[str, Query] = {}
    files = sorted(directory.glob("*.sql"))
    if not files:
        raise QueryFileError(f"no .sql files in {directory}")
    for path in files:
        for query in parse_file(path.read_text(encoding="utf-8"), path.name):
            if query.name in found:
                other = found[query.name].source
                raise QueryFileError(
                    f"{path.name}: query {query.name!r} already defined in {other}"
                )
            found[query.name] = query
    return Queries(found)


def parse_file(text: str, source: str) -> list[Query]:
    """Split one file into its named queries."""
    queries: list[Query] = []
    header: str | None = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _NAME_LINE.match(line.strip())
        if match:
            if header is not None:
                queries.append(_build(header, lines, source))
            header, lines = f"{match['name']}@{number}", []
        elif header is None:
            if line.strip() and not line.lstrip().startswith("--"):
                raise QueryFileError(f"{source}:{number}: SQL before the first '-- name:' line")
        else:
            lines.append(line)
    if header is not None:
        queries.append(_build(header, lines, source))
    if not queries:
        raise QueryFileError(f"{source}: no '-- name:' queries")
    return queries


def _build(header: str, lines: list[str], source: str) -> Query:
    raw_name, _, line = header.rpartition("@")
    where = f"{source}:{line}"
    match = _NAME.match(raw_name)
    if not match:
        raise QueryFileError(f"{where}: bad query name {raw_name!r} (snake_case, suffix ^ $ !)")
    doc_lines = []
    kept = False
    while lines and lines[0].lstrip().startswith("--"):
        doc_line = lines.pop(0).lstrip()[2:].strip()
        if doc_line == KEPT_MARK:
            kept = True
        else:
            doc_lines.append(doc_line)
    body = "\n".join(lines).strip()
    if not doc_lines or not doc_lines[0]:
        raise QueryFileError(f"{where}: query {match['base']!r} needs a one-line '--' description")
    if not body:
        raise QueryFileError(f"{where}: query {match['base']!r} has no SQL")
    sql, params = convert_params(body, where)
    return Query(match["base"], match["kind"], " ".join(doc_lines), sql, params, source, kept)


def convert_params(sql: str, where: str = "") -> tuple[str, tuple[str, ...]]:
    """Rewrite `:name` to `$n`, leaving strings, quoted names, comments and `::casts` alone."""
    out: list[str] = []
    params: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"":
            end = sql.find(char, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == char:
                end = sql.find(char, end + 2)
            if end == -1:
                raise QueryFileError(f"{where}: unterminated {char} quote")
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("::", i):
            out.append("::")
            i += 2
        elif char == ":" and (match := _IDENT.match(sql, i + 1)):
            name = match.group()
            if name not in params:
                params.append(name)
            out.append(f"${params.index(name) + 1}")
            i = match.end()
        elif char == "$" and i + 1 < n and sql[i + 1].isdigit():
            raise QueryFileError(f"{where}: use :named parameters, not positional ${sql[i + 1]}")
        else:
            out.append(char)
            i += 1
    return "".join(out), tuple(params)

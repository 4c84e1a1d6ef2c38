"""Ticket search: user text to a safe tsquery with prefix matching, and to a serial prefix."""

from __future__ import annotations

import re
from collections.abc import Hashable

# Letters and digits only: tsquery operators, quotes and punctuation can never reach the parser.
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
# What a serial number or IMEI is compared without: case, whitespace and dashes (as the SQL
# expression of tickets_device_serial_idx).
_SERIAL_NOISE = re.compile(r"[\s-]+")
_DIGIT = re.compile(r"\d")


def title_query(text: str | None) -> str | None:
    """`стир маш` → `стир:* & маш:*`: every word required, each matched as a prefix of a stem."""
    if not text:
        return None
    words = _WORD.findall(text.lower())[:MAX_WORDS]
    return " & ".join(f"{word}:*" for word in words) or None


def serial_prefix(text: str | None) -> str | None:
    """`SN 12-34` → `sn1234%`: a LIKE pattern for serials starting so (wildcards literal).

    Only for text with a digit, as every serial number and IMEI has: a plain word is a title
    search. Matching words against serials too cost a million-ticket shop 100 ms a search,
    since no index can answer "title word or serial prefix" for a word found in every sixth title.
    """
    if not text or not _DIGIT.search(text):
        return None
    key = _SERIAL_NOISE.sub("", text.lower())
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Estimates:
    """How many tickets a title search matches, as PostgreSQL's statistics estimate it, and the
    table's row count then: what newest_search decides by (count the total or not, walk the
    newest first or read the title index).

    Estimating is planning a statement on tickets, a sixth of a search's cost. The function
    takes a kept estimate back while the row count is the same (every ANALYZE sets it anew),
    so a process never decides on statistics older than the table's. The `size` most recently
    kept are kept.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._kept: dict[Hashable, tuple[float, float]] = {}

    def get(self, key: Hashable) -> tuple[float | None, float | None]:
        """(matches, tuples) kept for `key`, or (None, None)."""
        return self._kept.get(key, (None, None))

    def put(self, key: Hashable, matches: float, tuples: float) -> None:
        """Keep what a search of `key` was estimated with."""
        self._kept.pop(key, None)
        self._kept[key] = (matches, tuples)
        if len(self._kept) > self._size:
            del self._kept[next(iter(self._kept))]

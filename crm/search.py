"""Ticket title search: user text to a safe PostgreSQL tsquery with prefix matching."""

from __future__ import annotations

import re

# Letters and digits only: tsquery operators, quotes and punctuation can never reach the parser.
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8


def title_query(text: str | None) -> str | None:
    """`стир маш` → `стир:* & маш:*`: every word required, each matched as a prefix of a stem."""
    if not text:
        return None
    words = _WORD.findall(text.lower())[:MAX_WORDS]
    return " & ".join(f"{word}:*" for word in words) or None

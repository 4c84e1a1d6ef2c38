"""Ticket search: user text to a safe tsquery with prefix matching, and to a serial prefix."""

from __future__ import annotations

import re

# Letters and digits only: tsquery operators, quotes and punctuation can never reach the parser.
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
# What a serial number or IMEI is compared without: case, whitespace and dashes (as the SQL
# expression of tickets_device_serial_idx).
_SERIAL_NOISE = re.compile(r"[\s-]+")


def title_query(text: str | None) -> str | None:
    """`стир маш` → `стир:* & маш:*`: every word required, each matched as a prefix of a stem."""
    if not text:
        return None
    words = _WORD.findall(text.lower())[:MAX_WORDS]
    return " & ".join(f"{word}:*" for word in words) or None


def serial_prefix(text: str | None) -> str | None:
    """`SN 12-34` → `sn1234%`: a LIKE pattern for serials starting so (wildcards literal)."""
    if not text:
        return None
    key = _SERIAL_NOISE.sub("", text.lower())
    if not _WORD.search(key):
        return None  # nothing searchable (only punctuation): no filter, as for titles
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

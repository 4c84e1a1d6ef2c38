"""The customer's language for e-mails, from the Accept-Language of their request."""

from __future__ import annotations

SUPPORTED = ("ru", "en")
DEFAULT = "ru"


def customer_language(header: str | None) -> str:
    """`en` when English is preferred over Russian (by q, then order), else `ru`."""
    best, best_q = DEFAULT, -1.0
    for part in (header or "")[:500].split(","):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-", 1)[0]
        if language not in SUPPORTED:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q and q > 0:
            best, best_q = language, q
    return best

"""`crm serve` with the outbox write replaced by nothing: the "without" side of the outbox bench."""

from __future__ import annotations

import sys
from typing import Any

from crm import cli
from crm.changes import tickets as changes
from crm.handlers import public, tickets


async def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


# Each caller imported queue_event by name: replace it where it is called.
for module in (changes, public, tickets):
    module.queue_event = _nothing  # type: ignore[attr-defined]

sys.exit(cli.main(sys.argv[1:]))

"""Where the SQL files are: inside the package when installed, at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The `sql` or `migrations` folder: `crm/<name>` in a wheel, `<name>/` beside `crm/` in a
    checkout or editable install (pyproject.toml maps the top-level folders into the wheel)."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    # Loud at import: a missing migrations folder would otherwise look like "nothing to apply".
    raise FileNotFoundError(f"crm: no {name}/ folder in {_PACKAGE} or {_PACKAGE.parent}")

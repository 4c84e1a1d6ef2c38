"""Where the files that ship beside the code are: inside the package when installed, at the top
of a checkout or editable install (pyproject.toml maps the top-level files into the wheel)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str, *, packaged_as: str | None = None) -> Path:
    """`crm/<packaged_as or name>` in a wheel, `<name>` beside `crm/` in a checkout."""
    for candidate in (_PACKAGE / (packaged_as or name), _PACKAGE.parent / name):
        if candidate.exists():
            return candidate
    # Loud at import: a missing migrations folder would otherwise look like "nothing to apply".
    raise FileNotFoundError(f"crm: no {name} in {_PACKAGE} or {_PACKAGE.parent}")


SQL_DIR = data_path("sql")
# Loaded only by `crm demo-data`, never by the serving app.
DEMO_SQL_DIR = SQL_DIR / "demo"
MIGRATIONS_DIR = data_path("migrations")
OPENAPI_PATH = data_path("openapi.yaml", packaged_as="contract/openapi.yaml")

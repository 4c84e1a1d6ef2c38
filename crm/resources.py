"""Where the files that ship beside the code live: SQL, migrations and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "sql"
MIGRATIONS_DIR = ROOT / "migrations"
OPENAPI_PATH = ROOT / "openapi.yaml"

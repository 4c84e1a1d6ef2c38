"""Configuration: one frozen attrs class, read from an injectable environment mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import attrs

# The original description's placeholder, refused outside ENV=local.
DEFAULT_JWT_SECRET = "change_me_in_prod"  # noqa: S105
MIN_SECRET_BYTES = 32


class ConfigError(Exception):
    """A configuration value is missing or invalid; the message names the variable."""


@attrs.frozen
class Settings:
    """Everything the service reads from its environment, validated once at start."""

    jwt_secret: str
    database_url: str | None = None
    database_read_url: str | None = None
    jwt_expires: int = 3600
    env: str = "local"
    host: str = "127.0.0.1"
    port: int = 8000
    # Processes `crm serve` starts on one port: one per core scales a single host.
    web_workers: int = 1
    data_dir: Path = Path(".crm")
    # The embedded database's extra TCP port on 127.0.0.1 (CRM_PG_PORT); None: socket only.
    pg_port: int | None = None
    pool_min_size: int = 2
    pool_max_size: int = 10
    # PgBouncer in transaction mode cannot keep prepared statements across transactions.
    statement_cache_size: int = 100
    max_body_bytes: int = 1024 * 1024
    # argon2id cost; RFC 9106's second recommended option by default.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # Notifications (crm/notify): where e-mail goes, what links point at, how deliveries retry.
    smtp_url: str | None = None
    smtp_from: str = "Repair CRM <noreply@localhost>"
    public_base_url: str | None = None
    deliver_in_serve: bool = True
    outbox_retry_base_seconds: float = 60.0
    outbox_retry_max_seconds: float = 6 * 3600.0
    outbox_max_attempts: int = 12
    outbox_batch_size: int = 100
    outbox_concurrency: int = 20
    webhook_timeout_seconds: float = 10.0

    @property
    def base_url(self) -> str:
        """Where customers' links point: PUBLIC_BASE_URL, else this server's own address."""
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def is_local(self) -> bool:
        """Whether this is a developer's machine, where registration is open."""
        return self.env == "local"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read and validate the settings; raise ConfigError naming the first bad variable."""
        env = environ.get("ENV", "local").strip() or "local"
        data_dir = Path(environ.get("CRM_DATA_DIR", ".crm"))
        return cls(
            jwt_secret=_jwt_secret(environ.get("JWT_SECRET"), env, data_dir),
            database_url=_database_url("DATABASE_URL", environ.get("DATABASE_URL")),
            database_read_url=_database_url("DATABASE_READ_URL", environ.get("DATABASE_READ_URL")),
            jwt_expires=_int(environ, "JWT_EXPIRES", 3600, 60, 30 * 24 * 3600),
            env=env,
            host=environ.get("HOST", "127.0.0.1"),
            port=_int(environ, "PORT", 8000, 1, 65535),
            web_workers=_int(environ, "WEB_WORKERS", 1, 1, 256),
            data_dir=data_dir,
            pg_port=_int(environ, "CRM_PG_PORT", 0, 1, 65535) or None,
            pool_min_size=_int(environ, "DB_POOL_MIN_SIZE", 2, 0, 1000),
            pool_max_size=_int(environ, "DB_POOL_MAX_SIZE", 10, 1, 1000),
            statement_cache_size=_int(environ, "DB_STATEMENT_CACHE_SIZE", 100, 0, 10000),
            smtp_url=_smtp_url(environ.get("SMTP_URL")),
            smtp_from=environ.get("SMTP_FROM", "").strip() or "Repair CRM <noreply@localhost>",
            public_base_url=_http_url("PUBLIC_BASE_URL", environ.get("PUBLIC_BASE_URL")),
            deliver_in_serve=_flag(environ, "OUTBOX_IN_SERVE", True),
            outbox_retry_base_seconds=_int(environ, "OUTBOX_RETRY_BASE_SECONDS", 60, 1, 86400),
            outbox_retry_max_seconds=_int(environ, "OUTBOX_RETRY_MAX_SECONDS", 21600, 1, 604800),
            outbox_max_attempts=_int(environ, "OUTBOX_MAX_ATTEMPTS", 12, 1, 100),
            webhook_timeout_seconds=_int(environ, "WEBHOOK_TIMEOUT_SECONDS", 10, 1, 120),
        )


def _int(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw not in ("1", "0", "true", "false", "yes", "no"):
        raise ConfigError(f"{name} must be true or false, got {raw!r}")
    return raw in ("1", "true", "yes")


def _smtp_url(raw: str | None) -> str | None:
    if raw is None or raw.strip() == "":
        return None
    scheme, sep, rest = raw.strip().partition("://")
    if not sep or scheme not in ("smtp", "smtps") or not rest.rpartition("@")[2].strip("/"):
        raise ConfigError("SMTP_URL must look like smtp://user:password@host:587 (or smtps://)")
    return raw.strip()


def _http_url(name: str, raw: str | None) -> str | None:
    if raw is None or raw.strip() == "":
        return None
    if not raw.strip().startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http:// or https:// URL, got {raw!r}")
    return raw.strip()


def _database_url(name: str, raw: str | None) -> str | None:
    if raw is None or raw.strip() == "":
        return None
    scheme, sep, rest = raw.strip().partition("://")
    if not sep:
        raise ConfigError(f"{name} must be a postgresql:// URL, got {raw!r}")
    # The SQLAlchemy form (postgresql+asyncpg) names its driver; asyncpg wants the plain scheme.
    if scheme not in ("postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg"):
        raise ConfigError(f"{name} must be a postgresql:// URL, got scheme {scheme!r}")
    return f"postgresql://{rest}"


def _jwt_secret(raw: str | None, env: str, data_dir: Path) -> str:
    if env != "local":
        if not raw:
            raise ConfigError(f"JWT_SECRET is required when ENV={env}")
        if raw == DEFAULT_JWT_SECRET:
            raise ConfigError(f"JWT_SECRET is the example default; set a real secret for ENV={env}")
        if len(raw.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes for ENV={env}")
        return raw
    return raw or _local_secret(data_dir)


def _local_secret(data_dir: Path) -> str:
    """A random per-checkout secret kept in the data folder, so tokens survive restarts."""
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secret)
    return secret

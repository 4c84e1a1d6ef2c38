"""Configuration: one frozen attrs class, read from an injectable environment mapping."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import attrs

# The original description's placeholder, refused outside ENV=local.
DEFAULT_JWT_SECRET = "change_me_in_prod"  # noqa: S105
MIN_SECRET_BYTES = 32


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@attrs.frozen
class Limit:
    """At most `count` hits per `seconds`, per subject; a count of 0 turns the limit off."""

    count: int
    seconds: int


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
    # Seconds to connect to PostgreSQL, to wait for a pooled connection, and to run a statement.
    db_connect_timeout: float = 5.0
    db_acquire_timeout: float = 5.0
    db_statement_timeout: float = 10.0
    # Slow clients hold a connection and a task: a request's headers and its body must arrive
    # within these many seconds.
    header_read_timeout: float = 10.0
    body_read_timeout: float = 30.0
    # `text` or `json`: the shape of every log line, the access log included.
    log_format: str = "text"
    # Origins (scheme://host[:port]) whose pages may call the API from a browser; none by default.
    cors_origins: tuple[str, ...] = ()
    # Proxies whose X-Forwarded-For, -Proto and -Host are believed; nobody's by default.
    trusted_proxies: tuple[Network, ...] = ()
    # Abuse limits, counted in PostgreSQL so every process and machine shares them.
    public_ticket_limit: Limit = Limit(20, 3600)
    public_comment_limit: Limit = Limit(30, 3600)
    login_address_limit: Limit = Limit(30, 900)
    login_account_limit: Limit = Limit(10, 900)
    # argon2 threads per process, and how many checks one client address may have running or
    # queued at once: fewer than the threads, so one address never holds them all.
    password_threads: int = 2
    password_checks_per_address: int = 1
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

    def __attrs_post_init__(self) -> None:
        if self.password_checks_per_address >= self.password_threads:
            raise ConfigError(
                "PASSWORD_CHECKS_PER_ADDRESS must be less than PASSWORD_THREADS, so one address"
                " cannot hold every password check"
            )

    @property
    def is_local(self) -> bool:
        """Whether this is a developer's machine, where registration is open."""
        return self.env == "local"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read and validate the settings; raise ConfigError naming the first bad variable."""
        env = _env(environ.get("ENV"))
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
            db_connect_timeout=_int(environ, "DB_CONNECT_TIMEOUT", 5, 1, 600),
            db_acquire_timeout=_int(environ, "DB_ACQUIRE_TIMEOUT", 5, 1, 600),
            db_statement_timeout=_int(environ, "DB_STATEMENT_TIMEOUT", 10, 1, 3600),
            header_read_timeout=_int(environ, "HTTP_HEADER_TIMEOUT", 10, 1, 3600),
            body_read_timeout=_int(environ, "HTTP_BODY_TIMEOUT", 30, 1, 3600),
            log_format=_choice(environ, "LOG_FORMAT", ("text", "json")),
            cors_origins=_origins(environ.get("CORS_ORIGINS", "")),
            trusted_proxies=_networks(environ.get("TRUSTED_PROXIES", "")),
            public_ticket_limit=_limit(environ, "LIMIT_PUBLIC_TICKETS", Limit(20, 3600)),
            public_comment_limit=_limit(environ, "LIMIT_PUBLIC_COMMENTS", Limit(30, 3600)),
            login_address_limit=_limit(environ, "LIMIT_LOGIN_FAILURES_ADDRESS", Limit(30, 900)),
            login_account_limit=_limit(environ, "LIMIT_LOGIN_FAILURES_ACCOUNT", Limit(10, 900)),
            password_threads=_int(environ, "PASSWORD_THREADS", 2, 2, 64),
            password_checks_per_address=_int(environ, "PASSWORD_CHECKS_PER_ADDRESS", 1, 1, 63),
            smtp_url=_smtp_url(environ.get("SMTP_URL")),
            smtp_from=environ.get("SMTP_FROM", "").strip() or "Repair CRM <noreply@localhost>",
            public_base_url=_http_url("PUBLIC_BASE_URL", environ.get("PUBLIC_BASE_URL")),
            deliver_in_serve=_flag(environ, "OUTBOX_IN_SERVE", True),
            outbox_retry_base_seconds=_int(environ, "OUTBOX_RETRY_BASE_SECONDS", 60, 1, 86400),
            outbox_retry_max_seconds=_int(environ, "OUTBOX_RETRY_MAX_SECONDS", 21600, 1, 604800),
            outbox_max_attempts=_int(environ, "OUTBOX_MAX_ATTEMPTS", 12, 1, 100),
            webhook_timeout_seconds=_int(environ, "WEBHOOK_TIMEOUT_SECONDS", 10, 1, 120),
        )


def _env(raw: str | None) -> str:
    # A blank ENV is a mistake (an empty line in .env, a typo in a manifest), not a wish for
    # the developer mode: refuse it, so an open registration never reaches the internet.
    if raw is None:
        return "local"
    if not raw.strip():
        raise ConfigError("ENV is set but blank; set ENV=production (or ENV=local on a laptop)")
    return raw.strip()


def _limit(environ: Mapping[str, str], name: str, default: Limit) -> Limit:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    count, sep, seconds = raw.partition("/")
    if not (
        sep and count.isascii() and count.isdigit() and seconds.isascii() and seconds.isdigit()
    ):
        raise ConfigError(f"{name} must be COUNT/SECONDS, e.g. 20/3600, got {raw!r}")
    if not (0 <= int(count) <= 1_000_000 and 1 <= int(seconds) <= 86400):
        raise ConfigError(f"{name}: COUNT must be 0 to 1000000 and SECONDS 1 to 86400, got {raw!r}")
    return Limit(int(count), int(seconds))


def _choice(environ: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    raw = environ.get(name, "").strip() or allowed[0]
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(item.strip().rstrip("/") for item in raw.split(",") if item.strip())
    for origin in origins:
        scheme, sep, host = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not host or "/" in host:
            raise ConfigError(
                f"CORS_ORIGINS entries must look like https://shop.example, got {origin!r}"
            )
    return origins


def _networks(raw: str) -> tuple[Network, ...]:
    try:
        return tuple(
            ipaddress.ip_network(i.strip(), strict=False) for i in raw.split(",") if i.strip()
        )
    except ValueError as exc:
        raise ConfigError(f"TRUSTED_PROXIES must list addresses or CIDR networks: {exc}") from None


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

"""Configuration: valid environments start, invalid ones fail with a line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.settings import ConfigError, Settings

LONG_SECRET = "x" * 32


def test_defaults_on_a_local_machine(tmp_path: Path) -> None:
    settings = Settings.from_env({"CRM_DATA_DIR": str(tmp_path)})
    assert (settings.env, settings.host, settings.port, settings.jwt_expires) == (
        "local",
        "127.0.0.1",
        8000,
        3600,
    )
    assert settings.database_url is None
    # The local secret is random, kept in the data folder, and stable across restarts.
    assert len(settings.jwt_secret) >= 32
    assert Settings.from_env({"CRM_DATA_DIR": str(tmp_path)}).jwt_secret == settings.jwt_secret
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o777 == 0o600


def test_sqlalchemy_style_database_url_is_accepted() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql+asyncpg://postgres:postgres@db:5432/repair_db",
            "JWT_SECRET": "s",
        }
    )
    assert settings.database_url == "postgresql://postgres:postgres@db:5432/repair_db"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"JWT_EXPIRES": "soon"}, "JWT_EXPIRES must be a whole number, got 'soon'"),
        ({"JWT_EXPIRES": "0"}, "JWT_EXPIRES must be between 60 and 2592000, got 0"),
        ({"PORT": "70000"}, "PORT must be between 1 and 65535, got 70000"),
        (
            {"DATABASE_URL": "mysql://x"},
            "DATABASE_URL must be a postgresql:// URL, got scheme 'mysql'",
        ),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL must be a postgresql:// URL, got 'nonsense'"),
        ({"ENV": "production"}, "JWT_SECRET is required when ENV=production"),
        (
            {"LIMIT_PUBLIC_TICKETS": "20"},
            "LIMIT_PUBLIC_TICKETS must be COUNT/SECONDS, e.g. 20/3600, got '20'",
        ),
        (
            {"LIMIT_LOGIN_FAILURES_ACCOUNT": "5/0"},
            "LIMIT_LOGIN_FAILURES_ACCOUNT: COUNT must be 0 to 1000000 and SECONDS 1 to 86400,"
            " got '5/0'",
        ),
        (
            {"CORS_ORIGINS": "*"},
            "CORS_ORIGINS entries must look like https://shop.example, got '*'",
        ),
        (
            {"TRUSTED_PROXIES": "10.0.0.0/8, proxy"},
            "TRUSTED_PROXIES must list addresses or CIDR networks:"
            " 'proxy' does not appear to be an IPv4 or IPv6 network",
        ),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of text, json, got 'xml'"),
        (
            {"PASSWORD_THREADS": "2", "PASSWORD_CHECKS_PER_ADDRESS": "2"},
            "PASSWORD_CHECKS_PER_ADDRESS must be less than PASSWORD_THREADS,"
            " so one address cannot hold every password check",
        ),
        ({"ENV": ""}, "ENV is set but blank; set ENV=production (or ENV=local on a laptop)"),
        ({"ENV": "  "}, "ENV is set but blank; set ENV=production (or ENV=local on a laptop)"),
        (
            {"ENV": "production", "JWT_SECRET": "change_me_in_prod"},
            "JWT_SECRET is the example default; set a real secret for ENV=production",
        ),
        (
            {"ENV": "staging", "JWT_SECRET": "short"},
            "JWT_SECRET must be at least 32 bytes for ENV=staging",
        ),
    ],
)
def test_invalid_settings_name_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"JWT_SECRET": "dev", **environ} if "ENV" not in environ else environ)
    assert str(caught.value) == message


def test_operations_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "JWT_SECRET": "dev",
            "LIMIT_PUBLIC_TICKETS": "5/60",
            "LIMIT_LOGIN_FAILURES_ADDRESS": "0/60",
            "CORS_ORIGINS": "https://shop.example/, http://localhost:3000",
            "TRUSTED_PROXIES": "10.0.0.0/8, ::1",
            "LOG_FORMAT": "json",
            "HTTP_HEADER_TIMEOUT": "5",
        }
    )
    assert (settings.public_ticket_limit.count, settings.public_ticket_limit.seconds) == (5, 60)
    assert settings.login_address_limit.count == 0  # off
    assert settings.cors_origins == ("https://shop.example", "http://localhost:3000")
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "::1/128"]
    assert (settings.log_format, settings.header_read_timeout) == ("json", 5)


def test_production_with_a_real_secret_starts() -> None:
    settings = Settings.from_env({"ENV": "production", "JWT_SECRET": LONG_SECRET, "PORT": "9000"})
    assert (settings.is_local, settings.port, settings.jwt_secret) == (False, 9000, LONG_SECRET)


def test_notification_settings_are_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CRM_DATA_DIR": str(tmp_path),
            "SMTP_URL": "smtp://crm:p%40ss@mail.example.com:587",
            "SMTP_FROM": "Мастерская <crm@shop.example>",
            "PUBLIC_BASE_URL": "https://crm.shop.example/",
            "OUTBOX_IN_SERVE": "false",
            "OUTBOX_RETRY_BASE_SECONDS": "30",
            "OUTBOX_RETRY_MAX_SECONDS": "3600",
            "OUTBOX_MAX_ATTEMPTS": "5",
            "WEBHOOK_TIMEOUT_SECONDS": "3",
        }
    )
    assert (settings.smtp_url, settings.smtp_from, settings.base_url) == (
        "smtp://crm:p%40ss@mail.example.com:587",
        "Мастерская <crm@shop.example>",
        "https://crm.shop.example",
    )
    assert (settings.deliver_in_serve, settings.outbox_max_attempts) == (False, 5)
    assert (settings.outbox_retry_base_seconds, settings.outbox_retry_max_seconds) == (30, 3600)
    assert settings.webhook_timeout_seconds == 3
    defaults = Settings.from_env({"CRM_DATA_DIR": str(tmp_path), "PORT": "8080"})
    assert (defaults.smtp_url, defaults.deliver_in_serve) == (None, True)
    assert defaults.base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SMTP_URL", "mail.example.com:587",
         "SMTP_URL must look like smtp://user:password@host:587 (or smtps://)"),
        ("SMTP_URL", "http://mail.example.com",
         "SMTP_URL must look like smtp://user:password@host:587 (or smtps://)"),
        ("PUBLIC_BASE_URL", "crm.example.com",
         "PUBLIC_BASE_URL must be an http:// or https:// URL, got 'crm.example.com'"),
        ("OUTBOX_IN_SERVE", "maybe", "OUTBOX_IN_SERVE must be true or false, got 'maybe'"),
        ("OUTBOX_MAX_ATTEMPTS", "0", "OUTBOX_MAX_ATTEMPTS must be between 1 and 100, got 0"),
    ],
)  # fmt: skip
def test_bad_notification_settings_name_the_variable(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"CRM_DATA_DIR": str(tmp_path), name: value})
    assert str(error.value) == message

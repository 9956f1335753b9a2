"""Migrations that act on PostgreSQL only reverse and apply again on either
database. Django's ``TrigramExtension`` (pro_portal 0008) looked
``pg_extension`` up on SQLite when reversed; the embedded default (SQLite) is
checked in a scratch database of its own, whatever database the suite runs
on, and the suite's own database (PostgreSQL in CI) in place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_NAME_INDEX = ("pro_portal", "0007_organisation_region")
LATEST = ("pro_portal", "0009_patient_organisation_name_trigram")


def _migrate(database_url: str, *target: str) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DATABASE_URL": database_url,
        "PRO_PORTAL_TESTING": "true",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", *target, "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_the_name_index_migrations_reverse_and_apply_again_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
    _migrate(url)
    _migrate(url, *BEFORE_NAME_INDEX)
    _migrate(url)


@pytest.mark.django_db(transaction=True)
def test_the_name_index_migrations_reverse_and_apply_again_here() -> None:
    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            return set(connection.introspection.get_constraints(cursor, "pro_portal_patient"))

    MigrationExecutor(connection).migrate([BEFORE_NAME_INDEX])
    assert "patient_organisation_name_trgm" not in indexes()
    MigrationExecutor(connection).migrate([LATEST])
    on_postgresql = connection.vendor == "postgresql"
    assert ("patient_organisation_name_trgm" in indexes()) is on_postgresql

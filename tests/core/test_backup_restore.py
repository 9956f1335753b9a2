"""A backup restores: pg_dump of the database, pg_restore into a new one, and
the clinician's summary renders from it (README, "Retention and backup").

PostgreSQL only, and only where pg_dump and pg_restore are installed (Debian's
postgresql-client) at the server's major version or newer: an older pg_dump
refuses a newer server.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from pro_portal.models import AuditEvent
from questionnaires.library import LIBRARY_DIR, read_definition
from tests import factories
from tests.needs import needs

CHRONIC_PAIN = read_definition(LIBRARY_DIR / "chronic_pain/1.0.0.yaml")
RED_FLAG = next(v for v in CHRONIC_PAIN["test_vectors"] if v["id"] == "red_flag_bladder_bowel_red")

pytestmark = [
    pytest.mark.django_db(transaction=True),  # pg_dump sees committed rows only
    pytest.mark.postgresql,  # pg_dump is PostgreSQL's
]


@pytest.fixture(autouse=True)
def _pg_tools() -> None:
    needs(
        bool(shutil.which("pg_dump") and shutil.which("pg_restore")),
        "pg_dump and pg_restore are not installed (Debian: postgresql-client)",
    )


def _major(version: str) -> int:
    """12 from 'pg_dump (PostgreSQL) 12.3 (Debian …)'."""
    found = re.search(r"\(PostgreSQL\) (\d+)", version)
    assert found, version
    return int(found.group(1))


def _client_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGHOST": db["HOST"] or "", "PGPORT": str(db["PORT"] or "5432")}
    env["PGUSER"] = db["USER"] or ""
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(*command: str) -> None:
    done = subprocess.run(command, env=_client_env(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command[0]} failed: {done.stderr}"


@contextmanager
def _scratch_database() -> Iterator[str]:
    """An empty database, dropped afterwards whatever happens."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    params = {
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "dbname": "postgres",
    }
    if db["PASSWORD"]:
        params["password"] = db["PASSWORD"]
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _site_reads(database: str) -> Iterator[None]:
    """The site's default connection points at ``database`` for the block."""
    real = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = database
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = real


def test_pg_dump_matches_the_server() -> None:
    """pg_dump refuses a server newer than itself; README asks for the server's version."""
    dump = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=True)
    server = connection.pg_version // 10000
    assert _major(dump.stdout) >= server, (
        f"{dump.stdout.strip()} cannot dump a PostgreSQL {server} server: "
        f"install postgresql-client-{server}"
    )


def test_a_dump_restored_into_a_new_database_renders_the_summary(
    personas, client, tmp_path: Path, settings
) -> None:
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    version = factories.published_version("chronic_pain")
    response = factories.submitted(personas.patient, version, RED_FLAG["answers"])
    dumped_events = AuditEvent.objects.count()
    archive = tmp_path / "pro_portal.dump"
    _run("pg_dump", "-Fc", "--file", str(archive), connection.settings_dict["NAME"])

    with _scratch_database() as restored:
        _run("pg_restore", "--exit-on-error", "--dbname", restored, str(archive))
        with _site_reads(restored):
            assert AuditEvent.objects.count() == dumped_events
            client.force_login(personas.clinician)
            summary = client.get(f"/responses/{response.public_id}/")
            assert summary.status_code == 200
            html = summary.content.decode()
            assert "overall-red" in html
            assert "pain_red_flags" in html  # the stored result, with its reason
            # The CPR number decrypts: the keys and the encrypted column survived.
            page = client.get(f"/patients/{personas.patient.public_id}/").content.decode()
            assert personas.patient.cpr_formatted in page
        assert not AuditEvent.objects.filter(action="summary.view").exists()  # read over there

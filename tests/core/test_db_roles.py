"""The site's PostgreSQL role cannot change or remove audit rows (manage.py db_roles).

As a superuser, TRUNCATE, ``ALTER TABLE … DISABLE TRIGGER`` and
``session_replication_role = replica`` all get past the append-only trigger.
Production runs the site as a role that holds no such power; here the roles
``db_roles`` creates are put to each of the five ways.

Roles are cluster-wide. These tests create theirs with names unique to the
run inside the test's transaction, which pytest-django rolls back: the roles,
grants and ownership changes vanish with it, even if the test fails.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from pro_portal.audit import audit_record
from pro_portal.models import AuditEvent

AUDIT = AuditEvent._meta.db_table

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql,  # database roles are PostgreSQL's
    # Roles belong to the whole cluster, not to one test database: the two test
    # processes (scripts/test.sh) never create them at the same time.
    pytest.mark.xdist_group("postgresql-roles"),
]


class Roles:
    def __init__(self) -> None:
        suffix = uuid.uuid4().hex[:12]
        self.owner = f"test_owner_{suffix}"
        self.site = f"test_site_{suffix}"


@pytest.fixture
def roles() -> Roles:
    created = Roles()
    call_command("db_roles", owner=created.owner, site=created.site, apply=True)
    return created


def _as(role: str, statement: str) -> None:
    """Run ``statement`` as ``role`` in a savepoint (SET LOCAL ends with it)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')
        cursor.execute(statement)


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE pro_portal_auditevent SET action = 'changed'", "permission denied for table"),
        ("DELETE FROM pro_portal_auditevent", "permission denied for table"),
        ("TRUNCATE pro_portal_auditevent", "permission denied for table"),
        ("ALTER TABLE pro_portal_auditevent DISABLE TRIGGER ALL", "must be owner of table"),
        ("SET session_replication_role = replica", "permission denied to set parameter"),
    ],
    ids=["update", "delete", "truncate", "disable-trigger", "replication-role"],
)
def test_the_site_role_cannot_change_or_remove_audit_rows(
    roles: Roles, statement: str, refusal: str
) -> None:
    event = audit_record(action="patient.view", detail={"n": 1})
    with pytest.raises(DatabaseError, match=refusal):
        _as(roles.site, statement)
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.view"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE scoring_scoringresult SET overall = 'green'",
        "DELETE FROM scoring_scoringresult",
        "TRUNCATE scoring_scoringresult",
    ],
    ids=["update", "delete", "truncate"],
)
def test_the_site_role_cannot_change_or_remove_a_stored_result(
    roles: Roles, personas, statement: str
) -> None:
    """What the engine decided at submit stays as stored: the site may add
    results (a submit, a rescoring) and read them, nothing else."""
    from questionnaires.models import ScoringResult
    from tests import factories

    response = factories.submitted(
        personas.patient, factories.published_version("phq9"), factories.PHQ9_RED
    )
    with pytest.raises(DatabaseError, match="permission denied for table"):
        _as(roles.site, statement)
    assert ScoringResult.objects.get(response=response).overall == "red"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{roles.site}"')
        assert ScoringResult.objects.filter(response=response).exists()


def test_the_site_role_adds_and_reads_audit_rows_and_uses_other_tables(roles: Roles) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{roles.site}"')
        event = audit_record(action="patient.view")
        assert AuditEvent.objects.filter(pk=event.pk).exists()
        cursor.execute("UPDATE pro_portal_organisation SET name = name")
        cursor.execute("DELETE FROM pro_portal_outboxmessage")


def test_the_owner_can_still_truncate_so_test_flushes_work(roles: Roles) -> None:
    audit_record(action="patient.view")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{roles.owner}"')
        cursor.execute("TRUNCATE pro_portal_auditevent")
        assert not AuditEvent.objects.exists()


def test_the_command_prints_the_sql_without_running_it(capsys: pytest.CaptureFixture[str]) -> None:
    names = Roles()
    call_command("db_roles", owner=names.owner, site=names.site)
    printed = capsys.readouterr().out
    assert f'GRANT SELECT, INSERT ON TABLE "{AUDIT}" TO "{names.site}";' in printed
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", [names.site])
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize(
    ("owner", "site", "message"),
    [
        ("pp_owner", "pp_owner", "two different roles"),
        ("pp_owner", 'x"; DROP TABLE y; --', "not a usable role name"),
    ],
)
def test_unusable_role_names_get_a_clear_message(owner: str, site: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("db_roles", owner=owner, site=site)


def test_the_site_role_cannot_be_the_user_applying_the_sql() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_user")
        (me,) = cursor.fetchone()
    with pytest.raises(CommandError, match="is the user this command is connected as"):
        call_command("db_roles", owner=Roles().owner, site=me, apply=True)

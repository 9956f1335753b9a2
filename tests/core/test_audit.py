"""The audit log is append-only, and holds no CPR number."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from pro_portal.audit import audit_record
from pro_portal.models import AppendOnlyError, AuditEvent
from tests.factories import CANARY_CPR

pytestmark = pytest.mark.django_db


def test_an_audit_event_cannot_be_changed(personas) -> None:
    event = audit_record(action="patient.view", actor=personas.clinician, patient=personas.patient)
    event.action = "something.else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")


def test_an_audit_event_cannot_be_deleted(personas) -> None:
    event = audit_record(action="patient.view", actor=personas.clinician, patient=personas.patient)
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgresql  # the trigger is PostgreSQL's
def test_the_database_refuses_raw_updates_and_deletes(personas) -> None:
    event = audit_record(action="patient.view", actor=personas.clinician, patient=personas.patient)
    for statement in (
        "UPDATE pro_portal_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM pro_portal_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])


def test_an_audit_event_refuses_a_cpr_number_in_its_detail(personas) -> None:
    with pytest.raises(ValueError, match="CPR"):
        audit_record(
            action="patient.search", actor=personas.clinician, detail={"query": CANARY_CPR}
        )


def test_the_client_address_is_recorded_from_the_request(personas, client) -> None:
    client.force_login(personas.clinician)
    client.get(f"/patients/{personas.patient.public_id}/", REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="patient.view")
    assert event.client_address == "10.1.2.3"
    assert event.actor == personas.clinician
    assert event.patient == personas.patient


def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(
    personas, client, settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(personas.clinician)
    client.get(
        f"/patients/{personas.patient.public_id}/",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10",  # the client forged the first one
    )
    assert AuditEvent.objects.get(action="patient.view").client_address == "192.0.2.10"

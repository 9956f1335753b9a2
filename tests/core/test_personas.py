"""Personas walk every URL that shows patient data.

Each sees exactly what its role allows — anything else is a 404 (or the login
page for the anonymous), never a 403 that would confirm the patient exists —
and every allowed read writes exactly one AuditEvent for that patient.
Later features add their URLs to ``PATIENT_URLS``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pro_portal.models import AuditEvent
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

# (name, url builder, personas allowed to read it)
PATIENT_URLS: list[tuple[str, Callable[[Personas], str], set[str]]] = [
    # The reception patient page (questionnaires): identity, consultations, invitations.
    ("patient page", lambda p: f"/patients/{p.patient.public_id}/", {"clinician", "secretary"}),
]
STAFF = ["clinician", "secretary", "admin", "outsider_clinician"]


@pytest.mark.parametrize(("name", "url", "allowed"), PATIENT_URLS)
@pytest.mark.parametrize("persona", STAFF)
def test_staff_see_patient_data_only_as_their_role_allows(
    personas: Personas, client: Client, persona: str, name: str, url, allowed: set[str]
) -> None:
    client.force_login(getattr(personas, persona))
    response = client.get(url(personas))
    reads = AuditEvent.objects.filter(patient=personas.patient)
    if persona in allowed:
        assert response.status_code == 200
        assert personas.patient.name in response.content.decode()
        assert reads.count() == 1
        assert reads.get().actor == getattr(personas, persona)
    else:
        assert response.status_code == 404
        assert personas.patient.name not in response.content.decode()
        assert reads.count() == 0


@pytest.mark.parametrize(("name", "url", "allowed"), PATIENT_URLS)
def test_the_anonymous_are_sent_to_log_in_and_see_nothing(
    personas: Personas, client: Client, name: str, url, allowed: set[str]
) -> None:
    response = client.get(url(personas))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not AuditEvent.objects.exists()


def test_a_deactivated_clinician_sees_nothing(personas: Personas, client: Client) -> None:
    personas.clinician.is_active = False
    personas.clinician.save()
    client.force_login(personas.clinician)
    response = client.get(f"/patients/{personas.patient.public_id}/")
    assert response.status_code in (302, 404)
    assert not AuditEvent.objects.exists()


def test_a_malformed_patient_id_is_a_404(personas: Personas, client: Client) -> None:
    client.force_login(personas.clinician)
    assert client.get("/patients/not-a-uuid/").status_code == 404


@pytest.mark.parametrize("persona", ["clinician", "secretary"])
def test_a_patient_search_shows_own_patients_and_audits_each(
    personas: Personas, client: Client, persona: str
) -> None:
    client.force_login(getattr(personas, persona))
    page = client.post("/worklist/search/", {"query": "Kanarie"}).content.decode()
    assert personas.patient.name in page
    assert AuditEvent.objects.filter(action="patient.search", patient=personas.patient).count() == 1


def test_a_patient_search_in_another_organisation_finds_nothing(
    personas: Personas, client: Client
) -> None:
    client.force_login(personas.outsider_clinician)
    page = client.post("/worklist/search/", {"query": "Kanarie"}).content.decode()
    assert personas.patient.name not in page
    assert not AuditEvent.objects.filter(patient=personas.patient).exists()


def test_a_clinic_admin_alone_is_sent_to_the_admin_and_finds_no_patients(
    personas: Personas, client: Client
) -> None:
    client.force_login(personas.admin)
    assert client.get("/")["Location"] == "/admin/"
    page = client.post("/worklist/search/", {"query": "Kanarie"}).content.decode()
    assert personas.patient.name not in page

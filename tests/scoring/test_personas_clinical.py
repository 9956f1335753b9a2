"""Personas walk every clinical URL: only the inviting organisation's
clinicians see answers, scores and flags; each read is audited once."""

from __future__ import annotations

import pytest
from django.test import Client

from pro_portal.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db
CLINICAL_URLS = ["/responses/{id}/", "/responses/{id}/pdf"]


@pytest.fixture
def response(personas, settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path
    version = factories.published_version("phq9")
    return factories.submitted(personas.patient, version, factories.PHQ9_RED)


@pytest.mark.parametrize("url", CLINICAL_URLS)
@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("clinician", True), ("secretary", False), ("admin", False), ("outsider_clinician", False)],
)
def test_only_the_inviting_organisations_clinicians_read_clinical_data(
    personas, response, client: Client, url: str, persona: str, allowed: bool
) -> None:
    user = getattr(personas, persona)
    client.force_login(user)
    reply = client.get(url.format(id=response.public_id))
    reads = AuditEvent.objects.filter(patient=personas.patient, actor=user)
    if allowed:
        assert reply.status_code == 200
        assert reads.count() == 1
    else:
        assert reply.status_code == 404
        assert reads.count() == 0


@pytest.mark.parametrize("url", CLINICAL_URLS)
def test_the_anonymous_are_sent_to_log_in(personas, response, client: Client, url: str) -> None:
    reply = client.get(url.format(id=response.public_id))
    assert reply.status_code == 302
    assert reply["Location"].startswith("/accounts/login/")


def test_marking_reviewed_is_for_clinicians_only(personas, response, client: Client) -> None:
    client.force_login(personas.secretary)
    assert client.post(f"/responses/{response.public_id}/review").status_code == 404
    assert not hasattr(response, "review")

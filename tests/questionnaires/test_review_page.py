"""The clinical reviewer's sign-off page (issue 15): warnings with a checkbox
each, licence, languages, the preview link; one POST acknowledges and
records the review, both or neither. Only users with the review permission."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pro_portal.models import AuditEvent
from questionnaires.models import QuestionnaireVersion
from questionnaires.services import questionnaire_translate
from tests.questionnaires.content import danish, imported, reviewer, with_permission

pytestmark = pytest.mark.django_db


def url(version: QuestionnaireVersion) -> str:
    return reverse("questionnaires:content-review", args=[version.pk])


@pytest.fixture
def signed_in(client: Client) -> Client:
    client.force_login(reviewer())
    return client


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(url(imported()))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_staff_without_the_review_permission_are_refused(client: Client, personas) -> None:
    version = imported()
    client.force_login(personas.clinician)
    assert client.get(url(version)).status_code == 403
    assert client.post(url(version), {"reviewed_on": "2026-12-07"}).status_code == 403
    assert client.get(reverse("questionnaires:content-review-list")).status_code == 403
    assert not version.import_warnings.filter(acknowledged_at__isnull=False).exists()


def test_an_unknown_version_is_not_found(signed_in: Client) -> None:
    assert signed_in.get(reverse("questionnaires:content-review", args=[999999])).status_code == 404
    enormous = "/questionnaires/content/" + "9" * 5000 + "/review/"
    assert signed_in.get(enormous).status_code == 404


def test_the_page_shows_warnings_licence_languages_and_what_stops_activation(
    signed_in: Client,
) -> None:
    version = imported()
    page = signed_in.get(url(version)).content.decode()
    assert "<h1>" in page
    assert page.count("<h1") == 1
    assert 'type="checkbox"' in page
    assert "score-without-expression" in page
    assert "looks like a score but has no calculatedExpression" in page
    assert "Ikke angivet i filen og endnu ikke registreret." in page
    assert "Mangler: Dansk" in page
    assert "cannot be activated for Danish-speaking patients" in page
    # The preview is built elsewhere: a link when its URL exists, else said plainly.
    assert (
        "Prøv det, som en patient ville besvare det" in page or "Prøvevisningen findes ikke" in page
    )
    assert 'style="' not in page
    assert "<script" not in page


def test_the_page_is_in_danish_for_danish_staff(signed_in: Client) -> None:
    version = imported()
    page = signed_in.get(url(version)).content.decode()
    assert "Klinisk godkendelse" in page
    assert "Importadvarsler" in page
    assert "Kvittér for advarslerne og registrér min gennemgang" in page


def test_signing_off_acknowledges_every_warning_and_records_the_review(client: Client) -> None:
    who = reviewer()
    client.force_login(who)
    version = imported()
    response = client.post(url(version), {"reviewed_on": "2026-12-07", "ack_1": "on"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.clinical_reviewer, str(version.reviewed_on)) == (who, "2026-12-07")
    warning = version.import_warnings.get()
    assert warning.acknowledged_by == who
    assert set(AuditEvent.objects.filter(actor=who).values_list("action", flat=True)) == {
        "questionnaire.warning_acknowledge",
        "questionnaire.review",
    }
    page = client.get(url(version)).content.decode()
    assert "Godkendt: 1 advarsel(er) kvitteret for, og din gennemgang er registreret." in page
    assert "kvitteret" in page
    assert who.username in page


def test_an_unticked_warning_is_a_clear_error_and_nothing_is_recorded(signed_in: Client) -> None:
    version = imported()
    response = signed_in.post(url(version), {"reviewed_on": "2026-12-07"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "1 advarsel er ikke kvitteret for (nummer 1)" in page
    assert "Kvittér for denne advarsel." in page
    version.refresh_from_db()
    assert version.clinical_reviewer is None
    assert not AuditEvent.objects.filter(action__startswith="questionnaire.w").exists()


def test_a_missing_date_is_a_clear_error_and_the_ticks_are_kept(signed_in: Client) -> None:
    version = imported()
    response = signed_in.post(url(version), {"reviewed_on": "", "ack_1": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'invalid-feedback d-block">Dette felt er påkrævet.' in page  # Danish first
    assert 'name="ack_1" id="id_ack_1" checked' in page
    assert not version.import_warnings.filter(acknowledged_at__isnull=False).exists()


def test_the_review_permission_without_the_clinician_role_cannot_sign_off(
    client: Client, personas
) -> None:
    client.force_login(with_permission(personas.secretary, "review_questionnaires"))
    version = imported()
    assert "Kun en kliniker med tilladelse til at gennemgå kan godkende" in (
        client.get(url(version)).content.decode()
    )
    response = client.post(url(version), {"reviewed_on": "2026-12-07", "ack_1": "on"})
    assert response.status_code == 400
    version.refresh_from_db()
    assert version.clinical_reviewer is None


def test_the_licence_is_recorded_on_the_page(signed_in: Client) -> None:
    version = imported()
    response = signed_in.post(
        reverse("questionnaires:content-review-licence", args=[version.pk]),
        {"licence": "© Pfizer; free to use"},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.licence == "© Pfizer; free to use"
    assert AuditEvent.objects.filter(action="questionnaire.licence").exists()


def test_an_empty_licence_is_a_clear_error(signed_in: Client) -> None:
    version = imported()
    response = signed_in.post(
        reverse("questionnaires:content-review-licence", args=[version.pk]), {"licence": ""}
    )
    assert response.status_code == 400
    assert 'invalid-feedback d-block">Dette felt er påkrævet.' in response.content.decode()


def test_the_translation_and_its_source_are_shown(signed_in: Client) -> None:
    english = imported()
    version = questionnaire_translate(
        version=english, translation=danish(english, source="Dansk ved X"), by=None
    )
    page = signed_in.get(url(version)).content.decode()
    assert "Dansk ved X" in page
    assert "Mangler: Dansk" not in page


def test_the_list_links_each_draft(signed_in: Client) -> None:
    version = imported()
    page = signed_in.get(reverse("questionnaires:content-review-list")).content.decode()
    assert url(version) in page

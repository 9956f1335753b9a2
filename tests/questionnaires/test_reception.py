"""Reception: find or register a patient by CPR (POST only), invite, cancel, reissue, codes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from pro_portal.models import AuditEvent, Patient
from questionnaires.answering import response_submit, submission_token_issue
from questionnaires.models import (
    Consultation,
    Invitation,
    QuestionnaireVersion,
    Response,
    VisitCode,
)
from questionnaires.sms import LocmemSmsBackend
from tests import factories
from tests.conftest import Personas
from tests.factories import CANARY_CPR, CANARY_CPR_FORMATTED, answers_put
from tests.questionnaires.test_patient_flow import PHQ9_ALL_ZERO, invite, response_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> None:
    LocmemSmsBackend.outbox.clear()


def invite_form(versions: list[str], **extra: str) -> dict[str, object]:
    day = timezone.localdate() + dt.timedelta(days=3)
    return {"date": day.isoformat(), "time": "10:30", "versions": versions, **extra}


def test_finding_a_patient_by_cpr_goes_to_their_page_without_the_cpr_in_the_url(
    personas: Personas, client: Client
) -> None:
    client.force_login(personas.secretary)
    reply = client.post("/reception/", {"step": "find", "cpr": CANARY_CPR_FORMATTED})
    assert reply["Location"] == f"/patients/{personas.patient.public_id}/"
    assert CANARY_CPR not in reply["Location"]


def test_a_cpr_in_the_url_is_never_read(personas: Personas, client: Client) -> None:
    client.force_login(personas.secretary)
    page = client.get(f"/reception/?cpr={CANARY_CPR}&step=find").content.decode()
    assert personas.patient.name not in page
    assert not AuditEvent.objects.filter(action="patient.search").exists()


def test_views_receiving_a_cpr_hide_it_from_error_reports(personas: Personas, rf) -> None:
    from scoring.views import reception

    request = rf.post("/reception/", {"step": "find", "cpr": CANARY_CPR})
    request.user = personas.secretary
    request.session = {}
    reception.find(request)
    assert request.sensitive_post_parameters == ("cpr",)


def test_an_unknown_cpr_offers_to_register_the_patient(personas: Personas, client: Client) -> None:
    client.force_login(personas.secretary)
    page = client.post("/reception/", {"step": "find", "cpr": "0101801237"}).content.decode()
    assert 'name="step" value="create"' in page
    reply = client.post(
        "/reception/",
        {
            "step": "create",
            "cpr": "0101801237",
            "name": "John Smith",
            "email": "john@example.org",
            "mobile": "+45 12 34 56 78",
            "preferred_language": "en",
            "organisation": personas.organisation.pk,
        },
    )
    patient = Patient.objects.get(name="John Smith")
    assert reply["Location"] == f"/patients/{patient.public_id}/"
    assert patient.organisation == personas.organisation
    assert patient.mobile == "+4512345678"
    assert AuditEvent.objects.filter(action="patient.create", patient=patient).exists()


def test_an_invalid_cpr_is_an_error_at_the_field(personas: Personas, client: Client) -> None:
    client.force_login(personas.secretary)
    page = client.post("/reception/", {"step": "find", "cpr": "123"}).content.decode()
    assert "is-invalid" in page


def test_a_clinic_admin_alone_cannot_use_reception(personas: Personas, client: Client) -> None:
    client.force_login(personas.admin)
    assert client.get("/reception/").status_code == 404


def test_inviting_books_the_consultation_and_shows_the_link_once(
    personas: Personas, client: Client
) -> None:
    factories.published_version("phq9", active=True)
    gad7 = factories.published_version("gad7", active=True)
    client.force_login(personas.secretary)
    url = f"/patients/{personas.patient.public_id}/"
    versions = [str(v.pk) for v in (gad7,)]
    reply = client.post(url + "invite/", invite_form(versions, send_email="on"))
    assert reply["Location"] == url
    invitation = Invitation.objects.get()
    assert invitation.state == Invitation.State.SENT
    assert Consultation.objects.get().patient == personas.patient
    assert list(
        Response.objects.values_list("questionnaire_version__questionnaire_id", flat=True)
    ) == ["gad7"]
    page = client.get(url).content.decode()
    link = re.search(r'<code class="issued-link[^"]*">([^<]+)</code>', page)
    assert link
    assert "/i/" in link.group(1)
    assert link.group(1) not in client.get(url).content.decode()  # shown once


def test_the_invitation_email_says_who_reads_the_answers_and_when(
    personas: Personas,
) -> None:
    _invitation, token = invite(personas, email=True, sms=False)
    (message,) = mail.outbox
    assert message.to == [personas.patient.email]
    assert f"/i/{token}/" in message.body
    assert "Lægerne i Søby" in message.body
    assert "112" in message.body
    assert "lægevagten i din region" in message.body  # the clinic has no region set
    assert "national" in message.body
    assert CANARY_CPR not in message.body


def test_the_invitation_sms_goes_through_the_sms_backend(personas: Personas) -> None:
    personas.patient.mobile = "+4512345678"
    personas.patient.save()
    invitation, token = invite(personas, email=False, sms=True)
    (sms,) = LocmemSmsBackend.outbox
    assert sms.to == "+4512345678"
    assert f"/i/{token}/" in sms.body
    assert "112" in sms.body
    invitation.refresh_from_db()
    assert invitation.texted_at is not None
    assert not mail.outbox


def test_the_invitation_is_written_in_the_patients_language(personas: Personas) -> None:
    personas.patient.preferred_language = "en"
    personas.patient.save()
    invite(personas, email=True, sms=False)
    assert "not straight away" in mail.outbox[0].body


def test_only_active_questionnaires_can_be_sent(personas: Personas, client: Client) -> None:
    draft = factories.published_version("gad7")
    client.force_login(personas.secretary)
    reply = client.post(
        f"/patients/{personas.patient.public_id}/invite/", invite_form([str(draft.pk)])
    )
    assert reply.status_code == 400
    assert not Invitation.objects.exists()


def test_a_consultation_in_the_past_is_refused(personas: Personas, client: Client) -> None:
    version = factories.published_version("phq9", active=True)
    client.force_login(personas.secretary)
    data = invite_form([str(version.pk)])
    data["date"] = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    reply = client.post(f"/patients/{personas.patient.public_id}/invite/", data)
    assert reply.status_code == 400
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("days_ahead", [2 * 365 + 1, None])  # None: 9999-12-31
def test_a_consultation_years_ahead_is_a_typo_with_a_clear_message(
    personas: Personas, client: Client, days_ahead: int | None
) -> None:
    version = factories.published_version("phq9", active=True)
    client.force_login(personas.secretary)
    data = invite_form([str(version.pk)])
    far = dt.date(9999, 12, 31)
    if days_ahead is not None:
        far = timezone.localdate() + dt.timedelta(days=days_ahead)
    data["date"] = far.isoformat()
    reply = client.post(f"/patients/{personas.patient.public_id}/invite/", data)
    assert reply.status_code == 400
    assert "Vælg en dato inden for de næste to år." in reply.content.decode()
    assert not Invitation.objects.exists()


def test_a_consultation_two_years_ahead_can_be_booked(personas: Personas, client: Client) -> None:
    version = factories.published_version("phq9", active=True)
    client.force_login(personas.secretary)
    data = invite_form([str(version.pk)])
    data["date"] = (timezone.localdate() + dt.timedelta(days=2 * 365)).isoformat()
    assert client.post(f"/patients/{personas.patient.public_id}/invite/", data).status_code == 302
    assert Invitation.objects.count() == 1


def test_reception_cancels_and_reissues_a_link(personas: Personas, client: Client) -> None:
    invitation, _token = invite(personas, email=False, sms=False)
    client.force_login(personas.secretary)
    client.post(f"/invitations/{invitation.public_id}/cancel/")
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.CANCELLED
    old_hash = invitation.token_hash
    client.post(f"/invitations/{invitation.public_id}/reissue/", {"send_email": "on"})
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.SENT
    assert invitation.token_hash != old_hash
    assert len(mail.outbox) == 1
    page = client.get(f"/patients/{personas.patient.public_id}/").content.decode()
    assert 'class="issued-link' in page


def test_another_organisations_clinician_cannot_touch_an_invitation(
    personas: Personas, client: Client
) -> None:
    invitation, _token = invite(personas, email=False, sms=False)
    client.force_login(personas.outsider_clinician)
    assert client.post(f"/invitations/{invitation.public_id}/cancel/").status_code == 404
    assert client.post(f"/invitations/{invitation.public_id}/reissue/").status_code == 404
    assert client.post(f"/patients/{personas.patient.public_id}/visit-code/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.SENT


def test_the_secretary_sees_invitation_status_but_never_answers_or_flags(
    personas: Personas, client: Client
) -> None:
    invitation, _token = invite(personas, email=False, sms=False)
    response = response_of(invitation)
    answers = {**PHQ9_ALL_ZERO, "phq9.9": "2"}
    answers_put(response, answers)
    response_submit(
        response=response, token=submission_token_issue(response=response), channel="home"
    )
    client.force_login(personas.secretary)
    page = client.get(f"/patients/{personas.patient.public_id}/").content.decode()
    assert "Submitted" in page or "Indsendt" in page or "submitted" in page.lower()
    assert not re.search(r"\b(red|rød|phq9_item9\w*|score)\b", page, re.IGNORECASE)
    assert "Mere end halvdelen" not in page
    assert "More than half" not in page


def test_a_visit_code_is_six_digits_valid_today_and_shown_once(
    personas: Personas, client: Client
) -> None:
    client.force_login(personas.secretary)
    url = f"/patients/{personas.patient.public_id}/"
    client.post(url + "visit-code/")
    page = client.get(url).content.decode()
    code = re.search(r'class="display-6 visit-code">(\d{3}) (\d{3})<', page)
    assert code
    visit = VisitCode.objects.get()
    assert visit.valid_on == timezone.localdate()
    assert code.group(1) + code.group(2) not in visit.code_hash
    assert 'class="display-6 visit-code"' not in client.get(url).content.decode()


def offered(page: str) -> list[str]:
    """The questionnaire labels of the invitation form, in page order."""
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(
            r'<input type="checkbox"[^>]*name="versions"[^>]*>\s*<label[^>]*>(.*?)</label>',
            page,
            re.S,
        )
    ]


DANISH_ORDER = ["Astma – før din årskontrol", "KOL – før din årskontrol", "Trivsel (WHO-5)"]
ENGLISH_ORDER = ["Asthma — before your annual check-up", "Breathlessness (MRC)"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("da", [*DANISH_ORDER, "Åndenød (MRC)"]),
        ("en", [*ENGLISH_ORDER, "COPD — before your annual check-up", "Well-being (WHO-5)"]),
    ],
)
def test_the_secretary_chooses_questionnaires_by_title_in_her_language_without_versions(
    personas: Personas, client: Client, language: str, expected: list[str]
) -> None:
    for questionnaire_id in ("who5", "mrc", "copd", "asthma"):
        factories.published_version(questionnaire_id, active=True)
    client.force_login(personas.secretary)
    client.cookies["django_language"] = language
    page = client.get(f"/patients/{personas.patient.public_id}/").content.decode()
    assert offered(page) == expected
    assert "(1.0.0)" not in page


def test_a_questionnaire_offered_in_two_versions_shows_which_is_which(
    personas: Personas, client: Client
) -> None:
    first = factories.published_version("who5", active=True)
    QuestionnaireVersion.objects.create(
        questionnaire_id="who5",
        version="1.1.0",
        content=first.content,
        content_hash=first.content_hash,
        source=first.source,
        status=QuestionnaireVersion.Status.ACTIVE,
    )
    factories.published_version("mrc", active=True)
    client.force_login(personas.secretary)
    page = client.get(f"/patients/{personas.patient.public_id}/").content.decode()
    assert offered(page) == ["Trivsel (WHO-5) (1.0.0)", "Trivsel (WHO-5) (1.1.0)", "Åndenød (MRC)"]


def test_danish_titles_sort_with_ae_oe_aa_after_z() -> None:
    from pro_portal.i18n import sort_key

    names = ["Åse", "Øster", "Ærø", "Zulu", "anna"]
    assert sorted(names, key=lambda n: sort_key(n, "da")) == ["anna", "Zulu", "Ærø", "Øster", "Åse"]


def invite_by_email_and_sms(personas: Personas, client: Client, **headers: str) -> tuple[str, ...]:
    """The secretary invites the patient; the link on her page, in the e-mail and the SMS."""
    version = factories.published_version("phq9", active=True)
    personas.patient.mobile = "+4512345678"
    personas.patient.save(update_fields=["mobile"])
    client.force_login(personas.secretary)
    url = f"/patients/{personas.patient.public_id}/"
    form = invite_form([str(version.pk)], send_email="on", send_sms="on")
    client.post(url + "invite/", form, **headers)  # type: ignore[arg-type]
    page = client.get(url, **headers).content.decode()  # type: ignore[arg-type]
    shown = re.search(r'<code class="issued-link[^"]*">([^<]+)</code>', page)
    assert shown, page
    return shown.group(1), mail.outbox[-1].body, LocmemSmsBackend.outbox[-1].body


def test_without_site_url_the_links_use_the_address_the_secretary_works_at(
    personas: Personas, client: Client, settings
) -> None:
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["192.168.1.20"]
    for text in invite_by_email_and_sms(personas, client, HTTP_HOST="192.168.1.20:8000"):
        assert "http://192.168.1.20:8000/i/" in text
        assert "127.0.0.1" not in text


def test_site_url_when_set_starts_every_link(personas: Personas, client: Client, settings) -> None:
    settings.SITE_URL = "https://pro.example.org"
    settings.ALLOWED_HOSTS = ["internal.example"]
    for text in invite_by_email_and_sms(personas, client, HTTP_HOST="internal.example"):
        assert "https://pro.example.org/i/" in text
        assert "internal.example" not in text

"""The waiting-room tablet: enrol, visit code + birth date, server-side idle wipe, hand back."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from pro_portal.models import AuditEvent, Kiosk
from questionnaires.kiosk import kiosk_enrol, visit_code_create
from questionnaires.models import Response, VisitCode
from tests import factories
from tests.conftest import Personas
from tests.factories import answers_of
from tests.questionnaires.test_patient_flow import (
    PHQ9_ALL_ZERO,
    answer_all,
    invite,
    question_url,
    response_of,
    unlock,
)
from tests.questionnaires.test_submit_once import check_token, submit

pytestmark = pytest.mark.django_db

COOKIE = settings.KIOSK_COOKIE_NAME


def tablet(personas: Personas) -> tuple[Client, Kiosk]:
    kiosk, token = kiosk_enrol(
        organisation=personas.organisation, name="Venteværelset", by=personas.admin
    )
    client = Client()
    client.cookies[COOKIE] = token
    return client, kiosk


def code_for(personas: Personas, patient: Any = None) -> str:
    return visit_code_create(patient=patient or personas.patient, by=personas.secretary)[1]


def kiosk_post(code: str, date: dt.date) -> dict[str, str]:
    return {
        "code": code,
        "birth-day": str(date.day),
        "birth-month": str(date.month),
        "birth-year": str(date.year),
    }


def open_kiosk(personas: Personas) -> tuple[Client, Kiosk]:
    client, kiosk = tablet(personas)
    reply = client.post("/kiosk/", kiosk_post(code_for(personas), personas.patient.birth_date))
    assert reply["Location"] == "/answer/", reply.content.decode()[:3000]
    return client, kiosk


@pytest.fixture
def basic_data(db: None) -> None:
    factories.published_version("basic_data", active=True)


def test_a_clinic_admin_enrols_the_tablet_and_is_logged_out(
    personas: Personas, client: Client
) -> None:
    client.force_login(personas.admin)
    reply = client.post(
        "/kiosk/enrol/", {"name": "Ved vinduet", "organisation": personas.organisation.pk}
    )
    assert reply["Location"] == "/kiosk/"
    token = reply.cookies[COOKIE].value
    assert reply.cookies[COOKIE]["httponly"]
    kiosk = Kiosk.objects.get()
    assert kiosk.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="kiosk.enrol").exists()


def test_only_a_clinic_admin_can_enrol_a_tablet(personas: Personas, client: Client) -> None:
    client.force_login(personas.secretary)
    assert client.post("/kiosk/enrol/", {"name": "x"}).status_code == 404
    assert not Kiosk.objects.exists()


def test_a_tablet_that_is_not_enrolled_or_is_revoked_shows_no_kiosk(
    personas: Personas, client: Client
) -> None:
    assert client.get("/kiosk/").status_code == 403
    tablet_client, kiosk = tablet(personas)
    assert tablet_client.get("/kiosk/").status_code == 200
    kiosk.revoke()
    assert tablet_client.get("/kiosk/").status_code == 403


def test_code_and_birth_date_show_only_that_patients_due_questionnaires_and_basic_data(
    personas: Personas, basic_data: None
) -> None:
    invitation, _token = invite(personas, "phq9")
    other = factories.PatientFactory(organisation=personas.organisation, name="Ole Anden")
    factories.response_with_answers(other, factories.published_version("gad7", active=True), {})
    client, _kiosk = open_kiosk(personas)
    page = client.get("/answer/").content.decode()
    phq9 = response_of(invitation)
    basic = Response.objects.get(
        patient=personas.patient, questionnaire_version__questionnaire_id="basic_data"
    )
    assert f"/answer/{phq9.public_id}/" in page
    assert f"/answer/{basic.public_id}/" in page
    assert basic.channel == Response.Channel.KIOSK
    assert basic.invitation == invitation  # so it can be finished at home from that link
    assert "Ole Anden" not in page
    assert page.count('class="questionnaire-card"') == 2


def test_a_patient_without_an_invitation_gets_the_basic_data_questionnaire(
    personas: Personas, basic_data: None
) -> None:
    client, _kiosk = open_kiosk(personas)
    basic = Response.objects.get(patient=personas.patient)
    assert basic.invitation is None
    assert f"/answer/{basic.public_id}/" in client.get("/answer/").content.decode()


def test_a_wrong_code_or_birth_date_gives_the_same_message(
    personas: Personas, basic_data: None
) -> None:
    client, _kiosk = tablet(personas)
    code = code_for(personas)
    wrong_code = "000000" if code != "000000" else "111111"
    by_code = client.post("/kiosk/", kiosk_post(wrong_code, personas.patient.birth_date))
    by_date = client.post("/kiosk/", kiosk_post(code, dt.date(1990, 1, 1)))
    for reply in (by_code, by_date):
        assert reply.status_code == 200
        assert "data-error-summary" in reply.content.decode()
        assert personas.patient.name not in reply.content.decode()
    assert client.get("/answer/")["Location"] == "/kiosk/"


def test_five_wrong_birth_dates_lock_the_code(personas: Personas, basic_data: None) -> None:
    client, _kiosk = tablet(personas)
    code = code_for(personas)
    for _ in range(5):
        client.post("/kiosk/", kiosk_post(code, dt.date(1990, 1, 1)))
    reply = client.post("/kiosk/", kiosk_post(code, personas.patient.birth_date))
    assert reply.status_code == 200
    assert VisitCode.objects.get().locked_at is not None
    assert AuditEvent.objects.filter(action="visit_code.lock").count() == 1


def test_ten_wrong_codes_pause_the_tablet(personas: Personas, basic_data: None) -> None:
    client, _kiosk = tablet(personas)
    code = code_for(personas)
    for n in range(10):
        client.post(
            "/kiosk/", kiosk_post(f"{(int(code) + 1 + n) % 10**6:06d}", dt.date(1990, 1, 1))
        )
    reply = client.post("/kiosk/", kiosk_post(code, personas.patient.birth_date))
    assert reply.status_code == 200
    assert client.get("/answer/")["Location"] == "/kiosk/"


def test_a_code_only_works_today_and_at_its_own_organisation(
    personas: Personas, basic_data: None
) -> None:
    code = code_for(personas)
    _other_kiosk, other_token = kiosk_enrol(
        organisation=personas.other_organisation, name="Nord", by=personas.outsider_clinician
    )
    elsewhere = Client()
    elsewhere.cookies[COOKIE] = other_token
    elsewhere.post("/kiosk/", kiosk_post(code, personas.patient.birth_date))
    assert elsewhere.get("/answer/")["Location"] == "/kiosk/"
    client, _kiosk = tablet(personas)
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        client.post("/kiosk/", kiosk_post(code, personas.patient.birth_date))
        assert client.get("/answer/")["Location"] == "/kiosk/"


def test_after_90_seconds_without_a_request_the_server_wipes_the_session(
    personas: Personas, basic_data: None
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client, _kiosk = open_kiosk(personas)
        assert client.get("/answer/").status_code == 200
        clock.shift(settings.KIOSK_IDLE_WIPE_SECONDS + 1)
        reply = client.get("/answer/")
    assert reply.status_code == 302
    assert reply["Location"].startswith("/kiosk/restore/?t=")
    assert reply["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "no-store" in reply["Cache-Control"]
    assert reply.cookies[settings.SESSION_COOKIE_NAME].value == ""  # the old session is gone
    assert client.get("/answer/")["Location"] == "/kiosk/"


def test_activity_within_90_seconds_keeps_the_session(personas: Personas, basic_data: None) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client, _kiosk = open_kiosk(personas)
        for _ in range(3):
            clock.shift(settings.KIOSK_IDLE_WIPE_SECONDS - 10)
            assert client.post("/kiosk/alive/").status_code == 204
        assert client.get("/answer/").status_code == 200
        clock.shift(settings.KIOSK_IDLE_WIPE_SECONDS + 1)
        assert client.post("/kiosk/alive/").status_code == 409


def test_finishing_wipes_the_tablet_and_asks_to_hand_it_back(
    personas: Personas, basic_data: None
) -> None:
    client, kiosk = open_kiosk(personas)
    client.post("/i18n/setlang/", {"language": "en", "next": "/answer/"})
    reply = client.post("/kiosk/finish/")
    assert reply["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    # The browser has cleared its cookies, the device cookie too.
    old_token_hash = kiosk.token_hash
    del client.cookies[COOKIE]
    restored = client.get(reply["Location"])
    assert restored["Location"] == "/kiosk/hand-back/?lang=en"
    kiosk.refresh_from_db()
    assert kiosk.token_hash != old_token_hash
    assert kiosk.token_hash == hashlib.sha256(restored.cookies[COOKIE].value.encode()).hexdigest()
    page = client.get(restored["Location"]).content.decode()
    assert "hand the tablet back" in page
    assert personas.patient.name not in page
    # The ticket works once: replayed, it enrols nothing.
    stranger = Client()
    assert stranger.get(reply["Location"]).status_code == 403


def test_after_a_wipe_the_previous_patients_pages_are_gone(
    personas: Personas, basic_data: None
) -> None:
    client, _kiosk = open_kiosk(personas)
    basic = Response.objects.get(patient=personas.patient)
    visited = ["/answer/", question_url(basic, "basic.weight"), f"/answer/{basic.public_id}/check/"]
    for url in visited:
        assert client.get(url).status_code == 200
    client.get(client.post("/kiosk/finish/")["Location"])
    for url in visited:
        reply = client.get(url)
        assert reply["Location"] == "/kiosk/"
        assert personas.patient.name not in reply.content.decode()


def test_kiosk_answers_are_saved_and_can_be_finished_at_home(
    personas: Personas, basic_data: None
) -> None:
    invitation, token = invite(personas, "phq9")
    client, _kiosk = open_kiosk(personas)
    basic = Response.objects.get(questionnaire_version__questionnaire_id="basic_data")
    answer_all(client, basic, {"basic.weight": "80", "basic.height": "175"})
    client.post("/kiosk/finish/")
    home = Client()
    unlock(home, token, personas.patient.birth_date)
    assert f"/answer/{basic.public_id}/" in home.get("/answer/").content.decode()
    assert home.get(f"/answer/{basic.public_id}/")["Location"] == question_url(basic, "basic.waist")
    assert len(answers_of(basic)) == 2
    assert invitation.responses.count() == 2


def test_a_response_submitted_on_the_kiosk_is_marked_as_answered_there(
    personas: Personas, basic_data: None
) -> None:
    invitation, _token = invite(personas, "phq9")
    client, _kiosk = open_kiosk(personas)
    phq9 = response_of(invitation)
    answer_all(client, phq9, PHQ9_ALL_ZERO)
    assert submit(client, phq9, check_token(client, phq9))["Location"].endswith("/done/")
    phq9.refresh_from_db()
    assert phq9.channel == Response.Channel.KIOSK
    page = client.get(f"/answer/{phq9.public_id}/done/").content.decode()
    assert 'action="/kiosk/finish/"' in page


def test_kiosk_pages_carry_the_idle_timings_and_are_never_cached(
    personas: Personas, basic_data: None
) -> None:
    client, _kiosk = open_kiosk(personas)
    reply = client.get("/answer/")
    page = reply.content.decode()
    assert f'data-idle-warning="{settings.KIOSK_IDLE_WARNING_SECONDS}"' in page
    assert f'data-idle-wipe="{settings.KIOSK_IDLE_WIPE_SECONDS}"' in page
    assert "no-store" in reply["Cache-Control"]
    assert "no-store" in client.get("/kiosk/")["Cache-Control"]


def test_an_invitation_link_opened_on_a_kiosk_asks_for_the_visit_code(
    personas: Personas, basic_data: None
) -> None:
    _invitation, token = invite(personas)
    client, _kiosk = tablet(personas)
    page = unlock(client, token, personas.patient.birth_date).content.decode()
    assert 'href="/kiosk/"' in page
    assert client.get("/answer/")["Location"] == "/kiosk/"


def test_the_help_page_on_a_kiosk_is_watched_for_idleness_too(
    personas: Personas, basic_data: None
) -> None:
    client, _kiosk = open_kiosk(personas)
    page = client.get("/help/").content.decode()
    assert 'id="idle-dialog"' in page
    assert 'href="tel:112"' in page
    assert 'href="/answer/"' in page  # back to the questionnaires

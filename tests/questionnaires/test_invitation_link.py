"""The invitation link: a random token (only its hash stored), birth date first, locks after 5."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from pro_portal.models import AuditEvent
from questionnaires.invitations import invitation_cancel, invitation_reissue
from questionnaires.models import Invitation
from tests.conftest import Personas
from tests.questionnaires.test_patient_flow import (
    answer_all,
    invite,
    question_url,
    response_of,
    unlock,
)

pytestmark = pytest.mark.django_db

WRONG = dt.date(1990, 1, 1)


def test_the_token_has_at_least_128_bits_and_only_its_hash_is_stored(personas: Personas) -> None:
    invitation, token = invite(personas)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())


def test_nothing_personal_shows_before_the_birth_date(personas: Personas, client: Client) -> None:
    _, token = invite(personas)
    page = client.get(f"/i/{token}/").content.decode()
    assert personas.patient.name not in page
    assert personas.organisation.name not in page
    assert 'name="birth-day"' in page
    # It does say who reads the answers, when, and whose questionnaire it is.
    assert "not straight away" in page or "ikke med det samme" in page
    assert "national" in page


def test_the_right_birth_date_opens_the_questionnaires(personas: Personas, client: Client) -> None:
    invitation, token = invite(personas)
    reply = unlock(client, token, personas.patient.birth_date)
    assert reply["Location"] == "/answer/"
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.OPENED
    assert invitation.opened_at is not None
    assert AuditEvent.objects.filter(action="invitation.open", patient=personas.patient).exists()


def test_unlocking_starts_a_new_session_key(personas: Personas, client: Client) -> None:
    _, token = invite(personas)
    client.get(f"/i/{token}/")
    client.session.save()
    before = client.session.session_key
    unlock(client, token, personas.patient.birth_date)
    assert client.session.session_key != before


def test_a_wrong_birth_date_is_refused_and_says_how_many_tries_are_left(
    personas: Personas, client: Client
) -> None:
    invitation, token = invite(personas)
    reply = unlock(client, token, WRONG)
    page = reply.content.decode()
    assert reply.status_code == 200
    assert "data-error-summary" in page
    assert "4" in page
    invitation.refresh_from_db()
    assert invitation.failed_attempts == 1
    assert client.get("/answer/").status_code == 403


def test_five_wrong_birth_dates_lock_the_link_and_are_audited(
    personas: Personas, client: Client
) -> None:
    invitation, token = invite(personas)
    for _ in range(5):
        unlock(client, token, WRONG)
    invitation.refresh_from_db()
    assert invitation.is_locked
    # Even the right date no longer opens it.
    reply = unlock(client, token, personas.patient.birth_date)
    assert reply.status_code == 200
    assert "birth-day" not in reply.content.decode()
    assert client.get("/answer/").status_code == 403
    events = AuditEvent.objects.filter(patient=personas.patient)
    assert events.filter(action="invitation.birth_date_wrong").count() == 5
    assert events.filter(action="invitation.lock").count() == 1


def test_a_reissued_link_unlocks_again_keeps_the_answers_and_the_old_link_stops(
    personas: Personas, client: Client
) -> None:
    invitation, token = invite(personas)
    unlock(client, token, personas.patient.birth_date)
    response = response_of(invitation)
    answer_all(client, response, {"phq9.1": "2"})
    for _ in range(5):
        unlock(Client(), token, WRONG)
    issued = invitation_reissue(
        invitation=invitation, by=personas.secretary, email=False, sms=False
    )
    new_token = issued.link.rstrip("/").rsplit("/", 1)[-1]
    # The session opened with the old link ends; the old link shows a problem page.
    assert client.get("/answer/").status_code == 403
    assert "birth-day" not in Client().get(f"/i/{token}/").content.decode()
    fresh = Client()
    assert unlock(fresh, new_token, personas.patient.birth_date)["Location"] == "/answer/"
    assert fresh.get(f"/answer/{response.public_id}/")["Location"] == question_url(
        response, "phq9.2"
    )
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.IN_PROGRESS
    assert not invitation.is_locked


def test_a_cancelled_link_no_longer_opens(personas: Personas, client: Client) -> None:
    invitation, token = invite(personas)
    unlock(client, token, personas.patient.birth_date)
    invitation_cancel(invitation=invitation, by=personas.secretary)
    assert client.get("/answer/").status_code == 403
    page = Client().get(f"/i/{token}/").content.decode()
    assert "birth-day" not in page


def test_an_expired_link_no_longer_opens(personas: Personas, client: Client) -> None:
    invitation, token = invite(personas)
    with time_machine.travel(invitation.expires_at + dt.timedelta(minutes=1)):
        reply = Client().get(f"/i/{token}/")
        assert "birth-day" not in reply.content.decode()
        assert Invitation.objects.get(pk=invitation.pk).current_state == Invitation.State.EXPIRED


def test_the_link_expires_at_the_end_of_the_consultation_day_at_the_latest(
    personas: Personas,
) -> None:
    invitation, _ = invite(personas)
    consultation_day = timezone.localtime(invitation.consultation.starts_at).date()
    assert timezone.localtime(invitation.expires_at).date() == consultation_day
    assert timezone.localtime(invitation.expires_at).time() == dt.time.max


def test_an_unknown_token_is_a_404_that_reveals_nothing(client: Client, db: None) -> None:
    reply = client.get("/i/" + "x" * 43 + "/")
    assert reply.status_code == 404
    assert "birth-day" not in reply.content.decode()


def test_every_patient_page_is_never_cached(personas: Personas, client: Client) -> None:
    invitation, token = invite(personas)
    assert "no-store" in client.get(f"/i/{token}/")["Cache-Control"]
    unlock(client, token, personas.patient.birth_date)
    response = response_of(invitation)
    for url in (
        "/answer/",
        question_url(response, "phq9.1"),
        f"/answer/{response.public_id}/check/",
        "/answer/saved/",
        "/help/",
    ):
        assert "no-store" in client.get(url)["Cache-Control"], url

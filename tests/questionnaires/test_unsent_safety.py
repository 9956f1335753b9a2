"""Safety answers saved but not sent are told to the inviting clinic.

docs/library.md, "Saved but not sent": two hours after the last saved answer
(UNSENT_SAFETY_AFTER_MINUTES), a periodic task records one notice per open
response whose saved answers raise a safety rule; the worklist of the
inviting organisation's clinicians shows it at the top, opened through the
door (audited); the submit clears it.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from pro_portal.models import AuditEvent
from questionnaires.models import UnsentSafetyNotice
from questionnaires.tasks import unsent_safety_sweep_periodic
from tests import factories

pytestmark = pytest.mark.django_db
SAVED = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
AFTER = dt.timedelta(minutes=settings.UNSENT_SAFETY_AFTER_MINUTES)
# Items 1–8 at 0, item 9 "nearly every day": phq9_item9_self_harm (red, safety).
ITEM9_SAVED = {**{f"phq9.{n}": "0" for n in range(1, 9)}, "phq9.9": "3"}
# Items 1–5 at 2 (total so far 10, yellow once sent), no safety answer.
NO_SAFETY = {f"phq9.{n}": "2" for n in range(1, 6)}


def _left(patient, answers):
    """Answers saved at SAVED, then the patient left without sending."""
    with time_machine.travel(SAVED, tick=False):
        return factories.response_with_answers(
            patient, factories.published_version("phq9"), answers
        )


def _sweep_at(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return unsent_safety_sweep_periodic()


def test_a_safety_answer_left_unsent_past_the_time_records_a_notice(personas) -> None:
    response = _left(personas.patient, ITEM9_SAVED)
    assert _sweep_at(SAVED + AFTER + dt.timedelta(minutes=1)) == 1
    notice = UnsentSafetyNotice.objects.get()
    assert notice.response == response
    assert notice.organisation == personas.organisation  # the inviting organisation
    assert notice.rule_ids == ["phq9_item9_self_harm"]
    assert notice.last_saved_at == SAVED
    assert AuditEvent.objects.filter(action="unsent_safety.raise", patient=personas.patient)


def test_not_yet_stale_records_nothing(personas) -> None:
    _left(personas.patient, ITEM9_SAVED)
    assert _sweep_at(SAVED + AFTER - dt.timedelta(minutes=1)) == 0
    assert not UnsentSafetyNotice.objects.exists()


def test_saved_answers_raising_no_safety_rule_record_nothing(personas) -> None:
    _left(personas.patient, NO_SAFETY)
    assert _sweep_at(SAVED + AFTER + dt.timedelta(hours=1)) == 0
    assert not UnsentSafetyNotice.objects.exists()


def test_a_submitted_response_records_nothing_and_clears_its_notice(personas) -> None:
    version = factories.published_version("phq9")
    with time_machine.travel(SAVED, tick=False):
        factories.submitted(personas.patient, version, {**ITEM9_SAVED})
    assert _sweep_at(SAVED + AFTER + dt.timedelta(hours=1)) == 0
    assert not UnsentSafetyNotice.objects.exists()
    # A notice raised while open is cleared by the submit.
    other = factories.PatientFactory(organisation=personas.organisation)
    response = _left(other, ITEM9_SAVED)
    _sweep_at(SAVED + AFTER + dt.timedelta(minutes=1))
    from questionnaires.answering import response_submit, submission_token_issue

    token = submission_token_issue(response=response)
    response_submit(response=response, token=token, channel=response.channel)
    assert UnsentSafetyNotice.objects.get(response=response).cleared_at is not None


def test_running_twice_records_one_notice(personas) -> None:
    _left(personas.patient, ITEM9_SAVED)
    assert _sweep_at(SAVED + AFTER + dt.timedelta(minutes=1)) == 1
    assert _sweep_at(SAVED + AFTER + dt.timedelta(minutes=6)) == 0
    assert UnsentSafetyNotice.objects.count() == 1


def test_a_question_not_reached_yet_raises_nothing(personas) -> None:
    """Only what the patient got to: a safety rule on a question after the last
    one answered is not raised (it could only be raised by a missing answer)."""
    _left(personas.patient, {"phq9.1": "3"})
    assert _sweep_at(SAVED + AFTER + dt.timedelta(minutes=1)) == 0


def test_responses_older_than_the_look_back_are_left_alone(personas) -> None:
    _left(personas.patient, ITEM9_SAVED)
    later = SAVED + dt.timedelta(days=settings.UNSENT_SAFETY_LOOK_BACK_DAYS, minutes=1)
    assert _sweep_at(later) == 0


def _client(user, language="en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def notice(personas) -> UnsentSafetyNotice:
    _left(personas.patient, ITEM9_SAVED)
    _sweep_at(SAVED + AFTER + dt.timedelta(minutes=1))
    return UnsentSafetyNotice.objects.get()


def _top(html: str) -> str:
    return html[: html.index('role="search"')]


@pytest.mark.parametrize("page", ["/worklist/", "/worklist/awaiting/"])
def test_the_worklist_shows_it_on_top_only_to_the_inviting_organisation(
    personas, notice, page
) -> None:
    top = _top(_client(personas.clinician).get(page).content.decode())
    assert "Safety answer saved but not sent — contact the patient" in top
    assert personas.patient.name in top
    assert f"/worklist/unsent/{notice.public_id}/" in top
    seen = AuditEvent.objects.filter(action="worklist.view", actor=personas.clinician)
    assert seen.filter(patient=personas.patient).exists()
    # A clinician of another organisation sees nothing of it, nor can open it.
    other = _client(personas.outsider_clinician)
    assert "contact the patient" not in other.get(page).content.decode()
    assert other.get(f"/worklist/unsent/{notice.public_id}/").status_code == 404
    # A secretary of the inviting organisation sees no answers.
    secretary = _client(personas.secretary)
    assert "contact the patient" not in secretary.get("/worklist/").content.decode()
    assert secretary.get(f"/worklist/unsent/{notice.public_id}/").status_code == 404


def test_the_danish_worklist_says_it_in_danish(personas, notice) -> None:
    top = _top(_client(personas.clinician, "da").get("/worklist/").content.decode())
    assert "Sikkerhedssvar gemt, men ikke sendt — kontakt patienten" in top


def test_opening_it_shows_the_answer_as_the_patient_saw_it_and_is_audited(personas, notice) -> None:
    client = _client(personas.clinician)
    html = client.get(f"/worklist/unsent/{notice.public_id}/").content.decode()
    assert "Safety answer saved but not sent — contact the patient" in html
    assert "Thoughts that you would be better off dead or of hurting yourself" in html
    assert "Nearly every day" in html
    event = AuditEvent.objects.get(action="unsent_safety.view")
    assert event.actor == personas.clinician
    assert event.patient == personas.patient
    assert event.object_id == str(notice.public_id)


def test_marking_it_handled_removes_it_from_the_worklist(personas, notice) -> None:
    client = _client(personas.clinician)
    client.post(f"/worklist/unsent/{notice.public_id}/")
    notice.refresh_from_db()
    assert notice.handled_by == personas.clinician
    assert AuditEvent.objects.filter(action="unsent_safety.handle").count() == 1
    assert "contact the patient" not in _top(client.get("/worklist/").content.decode())


def test_a_submit_takes_it_off_the_worklist(personas, notice) -> None:
    from questionnaires.answering import response_submit, submission_token_issue

    response = notice.response
    token = submission_token_issue(response=response)
    response_submit(response=response, token=token, channel=response.channel)
    top = _top(_client(personas.clinician).get("/worklist/").content.decode())
    assert "contact the patient" not in top


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("da", "Hvis du ikke sender dine svar, kan din klinik alligevel se dette svar"),
        ("en", "If you do not send your answers, your clinic may still see this answer"),
    ],
)
def test_the_help_page_tells_the_patient_the_clinic_may_see_a_saved_answer(
    personas, client, language, sentence
) -> None:
    """On the help-now page shown after the safety answer, where the patient may leave."""
    from tests.questionnaires.test_patient_flow import (
        PHQ9_ALL_ZERO,
        answer_all,
        invite,
        post_answer,
        response_of,
        unlock,
    )

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    invitation, token = invite(personas, "phq9", version="1.1.0")
    unlock(client, token, personas.patient.birth_date)
    response = response_of(invitation, "phq9")
    answer_all(client, response, {k: v for k, v in PHQ9_ALL_ZERO.items() if k != "phq9.9"})
    reply = post_answer(client, response, "phq9.9", "3")
    assert reply["Location"] == f"/answer/{response.public_id}/help-now/"
    assert sentence in client.get(reply["Location"]).content.decode()

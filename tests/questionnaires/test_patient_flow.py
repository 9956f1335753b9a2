"""The patient at home: one question per page, saved as given, resumable, branching on the server.

The helpers here (``invite``, ``unlock``, ``post_answer``, ``answer_all``) are
shared by the other patient-flow test modules.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from questionnaires.invitations import invitation_create
from questionnaires.models import Invitation, Response
from tests import factories
from tests.conftest import Personas
from tests.factories import answers_of

pytestmark = pytest.mark.django_db

PHQ9_ALL_ZERO = {f"phq9.{n}": "0" for n in range(1, 10)}


def invite(
    personas: Personas,
    *questionnaire_ids: str,
    email: bool = True,
    sms: bool = True,
    version: str = "1.0.0",
) -> tuple[Invitation, str]:
    """Invite the canary patient (by the secretary); returns the invitation and its token."""
    versions = [
        factories.published_version(q, active=True, version=version)
        for q in questionnaire_ids or ("phq9",)
    ]
    issued = invitation_create(
        patient=personas.patient,
        starts_at=timezone.now() + dt.timedelta(days=2),
        versions=versions,
        by=personas.secretary,
        email=email,
        sms=sms,
    )
    token = issued.link.rstrip("/").rsplit("/", 1)[-1]
    return issued.invitation, token


def birth_date_post(date: dt.date) -> dict[str, str]:
    return {
        "birth-day": str(date.day),
        "birth-month": str(date.month),
        "birth-year": str(date.year),
    }


def unlock(client: Client, token: str, date: dt.date) -> Any:
    return client.post(f"/i/{token}/", birth_date_post(date))


def response_of(invitation: Invitation, questionnaire_id: str = "phq9") -> Response:
    return invitation.responses.get(questionnaire_version__questionnaire_id=questionnaire_id)


def question_url(response: Response, item_id: str) -> str:
    return f"/answer/{response.public_id}/q/{item_id}/"


def post_answer(client: Client, response: Response, item_id: str, value: Any, **extra: str) -> Any:
    data: dict[str, Any] = {"action": "continue", **extra}
    if value is not None:
        data["answer"] = value
    return client.post(question_url(response, item_id), data)


def answer_all(client: Client, response: Response, answers: dict[str, Any]) -> None:
    for item_id, value in answers.items():
        reply = post_answer(client, response, item_id, value)
        assert reply.status_code == 302, (item_id, reply.content.decode()[:2000])
        # A refused answer redirects to its own page (post/redirect/get).
        assert reply["Location"] != question_url(response, item_id), item_id


def open_phq9(personas: Personas, client: Client) -> tuple[Invitation, Response]:
    """The canary patient has opened a PHQ-9 invitation in ``client``."""
    invitation, token = invite(personas)
    assert unlock(client, token, personas.patient.birth_date).status_code == 302
    return invitation, response_of(invitation)


@pytest.fixture
def opened(personas: Personas, client: Client) -> tuple[Invitation, Response]:
    return open_phq9(personas, client)


def test_the_overview_says_who_reads_the_answers_and_when(opened, client: Client) -> None:
    page = client.get("/answer/").content.decode()
    assert "Lægerne i Søby" in page
    assert "ikke med det samme" in page or "not straight away" in page


def test_each_page_shows_one_question_and_the_part_of_the_questionnaire(
    opened, client: Client
) -> None:
    _, response = opened
    page = client.get(question_url(response, "phq9.3")).content.decode()
    assert page.count('name="answer"') == 4  # the four options of one question
    assert "Del 1 af 1" in page or "Part 1 of 1" in page
    assert page.count("<h1") == 1


def test_starting_goes_to_the_first_unanswered_question(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, {"phq9.1": "0", "phq9.2": "1"})
    reply = client.get(f"/answer/{response.public_id}/")
    assert reply["Location"] == question_url(response, "phq9.3")


def test_an_answer_is_saved_on_the_server_as_soon_as_it_is_given(opened, client: Client) -> None:
    _, response = opened
    reply = post_answer(client, response, "phq9.1", "2")
    assert reply.status_code == 302
    assert reply["Location"] == question_url(response, "phq9.2")
    assert answers_of(response)["phq9.1"] == "2"
    response.refresh_from_db()
    assert response.status == Response.Status.IN_PROGRESS
    assert response.invitation.state == Invitation.State.IN_PROGRESS


def test_going_back_shows_the_answer_given(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, {"phq9.1": "2"})
    page = client.get(question_url(response, "phq9.2")).content.decode()
    assert f'href="{question_url(response, "phq9.1")}"' in page  # the back link
    again = client.get(question_url(response, "phq9.1")).content.decode()
    assert re.search(r'value="2"\s+checked', again)


def test_an_answer_can_be_changed_and_replaces_the_old_one(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, {"phq9.1": "2"})
    answer_all(client, response, {"phq9.1": "3"})
    assert list(answers_of(response).values()) == ["3"]


def test_a_fresh_browser_resumes_with_the_same_link_and_birth_date(
    personas: Personas, client: Client
) -> None:
    invitation, token = invite(personas)
    unlock(client, token, personas.patient.birth_date)
    response = response_of(invitation)
    answer_all(client, response, {"phq9.1": "1", "phq9.2": "1"})

    other_device = Client()
    assert other_device.get(f"/answer/{response.public_id}/").status_code == 403
    unlock(other_device, token, personas.patient.birth_date)
    reply = other_device.get(f"/answer/{response.public_id}/")
    assert reply["Location"] == question_url(response, "phq9.3")
    page = other_device.get(question_url(response, "phq9.1")).content.decode()
    assert re.search(r'value="1"\s+checked', page)


def test_a_missing_answer_shows_an_error_summary_and_a_message_at_the_field(
    opened, client: Client
) -> None:
    _, response = opened
    reply = post_answer(client, response, "phq9.1", None)
    assert reply.status_code == 302  # post/redirect/get, errors too
    assert reply["Location"] == question_url(response, "phq9.1")
    page = client.get(reply["Location"]).content.decode()
    assert "data-error-summary" in page
    assert 'class="error-message" id="answer-error"' in page
    assert 'href="#answer-0"' in page  # the summary links to the first option
    assert "<title>Fejl:" in page or "<title>Error:" in page
    assert not answers_of(response)


def test_a_question_disabled_by_enable_when_is_skipped_and_its_answer_dropped(
    personas: Personas, client: Client
) -> None:
    invitation, token = invite(personas, "basic_data")
    unlock(client, token, personas.patient.birth_date)
    response = response_of(invitation, "basic_data")
    answer_all(client, response, {"basic.weight": "72,5", "basic.height": "180", "basic.waist": ""})
    reply = post_answer(client, response, "basic.bp_measured", "yes")
    assert reply["Location"] == question_url(response, "basic.bp_sys")
    answer_all(client, response, {"basic.bp_sys": "150"})
    assert "basic.bp_sys" in answers_of(response)

    reply = post_answer(client, response, "basic.bp_measured", "no")
    assert reply["Location"] == question_url(response, "basic.smoking")
    assert "basic.bp_sys" not in answers_of(response)
    # Asking for a question that is not asked goes back to where the patient is.
    assert client.get(question_url(response, "basic.bp_sys")).status_code == 302


def test_how_far_the_patient_is_does_not_jump_when_an_answer_opens_questions(
    personas: Personas, client: Client
) -> None:
    """Issue 13: "40 questions" became "page 38 of 49". The part and the bar
    come from the definition, so an answer that opens questions changes neither."""
    invitation, token = invite(personas, "basic_data")
    unlock(client, token, personas.patient.birth_date)
    response = response_of(invitation, "basic_data")
    answer_all(client, response, {"basic.weight": "72", "basic.height": "180"})

    def how_far() -> tuple[str, str]:
        page = client.get(question_url(response, "basic.smoking")).content.decode()
        part = re.search(r"(?:Del|Part) \d+ (?:af|of) \d+", page)
        bar = re.search(r'<progress[^>]*value="(\d+)"', page)
        assert part
        assert bar
        return part.group(0), bar.group(1)

    post_answer(client, response, "basic.bp_measured", "no")
    without = how_far()
    post_answer(client, response, "basic.bp_measured", "yes")
    assert how_far() == without


def test_a_decimal_is_read_with_a_danish_comma_and_stored_as_a_number(
    personas: Personas, client: Client
) -> None:
    invitation, token = invite(personas, "basic_data")
    unlock(client, token, personas.patient.birth_date)
    response = response_of(invitation, "basic_data")
    answer_all(client, response, {"basic.weight": "72,5"})
    assert answers_of(response)["basic.weight"] == 72.5
    page = client.get(question_url(response, "basic.weight")).content.decode()
    assert 'value="72,5"' in page
    assert "kg" in page


def test_save_and_carry_on_later_saves_and_says_how_to_come_back(opened, client: Client) -> None:
    _, response = opened
    reply = client.post(question_url(response, "phq9.1"), {"answer": "1", "action": "later"})
    assert reply["Location"] == "/answer/saved/"
    assert "phq9.1" in answers_of(response)
    page = client.get("/answer/saved/").content.decode()
    assert "link" in page


def test_save_and_carry_on_later_with_no_answer_is_not_an_error(opened, client: Client) -> None:
    _, response = opened
    reply = client.post(question_url(response, "phq9.1"), {"action": "later"})
    assert reply["Location"] == "/answer/saved/"


def test_leaving_on_a_shared_computer_ends_the_session(opened, client: Client) -> None:
    _, response = opened
    client.post("/answer/leave/")
    assert client.get(question_url(response, "phq9.1")).status_code == 403


def test_another_patients_response_is_a_404(opened, personas: Personas, client: Client) -> None:
    other = factories.PatientFactory(organisation=personas.organisation)
    version = factories.published_version("phq9", active=True)
    theirs = factories.response_with_answers(other, version, {})
    assert client.get(question_url(theirs, "phq9.1")).status_code == 404
    assert client.get(f"/answer/{theirs.public_id}/check/").status_code == 404


def test_without_an_unlocked_link_no_patient_page_opens(personas: Personas, client: Client) -> None:
    invitation, _token = invite(personas)
    response = response_of(invitation)
    for url in (
        "/answer/",
        question_url(response, "phq9.1"),
        f"/answer/{response.public_id}/check/",
    ):
        reply = client.get(url)
        assert reply.status_code == 403
        assert personas.patient.name not in reply.content.decode()


def test_the_patients_preferred_language_is_used_after_unlocking(
    personas: Personas, client: Client
) -> None:
    personas.patient.preferred_language = "en"
    personas.patient.save()
    _invitation, token = invite(personas)
    reply = unlock(client, token, personas.patient.birth_date)
    assert reply.cookies["django_language"].value == "en"
    assert "Your questionnaires" in client.get("/answer/").content.decode()


def test_a_language_the_patient_chose_is_kept(personas: Personas, client: Client) -> None:
    _invitation, token = invite(personas)
    client.post("/i18n/setlang/", {"language": "en", "next": f"/i/{token}/"})
    unlock(client, token, personas.patient.birth_date)
    assert "Your questionnaires" in client.get("/answer/").content.decode()


def test_answers_record_the_language_they_were_given_in(opened, client: Client) -> None:
    _, response = opened
    client.post("/i18n/setlang/", {"language": "en", "next": "/answer/"})
    answer_all(client, response, {"phq9.1": "0"})
    response.refresh_from_db()
    assert response.language == "en"


def test_an_evening_consultation_reads_as_a_24_hour_time_in_english(
    personas: Personas, client: Client, mailoutbox: list[Any]
) -> None:
    """ "at 19:46." — not "at 7:46 p.m.." with two full stops (Django's
    English TIME_FORMAT) — on the overview, the done page's promise and the
    invitation e-mail."""
    personas.patient.preferred_language = "en"
    personas.patient.save()
    day = timezone.localdate() + dt.timedelta(days=2)
    evening = timezone.make_aware(dt.datetime.combine(day, dt.time(19, 46)))
    issued = invitation_create(
        patient=personas.patient,
        starts_at=evening,
        versions=[factories.published_version("phq9", active=True)],
        by=personas.secretary,
        email=True,
        sms=False,
    )
    token = issued.link.rstrip("/").rsplit("/", 1)[-1]
    unlock(client, token, personas.patient.birth_date)
    overview = client.get("/answer/").content.decode()
    assert "on " in overview
    assert "at 19:46.</p>" in overview
    assert "p.m." not in overview
    (mail,) = mailoutbox
    assert "at 19:46." in mail.body
    assert "p.m." not in mail.body
    response = response_of(issued.invitation)
    answer_all(client, response, factories.PHQ9_GREEN)
    check = client.get(f"/answer/{response.public_id}/check/").content.decode()
    token = check.split('name="submission_token" value="', 1)[1].split('"', 1)[0]
    done = client.post(
        f"/answer/{response.public_id}/submit/", {"submission_token": token}, follow=True
    ).content.decode()
    assert "at 19:46," in done
    assert "p.m." not in done

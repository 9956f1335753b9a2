"""Chronic pain 1.2.0 reuses a WHO-5 the patient sent less than two weeks ago.

WHO-5 asks about "the last two weeks", so the same patient's WHO-5 answers
sent fewer than 14 days ago (in any questionnaire of the same clinic with the
WHO-5 block, at home or on the waiting-room tablet) describe the same period:
chronic pain 1.2.0 says ``reuse_within_days: 14`` on its WHO-5 block, and the
patient is not asked again (issue 14, "Clinical sense"). These tests follow
the patient through the pages and the clinician through the summary.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from pro_portal.models import AuditEvent
from questionnaires.answering import response_progress
from questionnaires.item_types import day_month_text, day_text
from questionnaires.models import QuestionnaireVersion, Response, ReusedFrom
from questionnaires.results import result_compute, result_original, result_store
from tests import factories
from tests.conftest import Personas
from tests.factories import answers_of, answers_put
from tests.questionnaires.test_patient_flow import invite, question_url, response_of, unlock

pytestmark = pytest.mark.django_db

WHO5_ITEMS = [f"who5.{n}" for n in range(1, 6)]
# 2+2+2+2+2 = 10 → × 4 = 40 (WHO-5 scoring, Topp et al. 2015): unlike the
# 'base' vector's own WHO-5 (4 × 5 → 80), so the score shows whose answers counted.
WHO5_FORTY = dict.fromkeys(WHO5_ITEMS, "2")


def _sent(
    personas: Personas,
    days_ago: float,
    answers: dict[str, Any] = WHO5_FORTY,
    *,
    organisation: Any = None,
    channel: str = Response.Channel.HOME,
) -> Response:
    """A WHO-5 questionnaire the canary patient sent ``days_ago`` days ago."""
    version = factories.published_version("who5", version="1.2.0")
    response = factories.response_with_answers(personas.patient, version, answers)
    response.organisation = organisation or personas.organisation
    response.status = Response.Status.SUBMITTED
    response.channel = channel
    response.submitted_at = timezone.now() - dt.timedelta(days=days_ago)
    response.save()
    result_store(response=response, result=result_compute(response=response))
    return response


def _opened(personas: Personas, client: Client) -> Response:
    """Chronic pain 1.2.0 opened from its link, every question but WHO-5
    answered (the definition's 'base' vector: no rule fires)."""
    invitation, token = invite(personas, "chronic_pain", version="1.2.0")
    assert unlock(client, token, personas.patient.birth_date).status_code == 302
    response = response_of(invitation, "chronic_pain")
    definition = response.questionnaire_version.definition
    base = next(v for v in definition.test_vectors)
    answers = {k: v for k, v in base.answers.items() if not k.startswith("who5.")}
    # The optional free texts the vector leaves out, so that nothing but WHO-5 is left.
    answers |= {
        item.id: "Ingen"
        for item in definition.items
        if item.type in ("short_text", "long_text") and item.id not in answers
    }
    answers_put(response, answers)
    return response


def _start(client: Client, response: Response) -> str:
    """Start (or carry on with) the questionnaire from the overview: where it leads."""
    reply = client.get(f"/answer/{response.public_id}/")
    assert reply.status_code == 302
    return str(reply["Location"])


def _check(response: Response) -> str:
    return f"/answer/{response.public_id}/check/"


def _submit(client: Client, response: Response) -> None:
    page = client.get(_check(response)).content.decode()
    token = page.split('name="submission_token" value="', 1)[1].split('"', 1)[0]
    reply = client.post(f"/answer/{response.public_id}/submit/", {"submission_token": token})
    assert reply["Location"] == f"/answer/{response.public_id}/done/"


def test_chronic_pain_1_2_0_reuses_who5_within_14_days() -> None:
    version = factories.published_version("chronic_pain", version="1.2.0")
    assert version.reuse == {"who5": 14}
    assert factories.published_version("who5", version="1.2.0").reuse == {}


@pytest.mark.parametrize("channel", [Response.Channel.HOME, Response.Channel.KIOSK])
def test_a_who5_sent_13_days_ago_is_not_asked_shown_on_the_check_page_and_scored(
    personas: Personas, client: Client, channel: str
) -> None:
    source = _sent(personas, 13, channel=channel)
    response = _opened(personas, client)
    # Every other question is answered: opening it leads straight to the check page.
    assert _start(client, response) == _check(response)
    response.refresh_from_db()
    assert {i: response.answers[i] for i in WHO5_ITEMS} == WHO5_FORTY
    assert set(response.reused) == set(WHO5_ITEMS)
    assert set(response.reused_from().values()) == {ReusedFrom(source.pk, source.submitted_at)}
    # Not asked: WHO-5's pages are not in the sequence and lead back to it.
    assert not set(WHO5_ITEMS) & {i.id for i in response_progress(response).asked}
    assert client.get(question_url(response, "who5.1"))["Location"] == (
        f"/answer/{response.public_id}/"  # carry on where it makes sense: the check page
    )

    page = client.get(_check(response)).content.decode()
    day = day_month_text(source.submitted_at, "da")
    reused_part = page[page.index(f"Fra dine svar den {day}") :]
    assert "har jeg været glad og i godt humør" in reused_part  # who5.1 as the patient saw it
    assert "Lidt mindre end halvdelen af tiden" in reused_part  # the answer "2"
    assert "Svar på spørgsmålene igen" in reused_part

    _submit(client, response)
    stored = result_original(response_id=response.pk)
    assert stored.engine_result.score("who5").value == 40
    assert stored.definition_version == "1.2.0"
    event = AuditEvent.objects.get(action="response.reuse", patient=personas.patient)
    assert event.detail["from"] == str(source.public_id)
    assert event.detail["items"] == WHO5_ITEMS


def test_a_who5_sent_15_days_ago_is_asked(personas: Personas, client: Client) -> None:
    _sent(personas, 15)
    response = _opened(personas, client)
    assert _start(client, response) == question_url(response, "who5.1")
    assert not set(WHO5_ITEMS) & set(answers_of(response))
    assert client.get(question_url(response, "who5.1")).status_code == 200
    assert "Fra dine svar den" not in client.get(_check(response)).content.decode()


def test_another_organisations_who5_is_never_used(personas: Personas, client: Client) -> None:
    _sent(personas, 1, organisation=personas.other_organisation)
    response = _opened(personas, client)
    assert _start(client, response) == question_url(response, "who5.1")
    assert not set(WHO5_ITEMS) & set(answers_of(response))


def test_a_who5_with_an_item_unanswered_is_not_reused(personas: Personas, client: Client) -> None:
    _sent(personas, 2, {k: v for k, v in WHO5_FORTY.items() if k != "who5.5"})
    response = _opened(personas, client)
    assert _start(client, response) == question_url(response, "who5.1")
    assert not set(WHO5_ITEMS) & set(answers_of(response))


def test_a_who5_not_sent_is_not_reused(personas: Personas, client: Client) -> None:
    version = factories.published_version("who5", version="1.2.0")
    factories.response_with_answers(personas.patient, version, WHO5_FORTY)  # saved, not sent
    response = _opened(personas, client)
    assert _start(client, response) == question_url(response, "who5.1")


def test_answering_again_asks_the_who5_questions_and_reuses_nothing_more(
    personas: Personas, client: Client
) -> None:
    _sent(personas, 3)
    response = _opened(personas, client)
    _start(client, response)
    reply = client.post(f"/answer/{response.public_id}/again/who5/")
    assert reply["Location"] == question_url(response, "who5.1") + "?from=check"
    assert not set(WHO5_ITEMS) & set(answers_of(response))
    # Opening it again asks them: the patient chose to answer, not to reuse.
    assert _start(client, response) == question_url(response, "who5.1")
    page = client.get(question_url(response, "who5.1") + "?from=check")
    assert page.status_code == 200
    for item_id in WHO5_ITEMS:
        client.post(question_url(response, item_id) + "?from=check", {"answer": "5"})
    assert "Fra dine svar den" not in client.get(_check(response)).content.decode()
    _submit(client, response)
    assert result_original(response_id=response.pk).engine_result.score("who5").value == 100
    response.refresh_from_db()
    assert not response.reused


def test_answers_reused_once_are_not_reused_again(personas: Personas, client: Client) -> None:
    """A reused answer keeps the day the patient gave it: a response that
    reused WHO-5 is never the source of another reuse (the window would slide)."""
    first = _sent(personas, 13)
    response = _opened(personas, client)
    _start(client, response)
    _submit(client, response)
    # Two days later the first WHO-5 is 15 days old: nothing to reuse.
    Response.objects.filter(pk=first.pk).update(submitted_at=first.submitted_at - dt.timedelta(2))
    later = _opened(personas, Client())
    assert later.pk != response.pk
    later.refresh_from_db()
    assert not later.reused


def _clinician(personas: Personas, language: str) -> Client:
    client = Client()
    client.force_login(personas.clinician)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize(
    ("language", "score", "answer"),
    [
        ("da", "WHO-5 trivselsscore fra patientens svar den {day} (genbrugt)", "(fra patientens"),
        ("en", "WHO-5 well-being score from the patient's answers of {day} (reused)", "(from the"),
    ],
)
def test_the_summary_says_the_who5_is_reused_with_the_day(
    personas: Personas, client: Client, language: str, score: str, answer: str
) -> None:
    source = _sent(personas, 13)
    response = _opened(personas, client)
    _start(client, response)
    _submit(client, response)
    page = _clinician(personas, language).get(f"/responses/{response.public_id}/")
    html = page.content.decode()
    day = day_text(timezone.localdate(source.submitted_at), language)
    scores = html[html.index('id="scores-title"') : html.index('id="answers-title"')]
    assert score.format(day=day).replace("'", "&#x27;") in scores
    answers = html[html.index('id="answers-title"') :]
    assert answers.count(answer) == 5  # each WHO-5 answer is marked, no other
    record = _clinician(personas, language).post(f"/responses/{response.public_id}/record-text")
    assert score.format(day=day) in record.content.decode()


def test_publishing_the_same_version_with_another_reuse_is_refused() -> None:
    from questionnaires.library import LIBRARY_DIR, read_published
    from questionnaires.services import PublishError, questionnaire_publish

    factories.published_version("chronic_pain", version="1.2.0")
    content, _ = read_published(LIBRARY_DIR / "chronic_pain" / "1.2.0.yaml")
    with pytest.raises(PublishError, match="bump the version"):
        questionnaire_publish(content=content, source="chronic_pain/1.2.0.yaml", reuse={})
    assert QuestionnaireVersion.objects.get(questionnaire_id="chronic_pain").reuse == {"who5": 14}

"""Check your answers, submit exactly once, thank you — and help now after a safety rule."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from questionnaires.models import Invitation, Response, ScoringResult
from tests.conftest import Personas
from tests.factories import answers_of
from tests.questionnaires.test_patient_flow import (
    PHQ9_ALL_ZERO,
    answer_all,
    invite,
    open_phq9,
    post_answer,
    question_url,
    response_of,
    unlock,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(personas: Personas, client: Client) -> tuple[Invitation, Response]:
    return open_phq9(personas, client)


def check_token(client: Client, response: Response) -> str:
    page = client.get(f"/answer/{response.public_id}/check/").content.decode()
    found = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def submit(client: Client, response: Response, token: str) -> object:
    return client.post(f"/answer/{response.public_id}/submit/", {"submission_token": token})


def test_the_last_answer_leads_to_check_your_answers(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, {k: v for k, v in PHQ9_ALL_ZERO.items() if k != "phq9.9"})
    reply = post_answer(client, response, "phq9.9", "0")
    assert reply["Location"] == f"/answer/{response.public_id}/check/"


def test_check_your_answers_lists_every_answer_with_a_change_link(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, PHQ9_ALL_ZERO)
    page = client.get(f"/answer/{response.public_id}/check/").content.decode()
    for n in range(1, 10):
        assert f'href="{question_url(response, f"phq9.{n}")}?from=check"' in page
    assert page.count('class="answers-row"') == 9


def test_a_change_from_check_your_answers_returns_to_it(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, PHQ9_ALL_ZERO)
    reply = client.post(
        question_url(response, "phq9.4") + "?from=check", {"answer": "2", "action": "continue"}
    )
    assert reply["Location"] == f"/answer/{response.public_id}/check/"


def test_unanswered_required_questions_block_sending_and_are_linked(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, {"phq9.1": "0"})
    page = client.get(f"/answer/{response.public_id}/check/").content.decode()
    assert "data-error-summary" in page
    assert f'href="{question_url(response, "phq9.2")}?from=check"' in page
    assert 'name="submission_token"' not in page


def _error_summary_links(page: str) -> list[str]:
    summary = re.search(r"data-error-summary.*?</ul>", page, re.DOTALL)
    assert summary, page
    return re.findall(r'<li><a href="([^"]+)"', summary.group(0))


@pytest.mark.parametrize(
    ("answered", "linked"),
    [
        (4, [5, 6, 7, 8, 9]),  # five missing: each one linked
        (3, [4]),  # six missing: only the way to the first
    ],
)
def test_up_to_five_unanswered_questions_are_each_linked_more_only_the_first(
    opened, client: Client, answered: int, linked: list[int]
) -> None:
    _, response = opened
    answer_all(client, response, {f"phq9.{n}": "0" for n in range(1, answered + 1)})
    page = client.get(f"/answer/{response.public_id}/check/").content.decode()
    assert _error_summary_links(page) == [
        f"{question_url(response, f'phq9.{n}')}?from=check" for n in linked
    ]


def test_submitting_scores_once_and_shows_thank_you(opened, client: Client) -> None:
    invitation, response = opened
    answer_all(client, response, PHQ9_ALL_ZERO)
    reply = submit(client, response, check_token(client, response))
    assert reply["Location"] == f"/answer/{response.public_id}/done/"
    response.refresh_from_db()
    invitation.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED
    assert invitation.state == Invitation.State.SUBMITTED
    assert ScoringResult.objects.filter(response=response).count() == 1
    page = client.get(reply["Location"]).content.decode()
    assert "Lægerne i Søby" in page


def test_a_double_click_and_the_back_button_give_one_response(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, PHQ9_ALL_ZERO)
    token = check_token(client, response)
    first = submit(client, response, token)
    second = submit(client, response, token)  # double click / back button and resubmit
    assert first["Location"] == second["Location"] == f"/answer/{response.public_id}/done/"
    assert ScoringResult.objects.filter(response=response).count() == 1
    # The check page after submit goes to thank-you, not to a new submit form.
    assert client.get(f"/answer/{response.public_id}/check/")["Location"].endswith("/done/")


def test_two_tabs_submitting_give_one_response(personas: Personas) -> None:
    invitation, token = invite(personas)
    tab_one, tab_two = Client(), Client()
    unlock(tab_one, token, personas.patient.birth_date)
    unlock(tab_two, token, personas.patient.birth_date)
    response = response_of(invitation)
    answer_all(tab_one, response, PHQ9_ALL_ZERO)
    token_one, token_two = check_token(tab_one, response), check_token(tab_two, response)
    assert token_one == token_two
    submit(tab_one, response, token_one)
    assert submit(tab_two, response, token_two)["Location"].endswith("/done/")
    assert ScoringResult.objects.filter(response=response).count() == 1


def test_a_submit_from_a_page_older_than_the_last_change_is_sent_back_to_check(
    personas: Personas,
) -> None:
    invitation, token = invite(personas)
    tab_one, tab_two = Client(), Client()
    unlock(tab_one, token, personas.patient.birth_date)
    unlock(tab_two, token, personas.patient.birth_date)
    response = response_of(invitation)
    answer_all(tab_one, response, PHQ9_ALL_ZERO)
    stale = check_token(tab_one, response)
    post_answer(tab_two, response, "phq9.2", "3")  # changed in the other tab
    reply = submit(tab_one, response, stale)
    assert reply["Location"] == f"/answer/{response.public_id}/check/?changed=1"
    assert not ScoringResult.objects.filter(response=response).exists()
    assert submit(tab_one, response, check_token(tab_one, response))["Location"].endswith("/done/")


def test_answers_cannot_be_changed_after_submit(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, PHQ9_ALL_ZERO)
    submit(client, response, check_token(client, response))
    reply = post_answer(client, response, "phq9.1", "3")
    assert reply["Location"].endswith("/done/")
    assert answers_of(response)["phq9.1"] == "0"
    assert client.get(question_url(response, "phq9.1"))["Location"].endswith("/done/")


def test_the_thank_you_page_shows_the_patient_support_text(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, PHQ9_ALL_ZERO)
    submit(client, response, check_token(client, response))
    page = client.get(f"/answer/{response.public_id}/done/").content.decode()
    # phq9's patient_support.default (no rule fired)
    assert "Din læge ser dem før jeres samtale" in page
    assert "safety-box" not in page


def test_a_safety_answer_shows_where_to_get_help_now(opened, client: Client) -> None:
    _, response = opened
    answer_all(client, response, {**PHQ9_ALL_ZERO, "phq9.9": "1"})
    submit(client, response, check_token(client, response))
    page = client.get(f"/answer/{response.public_id}/done/").content.decode()
    assert "safety-box" in page
    for number in ('href="tel:112"', 'href="tel:1813"', 'href="tel:+4570201201"'):
        assert number in page
    assert "70 201 201" in page


def test_the_help_text_is_reachable_from_every_patient_page(opened, client: Client) -> None:
    _, response = opened
    for url in (
        "/answer/",
        question_url(response, "phq9.1"),
        f"/answer/{response.public_id}/check/",
    ):
        assert 'href="/help/"' in client.get(url).content.decode()
    help_page = client.get("/help/").content.decode()
    assert 'href="tel:112"' in help_page
    assert 'href="tel:1813"' in help_page
    assert "70 201 201" in help_page


def test_the_next_questionnaire_is_offered_after_thank_you(
    personas: Personas, client: Client
) -> None:
    invitation, token = invite(personas, "phq9", "gad7")
    unlock(client, token, personas.patient.birth_date)
    phq9 = response_of(invitation, "phq9")
    answer_all(client, phq9, PHQ9_ALL_ZERO)
    submit(client, phq9, check_token(client, phq9))
    page = client.get(f"/answer/{phq9.public_id}/done/").content.decode()
    assert f'href="/answer/{response_of(invitation, "gad7").public_id}/"' in page
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.IN_PROGRESS

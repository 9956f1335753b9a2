"""Issue 14's new patient pages in a real browser (Danish and English, phone width,
axe and IBM's engine on every page):

* chronic pain 1.2.0 does not ask a WHO-5 sent less than two weeks ago; the check
  page shows those answers with the day they were given, and "Answer these
  questions again" asks them;
* the rest of the GAD-7 is asked only when GAD-2 is 3 or more.

Screenshots: test-artifacts/screenshots/review-*.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from questionnaires.models import Response
from questionnaires.results import result_compute, result_store
from tests import factories
from tests.conftest import Personas
from tests.e2e import data
from tests.e2e.conftest import (
    PHONE,
    SCREENSHOTS,
    ace_violations,
    axe_violations,
    fill_birth_date,
    set_language,
)

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = pytest.mark.parametrize("language", ["da", "en"])
WHO5_ITEMS = [f"who5.{n}" for n in range(1, 6)]
# The same answers as tests/questionnaires/test_reuse_who5.py: "2" is "a little less than
# half of the time" / "lidt mindre end halvdelen af tiden" (WHO-5's own wording).
WHO5_SENT = dict.fromkeys(WHO5_ITEMS, "2")
SAID_AGAIN = {"da": "Svar på spørgsmålene igen", "en": "Answer these questions again"}
FROM_DAY = {"da": "Fra dine svar den", "en": "From your answers of"}
HALF = {"da": "Lidt mindre end halvdelen af tiden", "en": "Less than half of the time"}


def _looked_at(page: Any, name: str) -> None:
    assert axe_violations(page) == [], name
    assert ace_violations(page) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"review-{name}.png"), full_page=True)


def _opened(
    personas: Personas,
    new_context: Callable[..., Any],
    site: str,
    language: str,
    answered: Callable[[Response], dict[str, Any]] | None = None,
) -> tuple[Any, Response]:
    """Chronic pain 1.2.0 opened from its link on a phone, in ``language``, with
    the ``answered`` answers already given (as if on an earlier visit)."""
    invitation, link = data.invite(
        personas.patient, personas.secretary, "chronic_pain", version="1.2.0"
    )
    response = data.response(invitation, "chronic_pain")
    if answered:
        data.give_answers(response, answered(response))
    context = new_context(viewport=PHONE)
    set_language(context, language, site)
    page = context.new_page()
    page.goto(link)
    fill_birth_date(page, personas.patient.birth_date)
    page.click("main button[type=submit]")
    page.wait_for_url("**/answer/**")
    return page, response


def _who5_sent(personas: Personas, days_ago: int) -> Response:
    version = factories.published_version("who5", version="1.2.0")
    sent = factories.response_with_answers(personas.patient, version, WHO5_SENT)
    sent.organisation = personas.organisation
    sent.status = Response.Status.SUBMITTED
    sent.submitted_at = timezone.now() - dt.timedelta(days=days_ago)
    sent.save()
    result_store(response=sent, result=result_compute(response=sent))
    return sent


def _all_but_who5(response: Response) -> dict[str, Any]:
    definition = response.questionnaire_version.definition
    base = definition.test_vectors[0].answers
    answers = {k: v for k, v in base.items() if not k.startswith("who5.")}
    answers |= {
        item.id: "Ingen"
        for item in definition.items
        if item.type in ("short_text", "long_text") and item.id not in answers
    }
    return {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}


@LANGUAGES
def test_a_who5_sent_13_days_ago_is_shown_on_the_check_page_and_can_be_answered_again(
    personas: Personas, new_context: Callable[..., Any], site: str, language: str
) -> None:
    _who5_sent(personas, 13)
    page, response = _opened(personas, new_context, site, language, _all_but_who5)
    page.goto(f"/answer/{response.public_id}/")  # carry on: everything asked is answered
    page.wait_for_url("**/check/")
    reused = page.locator("main").inner_text()
    reused = reused[reused.index(FROM_DAY[language]) :]
    assert HALF[language].lower() in reused.lower()  # the answer as the patient gave it
    again = page.get_by_role("button", name=SAID_AGAIN[language])
    assert again.is_visible()
    _looked_at(page, f"reuse-check-{language}")
    again.click()
    page.wait_for_url("**/q/who5.1/?from=check")
    assert page.locator("input[name=answer]").first.is_visible()
    _looked_at(page, f"reuse-again-{language}")


@pytest.mark.parametrize("language", ["da"])
def test_the_rest_of_the_gad7_follows_only_a_gad2_of_3_or_more(
    personas: Personas, new_context: Callable[..., Any], site: str, language: str
) -> None:
    page, response = _opened(personas, new_context, site, language)
    page.goto(f"/answer/{response.public_id}/q/gad7.1/")
    page.click("label[for='answer-1']")
    page.click("button[value=continue]")
    page.wait_for_url("**/q/gad7.2/")
    _looked_at(page, f"gad2-{language}")
    page.click("label[for='answer-1']")  # GAD-2 = 1 + 1 = 2: on to WHO-5
    page.click("button[value=continue]")
    page.wait_for_url("**/q/who5.1/")
    page.go_back()
    page.wait_for_url("**/q/gad7.2/")
    page.click("label[for='answer-2']")  # GAD-2 = 1 + 2 = 3: the rest of the GAD-7
    page.click("button[value=continue]")
    page.wait_for_url("**/q/gad7.3/")
    _looked_at(page, f"gad7-rest-{language}")

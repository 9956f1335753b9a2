"""Issue 13, the patient: help at the moment it applies, no dead ends.

Help on the very next page after an answer that raises a safety rule, the
clinic's own numbers (its region's out-of-hours line), the way back to the
check page, post/redirect/get for refused answers, and the smaller fixes.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from questionnaires.answering import _names_read, safety_flags_now
from questionnaires.forms import BirthDateForm
from questionnaires.library import library_paths, load_definition
from questionnaires.models import Invitation, Response
from questionnaires.patient_texts import OUT_OF_HOURS
from questionnaires.services import questionnaire_publish
from tests import factories
from tests.conftest import Personas
from tests.factories import answers_of
from tests.questionnaires.test_kiosk import open_kiosk
from tests.questionnaires.test_patient_flow import (
    PHQ9_ALL_ZERO,
    answer_all,
    birth_date_post,
    invite,
    post_answer,
    question_url,
    response_of,
    unlock,
)
from tests.questionnaires.test_submit_once import check_token, submit

pytestmark = pytest.mark.django_db


def _open(
    personas: Personas, client: Client, questionnaire: str = "phq9", version: str = "1.1.0"
) -> Response:
    invitation, token = invite(personas, questionnaire, version=version)
    assert unlock(client, token, personas.patient.birth_date).status_code == 302
    return response_of(invitation, questionnaire)


@pytest.fixture
def in_zealand(personas: Personas) -> Personas:
    organisation = personas.organisation
    organisation.region = "sjaelland"
    organisation.help_phone = "70 00 00 01"
    organisation.save()
    return personas


def _urgent(response: Response) -> str:
    return f"/answer/{response.public_id}/help-now/"


def _check(response: Response) -> str:
    return f"/answer/{response.public_id}/check/"


# --- Help on the very next page ------------------------------------------------------------


def test_self_harm_thoughts_get_help_on_the_very_next_page(in_zealand, client: Client) -> None:
    response = _open(in_zealand, client)
    answer_all(client, response, {k: v for k, v in PHQ9_ALL_ZERO.items() if k != "phq9.9"})
    reply = post_answer(client, response, "phq9.9", "1")
    assert reply["Location"] == _urgent(response)
    page = client.get(reply["Location"]).content.decode()
    assert "Livslinien" in page
    for number in ('href="tel:112"', 'href="tel:1818"', 'href="tel:70000001"'):
        assert number in page, number
    assert "1813" not in page  # the clinic is in Region Zealand
    assert page.count("lægevagten på 1818") == 1  # the rule's own text, with the clinic's line
    assert f'href="{_check(response)}"' in page  # then carry on where they were going


def test_help_comes_before_saving_and_leaving_too(in_zealand, client: Client) -> None:
    response = _open(in_zealand, client)
    reply = client.post(question_url(response, "phq9.9"), {"answer": "3", "action": "later"})
    assert reply["Location"] == _urgent(response)
    page = client.get(reply["Location"]).content.decode()
    assert 'href="/answer/saved/"' in page


def test_the_advice_is_given_once_not_after_every_later_answer(in_zealand, client: Client) -> None:
    response = _open(in_zealand, client, "depression_anxiety")
    assert post_answer(client, response, "phq9.9", "2")["Location"] == _urgent(response)
    following = post_answer(client, response, "phq9.1", "0")
    assert following["Location"] != _urgent(response)


def test_an_answer_that_raises_no_safety_rule_goes_straight_on(in_zealand, client: Client) -> None:
    response = _open(in_zealand, client)
    reply = post_answer(client, response, "phq9.9", "0")
    assert (
        reply["Location"] == question_url(response, "phq9.1") or "help-now" not in reply["Location"]
    )
    assert client.get(_urgent(response))["Location"] == f"/answer/{response.public_id}/"


def test_the_done_page_repeats_the_help_first_and_says_each_thing_once(
    in_zealand, client: Client
) -> None:
    response = _open(in_zealand, client, version="1.0.0")  # old texts are shown right too
    answer_all(client, response, {**PHQ9_ALL_ZERO, "phq9.1": "3", "phq9.2": "3", "phq9.9": "2"})
    assert submit(client, response, check_token(client, response)).status_code == 302
    page = client.get(f"/answer/{response.public_id}/done/").content.decode()
    help_at = page.index('class="safety-box"')
    assert help_at < page.index(
        "What happens next" if "What happens" in page else "Hvad sker der nu"
    )
    assert page.count("ikke læst med det samme") + page.count("not read straight away") == 1
    assert "1813" not in page
    assert page.count("Livslinien på 70 201 201") <= 1


# --- The clinic's region -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "number"),
    [
        ("hovedstaden", "1813"),
        ("sjaelland", "1818"),
        ("midtjylland", "70113131"),
        ("syddanmark", "70110707"),
        ("nordjylland", "70150300"),
    ],
)
def test_the_help_page_gives_the_clinics_regions_out_of_hours_number(
    personas: Personas, client: Client, region: str, number: str
) -> None:
    personas.organisation.region = region
    personas.organisation.save()
    _open(personas, client)
    page = client.get("/help/").content.decode()
    assert f'href="tel:{number}"' in page
    assert page.count('href="tel:') == 3  # 112, the region's line, Livslinien


def test_a_clinic_without_a_region_shows_every_regions_number(
    personas: Personas, client: Client
) -> None:
    _open(personas, client)
    page = client.get("/help/").content.decode()
    for number in ("1813", "1818", "70113131", "70110707", "70150300"):
        assert f'href="tel:{number}"' in page


def test_no_new_definition_names_the_capital_regions_number_to_patients() -> None:
    # Every version from 1.1.0 on, the newest of each questionnaire among them.
    newest = [p for p in library_paths() if p.name != "1.0.0.yaml"]
    assert len({p.parent.name for p in newest}) == 13
    for path in newest:
        definition = load_definition(path)
        texts = [str(dict(rule.patient_text or {})) for rule in definition.rules]
        texts.append(str(definition.patient_support))
        said = " ".join(texts)
        assert "1813" not in said, path
        assert "Hovedstaden" not in said, path
        assert "Capital Region" not in said, path
        assert set(re.findall(r"\{[a-z_]+\}", said)) <= {OUT_OF_HOURS}, path
    heart_failure = load_definition(factories.newest_library_paths()["heart_failure"])
    assert OUT_OF_HOURS in str(heart_failure.patient_support)


# --- No dead end from "check your answers" -------------------------------------------------


@pytest.fixture
def basic_checked(personas: Personas, client: Client) -> Response:
    """Basic data answered to the check page, the optional waist left empty."""
    response = _open(personas, client, "basic_data")
    answers = {
        "basic.weight": "72",
        "basic.height": "180",
        "basic.waist": "",
        "basic.bp_measured": "no",
        "basic.smoking": "never",
        "basic.alcohol_week": "3",
        "basic.alcohol_max_day": "2",
        "basic.activity_moderate": "60",
        "basic.activity_vigorous": "0",
        "basic.diet_fruitveg": "3to5",
        "basic.diet_fish": "once_week",
        "basic.kram_talk": None,
    }
    answer_all(client, response, answers)
    return response


def _from_check(response: Response, item_id: str) -> str:
    return question_url(response, item_id) + "?from=check"


def test_an_optional_question_left_empty_goes_back_to_the_check_page(
    basic_checked: Response, client: Client
) -> None:
    response = basic_checked
    reply = client.post(_from_check(response, "basic.waist"), {"action": "continue", "answer": ""})
    assert reply["Location"] == _check(response)


def test_an_answer_changed_from_the_check_page_goes_back_to_it(
    basic_checked: Response, client: Client
) -> None:
    response = basic_checked
    reply = client.post(
        _from_check(response, "basic.weight"), {"action": "continue", "answer": "73"}
    )
    assert reply["Location"] == _check(response)
    assert answers_of(response)["basic.weight"] == 73


def test_back_from_a_question_opened_from_the_check_page_leads_to_it(
    basic_checked: Response, client: Client
) -> None:
    response = basic_checked
    page = client.get(_from_check(response, "basic.waist")).content.decode()
    assert f'class="back-link" href="{_check(response)}"' in page


def test_a_required_question_still_unanswered_is_asked_before_the_check_page(
    basic_checked: Response, client: Client
) -> None:
    response = basic_checked
    reply = client.post(
        _from_check(response, "basic.bp_measured"), {"action": "continue", "answer": "yes"}
    )
    assert reply["Location"] == _from_check(response, "basic.bp_sys")


# --- Refused answers: post/redirect/get, nothing lost --------------------------------------


def test_a_refused_answer_redirects_and_shows_what_was_typed_with_the_error(
    personas: Personas, client: Client
) -> None:
    response = _open(personas, client, "basic_data")
    reply = client.post(
        question_url(response, "basic.weight"), {"action": "continue", "answer": "7x2"}
    )
    assert reply.status_code == 302
    assert reply["Location"] == question_url(response, "basic.weight")
    page = client.get(reply["Location"]).content.decode()
    assert "data-error-summary" in page
    assert 'value="7x2"' in page
    # Shown once: a reload (or Back to it) is a plain page, nothing to resend.
    assert "data-error-summary" not in client.get(reply["Location"]).content.decode()


def test_text_over_the_limit_is_refused_with_its_length_and_kept_whole(
    personas: Personas, client: Client
) -> None:
    response = _open(personas, client, "chronic_pain")
    definition = response.questionnaire_version.definition
    item = definition.item("goals.text")  # asked whatever the other answers
    limit = item.max_length
    written = "Jeg har ondt. " * (limit // 13 + 5)
    reply = client.post(question_url(response, item.id), {"action": "continue", "answer": written})
    page = client.get(reply["Location"]).content.decode()
    assert f"{len(written.strip())}" in page
    assert written.strip() in page  # nothing cut
    assert "maxlength" not in page  # the browser does not cut a paste either
    assert item.id not in answers_of(response)


# --- The smaller fixes -----------------------------------------------------------------------


def test_an_impossible_birth_date_says_the_date_does_not_exist(
    personas: Personas, client: Client
) -> None:
    _invitation, token = invite(personas)
    page = client.post(
        f"/i/{token}/", birth_date_post(dt.date(1980, 2, 1)) | {"birth-day": "31"}
    ).content.decode()
    assert "findes ikke" in page or "does not exist" in page
    assert "4 tal" not in page
    assert "4 numbers" not in page


def test_the_locked_link_page_gives_the_clinics_phone_number(
    personas: Personas, client: Client
) -> None:
    personas.organisation.help_phone = "70 00 00 01"
    personas.organisation.save()
    invitation, token = invite(personas)
    Invitation.objects.filter(pk=invitation.pk).update(locked_at=dt.datetime.now(dt.UTC))
    page = client.get(f"/i/{token}/").content.decode()
    assert 'href="tel:70000001"' in page
    assert "Lægerne i Søby" in page


def test_the_kiosk_offers_stop_on_every_page_and_stopping_wipes_the_tablet(
    personas: Personas,
) -> None:
    invitation, _token = invite(personas)
    client, _kiosk = open_kiosk(personas)
    response = response_of(invitation)
    for url in ("/answer/", question_url(response, "phq9.1"), _check(response), "/help/"):
        assert 'action="/kiosk/stop/"' in client.get(url).content.decode(), url
    post_answer(client, response, "phq9.1", "2")
    reply = client.post("/kiosk/stop/")
    assert reply["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    restored = client.get(reply["Location"])
    assert restored["Location"] == "/kiosk/?ended=stopped"
    assert client.get(question_url(response, "phq9.2"))["Location"] == "/kiosk/"
    assert answers_of(response)["phq9.1"] == "2"


def test_the_invitation_e_mail_gives_the_clinics_line_and_number(personas: Personas) -> None:
    personas.organisation.region = "nordjylland"
    personas.organisation.help_phone = "70 00 00 01"
    personas.organisation.save()
    invite(personas, email=True, sms=False)
    body = mail.outbox[0].body
    assert "lægevagten på 70 15 03 00" in body
    assert "70 00 00 01" in body
    assert "1813" not in body


def _two_questions() -> dict[str, object]:
    """A small definition whose safety rule reads a question through missing():
    only "skipped for good" may raise it, never "not reached yet"."""

    def both(value: str) -> dict[str, str]:
        return {"da": value, "en": value}

    yes_no = {"type": "yes_no", "required": False}
    return {
        "format": 1,
        "id": "help_timing",
        "version": "1.0.0",
        "languages": ["da", "en"],
        "title": both("Timing"),
        "description": both("Two questions."),
        "intended_use": "dialogue",
        "patient_group": {"description": both("Test"), "inclusion": [], "exclusion": []},
        "recall_period": both("now"),
        "provenance": {"kind": "own", "note": both("PRO Portal")},
        "instruments": [{"id": "portal", "name": "PRO Portal", "licence": "own", "source": "own"}],
        "sections": [
            {
                "id": "s",
                "kind": "generic",
                "title": both("S"),
                "items": [
                    {"id": "q.a", "text": both("A?"), **yes_no},
                    {"id": "q.b", "text": both("B?"), **yes_no},
                ],
            }
        ],
        "rules": [
            {
                "id": "a_yes_and_b_unanswered",
                "when": "q.a = 'yes' and missing(q.b)",
                "colour": "red",
                "safety": True,
                "clinician_text": both("Call."),
                "patient_text": both("Call now."),
                "source": "test",
            }
        ],
        "test_vectors": [],
    }


def test_a_safety_rule_waits_for_questions_not_reached_yet(personas: Personas) -> None:
    version = questionnaire_publish(content=_two_questions(), source="test").version
    response = factories.response_with_answers(personas.patient, version, {"q.a": "yes"})
    # Just answered A: B is still ahead, so "B unanswered" is not known yet.
    assert safety_flags_now(response=response, passed="q.a") == []
    # B passed empty (skipped for good), or from the check page: now it is.
    for passed in ("q.b", None):
        flags = safety_flags_now(response=response, passed=passed)
        assert [f.rule_id for f in flags] == ["a_yes_and_b_unanswered"]


def test_the_help_page_of_a_response_sent_meanwhile_leads_to_the_done_page(
    in_zealand, client: Client
) -> None:
    response = _open(in_zealand, client)
    answer_all(client, response, {k: v for k, v in PHQ9_ALL_ZERO.items() if k != "phq9.9"})
    assert post_answer(client, response, "phq9.9", "1")["Location"] == _urgent(response)
    assert submit(client, response, check_token(client, response)).status_code == 302
    assert client.get(_urgent(response))["Location"] == f"/answer/{response.public_id}/done/"


def test_a_rule_on_a_score_reads_the_scores_questions(personas: Personas) -> None:
    definition = factories.published_version("phq9").definition
    assert _names_read(definition, "phq9 >= 10 and phq9.9 > 0") == {
        f"phq9.{n}" for n in range(1, 10)
    }


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "1980", "does not exist: February has 29 days"),
        ("29", "2", "1981", "does not exist: February has 28 days"),
        ("31", "4", "80", "does not exist: April has 30 days"),  # before the year's length
        ("3", "13", "1980", "The month must be a number from 1 to 12"),
        ("3", "1", "80", "The year must have 4 numbers"),
        ("3", "1", "0000", "The date must be a real date"),
    ],
)
def test_a_wrong_birth_date_says_what_is_wrong_with_it(
    day: str, month: str, year: str, message: str
) -> None:
    with translation.override("en"):
        form = BirthDateForm({"birth-day": day, "birth-month": month, "birth-year": year})
        assert message in form.error


def test_stop_on_a_browser_that_is_no_kiosk_wipes_nothing(client: Client) -> None:
    assert client.post("/kiosk/stop/").status_code == 403

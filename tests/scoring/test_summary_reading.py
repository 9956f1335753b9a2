"""What the GP reads on the summary: one review status, the reader's dates
and numbers, band names in words, and the text for the record, audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from pro_portal.models import AuditEvent
from questionnaires.library import LIBRARY_DIR, read_definition
from questionnaires.services import questionnaire_record_review
from tests import factories
from tests.questionnaires.content import with_permission

pytestmark = pytest.mark.django_db
PAIN_FILE = read_definition(LIBRARY_DIR / "chronic_pain/1.0.0.yaml")
PAIN = {v["id"]: v for v in PAIN_FILE["test_vectors"]}
# Hand-computed in the file: PEG (5+5+5)/3 = 5.0 last time; today (7+7+6)/3 = 6.7,
# PHQ-9 19 ("moderately severe", yellow under the team rule phq9_total_10_to_19).
LAST_TIME = PAIN["base_green"]["answers"]
TODAY = {
    **PAIN["mood_just_below_red_yellow"]["answers"],
    "pain.avg": 7,
    "pain.enjoyment": 7,
    "pain.activity": 6,
}


def reviewer(clinician):
    """The clinician as clinical reviewer (the review permission too)."""
    return with_permission(clinician, "review_questionnaires")


def _client(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def response(personas):
    version = factories.published_version("chronic_pain")
    with time_machine.travel(dt.datetime(2026, 11, 4, 10, 0, tzinfo=dt.UTC), tick=False):
        factories.submitted(personas.patient, version, LAST_TIME)
    with time_machine.travel(dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC), tick=False):
        return factories.submitted(personas.patient, version, TODAY)


def _page(client: Client, response) -> str:
    return client.get(f"/responses/{response.public_id}/").content.decode()


def test_a_review_the_demo_recorded_is_a_demo_review_and_the_status_is_one(
    personas, response
) -> None:
    questionnaire_record_review(
        version=response.questionnaire_version,
        reviewer=reviewer(personas.clinician),
        reviewed_on=dt.date(2026, 12, 4),
        by=None,
        demo=True,
    )
    html = _page(_client(personas.clinician, "da"), response)
    assert "Klinisk gennemgået" not in html
    assert html.count("Afventer klinisk gennemgang.") == 2  # the banner and the footer
    assert "en demo-gennemgang, ikke en klinisk gennemgang" in html
    assert "4. december 2026" in html
    assert "2026-12-04" not in html


def test_a_clinical_review_is_named_with_its_date_in_the_readers_words(personas, response) -> None:
    questionnaire_record_review(
        version=response.questionnaire_version,
        reviewer=reviewer(personas.clinician),
        reviewed_on=dt.date(2026, 12, 4),
        by=None,
    )
    html = _page(_client(personas.clinician, "en"), response)
    assert html.count("Clinically reviewed by") == 2  # the banner and the footer
    assert "Dec. 4, 2026" in html
    assert "await clinical review" not in html  # the site-wide footer gives way


@pytest.mark.parametrize(
    ("language", "peg", "change", "band", "date"),
    [
        ("da", "6,7", "+1,7", "Moderat svær (15–19)", "4. december 2026"),
        ("en", "6.7", "+1.7", "Moderately severe (15–19)", "Dec. 4, 2026"),
    ],
)
def test_numbers_dates_and_bands_are_in_the_readers_words(
    personas, response, language: str, peg: str, change: str, band: str, date: str
) -> None:
    html = _page(_client(personas.clinician, language), response)
    flags = html[html.index('id="flags-title"') : html.index('id="brief-title"')]
    assert f"<strong>19</strong> – {band}" in flags  # the PHQ-9 flag's score, in words
    assert "moderately_severe" not in html
    changes = html[html.index('id="changes-title"') : html.index('id="scores-title"')]
    assert f"<strong>{peg}</strong>" in changes
    assert change in changes
    assert date in html
    # (The charts' own axis labels are scoring/charts.py's, drawn apart.)
    assert "04.12.26" not in re.sub(r"<svg.*?</svg>", "", html, flags=re.DOTALL)


def test_the_text_for_the_record_is_served_through_the_door_and_audited(personas, response) -> None:
    client = _client(personas.clinician, "da")
    before = AuditEvent.objects.filter(action="summary.copy").count()
    reply = client.post(f"/responses/{response.public_id}/record-text")
    assert reply["Content-Type"].startswith("text/plain")
    text = reply.content.decode()
    assert "Samlet: Gul" in text
    assert "PHQ-9 total: 19 – Moderat svær (15–19)" in text
    assert "4. december 2026" in text
    assert "phq9_total_10_to_19" not in text
    event = AuditEvent.objects.filter(action="summary.copy").latest("at")
    assert event.patient_id == personas.patient.pk
    assert event.actor_id == personas.clinician.pk
    # Without JavaScript: the same text on a page, in a read-only box, audited too.
    page = client.get(f"/responses/{response.public_id}/record-text").content.decode()
    assert "readonly" in page
    assert "Samlet: Gul" in page
    assert AuditEvent.objects.filter(action="summary.copy").count() == before + 2


def test_a_secretary_gets_no_text_for_the_record(personas, response) -> None:
    reply = _client(personas.secretary, "da").post(f"/responses/{response.public_id}/record-text")
    assert reply.status_code == 404
    assert not AuditEvent.objects.filter(action="summary.copy").exists()


def test_the_patient_in_brief_and_age_and_sex_open_the_summary(personas, response) -> None:
    html = _page(_client(personas.clinician, "da"), response)
    brief = html[html.index('id="brief-title"') : html.index('id="waiting-title"')]
    assert "1–5 år" in brief  # how long
    assert "Lænd (nederste del af ryggen), Venstre hofte" in brief  # where
    assert "Gå ture med mit barnebarn" in brief  # goals
    patient = personas.patient
    today = timezone.localdate()
    age = today.year - patient.birth_date.year
    age -= (today.month, today.day) < (patient.birth_date.month, patient.birth_date.day)
    with translation.override("da"):
        sex = str(patient.get_sex_display()).lower()
    assert f"{age} år, {sex}" in html


def test_a_safety_rule_left_unknown_is_named_by_the_question_left_empty(personas) -> None:
    """Vector red_flags_unanswered_not_assessable: the red-flag question was skipped."""
    from django.template.loader import render_to_string

    from questionnaires.models import Response
    from questionnaires.results import result_original, result_store
    from scoring.engine.vectors import evaluate_vector
    from scoring.summary import summary_build

    version = factories.published_version("chronic_pain")
    definition = version.definition
    vector = next(
        v for v in definition.test_vectors if v.id == "red_flags_unanswered_not_assessable"
    )
    response = factories.response_with_answers(personas.patient, version, dict(vector.answers))
    response.status = Response.Status.SUBMITTED
    response.submitted_at = timezone.now()
    response.save(update_fields=["status", "submitted_at"])
    result_store(response=response, result=evaluate_vector(definition, vector))
    question = definition.item("pain.red_flags").text["da"]

    html = _page(_client(personas.clinician, "da"), response)
    # A safety question: shown with the red flags, not as a note (test_safety_unanswered.py).
    shown = html[html.index('class="flag flag-red unanswered"') : html.index('id="brief-title"')]
    assert question in shown
    assert "Ubesvaret — spørg direkte" in shown
    # The PDF, which renders the same data, names the question too.
    with translation.override("da"):
        summary = summary_build(
            response=response, stored=result_original(response_id=response.pk), language="da"
        )
        pdf_html = render_to_string("scoring/summary_pdf.html", {"s": summary})
    assert question in pdf_html
    assert "NotAssessableShown" not in pdf_html

"""One answer, one text: what the patient reads on "check your answers" is what
the clinician reads in the summary — among all answers, under the flag it
raised, and in the PDF — for every item type, in each reader's language.

The patient answers through the question pages (as a patient would), checks,
sends; the clinician opens the summary in the same language.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from questionnaires.invitations import invitation_create
from questionnaires.services import (
    questionnaire_activate,
    questionnaire_publish,
    questionnaire_record_review,
)
from scoring.engine.item_types import ITEM_TYPES
from tests import factories
from tests.conftest import Personas
from tests.engine.builders import definition, options, text
from tests.questionnaires.test_patient_flow import post_answer, unlock

pytestmark = pytest.mark.django_db

REGIONS = [
    {"code": "knee_left", "value": 1, "label": {"da": "Venstre knæ", "en": "Left knee"}},
    {"code": "lower_back", "value": 1, "label": {"da": "Lænd", "en": "Lower back"}},
]
DATE = {"answer-day": "31", "answer-month": "5", "answer-year": "2024"}

# type: (extra keys, what the patient posts per language, what both pages show per language)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, str]]] = {
    "single_choice": (
        {"options": options(range(3))},
        {"da": "1", "en": "1"},
        {"da": "option 1 (da)", "en": "option 1"},
    ),
    "multiple_choice": (
        {"options": options(range(3))},
        {"da": ["2", "0"], "en": ["2", "0"]},
        {"da": "option 0 (da), option 2 (da)", "en": "option 0, option 2"},
    ),
    "integer": (
        {"min": 0, "max": 30000, "unit": {"da": "skridt", "en": "steps"}},
        {"da": "12500", "en": "12500"},
        {"da": "12500 skridt", "en": "12500 steps"},
    ),
    "decimal": (
        {"min": 20, "max": 300, "decimals": 1, "unit": {"da": "kg", "en": "kg"}},
        {"da": "72,5", "en": "72.5"},
        {"da": "72,5 kg", "en": "72.5 kg"},
    ),
    "nrs": (
        {"anchors": {"low": text("No pain"), "high": text("Worst pain")}},
        {"da": "7", "en": "7"},
        {"da": "7", "en": "7"},
    ),
    "yes_no": ({}, {"da": "yes", "en": "yes"}, {"da": "Ja", "en": "Yes"}),
    # The summary used to write the ISO date (2024-05-31) where the patient read it.
    "date": ({}, {"da": DATE, "en": DATE}, {"da": "31. maj 2024", "en": "May 31, 2024"}),
    "short_text": ({}, {"da": "Knæet", "en": "The knee"}, {"da": "Knæet", "en": "The knee"}),
    "long_text": (
        {},
        {"da": "Søvn\nog humør", "en": "Sleep\nand mood"},
        {"da": "Søvn\nog humør", "en": "Sleep\nand mood"},
    ),
    "body_regions": (
        {"options": REGIONS},
        {"da": ["lower_back", "knee_left"], "en": ["lower_back", "knee_left"]},
        {"da": "Venstre knæ, Lænd", "en": "Left knee, Lower back"},
    ),
}


def test_every_answered_item_type_is_covered() -> None:
    answered = {name for name, kind in ITEM_TYPES.items() if kind.answer != "none"}
    assert set(CASES) == answered


def every_type() -> dict[str, Any]:
    """A definition with one question of each type and a yellow flag resting on all of them."""
    items = [
        {"id": f"t.{name}", "type": name, "text": text(f"Question {name}"), **extra}
        for name, (extra, _posted, _shown) in CASES.items()
    ]
    every_answer = " and ".join(f"answered(t.{name})" for name in CASES)
    return definition(
        id="every_type",
        sections=[{"id": "all", "kind": "generic", "title": text("All types"), "items": items}],
        scores=[],
        rules=[
            {
                "id": "all_answered",
                "when": every_answer,
                "colour": "yellow",
                "clinician_text": text("Every type answered"),
                "source": "test",
            }
        ],
        test_vectors=[],
    )


def answer_every_type(personas: Personas, client: Client, language: str) -> str:
    """The patient answers every question and sends; returns the check page."""
    version = questionnaire_publish(content=every_type(), source="test").version
    reviewer = factories.version_reviewer()
    questionnaire_record_review(
        version=version, reviewer=reviewer, reviewed_on=dt.date(2026, 1, 1), by=None
    )
    questionnaire_activate(version=version, by=None)
    personas.patient.preferred_language = language
    personas.patient.save(update_fields=["preferred_language"])
    issued = invitation_create(
        patient=personas.patient,
        starts_at=timezone.now() + dt.timedelta(days=2),
        versions=[version],
        by=personas.secretary,
        email=False,
        sms=False,
    )
    unlock(client, issued.link.rstrip("/").rsplit("/", 1)[-1], personas.patient.birth_date)
    response = issued.invitation.responses.get()
    for name, (_extra, posted, _shown) in CASES.items():
        page = client.get(f"/answer/{response.public_id}/q/t.{name}/").content.decode()
        assert html.escape(text(f"Question {name}")[language]) in page  # its widget rendered
        given = posted[language]
        if isinstance(given, dict):  # a date's three boxes
            reply = post_answer(client, response, f"t.{name}", None, **given)
        else:
            reply = post_answer(client, response, f"t.{name}", given)
        assert reply.status_code == 302, (name, reply.content.decode()[:1000])
    check = client.get(f"/answer/{response.public_id}/check/").content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', check)
    assert token is not None
    sent = client.post(
        f"/answer/{response.public_id}/submit/", {"submission_token": token.group(1)}
    )
    assert sent.status_code == 302
    return check


def shown(markup: str) -> str:
    """An answer as a browser shows it: white space collapsed, <br> a line break."""
    collapsed = re.sub(r"\s+", " ", markup)
    with_breaks = re.sub(r"\s*<br\s*/?>\s*", "\n", collapsed)
    return html.unescape(re.sub(r"<[^>]+>", "", with_breaks)).strip()


def rows(page: str, pattern: str) -> dict[str, str]:
    return {shown(q): shown(a) for q, a in re.findall(pattern, page, flags=re.DOTALL)}


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_patient_and_the_clinician_read_the_same_text_for_every_item_type(
    personas: Personas, client: Client, language: str
) -> None:
    check = answer_every_type(personas, client, language)
    clinician = Client()
    clinician.force_login(personas.clinician)
    clinician.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = personas.patient.responses.get()
    summary = clinician.get(f"/responses/{response.public_id}/").content.decode()
    flags = summary[summary.index('id="flags-title"') : summary.index('id="scores-title"')]
    answers = summary[summary.index('id="answers-title"') :]

    patient_read = rows(
        check, r'<dt class="answers-question">(.*?)</dt>\s*<dd class="answers-answer">(.*?)</dd>'
    )
    # The summary's answers: the answer, then (for a flagged one) its colour badge.
    clinician_read = rows(answers, r"<dt>(.*?)</dt>\s*<dd>(.*?)(?: <span class=\"colour .*?)?</dd>")
    under_flag = rows(flags, r"<dt>(.*?)</dt>\s*<dd>[^<]*<strong>(.*?)</strong></dd>")
    read, expected = {}, {}
    for name, (_extra, _posted, texts) in CASES.items():
        question = text(f"Question {name}")[language]
        read[name] = (patient_read[question], clinician_read[question], under_flag[question])
        expected[name] = (texts[language],) * 3  # check page, summary, under the flag
    assert read == expected


def test_the_pdf_writes_answers_as_the_summary_does(personas: Personas, client: Client) -> None:
    answer_every_type(personas, client, "da")
    clinician = Client()
    clinician.force_login(personas.clinician)
    response = personas.patient.responses.get()
    pdf = clinician.get(f"/responses/{response.public_id}/pdf")
    pages = PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    words = " ".join(" ".join(page.extract_text().split()) for page in pages)
    for name in ("date", "decimal", "integer", "yes_no", "body_regions"):
        assert CASES[name][2]["da"] in words, name

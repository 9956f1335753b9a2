"""The summary PDF: page 1 serves the consultation in words, no page is left
mostly blank, and every character printed is one the embedded font has."""

from __future__ import annotations

import datetime as dt
import io
import logging
import unicodedata
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from questionnaires.library import LIBRARY_DIR, read_definition
from scoring.pdf import printable_characters, printable_text, summary_pdf_data
from tests import factories

pytestmark = pytest.mark.django_db
CHRONIC_PAIN = read_definition(LIBRARY_DIR / "chronic_pain/1.0.0.yaml")
VECTORS = {v["id"]: v for v in CHRONIC_PAIN["test_vectors"]}
RED_FLAG = VECTORS["red_flag_bladder_bowel_red"]  # pain_red_flags, red and safety
MM = 72 / 25.4  # PDF points per millimetre
TOP, BOTTOM = 14 * MM, 16 * MM  # the page margins of summary_pdf.html


def pages_of(data: bytes) -> list[tuple[str, float]]:
    """Each page's text and how full its body is (0 to 1): from the top
    margin down to its lowest line of text, the running footer left out."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        height = float(page.mediabox[3])
        lows: list[float] = []

        def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
            y = cm[5] + tm[5] * cm[3]
            if text.strip() and y > BOTTOM:  # the footer sits in the bottom margin
                lows.append(y)  # noqa: B023 - called during this page's extraction only

        text = page.extract_text(visitor_text=visit)
        body = height - TOP - BOTTOM
        pages.append((" ".join(text.split()), (height - TOP - min(lows, default=height)) / body))
    return pages


@pytest.fixture
def three_visits(personas, settings, tmp_path: Path):
    """Chronic pain answered three times, 60 days apart; red today."""
    settings.PRIVATE_FILES_ROOT = tmp_path
    version = factories.published_version("chronic_pain")
    now = timezone.now()
    vectors = (VECTORS["base_green"], VECTORS["who5_fall_12_yellow"], RED_FLAG)
    for days, vector in zip((120, 60, 0), vectors, strict=True):
        with time_machine.travel(now - dt.timedelta(days=days), tick=False):
            response = factories.submitted(personas.patient, version, vector["answers"])
    return response


@pytest.mark.parametrize("language", ["da", "en"])
def test_page_one_holds_what_the_gp_reads_in_words_and_the_rules_wait_in_the_appendix(
    personas, three_visits, language
) -> None:
    pages = pages_of(summary_pdf_data(response_id=three_visits.pk, language=language))
    first, everything = pages[0][0], " ".join(text for text, _ in pages)
    patient = personas.patient
    age = factories.age_on(patient.birth_date, timezone.localdate())
    words = {
        "da": (f"{age} år, mand", "Samlet: ▲ Rød", "Ikke CE-mærket", "Bilag: reglerne bag"),
        "en": (
            f"{age} years old, male",
            "Overall: ▲ Red",
            "Not a CE-marked",
            "Appendix: the rules",
        ),
    }[language]
    for expected in words[:3]:
        assert expected in first
    assert "Søvn" in first  # the patient's own agenda
    rule = next(r for r in CHRONIC_PAIN["rules"] if r["id"] == "pain_red_flags")
    flag_text = rule["clinician_text"][language]
    assert " ".join(flag_text.split())[:40] in first
    for score in CHRONIC_PAIN["scores"]:
        assert " ".join(score["label"][language].split())[:20] in first
    assert "80 → 68 → 80" in first  # WHO-5 over the three visits
    # The formal rule, its id and English source only after the appendix's heading.
    appendix = everything.split(words[3])[1]
    for formal in ("pain_red_flags", "selected(pain.red_flags", "team rule: PRO Portal"):
        assert formal not in first
        assert formal in appendix


@pytest.mark.parametrize("language", ["da", "en"])
def test_page_one_holds_the_patient_in_brief_and_the_change_since_last_time(
    personas, three_visits, language
) -> None:
    # What the web summary's first screen shows beside the flags is on PDF page 1 too.
    first = pages_of(summary_pdf_data(response_id=three_visits.pk, language=language))[0][0]
    brief, since = {
        "da": ("Patienten kort fortalt", "Siden sidst"),
        "en": ("The patient in brief", "Since last time"),
    }[language]
    assert brief in first
    assert since in first
    who5 = next(s for s in CHRONIC_PAIN["scores"] if s["id"] == "who5")
    assert " ".join(who5["label"][language].split())[:20] in first.split(since)[1]


@pytest.mark.parametrize("language", ["da", "en"])
def test_no_page_is_left_mostly_blank(personas, three_visits, language) -> None:
    pages = pages_of(summary_pdf_data(response_id=three_visits.pk, language=language))
    assert len(pages) >= 2  # 40 answers and the appendix follow page 1
    for number, (_, full) in enumerate(pages[:-1], start=1):
        assert full > 0.85, f"page {number} is {full:.0%} full"
    assert pages[-1][0]  # the last page has text of its own, not only the footer


def test_a_short_questionnaire_is_one_page(personas, settings, tmp_path: Path) -> None:
    """PHQ-9 answered once: everything, appendix included, on page 1 (it was
    two pages, page 1 40 % and page 2 27 % full, before the forced break went)."""
    settings.PRIVATE_FILES_ROOT = tmp_path
    version = factories.published_version("phq9")
    response = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    pages = pages_of(summary_pdf_data(response_id=response.pk, language="da"))
    assert len(pages) == 1
    assert "phq9_item9_self_harm" in pages[0][0]  # the appendix, after the answers


def test_an_emoji_the_font_lacks_is_written_in_words_not_printed_as_a_box(
    personas, settings, tmp_path: Path, caplog
) -> None:
    settings.PRIVATE_FILES_ROOT = tmp_path
    version = factories.published_version("chronic_pain")
    answers = {**RED_FLAG["answers"], "agenda.1": "💊 Medicin – virker den? 中文 ok 👍🏽"}
    response = factories.submitted(personas.patient, version, answers)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        data = summary_pdf_data(response_id=response.pk, language="da")
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    first = pages_of(data)[0][0]
    assert (
        "[pill] Medicin – virker den? [tegn, som PDF'en ikke kan vise] ok [thumbs up sign]" in first
    )
    covered = printable_characters()
    for text, _ in pages_of(data):
        missing = {c for c in text if not c.isspace() and ord(c) not in covered}
        assert not missing, f"not in the embedded fonts: {missing}"


def test_every_text_the_library_and_the_catalogue_print_is_in_the_font() -> None:
    """Nothing a definition or a translation says is ever rewritten: the
    fonts have every character of them (a new symbol in a definition fails here)."""
    covered = printable_characters()

    def strings(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [s for value in node.values() for s in strings(value)]
        if isinstance(node, list):
            return [s for value in node for s in strings(value)]
        return []

    texts = [s for path in LIBRARY_DIR.glob("**/*.yaml") for s in strings(read_definition(path))]
    catalogue = Path(__file__).parents[2] / "locale/da/LC_MESSAGES/django.po"
    texts.append(catalogue.read_text(encoding="utf-8"))
    missing = {c for text in texts for c in text if not c.isspace() and ord(c) not in covered}
    assert not missing, {c: unicodedata.name(c, "?") for c in missing}
    assert printable_text("BMI ≥ 40 – “Søvn” → 25,9 ▲") == "BMI ≥ 40 – “Søvn” → 25,9 ▲"

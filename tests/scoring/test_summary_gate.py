"""A GAD-7 not asked because GAD-2 < 3 reads as "not asked: GAD-2 = 2 (< 3)" on
the clinician's summary and in the text for the record — never as a number
(Kroenke et al., Ann Intern Med 2007: GAD-2 cut-off 3; chronic_pain 1.2.0)."""

from __future__ import annotations

import html

import pytest
from django.conf import settings
from django.test import Client

from questionnaires.library import LIBRARY_DIR, read_definition
from tests import factories

pytestmark = pytest.mark.django_db
VECTORS = {
    v["id"]: v["answers"]
    for v in read_definition(LIBRARY_DIR / "chronic_pain/1.2.0.yaml")["test_vectors"]
}


def _client(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _read(personas, vector: str, language: str) -> tuple[str, str]:
    """The summary page and the text for the record, as the clinician reads them."""
    version = factories.published_version("chronic_pain", version="1.2.0")
    response = factories.submitted(personas.patient, version, VECTORS[vector])
    client = _client(personas.clinician, language)
    page = client.get(f"/responses/{response.public_id}/").content.decode()
    record = client.post(f"/responses/{response.public_id}/record-text").content.decode()
    return " ".join(html.unescape(page).split()), record


@pytest.mark.parametrize(
    ("language", "line"),
    [("da", "ikke spurgt: GAD-2 = 2 (< 3)"), ("en", "not asked: GAD-2 = 2 (< 3)")],
)
def test_a_gad7_not_asked_shows_the_gad2_that_gated_it(personas, language: str, line: str) -> None:
    # GAD-2 1 + 1 = 2; the answers "3" to items 3-7 were never asked (a GAD-7 of 17 if they were)
    page, record = _read(personas, "gad2_2_rest_of_gad7_not_asked_green", language)
    assert f"GAD-7 total</th> <td>{line}</td>" in page
    assert f"- GAD-7 total: {line}\n" in record
    assert "GAD-7 total: 17" not in record


def test_a_gad7_asked_shows_its_total_as_before(personas) -> None:
    # GAD-2 2 + 1 = 3 → asked; 2 + 1 + 5 × 3 = 18, severe
    page, record = _read(personas, "gad2_3_gad7_asked_and_red", "en")
    assert "GAD-7 total</th> <td>18</td>" in page
    assert "- GAD-7 total: 18 – Severe (15–21)" in record
    assert "not asked" not in record

"""The first reading of every summary is in the page's language and in words.

For every test vector of every library questionnaire, in Danish and in
English, the summary page outside its disclosures (``<details>``) and the
text copied into the record hold no rule syntax, no rule id, no band code
and no source line (the team's English provenance text): those stay one
click away, in the disclosure under each flag.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from questionnaires.library import LIBRARY_DIR
from questionnaires.models import Response
from questionnaires.results import result_store
from scoring.engine import Definition
from scoring.engine.vectors import evaluate_vector
from tests import factories

pytestmark = pytest.mark.django_db
QUESTIONNAIRES = sorted(p.parent.name for p in LIBRARY_DIR.glob("[!_]*/1.0.0.yaml"))
# Words the rule language has and prose does not.
RULE_SYNTAX = re.compile(r"selected\(|answered\(|change\(|\b[a-z0-9_]+\.[a-z0-9_]+ *(>=|<=|=|>|<) ")


class FirstReading(HTMLParser):
    """The text of ``<main>`` a reader sees without opening a disclosure."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = {"main": 0, "details": 0, "script": 0}
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.depth:
            self.depth[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.depth:
            self.depth[tag] -= 1

    def handle_data(self, data: str) -> None:
        if self.depth["main"] and not self.depth["details"] and not self.depth["script"]:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return " ".join(" ".join(parser.parts).split())


def _problems(text: str, definition: Definition, language: str) -> list[str]:
    found = []
    # The flags' own texts are the definition's prose in the reader's language
    # ("PHQ-9 total ≥ 20 (severe)"); band codes are looked for in the rest.
    prose = text
    for rule in definition.rules:
        prose = prose.replace(" ".join(rule.clinician_text.get(language, "").split()), "")
    for rule in definition.rules:
        if rule.when in text:
            found.append(f"rule {rule.id}'s expression")
        if re.search(rf"(?<![\w.]){re.escape(rule.id)}(?![\w.])", text):
            found.append(f"rule id {rule.id}")
        if rule.source and rule.source[:40] in text:
            found.append(f"rule {rule.id}'s source")
    for score in definition.scores:
        if score.source[:40] in text:
            found.append(f"score {score.id}'s source")
        for band in score.bands:
            # A code like "moderately_severe" never appears in prose; a
            # one-word code ("severe") may, so it is looked for as it was shown
            # before: after the value, "17 (severe)".
            shown_as_code = re.search(rf"\d \({re.escape(band.code)}\)", prose)
            if ("_" in band.code and band.code in prose) or shown_as_code:
                found.append(f"band code {band.code}")
    if "team rule" in text:
        found.append("a source line")
    match = RULE_SYNTAX.search(text)
    if match:
        found.append(f"rule syntax {match.group(0)!r}")
    return found


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("questionnaire_id", QUESTIONNAIRES)
def test_no_first_reading_holds_rule_syntax_rule_ids_band_codes_or_sources(
    personas, questionnaire_id: str, language: str
) -> None:
    version = factories.published_version(questionnaire_id)
    definition = version.definition
    assert definition.test_vectors, questionnaire_id
    client = Client()
    client.force_login(personas.clinician)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    shown_rules = 0
    for vector in definition.test_vectors:
        patient = factories.PatientFactory(organisation=personas.organisation)
        response = factories.response_with_answers(patient, version, dict(vector.answers))
        response.status = Response.Status.SUBMITTED
        response.submitted_at = timezone.now()
        response.save(update_fields=["status", "submitted_at"])
        # The vector's own result, its ``previous`` values included (rules on change).
        result_store(response=response, result=evaluate_vector(definition, vector))

        html = client.get(f"/responses/{response.public_id}/").content.decode()
        text = FirstReading.of(html)
        assert _problems(text, definition, language) == [], (vector.id, language)
        # Each flag's rule is still one click away.
        shown_rules += html.count('<details class="flag-rule">')
        copied = client.post(f"/responses/{response.public_id}/record-text").content.decode()
        assert _problems(copied, definition, language) == [], (vector.id, language, "copied text")
    if definition.rules:
        assert shown_rules > 0, "no vector raised a flag to check"

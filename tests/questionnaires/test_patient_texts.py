"""Patient-support texts are plain and non-diagnostic: no shipped text a
patient sees contains a band label (e.g. "moderate depression").

Rule from issue 4: patient texts say what to do next, never a band label.
"""

from __future__ import annotations

import re

import pytest

from questionnaires.library import library_paths, read_definition
from scoring.engine import Definition, parse_definition

DEFINITIONS = [parse_definition(read_definition(p), source=p.name) for p in library_paths()]


def band_phrases(definition: Definition) -> set[str]:
    """Every band label in both languages, without its range in brackets,
    lower-cased: the words a patient must not be told."""
    phrases = set()
    for score in definition.scores:
        for band in score.bands:
            for label in band.label.values():
                phrase = re.sub(r"\s*[\(\[].*?[\)\]]", "", label).strip(" .:–-").lower()
                if len(phrase) >= 4:  # "Ja"/"Nej"-short labels are not diagnoses
                    phrases.add(phrase)
    return phrases


def patient_texts(definition: Definition) -> list[tuple[str, str]]:
    texts = [
        (f"rule {rule.id}", text)
        for rule in definition.rules
        for text in rule.patient_text.values()
    ]
    texts += [("patient_support.default", text) for text in definition.patient_support.values()]
    return texts


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.id)
def test_no_patient_text_contains_a_band_label(definition: Definition) -> None:
    phrases = band_phrases(definition)
    found = [
        (where, phrase)
        for where, text in patient_texts(definition)
        for phrase in phrases
        if phrase in text.lower()
    ]
    assert found == []


def test_the_check_has_something_to_check() -> None:
    assert sum(len(band_phrases(d)) for d in DEFINITIONS) > 20
    assert sum(len(patient_texts(d)) for d in DEFINITIONS) > 20

"""What the overall colour means: dialogue support, or AmbuFlex-style triage
(red = should be seen in the clinic, yellow = clarify by phone, green = next
questionnaire after the set interval; the patient can always ask for contact)."""

from __future__ import annotations

import pytest

from scoring.engine import Meaning, colour_meaning, evaluate, pick_language
from tests.engine.builders import definition, parse

TRIAGE = [
    ("red", "Should be seen in the clinic.", None),
    ("yellow", "Clarify by phone.", None),
    ("green", "Next questionnaire after 90 days.", 90),
    ("not_assessable", "Answers are missing: clarify by phone.", None),
]


@pytest.mark.parametrize(("colour", "action", "days"), TRIAGE)
def test_triage_colours_mean_what_ambuflex_means(
    colour: str, action: str, days: int | None
) -> None:
    meaning = colour_meaning("triage", colour, 90)
    assert meaning.action["en"] == action
    assert meaning.next_questionnaire_days == days
    assert meaning.note["en"] == "The patient can always ask to be contacted."
    assert meaning.note["da"] == "Patienten kan altid selv bede om at blive kontaktet."


def test_a_green_triage_names_the_interval_in_danish_too() -> None:
    assert colour_meaning("triage", "green", 30).action["da"] == "Næste spørgeskema efter 30 dage."


@pytest.mark.parametrize("colour", ["red", "yellow", "green", "not_assessable"])
def test_dialogue_colours_say_what_to_talk_about_and_have_no_interval(colour: str) -> None:
    meaning = colour_meaning("dialogue", colour, None)
    assert set(meaning.action) == {"da", "en"}
    assert (meaning.next_questionnaire_days, dict(meaning.note)) == (None, {})


def test_a_triage_definition_puts_its_meaning_in_the_result() -> None:
    triage = parse(definition(intended_use="triage", triage={"green_interval_days": 60}))
    result = evaluate(triage, {"q.1": "0", "q.2": "0", "q.3": "0"})
    assert (result.intended_use, result.overall) == ("triage", "green")
    assert result.meaning == colour_meaning("triage", "green", 60)
    assert result.meaning.next_questionnaire_days == 60


def test_a_dialogue_result_explains_a_red() -> None:
    result = evaluate(parse(definition()), {"q.1": "0", "q.2": "0", "q.3": "1"})
    assert result.meaning == Meaning(
        "dialogue", "red", colour_meaning("dialogue", "red", None).action
    )


PICK = [
    ({"da": "Hej", "en": "Hello"}, "da", "Hej"),
    ({"da": "Hej", "en": "Hello"}, "de", "Hello"),  # English first, then Danish
    ({"da": "Hej"}, "en", "Hej"),
    ({"fr": "Salut"}, "en", "Salut"),  # any language rather than nothing
    ({}, "en", ""),
]


@pytest.mark.parametrize(("text", "language", "picked"), PICK)
def test_pick_language_falls_back_sensibly(
    text: dict[str, str], language: str, picked: str
) -> None:
    assert pick_language(text, language) == picked

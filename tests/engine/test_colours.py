"""Overall colour, item colours, flag order and patient-support messages.

docs/definitions.md § Colours: red > yellow > green; not_assessable only when
no red or yellow fired and some rule was unknown — it never hides a colour.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.engine.builders import choice, integer, numbers, run, text

# One rule per colour, each fired by its item > 0, quiet at 0, unknown when missing.
RULES = [
    {"id": "red_rule", "when": "r > 0", "colour": "red"},
    {"id": "yellow_rule", "when": "y > 0", "colour": "yellow"},
    {"id": "green_rule", "when": "g > 0", "colour": "green"},
]
MAPPING = numbers([integer("r"), integer("y"), integer("g")], [], RULES)
STATE = {"fires": 1, "quiet": 0, "unknown": None}


def overall(red: str, yellow: str, green: str) -> str:
    answers = {k: STATE[v] for k, v in zip("ryg", (red, yellow, green), strict=True)}
    return run(MAPPING, {k: v for k, v in answers.items() if v is not None}).overall


OVERALL = [
    # red rule, yellow rule, green rule, overall
    ("quiet", "quiet", "quiet", "green"),
    ("quiet", "quiet", "fires", "green"),
    ("quiet", "fires", "quiet", "yellow"),
    ("fires", "fires", "fires", "red"),
    ("fires", "unknown", "unknown", "red"),
    ("unknown", "fires", "quiet", "yellow"),
    ("unknown", "quiet", "fires", "not_assessable"),
    ("quiet", "unknown", "quiet", "not_assessable"),
    ("quiet", "quiet", "unknown", "not_assessable"),
    ("unknown", "unknown", "unknown", "not_assessable"),
]


@pytest.mark.parametrize(("red", "yellow", "green", "expected"), OVERALL)
def test_overall_is_the_most_severe_colour_raised(
    red: str, yellow: str, green: str, expected: str
) -> None:
    assert overall(red, yellow, green) == expected


@pytest.mark.parametrize(("red", "yellow", "green"), list(itertools.product(STATE, repeat=3)))
def test_not_assessable_never_hides_a_red_or_yellow(red: str, yellow: str, green: str) -> None:
    result = overall(red, yellow, green)
    if red == "fires":
        assert result == "red"
    elif yellow == "fires":
        assert result == "yellow"
    else:
        assert result in ("green", "not_assessable")


def test_flags_come_red_first_then_yellow_then_green_in_definition_order() -> None:
    rules = [
        {"id": "g1", "when": "a > 0", "colour": "green"},
        {"id": "y1", "when": "a > 0", "colour": "yellow"},
        {"id": "r1", "when": "a > 0", "colour": "red"},
        {"id": "y2", "when": "a > 0", "colour": "yellow"},
    ]
    result = run(numbers([integer("a")], [], rules), {"a": 1})
    assert [f.rule_id for f in result.flags] == ["r1", "y1", "y2", "g1"]


def test_an_item_takes_the_most_severe_colour_of_the_flags_that_read_it() -> None:
    rules = [
        {"id": "a_yellow", "when": "a >= 1", "colour": "yellow"},
        {"id": "a_red", "when": "a >= 2 and b >= 0", "colour": "red"},
        {"id": "c_green", "when": "c = '0'", "colour": "green"},
    ]
    result = run(
        numbers([integer("a"), integer("b"), choice("c")], [], rules), {"a": 2, "b": 0, "c": "0"}
    )
    assert result.item_colours == {"a": "red", "b": "red", "c": "green"}


def test_items_no_flag_read_have_no_colour() -> None:
    result = run(MAPPING, {"r": 0, "y": 0, "g": 0})
    assert result.item_colours == {}


MESSAGES = numbers(
    [integer("a")],
    [],
    [
        {"id": "info", "when": "a >= 1", "colour": "green", "patient_text": text("Keep going")},
        {"id": "silent", "when": "a >= 1", "colour": "yellow"},
        {
            "id": "help",
            "when": "a >= 2",
            "colour": "red",
            "safety": True,
            "patient_text": text("Call us"),
        },
        {"id": "talk", "when": "a >= 2", "colour": "yellow", "patient_text": text("Let us talk")},
    ],
    patient_support={"default": text("Thank you for answering")},
)


@pytest.mark.parametrize(
    ("answers", "messages"),
    [
        ({"a": 3}, ["Call us", "Let us talk", "Keep going"]),  # safety first, then by colour
        ({"a": 1}, ["Keep going"]),
        ({"a": 0}, ["Thank you for answering"]),  # the default when no rule speaks
    ],
)
def test_patient_messages_put_safety_first_and_fall_back_to_the_default(
    answers: dict[str, Any], messages: list[str]
) -> None:
    result = run(MESSAGES, answers)
    assert result.patient_messages_in("en") == messages
    assert result.patient_messages[0].safety is (answers["a"] >= 2)


def test_without_a_default_no_rule_text_means_no_message() -> None:
    assert run(MAPPING, {"r": 0}).patient_messages == ()

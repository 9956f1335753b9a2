"""Answers: validation messages (``manage.py score`` exits 2 on them) and
enable-when branching on the server."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.engine import AnswerError, enabled_items, evaluate, validate_answers
from tests.engine.builders import choice, integer, numbers, options, parse

MULTI = options(range(4), False)
MULTI[3]["exclusive"] = True  # "none of these"
ITEMS = [
    choice("ch"),
    {"id": "yn", "type": "yes_no"},
    {"id": "ms", "type": "multiple_choice", "options": MULTI, "min": 1, "max": 2},
    integer("n"),
    {"id": "w", "type": "decimal", "min": 30, "max": 300, "decimals": 1},
    {"id": "pain", "type": "nrs"},
    {"id": "d", "type": "date", "min": "2000-01-01", "max": "2030-12-31"},
    {"id": "t", "type": "short_text", "max_length": 5},
    {"id": "story", "type": "long_text"},
    {
        "id": "br",
        "type": "body_regions",
        "options": [{"code": "head", "value": 1}, {"code": "back", "value": 2}],
    },
    {"id": "note", "type": "display"},
]
DEFINITION = parse(numbers(ITEMS))

INVALID: list[tuple[str, Any, str]] = [
    ("zz", "1", "unknown item 'zz'"),
    ("ch", 1, "expected an option code in quotes (0, 1, 2, 3), got the number 1"),
    ("ch", "7", "'7' is not an option of ch (codes: 0, 1, 2, 3)"),
    (
        "yn",
        True,
        "expected an option code in quotes (yes, no), got true (true/false: quote it"
        " if you meant a code)",
    ),
    ("ms", "1", "expected a list of option codes, got '1'"),
    ("ms", ["1", 2], "expected a list of option codes, got a list"),
    ("ms", ["9"], "'9' is not an option of ms (codes: 0, 1, 2, 3)"),
    ("ms", ["1", "1"], "an option is chosen twice"),
    ("ms", ["3", "1"], "'3' excludes the other choices"),
    ("ms", [], "0 is below the minimum 1 choices"),
    ("ms", ["0", "1", "2"], "3 is above the maximum 2 choices"),
    ("n", 2.5, "expected a whole number, got the number 2.5"),
    ("n", False, "expected a whole number, got false (true/false: quote it if you meant a code)"),
    ("n", 11, "11 is above the maximum 10"),
    ("n", -1, "-1 is below the minimum 0"),
    ("w", "80", "expected a number, got '80'"),
    ("w", float("inf"), "expected a number, got the number inf"),
    ("w", {"kg": 80}, "expected a number, got a dict"),
    ("w", 20.5, "20.5 is below the minimum 30"),
    ("pain", 11, "11 is above the maximum 10"),
    ("d", "31-05-2024", "expected an ISO date like 2024-05-31, got '31-05-2024'"),
    ("d", 20240531, "expected an ISO date like 2024-05-31, got the number 20240531"),
    ("d", "2024-02-30", "'2024-02-30' is not a real date"),
    ("d", "1999-12-31", "1999-12-31 is before the earliest date 2000-01-01"),
    ("d", "2031-01-01", "2031-01-01 is after the latest date 2030-12-31"),
    ("t", 5, "expected text, got the number 5"),
    ("t", "toolong", "the text is 7 characters, more than 5"),
    ("note", "seen", "note is a display text and is never answered"),
]


@pytest.mark.parametrize(
    ("item_id", "answer", "reason"), INVALID, ids=[f"{i}={a!r}" for i, a, _ in INVALID]
)
def test_an_invalid_answer_gets_a_clear_message(item_id: str, answer: Any, reason: str) -> None:
    (problem,) = validate_answers(DEFINITION, {item_id: answer})
    assert problem.location == f"answers[{item_id!r}]"
    assert problem.id == item_id
    assert problem.reason == reason
    assert str(problem) == f"test.yaml: answers[{item_id!r}]: {reason}"


VALID = {
    "ch": "3",
    "yn": "no",
    "ms": ["0", "2"],
    "n": 10,
    "w": 82.5,
    "pain": 0,
    "d": "2024-02-29",
    "t": "abcde",
    "story": "x" * 2000,
    "br": ["back", "head"],
}


def test_valid_answers_of_every_type_have_no_problems() -> None:
    assert validate_answers(DEFINITION, VALID) == []


def test_a_null_answer_means_not_answered() -> None:
    assert validate_answers(DEFINITION, {"ch": None}) == []
    assert evaluate(DEFINITION, {"ch": None}).item_values == {}


def test_a_whole_number_is_a_valid_decimal_answer() -> None:
    assert validate_answers(DEFINITION, {"w": 80}) == []


def test_evaluate_refuses_invalid_answers_with_every_problem() -> None:
    with pytest.raises(AnswerError) as caught:
        evaluate(DEFINITION, {"ch": "7", "n": 11})
    assert str(caught.value).splitlines() == [
        "test.yaml: answers['ch']: '7' is not an option of ch (codes: 0, 1, 2, 3)",
        "test.yaml: answers['n']: 11 is above the maximum 10",
    ]


# --- enable-when ---------------------------------------------------------------


def gated(item_id: str, *conditions: dict[str, Any], behavior: str = "all") -> dict[str, Any]:
    return {
        **integer(item_id),
        "enable_when": {"behavior": behavior, "conditions": list(conditions)},
    }


BRANCHING = parse(
    numbers(
        [
            {"id": "gate", "type": "yes_no"},
            choice("ch"),
            {"id": "ms", "type": "multiple_choice", "options": options(range(3), False)},
            {"id": "t", "type": "short_text"},
            gated("f1", {"item": "gate", "op": "=", "value": "yes"}),
            gated("f2", {"item": "f1", "op": ">=", "value": 2}),  # a chain: f1 must be asked
            gated(
                "f3",
                {"item": "gate", "op": "=", "value": "no"},
                {"item": "f1", "op": "answered"},
                behavior="any",
            ),
            gated("f4", {"item": "ms", "op": "=", "value": "1"}),
            gated("f5", {"item": "ms", "op": "!=", "value": "1"}),
            gated("f6", {"item": "t", "op": "missing"}),
            gated("f7", {"item": "ch", "op": "!=", "value": "0"}),
            gated("f8", {"item": "ch", "op": "<", "value": 2}),
        ]
    )
)
ALWAYS = {"gate", "ch", "ms", "t"}

ENABLED: list[tuple[dict[str, Any], set[str]]] = [
    ({}, {"f6"}),
    ({"gate": "yes"}, {"f1", "f6"}),
    ({"gate": "yes", "f1": 2}, {"f1", "f2", "f3", "f6"}),
    ({"gate": "yes", "f1": 1}, {"f1", "f3", "f6"}),
    ({"gate": "no", "f1": 5}, {"f3", "f6"}),  # f1 not asked, so f2 is not either
    ({"ms": ["1", "2"]}, {"f4", "f6"}),
    ({"ms": ["2"]}, {"f5", "f6"}),
    ({"t": "hello"}, set()),
    ({"ch": "0"}, {"f6", "f8"}),
    ({"ch": "3"}, {"f6", "f7"}),
]


@pytest.mark.parametrize(("answers", "asked"), ENABLED)
def test_enable_when_decides_which_follow_up_items_are_asked(
    answers: dict[str, Any], asked: set[str]
) -> None:
    assert enabled_items(BRANCHING, answers) == frozenset(ALWAYS | asked)


def test_answers_to_items_not_asked_are_discarded() -> None:
    result = evaluate(BRANCHING, {"gate": "no", "f1": 5})
    assert result.item_values == {"gate": 0}


def test_enabled_items_refuses_invalid_answers() -> None:
    with pytest.raises(AnswerError):
        enabled_items(BRANCHING, {"gate": "maybe"})

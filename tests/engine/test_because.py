"""Because-trails: every flag names the answers and scores that raised it,
as the patient saw them (docs/definitions.md § Because-trails)."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.engine import AnswerInvolved, Result, ScoreInvolved, evaluate
from tests.engine.builders import definition, integer, numbers, options, parse, run, text


def because(
    expression: str, answers: dict[str, Any], previous: Result | None = None
) -> tuple[list[str], list[str]]:
    mapping = numbers(
        [
            integer("a"),
            integer("b"),
            integer("c"),
            {"id": "ms", "type": "multiple_choice", "options": options(range(3), False)},
        ],
        [{"id": "s", "method": "sum", "items": ["a", "b"]}],
        [{"id": "r", "when": expression}],
    )
    (flag,) = run(mapping, answers, previous).flags
    return ([a.item_id for a in flag.because.answers], [s.score_id for s in flag.because.scores])


TRAILS = [
    ("a > 1", {"a": 2}, ["a"], []),
    ("a > 1 and b > 1", {"a": 2, "b": 2}, ["a", "b"], []),
    ("a > 1 or b > 1", {"a": 2, "b": 0}, ["a"], []),  # only the true branch
    ("a > 1 or b > 1", {"a": 2, "b": 2}, ["a", "b"], []),
    ("a > 1 or b > 1", {"b": 2}, ["b"], []),
    ("any([a, b, c] >= 5)", {"a": 9, "b": 1, "c": 7}, ["a", "c"], []),  # the items that matched
    ("count([a, b, c] >= 5) >= 1", {"a": 9, "b": 1}, ["a"], []),
    ("all([a, b] >= 1)", {"a": 1, "b": 2}, ["a", "b"], []),
    ("not (a > 5 or b > 5)", {"a": 1, "b": 2}, ["a", "b"], []),  # under not: everything
    ("not any([a, b] > 5)", {"a": 1, "b": 2}, ["a", "b"], []),
    ("s >= 3", {"a": 1, "b": 2}, [], ["s"]),
    ("s >= 3 and c = 0", {"a": 1, "b": 2, "c": 0}, ["c"], ["s"]),
    ("missing(c)", {}, ["c"], []),
    ("selected(ms, '1') and count_selected(ms) = 1", {"ms": ["1"]}, ["ms"], []),
    ("count_selected(ms) >= 2", {"ms": ["0", "2"]}, ["ms"], []),
    ("a + b * 2 > 3", {"a": 1, "b": 2}, ["a", "b"], []),
]


@pytest.mark.parametrize(("expression", "answers", "items", "scores"), TRAILS)
def test_a_flag_names_the_answers_and_scores_that_made_it_true(
    expression: str, answers: dict[str, Any], items: list[str], scores: list[str]
) -> None:
    assert because(expression, answers) == (items, scores)


def test_an_answer_in_the_trail_is_shown_as_the_patient_saw_it() -> None:
    result = evaluate(parse(definition()), {"q.1": "0", "q.2": "0", "q.3": "2"})
    (flag,) = result.flags
    assert flag.rule_id == "q3_safety"
    assert flag.expression == "q.3 > 0"
    assert flag.clinician_text == text("Safety answer")
    assert flag.because.answers == (
        AnswerInvolved(
            item_id="q.3",
            question=text("Question 3"),
            answer="2",
            value=2,
            labels=(text("option 2"),),
        ),
    )


def test_a_score_in_the_trail_has_its_value_and_band() -> None:
    result = evaluate(parse(definition()), {"q.1": "3", "q.2": "3", "q.3": "0"})
    (flag,) = result.flags
    assert flag.because.scores == (ScoreInvolved("total", text("Total"), 6, "high"),)


LABELLED = definition(languages=["da", "en"])
LABELLED["sections"][0]["items"] = [
    {
        "id": "w",
        "type": "decimal",
        "text": text("Weight"),
        "min": 20,
        "max": 300,
        "unit": {"da": "kg", "en": "kg"},
    },
    {"id": "n", "type": "integer", "text": text("Cigarettes"), "min": 0, "max": 99},
    {"id": "yn", "type": "yes_no", "text": text("Smoker")},
    {"id": "ms", "type": "multiple_choice", "text": text("Where"), "options": options(range(3))},
    {"id": "d", "type": "date", "text": text("When")},
    {"id": "t", "type": "short_text", "text": text("What")},
]
LABELLED["scores"] = []
LABELLED["rules"] = [
    {
        "id": "r",
        "when": "w > 0 and n >= 0 and yn = 'yes' and answered(ms) and answered(d) and answered(t)",
        "colour": "yellow",
        "clinician_text": text("x"),
        "source": "test",
    }
]
LABELLED["test_vectors"] = []


def test_answer_labels_per_type_and_language() -> None:
    answers = {"w": 82.5, "n": 10, "yn": "yes", "ms": ["2", "0"], "d": "2024-05-31", "t": "knee"}
    (flag,) = evaluate(parse(LABELLED), answers).flags
    labels = {a.item_id: a.labels for a in flag.because.answers}
    assert labels == {
        "w": ({"da": "82,5 kg", "en": "82.5 kg"},),  # a decimal comma in Danish
        "n": ({"da": "10", "en": "10"},),
        "yn": ({"da": "Ja", "en": "Yes"},),
        "ms": (text("option 0"), text("option 2")),  # in the order the options are shown
        "d": ({"da": "2024-05-31", "en": "2024-05-31"},),
        "t": ({"da": "knee", "en": "knee"},),
    }


def test_a_missing_answer_in_the_trail_has_no_answer_and_no_labels() -> None:
    mapping = numbers([integer("a")], [], [{"id": "r", "when": "missing(a)"}])
    (flag,) = run(mapping, {}).flags
    assert flag.because.answers == (AnswerInvolved("a", {}, None, None, ()),)


def test_change_adds_the_previous_value_to_the_trail() -> None:
    mapping = numbers(
        [integer("a"), integer("b")],
        [{"id": "s", "method": "sum", "items": ["a", "b"]}],
        [{"id": "worse", "when": "change(s) >= 3 and change(a) > 0 and b >= 0"}],
    )
    earlier = run(mapping, {"a": 1, "b": 1})
    (flag,) = run(mapping, {"a": 4, "b": 1}, earlier).flags
    assert flag.because.scores == (ScoreInvolved("s", {}, 5, None, previous=2),)
    assert [(a.item_id, a.value, a.previous) for a in flag.because.answers] == [
        ("a", 4, 1),
        ("b", 1, None),
    ]


UNKNOWN = [
    ("(a > 3 and b > 3) or c > 3", {"a": 1}, ("c",)),  # the false branch needs nothing
    ("a > 3 and b > 3", {"a": 5}, ("b",)),
    ("any([a, b, c] > 3)", {"a": 1}, ("b", "c")),
    ("count([a, b, c] > 3) >= 2", {"a": 5}, ("b", "c")),
    ("s > 3", {"a": 5}, ("b",)),  # a missing score names its missing items
    ("a / (b - b) > 1", {"a": 1, "b": 1}, ()),  # unknown for another reason
    ("count_selected(ms) >= 2", {"a": 1}, ("ms",)),
]


@pytest.mark.parametrize(("expression", "answers", "missing"), UNKNOWN)
def test_a_not_assessable_rule_names_the_missing_items_it_needed(
    expression: str, answers: dict[str, Any], missing: tuple[str, ...]
) -> None:
    mapping = numbers(
        [
            integer("a"),
            integer("b"),
            integer("c"),
            {"id": "ms", "type": "multiple_choice", "options": options(range(3), False)},
        ],
        [{"id": "s", "method": "sum", "items": ["a", "b"]}],
        [{"id": "r", "when": expression, "safety": True}],
    )
    (unknown,) = run(mapping, answers).not_assessable
    assert (unknown.rule_id, unknown.safety, unknown.missing_items) == ("r", True, missing)

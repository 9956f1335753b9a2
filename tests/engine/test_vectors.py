"""run_test_vectors: each failure says which vector, its source, what was
expected and what came out."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scoring.engine import AnswerError, Expectation, Vector, VectorFailure, run_test_vectors
from scoring.engine.vectors import evaluate_vector
from tests.engine.builders import definition, integer, numbers, parse


def failures(expect: dict[str, Any], answers: dict[str, Any] | None = None) -> list[str]:
    mapping = definition()
    vector = mapping["test_vectors"][0]
    vector["expect"] = expect
    if answers is not None:
        vector["answers"] = answers
    return [
        f"{f.what}: expected {f.expected}, got {f.got}" for f in run_test_vectors(parse(mapping))
    ]


FAILURES = [
    ({"overall": "red"}, "overall: expected red, got green"),
    ({"scores": {"total": {"value": 1}}}, "score total: expected 1, got 0"),
    ({"scores": {"total": {"value": None}}}, "score total: expected not scored, got 0"),
    ({"scores": {"total": {"value": 0, "band": "high"}}}, "band of total: expected high, got low"),
    ({"scores": {"total": {"value": 0, "band": None}}}, "band of total: expected None, got low"),
    ({"flags": ["q3_safety"]}, "flags: expected [q3_safety], got []"),
    ({"not_assessable": ["total_high"]}, "not assessable: expected [total_high], got []"),
]


@pytest.mark.parametrize(("expect", "line"), FAILURES)
def test_a_failing_expectation_says_what_was_expected_and_what_came_out(
    expect: dict[str, Any], line: str
) -> None:
    assert failures(expect) == [line]


def test_a_passing_vector_has_no_failures() -> None:
    assert (
        failures(
            {
                "overall": "green",
                "scores": {"total": {"value": 0}},
                "flags": [],
                "not_assessable": [],
            }
        )
        == []
    )


def test_an_unscored_score_is_expected_as_null() -> None:
    assert failures({"scores": {"total": {"value": None}}}, {"q.1": "0"}) == []


def test_a_failure_reads_as_one_line_with_file_vector_and_source() -> None:
    mapping = definition()
    mapping["test_vectors"][0]["expect"]["overall"] = "yellow"
    (failure,) = run_test_vectors(parse(mapping))
    assert failure == VectorFailure(
        vector_id="all_zero_is_green",
        source="by hand: 0 + 0 + 0 = 0",
        file="test.yaml",
        location="test_vectors[0] (all_zero_is_green)",
        what="overall",
        expected="yellow",
        got="green",
    )
    assert str(failure) == (
        "test.yaml: test_vectors[0] (all_zero_is_green): overall: expected yellow, got green"
        " (vector source: by hand: 0 + 0 + 0 = 0)"
    )


def test_a_vector_may_give_previous_scores_and_items_for_change() -> None:
    mapping = numbers(
        [integer("a")],
        [{"id": "s", "method": "sum", "items": ["a"]}],
        [{"id": "worse", "when": "change(s) >= 3 and change(a) >= 3"}],
        test_vectors=[
            {
                "id": "worse_by_3",
                "source": "by hand: 5 − 2 = 3",
                "answers": {"a": 5},
                "previous": {"scores": {"s": 2}, "items": {"a": 2}},
                "expect": {"flags": ["worse"]},
            },
            {
                "id": "first_response",
                "source": "no previous: change() is false",
                "answers": {"a": 5},
                "expect": {"flags": [], "overall": "green"},
            },
        ],
    )
    assert run_test_vectors(parse(mapping)) == []


def test_a_hand_made_vector_with_invalid_answers_is_refused() -> None:
    definition_ = parse(definition())
    vector = Vector("v", "test", {"q.1": "7"}, Expectation())
    with pytest.raises(AnswerError):
        evaluate_vector(definition_, vector)


def test_vectors_run_in_file_order() -> None:
    mapping = definition()
    second = copy.deepcopy(mapping["test_vectors"][0])
    second["id"] = "second"
    mapping["test_vectors"].append(second)
    for vector in mapping["test_vectors"]:
        vector["expect"]["overall"] = "red"
    assert [f.vector_id for f in run_test_vectors(parse(mapping))] == [
        "all_zero_is_green",
        "second",
    ]

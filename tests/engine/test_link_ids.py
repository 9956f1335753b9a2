"""linkId aliases (docs/definitions.md § Items, ``link_id``): an item imported
from a FHIR Questionnaire keeps the rule grammar's id (``q_32406_1``) and its
own linkId (``32406-1``), and answers keyed by either score the same."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.engine import AnswerError, DefinitionError, answers_by_id, evaluate
from tests.engine.builders import choice, numbers, parse


def linked(**score: Any) -> dict[str, Any]:
    return numbers(
        [
            choice("q_32406_1", link_id="32406-1"),
            choice("q_2", link_id="/q/2"),
            choice("q_3"),
        ],
        [{"id": "q_total", "method": "sum", "items": ["q_32406_1", "q_2"], **score}],
        [{"id": "high", "when": "q_32406_1 >= 2"}],
    )


def problems(mapping: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse(mapping)
    return [p.reason for p in caught.value.problems]


def test_items_and_scores_keep_their_link_ids() -> None:
    definition = parse(linked(link_id="72133-2"))
    assert definition.item("q_32406_1").link_id == "32406-1"
    assert definition.item("q_3").link_id is None
    assert definition.score("q_total").link_id == "72133-2"


def test_answers_keyed_by_link_id_score_as_by_id() -> None:
    definition = parse(linked())
    by_link = answers_by_id(definition, {"32406-1": "3", "/q/2": "1", "q_3": "0"})
    assert by_link == {"q_32406_1": "3", "q_2": "1", "q_3": "0"}
    result = evaluate(definition, by_link)
    assert result.score("q_total").value == 4
    assert [flag.rule_id for flag in result.flags] == ["high"]


def test_answers_by_id_alone_are_returned_unchanged() -> None:
    definition = parse(linked())
    assert answers_by_id(definition, {"q_2": "1"}) == {"q_2": "1"}


def test_an_item_answered_by_id_and_by_link_id_is_refused() -> None:
    definition = parse(linked())
    with pytest.raises(AnswerError) as caught:
        answers_by_id(definition, {"q_2": "1", "/q/2": "2"})
    assert "q_2 is answered twice: by its id and by its linkId" in str(caught.value)


def test_test_vectors_may_use_link_ids() -> None:
    mapping = linked()
    mapping["test_vectors"] = [
        {
            "id": "by_link",
            "source": "by hand: 3 + 1 = 4",
            "answers": {"32406-1": "3", "/q/2": "1"},
            "expect": {"scores": {"q_total": {"value": 4}}, "flags": ["high"]},
        }
    ]
    vector = parse(mapping).test_vectors[0]
    assert dict(vector.answers) == {"q_32406_1": "3", "q_2": "1"}


def test_a_vector_answering_an_item_twice_is_refused() -> None:
    mapping = linked()
    mapping["test_vectors"] = [
        {"id": "twice", "source": "x", "answers": {"q_2": "1", "/q/2": "1"}, "expect": {}}
    ]
    assert "q_2 is answered twice: by its id and by its linkId" in problems(mapping)


@pytest.mark.parametrize(
    ("link_id", "reason"),
    [
        ("", "link_id: expected a FHIR linkId (text without leading or trailing spaces), got ''"),
        (" a", "link_id: expected a FHIR linkId (text without leading or trailing spaces)"),
        (7, "link_id: expected a FHIR linkId (text without leading or trailing spaces)"),
        ("/q/2", "link_id: '/q/2' is also the link_id of q_32406_1"),
        ("q_3", "link_id: 'q_3' is the id of another item or score"),
        ("q_total", "link_id: 'q_total' is the id of another item or score"),
    ],
)
def test_a_bad_link_id_is_refused(link_id: object, reason: str) -> None:
    mapping = linked()
    mapping["sections"][0]["items"][0]["link_id"] = link_id
    assert any(found.startswith(reason) for found in problems(mapping))


def test_a_score_link_id_is_checked_like_an_items() -> None:
    assert any(
        found.startswith("link_id: '32406-1' is also the link_id of q_32406_1")
        for found in problems(linked(link_id="32406-1"))
    )


def test_a_link_id_equal_to_its_own_id_is_allowed() -> None:
    mapping = linked()
    mapping["sections"][0]["items"][2]["link_id"] = "q_3"
    assert parse(mapping).item("q_3").link_id == "q_3"

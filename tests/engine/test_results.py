"""Results as JSON: stored next to the response and fed back as ``previous``,
so the round trip must be exact; and the compact form ``manage.py score``
prints."""

from __future__ import annotations

import json

import pytest

from scoring.engine import (
    ENGINE_VERSION,
    Result,
    evaluate,
    pick_text,
    result_from_dict,
    result_to_dict,
    result_to_score_json,
)
from tests.engine.builders import definition, integer, numbers, options, parse, run, text

DEFINITION = parse(definition())


@pytest.fixture
def red() -> Result:
    return evaluate(DEFINITION, {"q.1": "3", "q.2": "3", "q.3": "1"})


def test_a_result_survives_a_json_round_trip_exactly(red: Result) -> None:
    assert result_from_dict(json.loads(json.dumps(result_to_dict(red)))) == red


def test_a_round_trip_keeps_lists_of_codes_not_assessable_rules_and_decimals() -> None:
    mapping = numbers(
        [
            {"id": "ms", "type": "multiple_choice", "options": options(range(3), False)},
            {"id": "w", "type": "decimal", "min": 0, "max": 200},
            integer("a"),
        ],
        [{"id": "m", "method": "formula", "expression": "w / 3", "decimals": 2}],
        [
            {"id": "r1", "when": "selected(ms, '1') and change(m) > 1"},
            {"id": "r2", "when": "a > 3"},
        ],
    )
    earlier = run(mapping, {"ms": ["1"], "w": 60.5})
    result = run(mapping, {"ms": ["1", "2"], "w": 82.5}, earlier)
    assert result.flags
    assert result.not_assessable
    stored = json.loads(json.dumps(result_to_dict(result)))
    assert stored["flags"][0]["because"]["answers"][0]["answer"] == ["1", "2"]
    assert result_from_dict(stored) == result


def test_the_result_carries_questionnaire_versions_and_intended_use(red: Result) -> None:
    assert (red.questionnaire, red.version, red.engine_version, red.intended_use) == (
        "demo",
        "1.0.0",
        ENGINE_VERSION,
        "dialogue",
    )
    assert ENGINE_VERSION == "1.0.0"


def test_an_unknown_result_format_is_refused(red: Result) -> None:
    stored = result_to_dict(red)
    stored["result_format"] = 99
    with pytest.raises(ValueError, match="unknown result_format 99"):
        result_from_dict(stored)


def test_the_score_json_has_exactly_the_documented_shape(red: Result) -> None:
    assert result_to_score_json(red) == {
        "questionnaire": "demo",
        "version": "1.0.0",
        "overall": "red",
        "scores": {"total": {"value": 7, "band": "high"}},  # 3 + 3 + 1
        "flags": [
            {"id": "q3_safety", "colour": "red", "because": {"q.3": "1"}},
            {"id": "total_high", "colour": "yellow", "because": {"total": 7}},
        ],
        "patient_messages": [text("Please call us"), text("Talk about it")],
    }


def test_a_score_is_found_by_id_and_an_unknown_id_is_a_key_error(red: Result) -> None:
    assert red.score("total").value == 7
    with pytest.raises(KeyError):
        red.score("nope")


def test_the_definition_gives_its_items_and_scores_by_id() -> None:
    assert [item.id for item in DEFINITION.items] == ["q.1", "q.2", "q.3"]
    assert DEFINITION.item("q.2").options[3].code == "3"
    assert DEFINITION.score("total").bands[1].code == "high"


def test_parsing_the_same_mapping_twice_gives_equal_definitions() -> None:
    assert parse(definition()) == DEFINITION


def test_a_text_is_shown_in_the_readers_language_else_english_and_a_plain_one_as_it_is() -> None:
    assert pick_text({"da": "Smerter", "en": "Pain"}, "da") == "Smerter"
    assert pick_text({"en": "Pain"}, "da") == "Pain"
    assert pick_text("Pain", "da") == "Pain"
    assert pick_text(None, "da") == ""

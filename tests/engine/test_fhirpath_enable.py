"""SDC ``enableWhenExpression`` in the engine: the ``fhir.enable`` block.

SDC (Questionnaire, enableWhenExpression): the item is enabled when the
expression gives ``true``; otherwise it is not asked, and its answer is not
part of the response. The expected counts below are worked out by hand
from the answers given.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scoring.engine import (
    DefinitionError,
    PatientContext,
    enable_failures,
    enabled_items,
    evaluate,
)
from tests.engine.builders import choice, numbers, parse, run

SCREEN = "%resource.item.where(linkId = 'screen-1').answer.value = true"
QUESTIONNAIRE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "status": "draft",
    "item": [
        {"linkId": "screen-1", "type": "boolean"},
        *({"linkId": f"d-{n}", "type": "integer"} for n in (1, 2, 3)),
        {"linkId": "total-1", "type": "integer", "readOnly": True},
    ],
}
ITEMS = [
    {"id": "screen", "type": "yes_no"},
    *({"id": f"d{n}", "type": "integer", "min": 0, "max": 10} for n in (1, 2, 3)),
]
FHIR_ITEMS = {
    "screen": {"link_id": "screen-1", "answer": "valueBoolean"},
    **{f"d{n}": {"link_id": f"d-{n}", "answer": "valueInteger"} for n in (1, 2, 3)},
}
#: The number of detail answers in the response.
COUNT = {"id": "details", "method": "fhirpath", "expression": "%resource.item.answer.count() - 1"}


ONLY_FHIRPATH = (
    "fhir: fhir: only method: fhirpath scores, enable and options answered with valueString"
    " or valueInteger use it"
)


def definition(
    enable: dict[str, Any], *, items: list[dict[str, Any]] | None = None, scores: Any = None
) -> dict[str, Any]:
    block = {
        "questionnaire": copy.deepcopy(QUESTIONNAIRE),
        "items": FHIR_ITEMS,
        "enable": enable,
    }
    return numbers(copy.deepcopy(items or ITEMS), scores or [], fhir=block)


DETAILS = {f"d{n}": {"expression": SCREEN} for n in (1, 2, 3)}
ANSWERS = {"screen": "yes", "d1": 4, "d2": 5, "d3": 6}


@pytest.mark.parametrize(
    ("screen", "asked", "count"),
    [("yes", ["screen", "d1", "d2", "d3"], 3), ("no", ["screen"], 0)],
)
def test_the_items_are_asked_only_when_the_expression_is_true(
    screen: str, asked: list[str], count: int
) -> None:
    mapping = definition(DETAILS, scores=[COUNT])
    answers = {**ANSWERS, "screen": screen}
    assert sorted(enabled_items(parse(mapping), answers)) == sorted(asked)
    result = run(mapping, answers)
    assert result.score("details").value == count  # the answers to items not asked are dropped
    assert result.item_values.keys() == {*asked}  # yes/no counts 1/0


def test_an_unanswered_screener_asks_nothing_behind_it() -> None:
    assert enabled_items(parse(definition(DETAILS)), {}) == {"screen"}


def test_a_score_gated_item_comes_after_the_score_it_reads() -> None:
    total = {
        "id": "total",
        "method": "fhirpath",
        "expression": "%resource.item.where(linkId = 'd-1').answer.value * 2",
    }
    enable = {"d2": {"expression": "%resource.item.where(linkId = 'total-1').answer.value > 5"}}
    block = definition(enable, scores=[total])
    block["fhir"]["scores"] = {"total": {"link_id": "total-1", "answer": "valueInteger"}}
    assert "d2" in enabled_items(parse(block), {"d1": 3})  # 6 > 5
    assert "d2" not in enabled_items(parse(block), {"d1": 2})  # 4


def test_variables_in_scope_are_evaluated_first() -> None:
    enable = {
        "d1": {
            "expression": "%s = true",
            "variables": [
                {"name": "s", "expression": "%resource.item.where(linkId='screen-1').answer.value"}
            ],
        }
    }
    assert "d1" in enabled_items(parse(definition(enable)), {"screen": "yes"})
    assert "d1" not in enabled_items(parse(definition(enable)), {"screen": "no"})


@pytest.mark.parametrize(
    ("screen", "d1", "asked"),
    [("yes", 1, True), ("yes", 0, False), ("no", 1, False)],
)
def test_an_enable_when_and_an_expression_must_both_hold(screen: str, d1: int, asked: bool) -> None:
    items = copy.deepcopy(ITEMS)
    items[2]["enable_when"] = {"conditions": [{"item": "d1", "op": ">", "value": 0}]}
    mapping = definition({"d2": {"expression": SCREEN}}, items=items)
    assert ("d2" in enabled_items(parse(mapping), {"screen": screen, "d1": d1})) is asked


def test_an_expression_failing_while_answering_does_not_ask_the_item() -> None:
    # A text compared with a number: fhirpathpy raises on these answers only.
    # SDC enables an item only on true, and an error is no true; CSIRO Smart
    # Forms (enableWhenExpression.ts) catches the error and leaves the item
    # hidden, as the reference filler of the conformance tests does.
    enable = {"d1": {"expression": "%resource.item.where(linkId = 'd-2').answer.value + 'x' > 1"}}
    assert "d1" not in enabled_items(parse(definition(enable)), {"d2": 1})
    # ... and is told, for the import to name it
    assert enable_failures(parse(definition(enable)), {"d2": 1}) == {"d1"}
    assert enable_failures(parse(definition(enable)), {}) == frozenset()


def test_an_expression_fhirpathpy_cannot_compile_never_asks_the_item() -> None:
    # The importer keeps it with the reason (``error``); SDC: never true.
    enable = {"d1": {"expression": "iif(true, true, false, true, false)", "error": "iif arity"}}
    parsed = parse(definition(enable))
    assert parsed.fhir is not None
    assert parsed.fhir.unevaluable == {"d1": "iif arity"}
    assert "d1" not in enabled_items(parsed, {"screen": "yes"})
    assert "d1" not in enabled_items(parsed, {"screen": "no"})


def test_patient_is_the_launch_context_and_empty_without_one() -> None:
    enable = {"d1": {"expression": "%patient.gender = 'male'"}}
    mapping = definition(enable)
    mapping["fhir"]["launch"] = ["patient"]
    parsed = parse(mapping)
    assert "d1" in enabled_items(parsed, {}, PatientContext.of(sex="male", birth_date=None))
    assert "d1" not in enabled_items(parsed, {}, PatientContext.of(sex="female", birth_date=None))
    assert "d1" not in enabled_items(parsed, {})  # %patient empty: the comparison is empty


def test_a_score_reads_the_patient_given_to_evaluate() -> None:
    expression = "iif(%patient.gender = 'male', 1, 0)"
    score = {"id": "male", "method": "fhirpath", "expression": expression}
    parsed = parse(definition({}, scores=[score]))
    male = PatientContext.of(sex="male", birth_date="1960-05-01")
    assert evaluate(parsed, {}, patient=male).score("male").value == 1
    assert evaluate(parsed, {}, patient=PatientContext(gender="female")).score("male").value == 0
    assert evaluate(parsed, {}).score("male").value == 0  # %patient empty: iif's else


def test_patient_birth_date_is_a_fhir_date() -> None:
    enable = {"d1": {"expression": "%patient.birthDate < @1950-01-01"}}
    parsed = parse(definition(enable))
    old = PatientContext.of(sex="female", birth_date="1940-03-02")
    young = PatientContext.of(sex="female", birth_date="1990-03-02")
    assert "d1" in enabled_items(parsed, {}, old)
    assert "d1" not in enabled_items(parsed, {}, young)


def test_patient_context_holds_only_gender_and_birth_date() -> None:
    patient = PatientContext.of(sex="male", birth_date="1960-05-01")
    assert patient.resource() == {
        "resourceType": "Patient",
        "gender": "male",
        "birthDate": "1960-05-01",
    }
    assert PatientContext.of(sex="x", birth_date=None).resource() == {
        "resourceType": "Patient",
        "gender": "unknown",
    }


def test_a_patient_of_unknown_sex_has_only_a_birth_date() -> None:
    assert PatientContext.of(sex=None, birth_date="1960-05-01").resource() == {
        "resourceType": "Patient",
        "birthDate": "1960-05-01",
    }


def test_a_definition_says_whether_it_reads_the_patient() -> None:
    mapping = definition(DETAILS)
    assert not parse(mapping).reads_patient
    mapping["fhir"]["launch"] = ["patient"]
    assert parse(mapping).reads_patient
    assert not parse(numbers(copy.deepcopy(ITEMS), [])).reads_patient  # no fhir block


def test_an_error_that_is_not_a_text_is_refused() -> None:
    mapping = definition({"d1": {"expression": "x", "error": 5}})
    assert "fhir.enable['d1']: error: expected a text, got the number 5" in problems(mapping)


def test_a_launch_other_than_patient_is_refused() -> None:
    mapping = definition(DETAILS)
    mapping["fhir"]["launch"] = ["user"]
    assert any("launch" in line for line in problems(mapping))


def test_the_enable_block_alone_makes_the_fhir_block_useful() -> None:
    assert parse(definition(DETAILS)).fhir is not None


def problems(mapping: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse(mapping)
    return [f"{p.location}: {p.reason}" for p in caught.value.problems]


@pytest.mark.parametrize(
    ("enable", "line"),
    [
        ({"nope": {"expression": "true"}}, "fhir.enable['nope']: 'nope' is not an item"),
        (
            {"d1": {"expression": 3}},
            "fhir.enable['d1']: expression: expected FHIRPath, got the number 3",
        ),
        ({"d1": {}}, "fhir.enable['d1']: missing key 'expression'"),
        ({"d1": "true"}, "fhir.enable['d1']: expected a mapping (key: value), got 'true'"),
        (
            {"d1": {"expression": "%resource.item.frob()"}},
            "fhir.enable['d1']: expression: fhirpathpy cannot evaluate it: Not implemented: frob",
        ),
        (
            {"d1": {"expression": "'unclosed"}},
            "fhir.enable['d1']: expression: fhirpathpy cannot compile \"'unclosed\":",
        ),
    ],
)
def test_a_bad_enable_expression_is_a_clear_problem(enable: dict[str, Any], line: str) -> None:
    found = problems(definition(enable))
    assert any(problem.startswith(line) for problem in found), found


def test_a_cycle_through_enable_expressions_is_refused() -> None:
    enable = {
        "d1": {"expression": "%resource.item.where(linkId = 'd-2').answer.exists()"},
        "d2": {"expression": "%resource.item.where(linkId = 'd-1').answer.exists()"},
    }
    assert any("enable_when cycle: d1 → d2 → d1" in p for p in problems(definition(enable)))


def test_an_item_reading_its_own_link_id_is_not_a_cycle() -> None:
    enable = {"d1": {"expression": "%resource.item.where(linkId = 'd-1').answer.exists().not()"}}
    assert "d1" in enabled_items(parse(definition(enable)), {})


def test_choice_items_are_untouched_by_an_empty_enable_block() -> None:
    mapping = numbers([choice("a")], [])
    mapping["fhir"] = {"questionnaire": QUESTIONNAIRE, "items": {}, "enable": {}}
    assert problems(mapping) == [ONLY_FHIRPATH]

"""SDC's common totals are computed by the engine itself (issue 15).

A calculatedExpression that sums the weights of the answers given
(``….answer.value.weight().sum()``, or ``ordinal()``) becomes a ``sum``
whose missing items count 0, one that counts the answers given
(``….answer.count()``) a ``count`` — only when fhirpathpy gives the same
value on every answer combination tried, unanswered items included; any
other form stays FHIRPath. The expected values are worked out by hand:
options a, b, c weigh 0, 1, 2 (itemWeight); an unanswered item has no
answer, so it adds nothing, and the sum of no weights is 0 (FHIRPath's
``sum()`` of an empty collection; fhirpathpy gives ``[0]``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.importer import ImportResult, questionnaire_from_fhir
from questionnaires.fhir.sdc import calculate
from scoring.engine import Definition, evaluate
from tests.questionnaires.fhir.helpers import choice, import_items, questionnaire
from tests.questionnaires.fhir.test_import_constructs import WEIGHT, calculated, weighted

WEIGHTS = "%resource.item.answer.value.weight().sum()"
UCUM = "http://unitsofmeasure.org"


def weighing(link_id: str, *weights: float | None) -> dict[str, Any]:
    item = choice(link_id, ["a", "b", "c"][: len(weights)])
    for weight, option in zip(weights, item["answerOption"], strict=True):
        if weight is not None:
            option["extension"] = [{"url": WEIGHT, "valueDecimal": weight}]
    return item


def number(link_id: str) -> dict[str, Any]:
    return {"linkId": link_id, "type": "integer", "text": link_id}


def group(link_id: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"linkId": link_id, "type": "group", "text": link_id, "item": list(items)}


GATED = {
    **weighted("y"),
    "enableWhen": [{"question": "x", "operator": "exists", "answerBoolean": True}],
}

TRANSLATED: list[tuple[str, list[dict[str, Any]], str, dict[str, Any], int]] = [
    # expression, items besides the total, method, answers, value
    (WEIGHTS, [weighted("x"), weighted("y")], "sum", {"x": "b", "y": "c"}, 3),  # 1 + 2
    (WEIGHTS, [weighted("x"), weighted("y")], "sum", {"x": "c"}, 2),  # y missing adds 0
    (WEIGHTS, [weighted("x"), weighted("y")], "sum", {}, 0),  # the sum of no weights
    # an item without weights adds nothing
    (WEIGHTS, [weighted("x"), choice("z", ["a", "b"])], "sum", {"x": "b", "z": "b"}, 1),
    # weights that are not the options' positions: 5, 10, 20
    (WEIGHTS, [weighing("x", 5, 10, 20), weighted("y")], "sum", {"x": "c", "y": "b"}, 21),
    # b has no weight (the option is valued 1 by position): it adds nothing
    (WEIGHTS, [weighing("x", 4, None, 2), weighted("y")], "sum", {"x": "b", "y": "c"}, 2),
    (WEIGHTS, [weighing("x", 4, None, 2), weighted("y")], "sum", {"x": "a", "y": "b"}, 5),
    (
        "%resource.item.where(linkId in ('x' | 'y')).answer.value.ordinal().sum()",
        [weighted("x"), weighted("y"), number("n"), choice("z", ["a", "b"])],
        "sum",
        {"y": "c", "n": 7, "z": "a"},  # n and z are not among the linkIds
        2,
    ),
    (
        "%resource.repeat(item).answer.value.weight().sum()",
        [weighted("x"), group("g", weighted("w"))],
        "sum",
        {"x": "b", "w": "c"},  # w sits in a group: repeat(item) finds it
        3,
    ),
    (
        "%resource.descendants().answer.value.weight().sum()",
        [weighted("x"), group("g", weighted("w"))],
        "sum",
        {"w": "b"},  # x missing adds 0
        1,
    ),
    (
        "%resource.item.where(linkId = 'x' or linkId = 'y').answer.count()",
        [weighted("x"), weighted("y"), number("n")],
        "count",
        {"x": "a", "n": 3},  # an answer weighing 0 is an answer; n is not counted
        1,
    ),
    (
        "%resource.repeat(item).answer.count()",
        [weighted("x"), group("g", weighted("w"), weighted("v"))],
        "count",
        {},
        0,
    ),
]


def total_of(result: ImportResult, answers: dict[str, str]) -> Any:
    return evaluate(result.definition, answers).score("total").value


def with_total(expression: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [*json.loads(json.dumps(items)), calculated(expression)]


def fhirpath_total(
    resource: dict[str, Any], definition: Definition, answers: dict[str, str]
) -> Any:
    response = response_to_fhir(definition, answers, with_scores=False)
    return calculate(resource, response)["total"]


def file_response(items: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """A QuestionnaireResponse to the file itself, with its own codings."""

    def answered(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = []
        for item in entries:
            entry: dict[str, Any] = {"linkId": item["linkId"]}
            given = answers.get(item["linkId"])
            if isinstance(given, int):
                entry["answer"] = [{"valueInteger": given}]
            elif given is not None:
                entry["answer"] = [
                    {"valueCoding": o["valueCoding"]}
                    for o in item["answerOption"]
                    if o["valueCoding"]["code"] == given
                ]
            children = answered(item.get("item", []))
            if children:
                entry["item"] = children
            if len(entry) > 1:
                found.append(entry)
        return found

    return {"resourceType": "QuestionnaireResponse", "status": "completed", "item": answered(items)}


@pytest.mark.parametrize(("expression", "items", "method", "answers", "value"), TRANSLATED)
def test_a_common_total_is_computed_by_the_engine_with_the_value_fhirpath_gives(
    expression: str, items: list[dict[str, Any]], method: str, answers: dict[str, str], value: int
) -> None:
    items = with_total(expression, items)
    result = import_items(items)
    assert result.definition.score("total").method == method
    assert "calculatedExpression kept as FHIRPath (not a plain sum): total" not in result.warnings
    assert total_of(result, answers) == value
    assert calculate(questionnaire(items), file_response(items, answers))["total"] == value


COUNT = "%resource.item.answer.count()"


@pytest.mark.parametrize(
    ("expression", "items"),
    [
        (COUNT, [weighted("x"), number("n")]),  # n's answer is counted too, and not tried
        (WEIGHTS, [weighted("x"), GATED]),  # y is asked only sometimes: not tried
        (COUNT, [weighted("x"), calculated(WEIGHTS, linkId="other")]),  # its value is counted
    ],
    ids=["a number", "an item asked sometimes", "another calculated item"],
)
def test_a_common_total_over_items_the_check_cannot_vary_stays_fhirpath(
    expression: str, items: list[dict[str, Any]]
) -> None:
    result = import_items(with_total(expression, items))
    assert result.definition.score("total").method == "fhirpath"


def test_a_weight_sum_that_sees_a_calculated_quantity_stays_fhirpath() -> None:
    # Option kg (weight 5) is a coding of UCUM's kg; "other" is a quantity in
    # kg, 5 kg when kg is chosen. weight() of that quantity finds the kg
    # option's weight too, so the total is 5 + 5 — a sum of x alone gives 5.
    x = weighing("x", 5, 1)
    for option, code in zip(x["answerOption"], ("kg", "g"), strict=True):
        option["valueCoding"] = {"system": UCUM, "code": code}
    other = calculated(
        "%resource.item.where(linkId = 'x').answer.value.weight().sum()",
        linkId="other",
        type="quantity",
    )
    other["extension"].append({"url": c.UNIT, "valueCoding": {"system": UCUM, "code": "kg"}})
    result = import_items([x, other, calculated(WEIGHTS)])
    assert result.definition.score("total").method == "fhirpath"
    assert evaluate(result.definition, {"x": "kg"}).score("total").value == 10


@pytest.mark.parametrize(
    "expression",
    [
        "%resource.item.where(linkId.startsWith('x')).answer.value.weight().sum()",  # no linkIds
        "%resource.item.answer.value.weight().sum() + 1",  # not the whole expression
        "%resource.item.where(linkId in ('x' | 'nowhere')).answer.count()",  # unknown linkId
        "%resource.item.where(linkId = 'z').answer.value.weight().sum()",  # z has no weights
    ],
)
def test_other_forms_stay_fhirpath(expression: str) -> None:
    items = [weighted("x"), weighted("y"), choice("z", ["a", "b"])]
    result = import_items(with_total(expression, items))
    assert result.definition.score("total").method == "fhirpath"


@pytest.mark.parametrize(
    "answers", [{}, {"x": "a"}, {"y": "c"}, {"x": "c", "y": "b"}, {"x": "b", "y": "a", "z": "c"}]
)
@pytest.mark.parametrize("expression", [WEIGHTS, "%resource.item.answer.count()"])
def test_a_translated_total_exports_a_calculated_expression_with_the_engines_value_and_comes_back(
    expression: str, answers: dict[str, str]
) -> None:
    items = with_total(expression, [weighted("x"), weighing("y", 5, 10, 20), weighted("z")])
    first = import_items(items).definition
    assert first.score("total").method in ("sum", "count")
    exported = json.loads(json.dumps(questionnaire_to_fhir(first)))
    value = evaluate(first, answers).score("total").value
    assert fhirpath_total(exported, first, answers) == value
    back = questionnaire_from_fhir(exported, source="back.json").definition
    assert back.score("total") == first.score("total")
    assert evaluate(back, answers).score("total").value == value

"""SDC's ``weight()`` / ``ordinal()`` (scoring/engine/sdc_weight.py).

SDC (Expressions, FHIRPath supplements) and fhirpath.js's docs/weight.md:
the weight of a chosen answer is the ``itemWeight`` (R4 files:
``ordinalValue``) on the value itself, else on the matching answerOption
(or its coding), else on the matching concept of the contained ValueSet the
item names, else on the concept of a contained CodeSystem; a value without
one adds nothing. The expected weights below are read off the small
Questionnaire written here, by hand.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from scoring.engine.model import FhirItem
from scoring.engine.sdc_weight import ITEM_WEIGHT, ORDINAL_VALUE, Weights, own_weight
from tests.engine.builders import choice, numbers, run

SYSTEM = "http://example.org/answers"
OTHER = "http://example.org/other"


def weighted(url: str, value: object, key: str = "valueDecimal") -> dict[str, Any]:
    return {"extension": [{"url": url, key: value}]}


def coding(code: str, system: str | None = SYSTEM, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"code": code, **extra}
    if system is not None:
        found["system"] = system
    return found


QUESTIONNAIRE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "status": "draft",
    "contained": [
        "not a resource",
        {"resourceType": "Patient", "id": "p"},
        {
            "resourceType": "ValueSet",
            "id": "expanded",
            "expansion": {
                "contains": [
                    {"system": SYSTEM, "code": "v0", **weighted(ITEM_WEIGHT, 0)},
                    {
                        "system": SYSTEM,
                        "code": "v-parent",
                        "contains": [{"system": SYSTEM, "code": "v5", **weighted(ITEM_WEIGHT, 5)}],
                    },
                    "not a concept",
                ]
            },
        },
        {
            "resourceType": "ValueSet",
            "id": "composed",
            "url": "http://example.org/ValueSet/composed",
            "compose": {
                "include": [
                    "not an include",
                    {
                        "system": OTHER,
                        "concept": [
                            {"code": "k1", **weighted(ORDINAL_VALUE, 1, "valueInteger")},
                            {"code": "k2"},  # weighted by the CodeSystem below
                        ],
                    },
                ]
            },
        },
        {"resourceType": "ValueSet", "id": "empty", "compose": {"include": "not a list"}},
        {
            "resourceType": "CodeSystem",
            "url": OTHER,
            "concept": [{"code": "k2", **weighted(ITEM_WEIGHT, 2.5)}, {"code": "k3"}],
        },
    ],
    "item": [
        "not an item",
        {
            "linkId": "g",
            "type": "group",
            "item": [
                {
                    "linkId": "a",
                    "type": "choice",
                    "answerOption": [
                        {"valueCoding": coding("a0"), **weighted(ITEM_WEIGHT, 0)},
                        {"valueCoding": {**coding("a1"), **weighted(ITEM_WEIGHT, 1)}},
                        {"valueCoding": coding("a3"), **weighted(ORDINAL_VALUE, 3)},
                        {"valueCoding": coding("none")},
                        "not an option",
                        {"initialSelected": True},
                    ],
                },
            ],
        },
        {"linkId": "b", "type": "choice", "answerValueSet": "#expanded"},
        {
            "linkId": "c",
            "type": "choice",
            "answerValueSet": "http://example.org/ValueSet/composed|1.0",
        },
        {
            "linkId": "d",
            "type": "choice",
            "answerOption": [
                {"valueInteger": 7, **weighted(ITEM_WEIGHT, 70)},
                {"valueString": "same", **weighted(ITEM_WEIGHT, 1)},
            ],
        },
        {
            "linkId": "e",
            "type": "choice",
            "answerOption": [
                {"valueString": "same", **weighted(ITEM_WEIGHT, 2)},  # differs from d's
                {"valueCoding": coding("a1"), **weighted(ITEM_WEIGHT, 1)},  # as a's
            ],
        },
        {"linkId": "f", "type": "choice", "answerValueSet": "#empty"},
        {"linkId": "h", "type": "choice", "answerValueSet": "#not-in-the-file"},
        {"linkId": "t", "type": "string"},
    ],
}


@pytest.fixture(scope="module")
def weights() -> Weights:
    return Weights(QUESTIONNAIRE)


def test_the_options_of_each_item_carry_the_weights_the_file_gives() -> None:
    found = Weights(QUESTIONNAIRE).choices
    assert [w for _, w in found["a"]] == [0, 1, 3, None]
    assert [w for _, w in found["b"]] == [0, None, 5]  # the parent concept has none
    assert [w for _, w in found["c"]] == [1, 2.5]  # k2 from the contained CodeSystem
    assert [w for _, w in found["d"]] == [70, 1]
    assert sorted(found) == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        (weighted(ITEM_WEIGHT, 2), 2),
        (weighted(ORDINAL_VALUE, 4, "valueInteger"), 4),
        ({"extension": [weighted(ITEM_WEIGHT, 1)["extension"][0], "x"]}, 1),
        ({"extension": ["x", {"url": ITEM_WEIGHT, "valueString": "2"}]}, None),
        ({"extension": [{"url": ITEM_WEIGHT, "valueDecimal": True}]}, None),
        ({"extension": "not a list"}, None),
        ({"code": "x"}, None),
        (3, None),
    ],
)
def test_a_weight_on_the_element_itself(element: object, expected: object) -> None:
    assert own_weight(element) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (coding("a1"), [1]),  # same weight in items a and e: no ambiguity
        (coding("a3"), [3]),
        (coding("a3", system=None), []),  # only an answer of item a knows it matches
        (coding("v5"), [5]),
        (coding("k2", system=OTHER), [Decimal("2.5")]),  # exact, for fhirpathpy's decimals
        (coding("none"), []),
        ({**coding("zzz"), **weighted(ITEM_WEIGHT, 9)}, [9]),  # on the value itself
        (7, [70]),
        ("same", []),  # 1 in item d, 2 in item e: no single weight
        ([1, 2], []),  # unhashable: no weight
        (True, []),
    ],
)
def test_a_value_from_elsewhere_takes_the_single_weight_its_code_has(
    weights: Weights, value: object, expected: list[object]
) -> None:
    assert weights([value]) == expected


def test_an_answer_of_a_response_takes_the_weight_of_its_own_item(weights: Weights) -> None:
    nested = coding("a3", system=None)
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "item": [
            {
                "linkId": "g",
                "item": [{"linkId": "a", "answer": [{"valueCoding": nested}]}],
            },
            {
                "linkId": "e",
                "answer": [
                    {"valueString": "same"},
                    {"valueCoding": coding("zzz")},
                    "not an answer",
                    {"valueCoding": coding("a1"), "item": [{"linkId": "t", "answer": []}]},
                ],
            },
        ],
    }
    bound = weights.with_response(response)
    assert bound([nested]) == [3]
    assert weights([nested]) == []  # the unbound table does not know this object


def test_the_engine_own_answer_objects_know_their_item() -> None:
    value = coding("a3", system=None)
    bound = Weights(QUESTIONNAIRE, {"a": FhirItem("a", "valueCoding", {"a3": value, "x": "X"})})
    assert bound([value]) == [3]
    assert bound.table()["ordinal"]["fn"] is bound


def _phq_like() -> dict[str, Any]:
    """Two items weighted 0–3 through a contained ValueSet, answered with LOINC
    codes; the total is SDC's ``weight().sum()``, the other ``ordinal()``."""
    concepts = [
        {"system": "http://loinc.org", "code": code, **weighted(ITEM_WEIGHT, n)}
        for n, code in enumerate(["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"])
    ]
    return {
        "resourceType": "Questionnaire",
        "status": "draft",
        "contained": [
            {"resourceType": "ValueSet", "id": "vs", "expansion": {"contains": concepts}}
        ],
        "item": [{"linkId": f"q{n}", "type": "choice", "answerValueSet": "#vs"} for n in (1, 2)],
    }


def _definition(expression: str) -> dict[str, Any]:
    questionnaire = _phq_like()
    codes = [c["code"] for c in questionnaire["contained"][0]["expansion"]["contains"]]
    items = {
        f"q{n}": {
            "link_id": f"q{n}",
            "answer": "valueCoding",
            "options": {
                str(v): {"system": "http://loinc.org", "code": c} for v, c in enumerate(codes)
            },
        }
        for n in (1, 2)
    }
    score = {"id": "total", "method": "fhirpath", "expression": expression}
    return numbers(
        [choice("q1"), choice("q2")],
        [score],
        fhir={"questionnaire": copy.deepcopy(questionnaire), "items": items},
    )


@pytest.mark.parametrize(
    ("expression", "answers", "expected"),
    [
        ("%resource.item.answer.value.weight().sum()", {"q1": "3", "q2": "2"}, 5),
        ("%resource.item.answer.value.weight().sum()", {"q1": "1"}, 1),
        ("%resource.item.answer.value.weight().sum()", {}, 0),
        ("%resource.item.answer.value.ordinal().sum()", {"q1": "2", "q2": "2"}, 4),
        ("%resource.item.where(linkId = 'q2').answer.value.weight()", {"q2": "3"}, 3),
    ],
)
def test_an_engine_score_reads_weights_by_sdc_weight_and_ordinal(
    expression: str, answers: dict[str, Any], expected: int
) -> None:
    result = run(_definition(expression), answers).score("total")
    assert (result.value, result.status) == (expected, "scored")

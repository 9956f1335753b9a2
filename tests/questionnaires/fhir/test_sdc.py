"""The SDC calculation runner used to check exports and imports."""

from __future__ import annotations

from typing import Any

import pytest

from questionnaires.fhir import common as c
from questionnaires.fhir.sdc import CalculationError, calculate


def expression(
    url: str, text: str, name: str | None = None, language: str = c.FHIRPATH
) -> dict[str, Any]:
    value: dict[str, Any] = {"language": language, "expression": text}
    if name is not None:
        value["name"] = name
    return {"url": url, "valueExpression": value}


RESPONSE = {
    "resourceType": "QuestionnaireResponse",
    "item": [{"linkId": "n", "answer": [{"valueInteger": 4}]}],
}


def test_item_variables_are_in_scope_for_the_item_and_its_children() -> None:
    questionnaire = {
        "resourceType": "Questionnaire",
        "extension": [
            expression(c.VARIABLE, "%resource.item.where(linkId = 'n').answer.valueInteger", "n")
        ],
        "item": [
            {
                "linkId": "g",
                "type": "group",
                "extension": [expression(c.VARIABLE, "%n * 2", "twice")],
                "item": [
                    {"linkId": "total", "extension": [expression(c.CALCULATED, "%twice + 1")]}
                ],
            }
        ],
    }
    assert calculate(questionnaire, RESPONSE) == {"total": 9}


def test_expressions_in_other_languages_are_skipped() -> None:
    questionnaire = {
        "resourceType": "Questionnaire",
        "extension": [
            expression(c.VARIABLE, "Sum(x)", "cql", language="text/cql"),
            {"url": c.VARIABLE},
        ],
        "item": [
            "odd",
            {"linkId": "total", "extension": [expression(c.CALCULATED, "x", language="text/cql")]},
        ],
    }
    assert calculate(questionnaire, RESPONSE) == {}


def test_an_expression_fhirpathpy_cannot_evaluate_names_the_item() -> None:
    questionnaire = {
        "resourceType": "Questionnaire",
        "item": [{"linkId": "total", "extension": [expression(c.CALCULATED, "%nowhere + 1")]}],
    }
    with pytest.raises(CalculationError, match="item total: fhirpathpy cannot evaluate"):
        calculate(questionnaire, RESPONSE)

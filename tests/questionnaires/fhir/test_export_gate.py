"""The GAD-7 gate in FHIR (docs/definitions.md, FHIR export): an item gated on
a score has an SDC enableWhenExpression (a calculated value is not an answer
enableWhen could read) and PRO Portal's enable-when extension; a gated
score's calculatedExpression has no value unless it is asked. fhirpathpy,
from the exported file and a QuestionnaireResponse alone, agrees with the
engine on what is asked and on every score."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

import pytest

from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.sdc import calculate, evaluate, fhirpath_of, with_variables
from questionnaires.library import LIBRARY_DIR, load_definition
from scoring.engine import Definition, enabled_items, parse_definition
from scoring.engine import evaluate as engine_evaluate
from tests.questionnaires.fhir.helpers import walk

PAIN = load_definition(LIBRARY_DIR / "chronic_pain" / "1.2.0.yaml")
EXPORTED = questionnaire_to_fhir(PAIN)


def _item(resource: Mapping[str, Any], link_id: str) -> Mapping[str, Any]:
    return next(i for i in walk(resource["item"]) if i["linkId"] == link_id)


def test_an_item_gated_on_a_score_has_an_enable_when_expression_and_ours() -> None:
    gated = _item(EXPORTED, "gad7.3")
    assert "enableWhen" not in gated
    expression = c.extension_value(gated, c.ENABLE_WHEN_EXPRESSION)
    assert expression["language"] == c.FHIRPATH
    assert json.loads(c.extension_value(gated, c.ENABLE_WHEN)) == {
        "behavior": "all",
        "conditions": [{"score": "gad2", "op": ">=", "value": 3}],
    }
    score = _item(EXPORTED, "gad7")
    assert c.extension_value(score, c.ENABLE_WHEN_EXPRESSION) is not None
    details = c.extensions(score, c.SCORE)[0]["extension"]
    definition = next(d["valueString"] for d in details if d["url"] == "definition")
    assert json.loads(definition)["enable_when"]["conditions"][0]["score"] == "gad2"


def _asked_in_fhir(
    resource: dict[str, Any], definition: Definition, answers: dict[str, Any]
) -> bool:
    response = response_to_fhir(definition, answers, with_scores=False)
    scope = with_variables(
        resource, response, {"resource": response, "questionnaire": resource}, "Questionnaire"
    )
    found = fhirpath_of(c.extensions(_item(resource, "gad7.3"), c.ENABLE_WHEN_EXPRESSION)[0])
    assert found is not None
    return evaluate(found[1], response, scope, "gad7.3") == [True]


@pytest.mark.parametrize(
    ("item_1", "item_2"), list(itertools.product([None, "0", "1", "2", "3"], repeat=2))
)
def test_fhirpath_asks_gad7_item_3_exactly_when_the_engine_does(
    item_1: str | None, item_2: str | None
) -> None:
    answers = {k: v for k, v in {"gad7.1": item_1, "gad7.2": item_2}.items() if v is not None}
    asked = "gad7.3" in enabled_items(PAIN, answers)
    gad2 = None if item_1 is None or item_2 is None else int(item_1) + int(item_2)
    assert asked is (gad2 is not None and gad2 >= 3)  # Kroenke et al. 2007
    assert _asked_in_fhir(EXPORTED, PAIN, answers) is asked


def _options() -> list[dict[str, Any]]:
    return [{"code": str(v), "value": v} for v in range(4)]


GATE = {"conditions": [{"score": "two", "op": ">=", "value": 3}]}
SYNTHETIC = parse_definition(
    {
        "format": 1,
        "id": "gates",
        "version": "1.0.0",
        "languages": [],
        "intended_use": "dialogue",
        "provenance": {"kind": "own"},
        "instruments": [{"id": "portal", "name": "t", "licence": "own", "source": "t"}],
        "sections": [
            {
                "id": "main",
                "kind": "generic",
                "items": [
                    {"id": "a", "type": "single_choice", "options": _options()},
                    {"id": "b", "type": "single_choice", "options": _options()},
                    {
                        "id": "c",
                        "type": "single_choice",
                        "options": _options(),
                        "enable_when": GATE,
                    },
                    {"id": "e", "type": "integer", "min": 0, "max": 9},
                ],
            }
        ],
        "scores": [
            {"id": "two", "method": "sum", "items": ["a", "b"], "source": "t"},
            {
                "id": "total",
                "method": "sum",
                "items": ["a", "b", "c"],
                "missing": {"prorate_up_to": 1},
                "enable_when": GATE,
                "source": "t",
            },
            # not applicable (total not asked) drops out; not scored is missing, prorated
            {
                "id": "outer",
                "method": "sum",
                "items": ["total", "e"],
                "missing": {"prorate_up_to": 1},
                "decimals": 1,
                "source": "t",
            },
            {
                "id": "by_item",
                "method": "sum",
                "items": ["e"],
                "enable_when": {
                    "behavior": "any",
                    "conditions": [
                        {"item": "a", "op": ">=", "value": 2},
                        {"item": "b", "op": "answered"},
                    ],
                },
                "source": "t",
            },
            {
                "id": "outer_2",
                "method": "sum",
                "items": ["by_item", "a"],
                "missing": {"prorate_up_to": 1},
                "decimals": 1,
                "source": "t",
            },
            {"id": "twice", "method": "formula", "expression": "total * 2", "source": "t"},
        ],
        "test_vectors": [],
    }
)
SYNTHETIC_FHIR = questionnaire_to_fhir(SYNTHETIC)
CHOICES = [None, "0", "1", "2", "3"]


@pytest.mark.parametrize("e", [None, 5])
def test_gated_scores_evaluate_to_the_engines_value_in_fhirpath(e: int | None) -> None:
    for a, b, c_ in itertools.product(CHOICES, CHOICES, [None, "0", "3"]):
        answers = {k: v for k, v in {"a": a, "b": b, "c": c_, "e": e}.items() if v is not None}
        engine = {s.id: s.value for s in engine_evaluate(SYNTHETIC, answers).scores}
        response = response_to_fhir(SYNTHETIC, answers, with_scores=False)
        found = calculate(SYNTHETIC_FHIR, response)
        for score_id, value in engine.items():
            got = found[score_id]
            assert (value is None and got is None) or (
                value is not None and got is not None and abs(value - got) < 1e-9
            ), (answers, score_id, value, got)

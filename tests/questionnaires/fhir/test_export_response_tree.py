"""An exported QuestionnaireResponse nests its answers as the exported
Questionnaire nests its items (FHIR R4: QuestionnaireResponse.item mirrors
Questionnaire.item), also for a questionnaire imported with nested groups,
and reads back to the same scores (issue 15).

The file below (written for this test) has a group ``outer`` with a
question, a nested group ``inner`` of two questions and a question after
it; a group ``other`` with a question carrying a question nested under it;
and a total of every answer's ordinalValue (``ordinal()``), which stays
FHIRPath. The import makes sections of them (docs/definitions.md § FHIR,
*Nested groups*) and the export writes those sections as its groups.
Options a, b, c weigh 0, 1, 2.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.importer import questionnaire_from_fhir
from questionnaires.fhir.services import fhir_stored_response_export
from questionnaires.fhir.validation import validate
from questionnaires.services import questionnaire_publish
from scoring.engine import Definition, evaluate
from tests import factories
from tests.conftest import Personas


def _choice(link_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "linkId": link_id,
        "type": "choice",
        "text": f"Question {link_id}",
        "answerOption": [
            {
                "valueCoding": {"system": "urn:test", "code": code},
                "extension": [{"url": c.ORDINAL_VALUE, "valueDecimal": weight}],
            }
            for weight, code in enumerate("abc")
        ],
        **extra,
    }


NESTED: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "status": "draft",
    "title": "Nested groups",
    "item": [
        {
            "linkId": "outer",
            "type": "group",
            "text": "Outer",
            "item": [
                _choice("o1"),
                {
                    "linkId": "inner",
                    "type": "group",
                    "text": "Inner",
                    "item": [_choice("i1"), _choice("i2")],
                },
                _choice("o2"),
            ],
        },
        {
            "linkId": "other",
            "type": "group",
            "text": "Other",
            "item": [_choice("p1", item=[_choice("p1a")])],
        },
        {
            "linkId": "total",
            "type": "integer",
            "text": "Total",
            "readOnly": True,
            "extension": [
                {
                    "url": c.CALCULATED,
                    "valueExpression": {
                        "language": "text/fhirpath",
                        "expression": "%resource.repeat(item).answer.value.ordinal().sum()",
                    },
                }
            ],
        },
    ],
}
#: b, c, a, c, b, c: 1 + 2 + 0 + 2 + 1 + 2 = 8 by hand.
ANSWERS = {"o1": "b", "i1": "c", "i2": "a", "o2": "c", "p1": "b", "p1a": "c"}


def imported() -> Definition:
    return questionnaire_from_fhir(json.loads(json.dumps(NESTED)), source="nested.json").definition


def paths(items: object, above: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every item's linkIds from the root down, in document order."""
    found: list[tuple[str, ...]] = []
    for item in items if isinstance(items, list) else []:
        here = (*above, str(item["linkId"]))
        found.append(here)
        found += paths(item.get("item"), here)
    return found


def test_the_response_nests_each_answer_where_the_questionnaire_has_its_item() -> None:
    definition = imported()
    questionnaire = questionnaire_to_fhir(definition)
    response = response_to_fhir(definition, ANSWERS)
    validate(questionnaire)
    validate(response)
    in_response = paths(response["item"])
    in_questionnaire = paths(questionnaire["item"])
    assert set(in_response) <= set(in_questionnaire)
    assert in_response == [p for p in in_questionnaire if p in in_response]  # same order
    answered = {p[-1]: p for p in in_response if p[-1] in ANSWERS}
    assert answered == {
        "o1": ("outer", "o1"),
        "i1": ("inner", "i1"),
        "i2": ("inner", "i2"),
        "o2": ("outer_2", "o2"),
        "p1": ("other", "p1"),
        "p1a": ("other", "p1a"),
    }
    assert ("total",) in in_response
    assert evaluate(definition, ANSWERS).score("total").value == 8


@pytest.mark.django_db
def test_a_stored_response_exported_and_imported_again_gives_the_same_scores(
    personas: Personas, tmp_path: Path
) -> None:
    mapping = questionnaire_from_fhir(json.loads(json.dumps(NESTED)), source="nested.json").mapping
    version = questionnaire_publish(content=mapping, source="nested.json").version
    response = factories.submitted(personas.patient, version, ANSWERS)
    exported = fhir_stored_response_export(response=response)
    path = tmp_path / "response.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    out = StringIO()
    call_command("import_response", str(path), stdout=out, stderr=StringIO())
    printed = json.loads(out.getvalue())
    assert {k: s["value"] for k, s in printed["scores"].items()} == {"total": 8}
    assert paths(exported["item"]) == [
        p
        for p in paths(questionnaire_to_fhir(version.definition)["item"])
        if p in paths(exported["item"])
    ]

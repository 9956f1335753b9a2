"""The questionnaire's own linkIds work (issue 15, item 5): an imported item
keeps an id the rules read and its linkId as an alias, answers keyed by the
linkIds score, and every export writes the linkIds again."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.importer import questionnaire_from_fhir
from questionnaires.fhir.validation import validate
from scoring.engine import answers_by_id, evaluate, parse_definition
from tests.questionnaires.fhir.helpers import walk

LOINC = "http://loinc.org"
#: LOINC answer list LL358-3 (PHQ "not at all" … "nearly every day"), scored 0–3.
ANSWERS = [("LA6568-5", 0), ("LA6569-3", 1), ("LA6570-1", 2), ("LA6571-9", 3)]


def phq_item(link_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "linkId": link_id,
        "text": text,
        "type": "choice",
        "required": True,
        "answerOption": [
            {
                "valueCoding": {"system": LOINC, "code": code, "display": code},
                "extension": [{"url": c.ORDINAL_VALUE, "valueDecimal": value}],
            }
            for code, value in ANSWERS
        ],
        **extra,
    }


def ordinal(link_id: str) -> str:
    """The chosen answer's score, written out as a file would (no ordinal())."""
    pick = "".join(f"iif($this = '{code}', {value}, " for code, value in ANSWERS[:-1])
    last = ANSWERS[-1][1]
    return (
        f"%resource.repeat(item).where(linkId = '{link_id}').answer.valueCoding.code"
        f".select({pick}{last}{')' * (len(ANSWERS) - 1)})"
    )


#: A PHQ-2 written as LOINC's panel is (linkIds are LOINC codes), with a
#: total and an eHealth colour on "nearly every day" for item 1.
PHQ2: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "id": "phq2-loinc",
    "url": "http://example.org/Questionnaire/phq2",
    "status": "draft",
    "title": "PHQ-2",
    "item": [
        {
            "linkId": "/55757-9",
            "type": "group",
            "text": "PHQ-2",
            "item": [
                phq_item(
                    "44250-9",
                    "Little interest or pleasure in doing things",
                    extension=[
                        {
                            "url": c.ANSWER_SIGNIFICANCE,
                            "extension": [
                                {
                                    "url": c.ANSWER_CONDITION,
                                    "extension": [
                                        {
                                            "url": "value",
                                            "valueCoding": {"system": LOINC, "code": "LA6571-9"},
                                        },
                                        {"url": "operator", "valueCode": "="},
                                    ],
                                },
                                {
                                    "url": "significance",
                                    "valueCoding": {"system": c.SIGNIFICANCE_SYSTEM, "code": "red"},
                                },
                            ],
                        }
                    ],
                ),
                phq_item("44255-8", "Feeling down, depressed, or hopeless"),
                {
                    "linkId": "55758-7",
                    "type": "integer",
                    "text": "PHQ-2 total score",
                    "readOnly": True,
                    "extension": [
                        {
                            "url": c.CALCULATED,
                            "valueExpression": {
                                "language": "text/fhirpath",
                                "expression": f"{ordinal('44250-9')} + {ordinal('44255-8')}",
                            },
                        }
                    ],
                },
            ],
        }
    ],
}
BY_LINK = {"44250-9": "LA6571-9", "44255-8": "LA6569-3"}


@functools.cache
def imported() -> Any:
    return questionnaire_from_fhir(copy.deepcopy(PHQ2), source="phq2.json")


def test_ids_keep_the_rule_grammar_and_the_link_ids_are_kept_as_aliases() -> None:
    definition = imported().definition
    assert [(i.id, i.link_id) for i in definition.items] == [
        ("q_44250_9", "44250-9"),
        ("q_44255_8", "44255-8"),
    ]
    assert [(s.id, s.link_id) for s in definition.scores] == [("q_55758_7", "55758-7")]


def test_answers_keyed_by_the_files_link_ids_score_and_colour() -> None:
    definition = imported().definition
    result = evaluate(definition, answers_by_id(definition, BY_LINK))
    assert result.score("q_55758_7").value == 4  # 3 + 1, by hand
    assert result.overall == "red"


def test_the_questionnaire_export_uses_the_link_ids_and_imports_back_the_same() -> None:
    definition = imported().definition
    exported = json.loads(json.dumps(questionnaire_to_fhir(definition)))
    validate(exported)
    links = [i["linkId"] for i in walk(exported["item"]) if i.get("type") != "group"]
    assert links == ["44250-9", "44255-8", "55758-7"]
    again = questionnaire_from_fhir(exported, source="export.json").definition
    assert again.items == definition.items
    assert again.scores == definition.scores
    assert again.rules == definition.rules


def test_a_hand_written_link_id_survives_the_export_with_its_id() -> None:
    mapping = copy.deepcopy(imported().mapping)
    mapping["sections"][0]["items"][0]["link_id"] = "phq-1"  # slugs to another id
    definition = parse_definition(mapping)
    again = questionnaire_from_fhir(
        json.loads(json.dumps(questionnaire_to_fhir(definition))), source="export.json"
    ).definition
    assert (again.items[0].id, again.items[0].link_id) == ("q_44250_9", "phq-1")


def test_the_response_export_uses_the_link_ids() -> None:
    definition = imported().definition
    response = response_to_fhir(definition, answers_by_id(definition, BY_LINK))
    validate(response)
    answered = {i["linkId"]: i["answer"] for i in walk(response["item"]) if "answer" in i}
    assert answered["44250-9"][0]["valueCoding"]["code"] == "LA6571-9"
    assert answered["55758-7"] == [{"valueInteger": 4}]
    (basis,) = c.extensions(response, c.FINDING_BASIS)  # the red "nearly every day"
    assert basis["extension"][0] == {"url": "linkId", "valueString": "44250-9"}

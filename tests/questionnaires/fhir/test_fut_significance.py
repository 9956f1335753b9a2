"""Danish eHealth (FUT) colours: ehealth-questionnaire-answerSignificance of
every value type the FUT profile allows (issue 15, part 2).

The FUT profile's ehealth-answer-Condition takes ``value`` as valueBoolean,
valueDecimal, valueInteger, valueString or valueCoding, with an enableWhen
operator (exists = != > < >= <=); one significance holds one or two
conditions (two: an interval). tests/fixtures/fhir/hand-written/fut-like-kol.json
is a small COPD questionnaire written after the pattern of FUT's test
questionnaires: string answer options with valueString conditions, plus one
item for each other value type (22 mappings). Each mapping must give its
colour when triggered alone, before and after export → import — also when
the import sees only the eHealth extensions (another system's file).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.importer import ImportResult, questionnaire_from_fhir
from questionnaires.fhir.validation import validate
from scoring.engine import Definition, evaluate
from tests.questionnaires.fhir.helpers import FIXTURES, walk

NAME = "fut-like-kol.json"
PORTAL_ROOT = (c.RULE, c.DEFINITION, c.TEST_VECTORS)

#: (the answer that triggers one mapping alone, its colour), written from the file.
TRIGGERS: list[tuple[dict[str, Any], str]] = [
    ({"q_1": "Som normalt"}, "green"),
    ({"q_1": "Lidt mere åndenød end normalt"}, "yellow"),
    ({"q_1": "Meget mere åndenød end normalt"}, "red"),
    ({"q_2": "Hvidt eller klart"}, "green"),
    ({"q_2": "Gult"}, "yellow"),
    ({"q_2": "Grønt"}, "red"),
    ({"q_3": ["Hoste"]}, "yellow"),
    ({"q_3": ["Feber"]}, "red"),
    ({"q_3": ["Brystsmerter"]}, "red"),
    ({"q_4": 92}, "green"),  # >= 92
    ({"q_4": 91}, "yellow"),  # 88–91: both sides of the interval
    ({"q_4": 88}, "yellow"),
    ({"q_4": 87}, "red"),  # < 88
    ({"q_5": 38.4}, "green"),  # < 38.5
    ({"q_5": 38.5}, "red"),  # >= 38.5
    ({"q_6": "yes"}, "green"),
    ({"q_6": "no"}, "red"),
    ({"q_7": "daily"}, "green"),
    ({"q_7": "some"}, "yellow"),
    ({"q_7": "none"}, "red"),
    ({"q_8": "0"}, "green"),
    ({"q_8": "1"}, "yellow"),
    ({"q_8": "2"}, "red"),  # >= 2
    ({"q_8": "3"}, "red"),
]


def source() -> dict[str, Any]:
    return json.loads((FIXTURES / "hand-written" / NAME).read_text(encoding="utf-8"))


def fired(definition: Definition, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(colour, item) of every flag raised by ``answers`` alone."""
    flags = evaluate(definition, answers).flags
    return [(f.colour, a.item_id) for f in flags for a in f.because.answers]


def imported() -> ImportResult:
    return questionnaire_from_fhir(source(), source=NAME)


def ehealth_only(resource: dict[str, Any]) -> dict[str, Any]:
    """The export as another system would see it: PRO Portal's own rule,
    definition and vector extensions (and rule ids) taken out."""
    resource = copy.deepcopy(resource)
    resource["extension"] = [
        e for e in resource.get("extension", []) if e.get("url") not in PORTAL_ROOT
    ]
    for item in walk(resource["item"]):
        for extension in item.get("extension", []):
            if extension.get("url") == c.ANSWER_SIGNIFICANCE:
                extension["extension"] = [
                    e for e in extension["extension"] if e.get("url") != c.RULE_ID
                ]
    return resource


def test_every_mapping_of_every_value_type_imports_as_a_rule() -> None:
    result = imported()
    assert len(result.definition.rules) == 22
    assert not any("answerSignificance" in warning for warning in result.warnings)
    whens = {r.when for r in result.definition.rules}
    assert "q_1 = 'Meget mere åndenød end normalt'" in whens  # valueString on string options
    assert "selected(q_3, 'Feber')" in whens  # valueString on a multiple choice
    assert "q_4 >= 88 and q_4 <= 91" in whens  # valueInteger, an interval
    assert "q_5 >= 38.5" in whens  # valueDecimal
    assert "q_6 = 'no'" in whens  # valueBoolean
    assert "q_7 = 'some'" in whens  # valueCoding
    assert "(q_8 = '2' or q_8 = '3')" in whens  # valueInteger >= 2 on integer options


@pytest.mark.parametrize(("answers", "colour"), TRIGGERS)
def test_each_mapping_gives_its_colour_when_triggered_alone(
    answers: dict[str, Any], colour: str
) -> None:
    item = next(iter(answers))
    assert fired(imported().definition, answers) == [(colour, item)]


@pytest.mark.parametrize("only_ehealth", [False, True], ids=["own-export", "ehealth-only"])
def test_the_colours_survive_export_and_import(only_ehealth: bool) -> None:
    exported = json.loads(json.dumps(questionnaire_to_fhir(imported().definition)))
    significances = [
        e for i in walk(exported["item"]) for e in c.extensions(i, c.ANSWER_SIGNIFICANCE)
    ]
    assert len(significances) == 22 + 1  # q_8 >= 2 is one significance per code: 2 and 3
    if only_ehealth:
        exported = ehealth_only(exported)
    again = questionnaire_from_fhir(exported, source="export.json")
    assert not any("answerSignificance" in warning for warning in again.warnings)
    for answers, colour in TRIGGERS:
        item = next(iter(answers))
        assert fired(again.definition, answers) == [(colour, item)], answers


@pytest.mark.parametrize(
    ("item", "value", "expression"),
    [
        # valueString matched against an option's code, display or valueString
        ("7", ("=", {"valueString": "Nogle dage"}), "q_7 = 'some'"),
        ("7", ("=", {"valueString": "none"}), "q_7 = 'none'"),
        # != on a single choice: answered with any other option
        ("1", ("!=", {"valueString": "Som normalt"}), None),
        ("8", ("<", {"valueDecimal": 1.5}), "(q_8 = '0' or q_8 = '1')"),
        ("8", ("exists", {"valueBoolean": False}), "missing(q_8)"),
    ],
)
def test_other_conditions_on_choices(
    item: str, value: tuple[str, dict[str, Any]], expression: str | None
) -> None:
    resource = source()
    target = next(i for i in walk(resource["item"]) if i["linkId"] == item)
    target["extension"] = [
        {
            "url": c.ANSWER_SIGNIFICANCE,
            "extension": [
                {
                    "url": c.ANSWER_CONDITION,
                    "extension": [
                        {"url": "value", **value[1]},
                        {"url": "operator", "valueCode": value[0]},
                    ],
                },
                {"url": "significance", "valueCoding": {"code": "red"}},
            ],
        }
    ]
    rules = questionnaire_from_fhir(resource, source=NAME).definition.rules
    found = next(r.when for r in rules if r.id == f"q_{item}_significance")
    if expression is None:  # the other two options
        assert found == (
            "(q_1 = 'Lidt mere åndenød end normalt' or q_1 = 'Meget mere åndenød end normalt')"
        )
    else:
        assert found == expression


@pytest.mark.parametrize(
    ("item", "value"),
    [
        ("1", (">", {"valueString": "Gult"})),  # texts have no order
        ("1", ("=", {"valueString": "Ukendt"})),  # no such option
        ("1", ("=", {"valueInteger": 1})),  # a number on text options
        ("7", ("=", {"valueBoolean": True})),  # a boolean on a choice
        ("6", ("=", {"valueString": "yes"})),  # a text on a boolean
        ("4", ("=", {"valueString": "92"})),  # a text on a number
        ("4", ("~", {"valueInteger": 92})),  # not an operator
    ],
)
def test_conditions_without_an_exact_meaning_are_named(
    item: str, value: tuple[str, dict[str, Any]]
) -> None:
    resource = source()
    target = next(i for i in walk(resource["item"]) if i["linkId"] == item)
    target["extension"] = [
        {
            "url": c.ANSWER_SIGNIFICANCE,
            "extension": [
                {
                    "url": c.ANSWER_CONDITION,
                    "extension": [
                        {"url": "value", **value[1]},
                        {"url": "operator", "valueCode": value[0]},
                    ],
                },
                {"url": "significance", "valueCoding": {"code": "red"}},
            ],
        }
    ]
    result = questionnaire_from_fhir(resource, source=NAME)
    assert f"answerSignificance not expressible (left out): {item}" in result.warnings


@pytest.mark.parametrize(("answers", "colour"), TRIGGERS, ids=[str(a) for a, _ in TRIGGERS])
def test_a_response_export_carries_each_colour_as_ehealth_records_it(
    answers: dict[str, Any], colour: str
) -> None:
    """eHealth records an answer's colour as a finding basis (linkId, value,
    finding ``<colour>-question-answer``, the answerSignificance that
    applied); the exported QuestionnaireResponse carries one per coloured
    answer, under the file's own linkId, and validates."""
    definition = imported().definition
    response = response_to_fhir(definition, answers)
    validate(response)
    item = definition.item(next(iter(answers)))
    bases = c.extensions(response, c.FINDING_BASIS)
    assert len(bases) == 1
    parts = {e["url"]: e for e in bases[0]["extension"]}
    assert parts["linkId"]["valueString"] == (item.link_id or item.id)
    finding = parts["finding"]["valueCodeableConcept"]["coding"][0]
    assert (finding["system"], finding["code"]) == (c.FINDING_SYSTEM, f"{colour}-question-answer")
    applied = c.extension_value(parts[c.ANSWER_SIGNIFICANCE], "significance")
    assert applied == {"system": c.SIGNIFICANCE_SYSTEM, "code": colour}
    flags = c.extensions(response, c.RESULT)[0]["extension"][1:]  # after the overall colour
    assert [c.extension_value(flag, "colour")["code"] for flag in flags] == [colour]

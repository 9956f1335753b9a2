"""Export: a PRO Portal definition as a valid FHIR R4 Questionnaire (and
answers as a QuestionnaireResponse), element by element."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest

from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.validation import InvalidResourceError, validate
from scoring.engine import AnswerError, Definition, parse_definition
from tests.questionnaires.fhir.helpers import library, library_ids, walk


def by_id(definition_id: str) -> Definition:
    return next(d for d in library() if d.id == definition_id)


def exported(definition_id: str) -> dict[str, Any]:
    return questionnaire_to_fhir(by_id(definition_id))


def item(resource: Mapping[str, Any], link_id: str) -> dict[str, Any]:
    return next(dict(i) for i in walk(resource["item"]) if i["linkId"] == link_id)


def translations(element: Mapping[str, Any], key: str) -> dict[str, str]:
    return {
        c.extension_value(e, "lang"): c.extension_value(e, "content")
        for e in c.extensions(element.get(f"_{key}"), c.TRANSLATION)
    }


@pytest.mark.parametrize("definition", library(), ids=library_ids())
def test_every_library_questionnaire_exports_as_a_valid_r4_questionnaire(
    definition: Definition,
) -> None:
    validate(questionnaire_to_fhir(definition))


@pytest.mark.parametrize("definition", library(), ids=library_ids())
def test_every_vector_exports_as_a_valid_questionnaire_response(definition: Definition) -> None:
    for vector in definition.test_vectors:
        validate(response_to_fhir(definition, dict(vector.answers)))


def test_the_root_names_the_questionnaire_version_and_status() -> None:
    resource = questionnaire_to_fhir(by_id("chronic_pain"), status="active")
    assert {k: resource[k] for k in ("id", "url", "version", "status", "language")} == {
        "id": "chronic-pain-1.0.0",
        "url": "http://pro-portal.invalid/fhir/Questionnaire/chronic_pain",
        "version": "1.0.0",
        "status": "active",
        "language": "da",
    }


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="status must be one of draft, active, retired"):
        questionnaire_to_fhir(by_id("phq9"), status="published")


def test_texts_are_in_the_first_language_with_the_others_as_translations() -> None:
    text = by_id("phq9").item("phq9.1").text
    question = item(exported("phq9"), "phq9.1")
    assert question["text"] == text["da"]
    assert translations(question, "text") == {"en": text["en"]}


def test_options_carry_the_code_label_and_ordinal_value() -> None:
    option = item(exported("phq9"), "phq9.1")["answerOption"][3]
    assert option["valueCoding"]["code"] == "3"
    assert option["valueCoding"]["display"] == "Næsten hver dag"
    assert translations(option["valueCoding"], "display") == {"en": "Nearly every day"}
    assert c.extension_value(option, c.ORDINAL_VALUE) == 3


def test_sections_are_groups_of_their_kind_with_items_in_order() -> None:
    group = exported("phq9")["item"][0]
    assert (group["linkId"], group["type"]) == ("phq9_questions", "group")
    assert c.extension_value(group, c.SECTION_KIND) == "domain"
    assert [i["linkId"] for i in group["item"]][-2:] == ["phq9.8", "phq9.9"]


@pytest.mark.parametrize(
    ("definition_id", "link_id", "expected"),
    [
        (
            "atrial_fibrillation",
            "af.missed_doses",
            [{"question": "af.anticoag", "operator": "=", "answerBoolean": True}],
        ),
        (
            "chronic_pain",
            "agenda.2",
            [{"question": "agenda.1", "operator": "exists", "answerBoolean": True}],
        ),
    ],
)
def test_enable_when_becomes_fhir_enable_when(
    definition_id: str, link_id: str, expected: list[dict[str, Any]]
) -> None:
    assert item(exported(definition_id), link_id)["enableWhen"] == expected


def test_any_of_several_conditions_sets_enable_behavior() -> None:
    worry = item(exported("chronic_pain"), "work.worry")
    assert worry["enableBehavior"] == "any"
    assert [w["answerCoding"]["code"] for w in worry["enableWhen"]] == [
        "full_time",
        "part_time",
        "sick_leave",
        "unemployed",
    ]


@pytest.mark.parametrize(
    ("link_id", "expected"),
    [
        ("phq9.1", {"type": "choice", "required": True}),
        ("pain.red_flags", {"type": "choice", "repeats": True}),
        ("pain.now", {"type": "integer"}),
        ("agenda.1", {"type": "string", "maxLength": 200}),
        ("med.taking", {"type": "boolean"}),
    ],
)
def test_items_keep_type_required_repeats_and_length(
    link_id: str, expected: dict[str, Any]
) -> None:
    found = item(exported("chronic_pain"), link_id)
    assert {k: found.get(k) for k in expected} == expected


def test_numbers_keep_their_bounds_and_unit() -> None:
    weight = item(exported("basic_data"), "basic.weight")
    assert c.extension_value(weight, c.MIN_VALUE) == by_id("basic_data").item("basic.weight").min
    assert c.extension_value(weight, c.UNIT)["display"] == "kg"


def test_a_numeric_rating_scale_is_a_slider_from_0_to_10_with_its_anchors() -> None:
    pain = item(exported("chronic_pain"), "pain.now")
    assert c.extension_value(pain, c.ITEM_TYPE) == "nrs"
    assert (c.extension_value(pain, c.MIN_VALUE), c.extension_value(pain, c.MAX_VALUE)) == (0, 10)
    anchors = c.extensions(pain, c.ANCHORS)[0]
    assert c.read_localized(c.sub_extensions(anchors, "low")[0])["en"] == "No pain"


def test_help_text_is_a_help_display_item_under_its_question() -> None:
    definition = by_id("diabetes")
    helped = definition.item("dm.hypo")
    child = item(questionnaire_to_fhir(definition), helped.id)["item"][0]
    assert (child["linkId"], child["type"]) == (f"{helped.id}-help", "display")
    assert c.extension_value(child, c.ITEM_CONTROL)["coding"][0]["code"] == "help"


def test_every_rule_is_in_pro_portals_rule_extension() -> None:
    definition = by_id("chronic_pain")
    rules = c.extensions(questionnaire_to_fhir(definition), c.RULE)
    assert [c.extension_value(r, "id") for r in rules] == [r.id for r in definition.rules]
    first = rules[0]
    assert c.extension_value(first, "expression") == "phq9.9 > 0"
    assert c.extension_value(first, "colour") == "red"
    assert c.extension_value(first, "safety") is True
    texts = c.read_localized(c.sub_extensions(first, "clinician-text")[0])
    assert set(texts) == {"da", "en"}


def significances(element: Mapping[str, Any]) -> list[tuple[list[tuple[str, Any]], str, str]]:
    found = []
    for extension in c.extensions(element, c.ANSWER_SIGNIFICANCE):
        conditions = []
        for condition in c.sub_extensions(extension, c.ANSWER_CONDITION):
            value = c.value_of(c.sub_extensions(condition, "value")[0])
            operator = c.extension_value(condition, "operator")
            answer = value[1]["code"] if value and value[0] == "valueCoding" else value[1]
            conditions.append((operator, answer))
        colour = c.extension_value(extension, "significance")
        assert colour["system"] == c.SIGNIFICANCE_SYSTEM
        found.append((conditions, colour["code"], c.extension_value(extension, c.RULE_ID)))
    return found


def test_a_rule_on_one_choice_answer_is_ehealths_answer_significance_per_code() -> None:
    assert significances(item(exported("phq9"), "phq9.9")) == [
        ([("=", "1")], "red", "phq9_item9_self_harm"),
        ([("=", "2")], "red", "phq9_item9_self_harm"),
        ([("=", "3")], "red", "phq9_item9_self_harm"),
    ]


def test_a_rule_on_one_yes_no_answer_compares_a_boolean() -> None:
    assert significances(item(exported("heart_failure"), "hf.chest_pain")) == [
        ([("=", True)], "red", "hf_chest_pain")
    ]


def test_a_rule_selecting_codes_of_a_multiple_choice_is_a_significance_per_code() -> None:
    found = significances(item(exported("chronic_pain"), "pain.red_flags"))
    assert [(conditions[0][1], colour) for conditions, colour, _ in found] == [
        ("new_weakness", "red"),
        ("bladder_bowel", "red"),
        ("fever_weight_loss", "red"),
    ]


def test_rules_on_scores_or_several_answers_have_no_answer_significance() -> None:
    resource = exported("depression_anxiety")
    rule_ids = {found[2] for i in walk(resource["item"]) for found in significances(i)}
    assert "mdi_total_30_plus" not in rule_ids
    assert "mdi_icd10_pattern" not in rule_ids


NUMBERS = {
    "format": 1,
    "id": "numbers",
    "version": "1.0.0",
    "languages": ["da", "en"],
    "title": {"da": "Tal", "en": "Numbers"},
    "description": {"da": "Tal", "en": "Numbers"},
    "intended_use": "triage",
    "triage": {"green_interval_days": 90},
    "patient_group": {"description": {"da": "Alle", "en": "All"}, "inclusion": [], "exclusion": []},
    "recall_period": {"da": "i dag", "en": "today"},
    "provenance": {"kind": "own", "note": {"da": "egen", "en": "own"}},
    "instruments": [{"id": "portal", "name": "PRO Portal", "licence": "own", "source": "team"}],
    "sections": [
        {
            "id": "pain",
            "kind": "generic",
            "title": {"da": "Smerter", "en": "Pain"},
            "items": [
                {
                    "id": "pain",
                    "type": "nrs",
                    "text": {"da": "Smerte", "en": "Pain"},
                    "anchors": {
                        "low": {"da": "Ingen", "en": "None"},
                        "high": {"da": "Værst", "en": "Worst"},
                    },
                },
                {
                    "id": "level",
                    "type": "single_choice",
                    "text": {"da": "Niveau", "en": "Level"},
                    "options": [
                        {"code": c, "value": v, "label": {"da": c, "en": c}}
                        for c, v in (("low", 0), ("mid", 1), ("high", 2))
                    ],
                },
                {
                    "id": "seen",
                    "type": "date",
                    "text": {"da": "Set", "en": "Seen"},
                    "min": "2020-01-01",
                    "max": "2030-12-31",
                },
                {
                    "id": "dose",
                    "type": "decimal",
                    "text": {"da": "Dosis", "en": "Dose"},
                    "min": 0,
                    "max": 10,
                    "decimals": 1,
                    "unit": {"da": "mg", "en": "mg"},
                },
                {
                    "id": "extra",
                    "type": "long_text",
                    "text": {"da": "Ekstra", "en": "Extra"},
                    "enable_when": {"conditions": [{"item": "pain", "op": ">", "value": 2.5}]},
                },
                {
                    "id": "more",
                    "type": "short_text",
                    "text": {"da": "Mere", "en": "More"},
                    "enable_when": {
                        "behavior": "all",
                        "conditions": [
                            {"item": "level", "op": ">=", "value": 1},
                            {"item": "pain", "op": "answered"},
                        ],
                    },
                },
            ],
        }
    ],
    "rules": [
        {
            "id": "severe_pain",
            "when": "pain >= 7 and pain <= 10",
            "colour": "red",
            "clinician_text": {"da": "Svære smerter", "en": "Severe pain"},
            "patient_text": {"da": "Ring til os", "en": "Call us"},
            "source": "team rule",
        },
        {
            "id": "high_dose",
            "when": "dose > 7.5",
            "colour": "yellow",
            "clinician_text": {"da": "Høj dosis", "en": "High dose"},
            "patient_text": {"da": "Tal med lægen", "en": "Talk to the doctor"},
            "source": "team rule",
        },
        {
            "id": "not_five",
            "when": "pain != 5",
            "colour": "green",
            "clinician_text": {"da": "Ikke fem", "en": "Not five"},
            "patient_text": {"da": "Fint", "en": "Fine"},
            "source": "team rule",
        },
        {
            "id": "some_pain",
            "when": "3 < pain",
            "colour": "yellow",
            "clinician_text": {"da": "Smerter", "en": "Pain"},
            "source": "team rule",
        },
    ],
    "test_vectors": [],
}


def numbers_export() -> dict[str, Any]:
    return questionnaire_to_fhir(parse_definition(copy.deepcopy(NUMBERS), source="numbers"))


def test_a_rule_on_a_number_range_is_one_significance_with_two_conditions() -> None:
    assert significances(item(numbers_export(), "pain")) == [
        ([(">=", 7), ("<=", 10)], "red", "severe_pain"),
        ([("!=", 5)], "green", "not_five"),
        ([(">", 3)], "yellow", "some_pain"),
    ]
    assert significances(item(numbers_export(), "dose")) == [([(">", 7.5)], "yellow", "high_dose")]


def test_feedback_is_only_for_whole_number_intervals() -> None:
    assert c.extensions(item(numbers_export(), "dose"), c.FEEDBACK) == []


def test_a_patient_text_on_one_answer_is_ehealth_feedback_with_its_interval() -> None:
    feedback = c.extensions(item(numbers_export(), "pain"), c.FEEDBACK)
    assert [
        (c.extension_value(f, "value"), c.extension_value(f, "min"), c.extension_value(f, "max"))
        for f in feedback
    ] == [("Ring til os", 7, 10)]


def test_a_patient_text_on_choice_codes_is_feedback_on_their_ordinal_interval() -> None:
    feedback = c.extensions(item(exported("phq9"), "phq9.9"), c.FEEDBACK)
    assert [(c.extension_value(f, "min"), c.extension_value(f, "max")) for f in feedback] == [
        (1, 3)
    ]


@pytest.mark.parametrize("link_id", ["more", "extra"])
def test_an_enable_when_fhir_cannot_express_is_an_sdc_expression_plus_ours(link_id: str) -> None:
    found = item(numbers_export(), link_id)
    assert "enableWhen" not in found
    expression = c.extension_value(found, c.ENABLE_WHEN_EXPRESSION)
    assert expression["language"] == c.FHIRPATH
    assert c.extension_value(found, c.ENABLE_WHEN) is not None


def test_dates_keep_their_bounds() -> None:
    seen = item(numbers_export(), "seen")
    assert (c.extension_value(seen, c.MIN_VALUE), c.extension_value(seen, c.MAX_VALUE)) == (
        "2020-01-01",
        "2030-12-31",
    )


def test_a_section_sharing_an_items_id_gets_a_distinct_link_id() -> None:
    resource = numbers_export()
    assert resource["item"][0]["linkId"] == "pain-section"
    validate(resource)


def test_scores_are_read_only_items_with_a_calculated_expression_and_their_definition() -> None:
    who5 = item(exported("who5"), "who5")
    assert (who5["type"], who5["readOnly"]) == ("integer", True)
    assert c.extension_value(who5, c.CALCULATED)["language"] == c.FHIRPATH
    details = c.extensions(who5, c.SCORE)[0]
    assert '"multiply":4' in c.extension_value(details, "definition")


def test_the_response_leaves_out_answers_to_questions_not_asked_and_adds_the_scores() -> None:
    definition = by_id("diabetes")
    vector = next(v for v in definition.test_vectors if v.answers.get("dm.hypo") == "no")
    answers = {**vector.answers, "dm.hypo_help": "yes"}
    response = response_to_fhir(definition, answers)
    link_ids = [i["linkId"] for i in walk(response["item"])]
    assert "dm.hypo" in link_ids
    assert "dm.hypo_help" not in link_ids
    assert "who5" in link_ids
    assert (
        response["questionnaire"] == "http://pro-portal.invalid/fhir/Questionnaire/diabetes|1.0.0"
    )


def test_a_response_carries_the_authored_time_when_given() -> None:
    definition = parse_definition(copy.deepcopy(NUMBERS), source="numbers")
    answers = {"pain": 4, "seen": "2024-05-31", "dose": 2.5, "level": "mid", "more": "x"}
    response = response_to_fhir(definition, answers, authored="2024-05-31T10:00:00+02:00")
    validate(response)
    values = {i["linkId"]: i["answer"][0] for i in walk(response["item"]) if "answer" in i}
    assert values["seen"] == {"valueDate": "2024-05-31"}
    assert values["dose"] == {"valueDecimal": 2.5}
    assert response["authored"] == "2024-05-31T10:00:00+02:00"


def test_response_answers_have_the_fhir_type_of_their_item() -> None:
    definition = by_id("chronic_pain")
    vector = definition.test_vectors[0]
    response = response_to_fhir(definition, dict(vector.answers), with_scores=False)
    answers = {i["linkId"]: i["answer"] for i in walk(response["item"]) if "answer" in i}
    assert set(answers["phq9.1"][0]) == {"valueCoding"}
    assert set(answers["pain.now"][0]) == {"valueInteger"}
    assert set(answers["med.taking"][0]) == {"valueBoolean"}


def test_invalid_answers_are_refused_for_a_response() -> None:
    with pytest.raises(AnswerError):
        response_to_fhir(by_id("phq9"), {"phq9.1": "7"})


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ({"resourceType": "Patient"}, "not a Questionnaire: 'Patient'"),
        ({"resourceType": "Questionnaire", "item": []}, "status"),
        (
            {
                "resourceType": "Questionnaire",
                "status": "draft",
                "item": [{"linkId": "g", "type": "group"}],
            },
            "group g has no items",
        ),
        (
            {
                "resourceType": "Questionnaire",
                "status": "draft",
                "item": [
                    {"linkId": "a", "type": "string"},
                    {"linkId": "a", "type": "string"},
                ],
            },
            "linkId a is used twice",
        ),
        (
            {
                "resourceType": "Questionnaire",
                "status": "draft",
                "item": [
                    {
                        "linkId": "a",
                        "type": "string",
                        "enableWhen": [
                            {"question": "b", "operator": "exists", "answerBoolean": True},
                            {"question": "c", "operator": "exists", "answerBoolean": True},
                        ],
                    }
                ],
            },
            "several enableWhen without enableBehavior",
        ),
        (
            {"resourceType": "Questionnaire", "status": "draft", "extension": [{"url": "x"}]},
            "needs a value or extensions",
        ),
    ],
)
def test_validation_catches_what_fhir_forbids(resource: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidResourceError, match=message):
        validate(resource)

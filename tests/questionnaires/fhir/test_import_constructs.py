"""Import, construct by construct, on small hand-written Questionnaires."""

from __future__ import annotations

import json
from typing import Any

import pytest

from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir
from questionnaires.fhir.importer import FhirImportError, questionnaire_from_fhir
from scoring.engine import enabled_items, evaluate
from tests.questionnaires.fhir.helpers import choice, coding, import_items, library

WEIGHT = c.ITEM_WEIGHT


def group(link_id: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "type": "group", "text": link_id.title(), "item": items, **extra}


def text_item(link_id: str, **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "type": "string", "text": link_id, **extra}


def when(question: str, operator: str, **answer: Any) -> dict[str, Any]:
    return {"question": question, "operator": operator, **answer}


def conditions(result: Any, item_id: str) -> tuple[str, list[tuple[str, str, Any]]] | None:
    enable = result.definition.item(item_id).enable_when
    if enable is None:
        return None
    return enable.behavior, [(k.item, k.op, k.value) for k in enable.conditions]


# --- what cannot be imported at all ----------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ([], "test.json: not a FHIR Questionnaire (resourceType: missing)"),
        (
            {"resourceType": "Patient"},
            "test.json: not a FHIR Questionnaire (resourceType: Patient)",
        ),
        (
            {"resourceType": "Questionnaire", "item": [{"linkId": "a", "type": "attachment"}]},
            "test.json: no item could be imported",
        ),
    ],
)
def test_a_file_that_is_not_an_importable_questionnaire_is_a_clear_error(
    resource: Any, message: str
) -> None:
    with pytest.raises(FhirImportError) as caught:
        questionnaire_from_fhir(resource, source="test.json")
    assert caught.value.problems == [message]


# --- groups and sections -------------------------------------------------------------------


def test_nested_groups_are_flattened_into_sections_titled_outer_then_inner() -> None:
    result = import_items(
        [
            group(
                "outer",
                [text_item("a"), group("inner", [text_item("b")]), text_item("c")],
            )
        ]
    )
    sections = result.definition.sections
    assert [(s.id, s.title["en"], [i.id for i in s.items]) for s in sections] == [
        ("outer", "Outer", ["a"]),
        ("inner", "Outer › Inner", ["b"]),
        ("outer_2", "Outer", ["c"]),
    ]


def test_questions_outside_groups_form_sections_titled_with_the_questionnaire() -> None:
    result = import_items(
        [text_item("a"), group("g", [text_item("b")]), text_item("c")], title="Check-up"
    )
    sections = result.definition.sections
    assert [(s.id, s.title["en"]) for s in sections] == [
        ("main", "Check-up"),
        ("g", "G"),
        ("main_2", "Check-up"),
    ]


def test_a_group_without_items_is_named_in_the_warning() -> None:
    result = import_items([text_item("a"), {"linkId": "empty", "type": "group"}])
    assert "group without items (left out): empty" in result.warnings


def test_a_repeating_group_is_asked_once_and_named() -> None:
    result = import_items([group("g", [text_item("a")], repeats=True)])
    assert "repeating group (asked once): g" in result.warnings


def test_a_groups_enable_when_applies_to_each_of_its_questions() -> None:
    result = import_items(
        [
            {"linkId": "gate", "type": "boolean", "text": "Gate?"},
            group(
                "g",
                [text_item("a", enableWhen=[when("gate", "exists", answerBoolean=True)])],
                enableWhen=[when("gate", "=", answerBoolean=True)],
            ),
        ]
    )
    assert conditions(result, "a") == ("all", [("gate", "=", "yes"), ("gate", "answered", None)])


def test_a_group_any_and_an_item_any_cannot_combine_so_only_the_items_applies() -> None:
    result = import_items(
        [
            choice("x", ["a", "b"]),
            group(
                "g",
                [
                    text_item(
                        "q",
                        enableWhen=[
                            when("x", "=", answerCoding=coding("a")),
                            when("x", "exists", answerBoolean=False),
                        ],
                        enableBehavior="any",
                    )
                ],
                enableWhen=[
                    when("x", "=", answerCoding=coding("b")),
                    when("x", "=", answerCoding=coding("a")),
                ],
                enableBehavior="any",
            ),
        ]
    )
    assert conditions(result, "q") == ("any", [("x", "=", "a"), ("x", "missing", None)])
    assert (
        "enableWhen of a group (any) and of its item cannot be combined: only the item's"
        " applies: q" in result.warnings
    )


# --- items ----------------------------------------------------------------------------------


def test_linkids_become_ids_avoiding_the_rule_languages_words_and_clashes() -> None:
    result = import_items(
        [text_item("count"), text_item("Item-1"), text_item("item_1"), text_item("7up")]
    )
    # A linkId that is a valid id keeps it: the renamed one takes another.
    assert [i.id for i in result.definition.items] == ["count_item", "item_1_2", "item_1", "q_7up"]
    assert result.renamed == {"count": "count_item", "Item-1": "item_1_2", "7up": "q_7up"}
    assert [i.link_id for i in result.definition.items] == ["count", "Item-1", None, "7up"]


def test_options_take_ordinal_value_or_the_older_co_value_on_the_coding() -> None:
    item = choice("x", ["a", "b"])
    item["answerOption"][0]["valueCoding"]["extension"] = [{"url": c.CO_VALUE, "valueDecimal": 5}]
    item["answerOption"][1]["extension"] = [{"url": c.ORDINAL_VALUE, "valueDecimal": 7.5}]
    options = import_items([item]).definition.item("x").options
    assert [(o.code, o.value) for o in options] == [("a", 5), ("b", 7.5)]


def test_a_value_set_without_expansion_gives_its_composed_concepts() -> None:
    value_set = {
        "resourceType": "ValueSet",
        "id": "yn",
        "compose": {
            "include": [
                {
                    "system": "urn:yn",
                    "concept": [
                        {
                            "code": "y",
                            "display": "Yes",
                            "extension": [{"url": WEIGHT, "valueDecimal": 1}],
                        },
                        {
                            "code": "n",
                            "display": "No",
                            "extension": [{"url": WEIGHT, "valueDecimal": 0}],
                        },
                    ],
                }
            ]
        },
    }
    result = import_items(
        [{"linkId": "x", "type": "choice", "text": "X", "answerValueSet": "#yn"}],
        contained=[value_set],
    )
    options = result.definition.item("x").options
    assert [(o.code, o.value, o.label["en"]) for o in options] == [("y", 1, "Yes"), ("n", 0, "No")]


def test_repeating_choices_are_multiple_choice_with_their_bounds_and_exclusive_option() -> None:
    item = choice(
        "x",
        ["a", "b", "none"],
        repeats=True,
        extension=[
            {"url": c.MIN_OCCURS, "valueInteger": 1},
            {"url": c.MAX_OCCURS, "valueInteger": 2},
        ],
    )
    item["answerOption"][2]["extension"] = [{"url": c.OPTION_EXCLUSIVE, "valueBoolean": True}]
    imported = import_items([item]).definition.item("x")
    assert (imported.type, imported.min, imported.max) == ("multiple_choice", 1, 2)
    assert [o.exclusive for o in imported.options] == [False, False, True]


@pytest.mark.parametrize(
    ("item", "line"),
    [
        (
            choice("x", ["a"], type="open-choice"),
            "open-choice: free-text answers not accepted (a choice): x",
        ),
        (text_item("x", readOnly=True), "read-only (the patient can answer it): x"),
        (text_item("x", repeats=True), "repeats on a non-choice item (one answer): x"),
        (
            {"linkId": "x", "type": "question", "text": "X"},
            "unknown item type 'question' (imported as short text): x",
        ),
        (
            {
                "linkId": "x",
                "type": "choice",
                "text": "X",
                "answerOption": [
                    {"valueReference": {"reference": "Patient/1"}},
                    {"valueCoding": coding("a")},
                ],
            },
            "answer option of type valueReference (left out): x",
        ),
        (
            {
                "linkId": "x",
                "type": "choice",
                "text": "X",
                "answerOption": [
                    {"valueCoding": {"display": "no code"}},
                    {"valueCoding": coding("a")},
                ],
            },
            "answer option without a (unique) code (left out): x",
        ),
        (
            {
                "linkId": "x",
                "type": "choice",
                "text": "X",
                "answerOption": [{"valueCoding": coding("a"), "initialSelected": True}],
            },
            "initialSelected not used: x",
        ),
        (
            text_item("x", definition="http://example.org/sd#x"),
            "item element not kept (definition): x",
        ),
        (
            text_item(
                "x",
                extension=[
                    {"url": c.SDC + "sdc-questionnaire-initialExpression", "valueExpression": {}}
                ],
            ),
            "expression not supported (sdc-questionnaire-initialExpression): x",
        ),
        (
            text_item("x", extension=[{"url": c.ENABLE_WHEN_EXPRESSION, "valueExpression": {}}]),
            "enableWhenExpression not in FHIRPath (the item is always asked): x",
        ),
        (
            text_item(
                "x",
                extension=[
                    {
                        "url": c.ENABLE_WHEN_EXPRESSION,
                        "valueExpression": {"language": "text/fhirpath", "expression": "{}.frob()"},
                    }
                ],
            ),
            "enableWhenExpression cannot be evaluated: fhirpathpy cannot evaluate it:"
            " Not implemented: frob (the item is never asked, as in an SDC form filler:"
            " correct the file to ask it): x",
        ),
    ],
)
def test_constructs_without_an_equivalent_are_named(item: dict[str, Any], line: str) -> None:
    assert line in import_items([item]).warnings


def test_a_choice_without_options_is_a_short_text() -> None:
    item = import_items([{"linkId": "x", "type": "choice", "text": "X"}]).definition.item("x")
    assert (item.type, item.max_length) == ("short_text", 200)


def test_numbers_keep_their_bounds_unit_and_decimals() -> None:
    result = import_items(
        [
            {
                "linkId": "weight",
                "type": "decimal",
                "text": "Weight",
                "extension": [
                    {"url": c.MIN_VALUE, "valueDecimal": 20.5},
                    {"url": c.MAX_VALUE, "valueDecimal": 300},
                    {"url": c.MAX_DECIMAL_PLACES, "valueInteger": 1},
                    {
                        "url": c.UNIT,
                        "valueCoding": {"system": "http://unitsofmeasure.org", "code": "kg"},
                    },
                ],
            },
            {
                "linkId": "age",
                "type": "integer",
                "text": "Age",
                "extension": [{"url": c.MIN_VALUE, "valueInteger": 0}],
            },
            text_item("note", maxLength=40),
        ]
    )
    weight, age, note = result.definition.items
    assert (weight.min, weight.max, weight.decimals, weight.unit) == (20.5, 300, 1, {"en": "kg"})
    assert (age.min, age.max) == (0, 2**31 - 1)
    assert note.max_length == 40


def test_a_decimal_without_a_unit_says_so() -> None:
    item = import_items([{"linkId": "x", "type": "decimal", "text": "X"}]).definition.item("x")
    assert item.unit == {"en": "(no unit)"}


def test_a_help_text_child_becomes_the_items_help_and_other_children_follow_it() -> None:
    help_child = {
        "linkId": "x-help",
        "type": "display",
        "text": "Count every day",
        "extension": [
            {"url": c.ITEM_CONTROL, "valueCodeableConcept": {"coding": [{"code": "help"}]}}
        ],
    }
    result = import_items([text_item("x", item=[help_child, text_item("y")])])
    assert result.definition.item("x").help == {"en": "Count every day"}
    assert [i.id for i in result.definition.items] == ["x", "y"]
    assert "item nested in a question (asked after it): y" in result.warnings


def test_translations_every_text_has_become_languages_of_the_draft() -> None:
    def translated(value: str) -> dict[str, Any]:
        return {"extension": [c.translation("da", f"{value} (da)")]}

    item = choice("x", ["a"])
    item["_text"] = translated("x")
    item["answerOption"][0]["valueCoding"]["_display"] = translated("A")
    result = import_items(
        [group("g", [item], _text=translated("G"))],
        language="en-GB",
        title="T",
        _title=translated("T"),
    )
    assert result.definition.languages == ("en", "da")
    assert result.definition.item("x").text == {"en": "x", "da": "x (da)"}
    assert result.definition.recall_period == {
        "en": "Not stated in the FHIR Questionnaire",
        "da": "Not stated in the FHIR Questionnaire",
    }


def test_translations_only_some_texts_have_are_dropped_and_named() -> None:
    item = text_item("x", _text={"extension": [c.translation("de", "X (de)")]})
    result = import_items([item, text_item("y")])
    assert result.definition.languages == ("en",)
    assert "translations not kept (not every text has one): de: Questionnaire" in result.warnings


@pytest.mark.parametrize(
    ("version", "expected", "warned"),
    [("2.1.0", "2.1.0", False), (None, "1.0.0", False), ("2.7", "1.0.0", True)],
)
def test_the_version_is_kept_when_it_is_major_minor_patch(
    version: str | None, expected: str, warned: bool
) -> None:
    root = {"version": version} if version else {}
    result = import_items([text_item("x")], **root)
    assert result.definition.version == expected
    line = f"version {version!r} is not MAJOR.MINOR.PATCH (imported as 1.0.0): Questionnaire"
    assert (line in result.warnings) is warned


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ({"id": "My-Form"}, "my_form"),
        ({"name": "MyForm"}, "myform"),
        ({"title": "3 questions"}, "q_3_questions"),
        ({}, "imported"),
    ],
)
def test_the_draft_id_comes_from_the_resource(root: dict[str, Any], expected: str) -> None:
    assert import_items([text_item("x")], **root).definition.id == expected


# --- enableWhen ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        (when("gone", "exists", answerBoolean=True), "gone was not imported"),
        (when("x", ">", answerCoding=coding("a")), "> on the codes of x"),
        (when("x", "=", answerCoding=coding("zz")), "x has no option 'zz'"),
        (when("flag", ">", answerBoolean=True), "answerBoolean > on the yes/no item flag"),
        (when("x", "~", answerCoding=coding("a")), "operator '~' on x"),
    ],
)
def test_an_enable_when_that_cannot_be_expressed_is_named_and_the_item_asked(
    condition: dict[str, Any], reason: str
) -> None:
    result = import_items(
        [
            choice("x", ["a", "b"]),
            {"linkId": "flag", "type": "boolean", "text": "Flag"},
            text_item("q", enableWhen=[condition]),
        ]
    )
    assert conditions(result, "q") is None
    assert f"enableWhen not expressible: {reason}; that condition is dropped: q" in result.warnings


def test_under_all_only_the_inexpressible_condition_is_dropped() -> None:
    result = import_items(
        [
            choice("x", ["a", "b"]),
            text_item("t"),
            text_item(
                "q",
                enableWhen=[
                    when("x", "=", answerCoding=coding("a")),
                    when("t", "=", answerString="yes"),
                ],
                enableBehavior="all",
            ),
        ]
    )
    assert conditions(result, "q") == ("all", [("x", "=", "a")])


def test_an_enable_when_and_an_expression_both_apply() -> None:
    expression = "%resource.item.where(linkId = 'x').answer.value.code = 'b'"
    result = import_items(
        [
            choice("x", ["a", "b"]),
            text_item(
                "q",
                enableWhen=[when("x", "=", answerCoding=coding("b"))],
                extension=[
                    {
                        "url": c.ENABLE_WHEN_EXPRESSION,
                        "valueExpression": {"language": "text/fhirpath", "expression": expression},
                    }
                ],
            ),
        ]
    )
    assert conditions(result, "q") == ("all", [("x", "=", "b")])
    assert result.mapping["fhir"]["enable"] == {"q": {"expression": expression, "variables": []}}
    assert not [w for w in result.warnings if "enableWhenExpression" in w]


def test_a_quantity_answer_compares_its_value() -> None:
    result = import_items(
        [
            {"linkId": "n", "type": "integer", "text": "N"},
            text_item("q", enableWhen=[when("n", ">=", answerQuantity={"value": 3})]),
        ]
    )
    assert conditions(result, "q") == ("all", [("n", ">=", 3)])
    assert "q" in enabled_items(result.definition, {"n": 3})
    assert "q" not in enabled_items(result.definition, {"n": 2})


# --- scores ---------------------------------------------------------------------------


def weighted(link_id: str) -> dict[str, Any]:
    item = choice(link_id, ["a", "b", "c"])
    for weight, option in enumerate(item["answerOption"]):
        option["extension"] = [{"url": WEIGHT, "valueDecimal": weight}]
    return item


def calculated(expression: str, language: str = c.FHIRPATH, **extra: Any) -> dict[str, Any]:
    return {
        "linkId": "total",
        "type": "integer",
        "text": "Total",
        "readOnly": True,
        "extension": [
            {
                "url": c.CALCULATED,
                "valueExpression": {"language": language, "expression": expression},
            }
        ],
        **extra,
    }


WEIGHT_OF = (
    "%questionnaire.item.where(linkId = '{0}').answerOption.where(valueCoding.code ="
    " %resource.item.where(linkId = '{0}').answer.valueCoding.code).extension"
    ".where(url = 'http://hl7.org/fhir/StructureDefinition/itemWeight').valueDecimal"
)


def test_an_expression_that_is_not_a_plain_sum_is_kept_as_fhirpath_and_evaluated() -> None:
    expression = f"({WEIGHT_OF.format('x')}) * 10 + ({WEIGHT_OF.format('y')})"
    result = import_items([weighted("x"), weighted("y"), calculated(expression)])
    score = result.definition.score("total")
    assert score.method == "fhirpath"
    assert "calculatedExpression kept as FHIRPath (not a plain sum): total" in result.warnings
    assert evaluate(result.definition, {"x": "c", "y": "b"}).score("total").value == 21
    assert result.definition.test_vectors == ()


def test_a_sum_of_weights_with_missing_answers_counted_as_zero_is_not_a_plain_sum() -> None:
    # The engine's sum leaves the score unscored when an item is missing;
    # this expression counts a missing answer as 0, so it stays FHIRPath.
    parts = [f"({WEIGHT_OF.format(x)}).combine(0).first()" for x in ("x", "y")]
    result = import_items([weighted("x"), weighted("y"), calculated(" + ".join(parts))])
    assert result.definition.score("total").method == "fhirpath"
    assert evaluate(result.definition, {"x": "c"}).score("total").value == 2


def test_a_calculated_expression_in_another_language_is_named_and_left_out() -> None:
    result = import_items([weighted("x"), calculated("Sum(x)", language="text/cql")])
    assert result.definition.scores == ()
    assert "calculatedExpression not in FHIRPath (score left out): total" in result.warnings


def test_a_calculated_expression_fhirpathpy_cannot_evaluate_is_named_and_left_out() -> None:
    result = import_items([weighted("x"), calculated("%resource.item.answer.value.scoreOf()")])
    assert result.definition.scores == ()
    assert any(
        line.startswith("calculatedExpression cannot be evaluated: expression: fhirpathpy")
        for line in result.warnings
    )


def test_a_decimal_score_keeps_max_decimal_places() -> None:
    item = calculated(f"({WEIGHT_OF.format('x')}) / 3", type="decimal")
    item["extension"].append({"url": c.MAX_DECIMAL_PLACES, "valueInteger": 2})
    result = import_items([weighted("x"), item])
    assert evaluate(result.definition, {"x": "c"}).score("total").value == 0.67


# --- answer significance (Danish eHealth) --------------------------------------------------------


def significance(colour: str, *conditions_: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "url": c.ANSWER_SIGNIFICANCE,
        "extension": [
            *(
                {
                    "url": c.ANSWER_CONDITION,
                    "extension": [{"url": "value", **value}, {"url": "operator", "valueCode": op}],
                }
                for op, value in conditions_
            ),
            {
                "url": "significance",
                "valueCoding": {"system": c.SIGNIFICANCE_SYSTEM, "code": colour},
            },
        ],
    }


def test_answer_significance_becomes_a_coloured_rule_on_that_answer() -> None:
    pain = {
        "linkId": "pain",
        "type": "integer",
        "text": "Pain",
        "extension": [
            significance("red", (">=", {"valueInteger": 7}), ("<=", {"valueInteger": 10}))
        ],
    }
    mood = choice(
        "mood",
        ["ok", "low"],
        extension=[significance("yellow", ("=", {"valueCoding": coding("low")}))],
    )
    result = import_items([pain, mood])
    rules = result.definition.rules
    assert [(r.id, r.when, r.colour) for r in rules] == [
        ("pain_significance", "pain >= 7 and pain <= 10", "red"),
        ("mood_significance", "mood = 'low'", "yellow"),
    ]
    assert evaluate(result.definition, {"pain": 8, "mood": "ok"}).overall == "red"
    assert rules[0].clinician_text == {"en": "Pain: pain >= 7 and pain <= 10 (red)"}


@pytest.mark.parametrize(
    ("item", "value", "expression"),
    [
        (
            {"linkId": "flag", "type": "boolean", "text": "F"},
            ("=", {"valueBoolean": True}),
            "flag = 'yes'",
        ),
        (text_item("t"), ("exists", {"valueBoolean": True}), "answered(t)"),
        (
            choice("m", ["a", "b"], repeats=True),
            ("=", {"valueCoding": coding("a")}),
            "selected(m, 'a')",
        ),
        (  # FHIR: on a repeating item, true when any answer is not 'a'
            choice("m", ["a", "b", "c"], repeats=True),
            ("!=", {"valueCoding": coding("a")}),
            "(selected(m, 'b') or selected(m, 'c'))",
        ),
    ],
)
def test_answer_significance_conditions_read_in_the_rule_language(
    item: dict[str, Any], value: tuple[str, dict[str, Any]], expression: str
) -> None:
    item = {**item, "extension": [significance("yellow", value)]}
    assert import_items([item]).definition.rules[0].when == expression


@pytest.mark.parametrize(
    "extension",
    [
        significance("blue", ("=", {"valueInteger": 1})),
        significance("red", (">", {"valueCoding": coding("a")})),
        significance("red", (">", {"valueString": "a"})),
        {
            "url": c.ANSWER_SIGNIFICANCE,
            "extension": [{"url": "significance", "valueCoding": {"code": "red"}}],
        },
    ],
)
def test_answer_significance_that_cannot_be_expressed_is_named(extension: dict[str, Any]) -> None:
    item = choice("x", ["a", "b"], extension=[extension])
    result = import_items([item])
    assert result.definition.rules == ()
    assert "answerSignificance not expressible (left out): x" in result.warnings


def test_ehealth_feedback_in_a_foreign_file_is_named() -> None:
    feedback = {"url": c.FEEDBACK, "extension": [{"url": "value", "valueString": "Call us"}]}
    result = import_items(
        [{"linkId": "n", "type": "integer", "text": "N", "extension": [feedback]}]
    )
    assert "ehealth-questionnaire-feedback (patient feedback) not kept: n" in result.warnings


# --- PRO Portal's own files ----------------------------------------------------------


def own_export() -> dict[str, Any]:
    phq9 = next(d for d in library() if d.id == "phq9")
    return json.loads(json.dumps(questionnaire_to_fhir(phq9)))


def test_an_own_export_with_a_changed_rule_drops_the_vectors_that_now_fail() -> None:
    resource = own_export()
    for extension in c.extensions(resource, c.RULE):
        if c.extension_value(extension, "id") == "phq9_item9_self_harm":
            for part in extension["extension"]:
                if part["url"] == "colour":
                    part["valueCode"] = "green"
    result = questionnaire_from_fhir(resource, source="phq9.json")
    assert result.warnings == [
        "test vectors failing after import (left out):"
        " item9_one_low_total_red, three_missing_item9_positive_red"
    ]
    assert len(result.definition.test_vectors) == 16 - 2


def test_a_definition_extension_that_is_not_json_is_named() -> None:
    result = import_items(
        [text_item("x")], extension=[{"url": c.DEFINITION, "valueString": "{not json"}]
    )
    assert "PRO Portal definition extension is not JSON (ignored): Questionnaire" in result.warnings

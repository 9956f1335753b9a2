"""Every file in tests/fixtures/fhir (copies of ../shared/fhir-examples)
imports, with one warning naming what it could not express, and its scores
computed as the file defines them."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.engine import enabled_items, evaluate, run_test_vectors
from tests.questionnaires.fhir.helpers import EXAMPLES, example, imported, walk

APGAR = "apgar-with-itemWeight-variable.json"
PHQ9 = "argonaut-phq9-ish.json"
EVERYTHING = "bit-of-everything.json"
BLOOD_PRESSURE = "blood-pressure-q.json"
ENABLE_WHEN = "enableWhen-test.R4.json"

WARNINGS: dict[str, list[str]] = {
    APGAR: [],
    PHQ9: [
        "questionnaire metadata not kept: code, contact, date, identifier, jurisdiction, meta,"
        " subjectType, text, useContext",
        "presentation not kept (rendering-style): title, g1.q2",
        "item codes (code) not kept: g1, g1.q1, g1.q2, g1.q3, g1.q4, g1.q5, g1.q6, g1.q7,"
        " g1.q8, g1.q9, g2.q1",
        "required on a group (each question keeps its own): g1, g2",
        "required on a display text (ignored): g1.d",
        "hidden item (left out): g1.s",
        "options without ordinalValue or itemWeight (valued 0, 1, … by position): g2.q1",
    ],
    EVERYTHING: [
        "questionnaire metadata not kept: date, meta, text, useContext",
        "extension not kept (terminology-server): Questionnaire, root",
        "extension not kept (Questionnaire-TextArea-Row): Item-text",
        "item codes (code) not kept: Item-bool",
        "dateTime item (imported as short text): Item-datetime",
        "time item (imported as short text): Item-time",
        "decimal without minValue/maxValue (bounded at ±10^12): Item-decimal, Item-quantity",
        "url item (imported as short text): Item-url",
        "reference item (left out): Item-reference",
        "extension not kept (mimeType): Item-attachment",
        "extension not kept (maxSize): Item-attachment",
        "attachment item (left out): Item-attachment",
        "unit options (m, cm): only the first is kept: Item-quantity",
        "options without ordinalValue or itemWeight (valued 0, 1, … by position): Item-rb-local",
        "answerValueSet not in the file, so not resolvable offline (imported as short text):"
        " Item-rb (http://fhir.telstrahealth.com.au/tcm/ValueSet/ARE),"
        " Item10 (http://fhir.telstrahealth.com.au/tcm/ValueSet/ARE),"
        " Item11 (http://fhir.telstrahealth.com.au/tcm/ValueSet/COU),"
        " Item12 (http://fhir.telstrahealth.com.au/tcm/ValueSet/COU)",
        "itemControl hint not kept (drop-down): Item10",
        "itemControl hint not kept (autocomplete): Item11, Item12",
    ],
    BLOOD_PRESSURE: [
        "questionnaire metadata not kept: code",
        "extension not kept (sdc-questionnaire-observationExtract): Questionnaire,"
        " 202279616184, 334437031553",
        "item codes (code) not kept: 645100958356, 202279616184, 334437031553",
        "initial values not used: 202279616184, 334437031553",
        "decimal without minValue/maxValue (bounded at ±10^12): 202279616184, 334437031553",
    ],
    ENABLE_WHEN: [
        "questionnaire metadata not kept: meta",
        "decimal without minValue/maxValue (bounded at ±10^12): Q2",
        "dateTime item (imported as short text): Q5",
        "time item (imported as short text): Q6",
        "options without ordinalValue or itemWeight (valued 0, 1, … by position):"
        " Q8, Q9, Q9a, Q9c, Q9d",
        "enableWhen not expressible: = on the date item Q4; the item is always asked: Q4-equal",
        "enableWhen not expressible: >= on the date item Q4; the item is always asked: Q4-ge",
        "enableWhen not expressible: = on the short text item Q7; the item is always asked:"
        " Q7-equals",
        "enableWhen not expressible: != on the short text item Q7; the item is always asked:"
        " Q7-notequals",
        "enableWhen not expressible: > on the short text item Q7; the item is always asked:"
        " Q7-gt, Q7-lt",
        "enableWhen not expressible: >= on the short text item Q7; the item is always asked:"
        " Q7-ge, Q7-ge2",
        "enableWhen not expressible: < on the short text item Q7; the item is always asked: Q7-le",
        "enableWhen not expressible: <= on the short text item Q7; the item is always asked:"
        " Q7-le2",
        "enableWhenExpression reads answers not passed to FHIRPath (text, date: Q10, Q10b):"
        " the item is always asked: Q10-ewe",
    ],
}


def test_the_fixtures_are_the_five_shared_examples() -> None:
    assert sorted(WARNINGS) == EXAMPLES


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_imports_with_one_warning_naming_every_construct_left_out(
    name: str,
) -> None:
    assert imported(name).warnings == WARNINGS[name]


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_question_is_dropped_without_being_named(name: str) -> None:
    result = imported(name)
    kept = {i.id for i in result.definition.items} | {s.id for s in result.definition.scores}
    named = " ".join(result.warnings)
    for item in walk(example(name).get("item")):
        if item["type"] == "group":
            continue
        link_id = item["linkId"]
        assert result.renamed.get(link_id, link_id) in kept or link_id in named, link_id


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_enable_when_is_dropped_without_being_named(name: str) -> None:
    result = imported(name)
    named = " ".join(result.warnings)
    for item in walk(example(name).get("item")):
        if not item.get("enableWhen") or item.get("type") == "group":
            continue
        link_id = item["linkId"]
        ours = result.definition.item(result.renamed.get(link_id, link_id))
        assert ours.enable_when is not None or link_id in named, link_id


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_import_is_a_valid_draft_whose_own_vectors_pass(name: str) -> None:
    result = imported(name)
    assert result.mapping["provenance"]["kind"] == "imported"
    assert run_test_vectors(result.definition) == []


@pytest.mark.parametrize(("name", "language"), [(APGAR, "en"), (PHQ9, "en"), (EVERYTHING, "en")])
def test_an_import_is_in_the_resources_language_or_english(name: str, language: str) -> None:
    assert imported(name).definition.languages == (language,)


# --- Apgar: the total by the file's calculatedExpression --------------------------------
# Apgar V. A proposal for a new method of evaluation of the newborn infant.
# Curr Res Anesth Analg 1953;32:260-267: five signs, each 0, 1 or 2; total 0–10.
# The file's expression gives a total only when all five signs are answered.

COLOUR, HEART, REFLEX, TONE, BREATHING = (
    "q_32406_1",
    "q_32407_9",
    "q_32409_5",
    "q_32408_7",
    "q_32410_3",
)
SIGNS = {
    COLOUR: ("LA6722-8", "LA6723-6", "LA6724-4"),  # blue/pale, blue hands or feet, pink
    HEART: ("LA6716-0", "LA6717-8", "LA6718-6"),  # absent, < 100, ≥ 100
    REFLEX: ("LA6719-4", "LA6720-2", "LA6721-0"),  # none, grimace, grimace and withdrawal
    TONE: ("LA6713-7", "LA6714-5", "LA6715-2"),  # limp, some flexion, active motion
    BREATHING: ("LA6725-1", "LA6726-9", "LA6727-7"),  # absent, weak cry, strong cry
}


def apgar(colour: int, heart: int, reflex: int, tone: int, breathing: int) -> dict[str, str]:
    points = dict(zip(SIGNS, (colour, heart, reflex, tone, breathing), strict=True))
    return {sign: SIGNS[sign][p] for sign, p in points.items() if p >= 0}


@pytest.mark.parametrize(
    ("answers", "total"),
    [
        (apgar(0, 0, 0, 0, 0), 0),
        (apgar(2, 2, 2, 2, 2), 10),
        (apgar(1, 2, 1, 2, 1), 7),
        (apgar(2, 1, 0, 1, 2), 6),
        (apgar(0, 0, 0, 0, 1), 1),
        (apgar(2, 2, 2, 2, -1), None),  # breathing not answered: the file gives no total
        (apgar(-1, -1, -1, -1, -1), None),
    ],
)
def test_the_apgar_total_follows_the_apgar_scoring_rule(
    answers: dict[str, str], total: int | None
) -> None:
    result = evaluate(imported(APGAR).definition, answers)
    assert result.score("q_9272_6").value == total


def test_the_apgar_calculated_expression_becomes_a_checked_sum_of_the_five_signs() -> None:
    score = imported(APGAR).definition.score("q_9272_6")
    assert (score.method, score.terms, score.prorate_up_to) == (
        "sum",
        tuple((sign,) for sign in SIGNS),
        0,
    )
    assert "checked with fhirpathpy" in score.source
    assert score.label == {"en": "1-Min-Apgar Gesamtpunktzahl"}


def test_the_apgar_options_take_their_value_from_item_weight() -> None:
    options = imported(APGAR).definition.item(COLOUR).options
    assert [(o.code, o.value, o.label["en"]) for o in options] == [
        ("LA6722-8", 0, "Blaugrau oder blass"),
        ("LA6723-6", 1, "Gute Körperfarbe mit blauen Händen oder Füßen"),
        ("LA6724-4", 2, "Gute Farbe am gesamten Körper"),
    ]


def test_the_apgar_draft_carries_vectors_computed_by_fhirpathpy_from_the_file() -> None:
    vectors = imported(APGAR).definition.test_vectors
    assert [(v.id, v.expect.scores["q_9272_6"].value) for v in vectors] == [
        ("imported_q_9272_6_lowest", 0),
        ("imported_q_9272_6_highest", 10),
        ("imported_q_9272_6_first_missing", None),
    ]


def test_linkids_that_are_not_ids_are_renamed_and_reported() -> None:
    assert imported(APGAR).renamed == {
        "32406-1": COLOUR,
        "32407-9": HEART,
        "32409-5": REFLEX,
        "32408-7": TONE,
        "32410-3": BREATHING,
        "9272-6": "q_9272_6",
    }


# --- Argonaut PHQ-9: contained value sets --------------------------------------------


def test_contained_value_sets_give_options_with_their_ordinal_values() -> None:
    item = imported(PHQ9).definition.item("g1.q1")
    assert [(o.code, o.value, o.label["en"]) for o in item.options] == [
        ("LA6568-5", 0, "Not at all"),
        ("LA6569-3", 1, "Several days"),
        ("LA6570-1", 2, "More than half the days"),
        ("LA6571-9", 3, "Nearly every day"),
    ]


def test_a_value_set_named_by_its_canonical_url_resolves_to_the_contained_one() -> None:
    definition = imported(PHQ9).definition
    assert definition.item("g1.q9").options == definition.item("g1.q1").options


def test_the_prefix_stays_in_front_of_the_question_text() -> None:
    text = imported(PHQ9).definition.item("g1.q1").text["en"]
    assert text == "1. Little interest or pleasure in doing things,"


def test_the_argonaut_phq9_defines_no_computable_score_so_none_is_imported() -> None:
    # Its scoring is prose in a hidden display item (named in the warning).
    assert imported(PHQ9).definition.scores == ()


def test_groups_become_sections_in_order() -> None:
    sections = imported(PHQ9).definition.sections
    assert [(s.id, [i.id for i in s.items][:2]) for s in sections] == [
        ("g1", ["g1.d", "g1.q1"]),
        ("g2", ["g2.q1"]),
    ]


# --- blood pressure and bit of everything: types and units ----------------------------


def test_quantity_items_become_decimals_with_their_unit() -> None:
    definition = imported(BLOOD_PRESSURE).definition
    systolic = definition.item("q_202279616184")
    assert (systolic.type, systolic.unit) == ("decimal", {"en": "millimeter of mercury"})
    assert definition.sections[0].title == {"en": "Middle level group"}


@pytest.mark.parametrize(
    ("link_id", "expected"),
    [
        ("item_label", "display"),
        ("item_string", "short_text"),
        ("item_text", "long_text"),
        ("item_bool", "yes_no"),
        ("item_date", "date"),
        ("item_datetime", "short_text"),
        ("item_time", "short_text"),
        ("item_integer", "integer"),
        ("item_decimal", "decimal"),
        ("item_url", "short_text"),
        ("item_quantity", "decimal"),
        ("item_rb_local", "single_choice"),
        ("item_rb", "short_text"),
        ("item12", "short_text"),
    ],
)
def test_fhir_item_types_map_onto_ours(link_id: str, expected: str) -> None:
    assert imported(EVERYTHING).definition.item(link_id).type == expected


def test_an_integer_without_bounds_is_bounded_by_fhirs_own_integer_range() -> None:
    item = imported(EVERYTHING).definition.item("item_integer")
    assert (item.min, item.max) == (-(2**31), 2**31 - 1)


def test_fhir_questions_are_optional_unless_required() -> None:
    definition = imported(PHQ9).definition
    assert definition.item("g1.q1").required is True
    assert imported(EVERYTHING).definition.item("item_string").required is False


# --- enableWhen: every operator ---------------------------------------------------------

CONDITIONS: dict[str, tuple[str, list[tuple[str, str, Any]]]] = {
    "q1_exists": ("any", [("q1", "answered", None)]),
    "q1_not_exists": ("any", [("q1", "missing", None)]),
    "q1_true": ("any", [("q1", "=", "yes")]),
    "q1_not_true": ("any", [("q1", "!=", "yes")]),
    "q2_equal": ("any", [("q2", "=", 5.6)]),
    "q2_ge": ("any", [("q2", ">=", 4.8)]),
    "q3_ge": ("any", [("q3", ">=", 4)]),
    "q5_exists": ("any", [("q5", "answered", None)]),
    "q8_eq_b": ("any", [("q8", "=", "B")]),
    "q8_eq_b_and_c": ("all", [("q8", "=", "B"), ("q8", "=", "C")]),
    "q9_noteq_b": ("any", [("q9", "!=", "B")]),
    "q9a_eq_b": ("any", [("q9a", "=", "B")]),
    "q9b_eq_b": ("any", [("q9b", "=", 34)]),
    "q9c_eq_b": ("any", [("q9c", "=", "2022-09")]),
    "q9d_noteq_b": ("any", [("q9d", "!=", "13:30:00")]),
}


@pytest.mark.parametrize(("item_id", "expected"), CONDITIONS.items())
def test_enable_when_operators_become_conditions(
    item_id: str, expected: tuple[str, list[tuple[str, str, Any]]]
) -> None:
    enable = imported(ENABLE_WHEN).definition.item(item_id).enable_when
    assert enable is not None
    assert (enable.behavior, [(c.item, c.op, c.value) for c in enable.conditions]) == expected


@pytest.mark.parametrize(
    ("answers", "asked"),
    [
        ({"q8": ["B"]}, False),
        ({"q8": ["B", "C"]}, True),
        ({"q8": ["A", "B", "C"]}, True),
    ],
)
def test_enable_behavior_all_needs_every_condition(answers: dict[str, Any], asked: bool) -> None:
    definition = imported(ENABLE_WHEN).definition
    assert ("q8_eq_b_and_c" in enabled_items(definition, answers)) is asked


def test_an_item_whose_enable_when_cannot_be_expressed_is_always_asked() -> None:
    definition = imported(ENABLE_WHEN).definition
    assert definition.item("q7_gt").enable_when is None
    assert "q7_gt" in enabled_items(definition, {})


def test_options_made_of_integers_keep_the_integers_as_values() -> None:
    options = imported(ENABLE_WHEN).definition.item("q9b").options
    assert [(o.code, o.value) for o in options] == [("12", 12), ("34", 34), ("56", 56)]

"""Exported scores: fhirpathpy evaluates each calculatedExpression, from the
exported Questionnaire and a QuestionnaireResponse alone, to the engine's
value — on every test vector of every library questionnaire, and on
synthetic scores using every scorer feature.

Documented exceptions (no calculatedExpression; PRO Portal's ``score``
extension says why): a formula reading ``change()`` (the previous response
is not in the file), a power with a fractional or non-literal exponent
(fhirpathpy's ``power()`` gives no value for those), and a score imported as
FHIRPath of another questionnaire. And one answer has no FHIR form at all:
a multiple choice answered with an empty list (``[]``) is, in a
QuestionnaireResponse, simply unanswered.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.sdc import calculate
from questionnaires.library import library_paths, read_definition
from scoring.engine import Definition, evaluate, parse_definition
from scoring.engine.vectors import evaluate_vector
from tests.questionnaires.fhir.helpers import library, library_ids


def same(engine: float | None, fhirpath: float | None) -> bool:
    if engine is None or fhirpath is None:
        return engine is fhirpath
    return abs(engine - fhirpath) < 1e-9


def fhirpath_scores(definition: Definition, answers: dict[str, Any]) -> dict[str, Any]:
    exported = questionnaire_to_fhir(definition)
    response = response_to_fhir(definition, answers, with_scores=False)
    return calculate(exported, response)


@pytest.mark.parametrize("definition", library(), ids=library_ids())
def test_every_library_score_evaluates_to_the_engines_value_on_every_vector(
    definition: Definition,
) -> None:
    exported = questionnaire_to_fhir(definition)
    for vector in definition.test_vectors:
        response = response_to_fhir(definition, dict(vector.answers), with_scores=False)
        found = calculate(exported, response)
        for score in evaluate_vector(definition, vector).scores:
            assert same(score.value, found[score.id]), (vector.id, score.id)


def test_the_library_check_covers_every_vector() -> None:
    # Every version of every definition, each with every vector its file lists.
    written = sum(len(read_definition(path)["test_vectors"]) for path in library_paths())
    assert written >= 532
    assert sum(len(d.test_vectors) for d in library()) == written


# --- synthetic scores: every scorer feature ---------------------------------------------


def options(values: range | list[int]) -> list[dict[str, Any]]:
    return [{"code": f"c{v}", "value": v} for v in values]


ITEMS: list[dict[str, Any]] = [
    {"id": "a", "type": "single_choice", "options": options(range(4))},
    {"id": "b", "type": "single_choice", "options": options(range(4))},
    {"id": "c", "type": "single_choice", "options": options([1, 2, 5])},
    {"id": "gate", "type": "yes_no"},
    {
        "id": "d",
        "type": "single_choice",
        "options": options(range(4)),
        "enable_when": {"conditions": [{"item": "gate", "op": "=", "value": "yes"}]},
    },
    {
        "id": "e",
        "type": "integer",
        "min": -5,
        "max": 20,
        "enable_when": {
            "behavior": "any",
            "conditions": [
                {"item": "a", "op": ">=", "value": 2},
                {"item": "gate", "op": "missing"},
            ],
        },
    },
    {
        "id": "f",
        "type": "integer",
        "min": 0,
        "max": 9,
        "enable_when": {
            "conditions": [
                {"item": "e", "op": ">", "value": 3},
                {"item": "b", "op": "!=", "value": "c1"},
                {"item": "gate", "op": "=", "value": 1},
            ]
        },
    },
    {
        "id": "g",
        "type": "integer",
        "min": 0,
        "max": 9,
        "enable_when": {
            "behavior": "any",
            "conditions": [{"item": "d", "op": "missing"}, {"item": "f", "op": "answered"}],
        },
    },
    {"id": "w", "type": "decimal", "min": 0, "max": 300, "decimals": 1},
    {"id": "h", "type": "integer", "min": 100, "max": 250},
    {"id": "pain", "type": "nrs"},
    {
        "id": "regions",
        "type": "multiple_choice",
        "options": [{"code": r, "value": n} for n, r in enumerate(("back", "neck", "knee"))],
    },
]
SCORES: list[dict[str, Any]] = [
    {"id": "plain", "method": "sum", "items": ["a", "b", "c"]},
    {
        "id": "prorated",
        "method": "sum",
        "items": ["a", "b", "c", "d"],
        "missing": {"prorate_up_to": 2},
        "decimals": 1,
    },
    {"id": "reversed", "method": "sum", "items": ["a", "c", "pain"], "reverse": ["a", "c", "pain"]},
    {
        "id": "weighted",
        "method": "sum",
        "items": ["a", "b", "e"],
        "weights": {"a": 2, "b": 0.5, "e": -1},
        "missing": {"prorate_up_to": 1},
        "decimals": 2,
    },
    {
        "id": "looked_up",
        "method": "sum",
        "items": ["a", "gate"],
        "lookup": {"a": {"c0": 10, "c1": 7.5, "c2": 0, "c3": -4}, "gate": {"yes": 3, "no": 1}},
    },
    {
        "id": "pairs",
        "method": "sum",
        "items": [{"max": ["a", "b"]}, {"max": ["c", "d"]}],
        "missing": {"prorate_up_to": 1},
    },
    {
        "id": "averaged",
        "method": "mean",
        "items": ["a", "b", "d", "pain"],
        "missing": {"prorate_up_to": 2},
        "decimals": 1,
        "multiply": 20,
        "add": -3,
    },
    {"id": "asked_only", "method": "sum", "items": ["d", "e"]},
    {
        "id": "zero_missing",
        "method": "sum",
        "items": ["a", "c", "d", "e"],
        "weights": {"c": 1.5},
        "lookup": {"a": {"c0": 0, "c1": 2, "c2": 4, "c3": 6}},
        "missing": {"counts_as_zero": True},
        "decimals": 1,
    },
    {"id": "answered_count", "method": "count", "items": ["a", {"max": ["b", "d"]}, "e", "w"]},
    {"id": "asked_count", "method": "count", "items": ["d", "f"]},
    {
        "id": "of_scores",
        "method": "sum",
        "items": ["plain", "asked_only"],
        "missing": {"prorate_up_to": 1},
    },
    {"id": "bmi", "method": "formula", "expression": "w / (h / 100) ^ 2", "decimals": 1},
    {"id": "inverse", "method": "formula", "expression": "10 * h ^ -1 + w ^ 0", "decimals": 3},
    {"id": "negative", "method": "formula", "expression": "-(a + 0.5) * 5 + b / 2", "decimals": 0},
    {
        "id": "counted",
        "method": "formula",
        "expression": "count([a, b, d] >= 2) + count([c, d] = 'c2') + count([gate] = 'yes')"
        " + count_selected(regions)",
    },
    {
        "id": "mixed",
        "method": "sum",
        "items": ["f", "g", "bmi"],
        "missing": {"prorate_up_to": 1},
        "decimals": 1,
    },
    {
        "id": "counted_scores",
        "method": "formula",
        "expression": "count([plain, asked_only, negative, f] >= 3)",
    },
    {"id": "divided", "method": "formula", "expression": "pain / (a - 1)", "decimals": 2},
    {
        "id": "of_formula",
        "method": "formula",
        "expression": "asked_only - plain",
        "multiply": 0.5,
        "decimals": 1,
    },
]
CHOICES: dict[str, Any] = {
    "a": st.sampled_from([None, "c0", "c1", "c2", "c3"]),
    "b": st.sampled_from([None, "c0", "c1", "c2", "c3"]),
    "c": st.sampled_from([None, "c1", "c2", "c5"]),
    "gate": st.sampled_from([None, "yes", "no"]),
    "d": st.sampled_from([None, "c0", "c1", "c2", "c3"]),
    "e": st.one_of(st.none(), st.integers(-5, 20)),
    "f": st.one_of(st.none(), st.integers(0, 9)),
    "g": st.one_of(st.none(), st.integers(0, 9)),
    "w": st.one_of(st.none(), st.decimals(20, 300, places=1).map(float)),
    "h": st.one_of(st.none(), st.integers(100, 250)),
    "pain": st.one_of(st.none(), st.integers(0, 10)),
    # An empty list has no FHIR form (see the last test): at least one region.
    "regions": st.one_of(
        st.none(), st.lists(st.sampled_from(["back", "neck", "knee"]), min_size=1, unique=True)
    ),
}


def synthetic(scores: list[dict[str, Any]] = SCORES) -> Definition:
    return parse_definition(
        {
            "format": 1,
            "id": "synthetic",
            "version": "1.0.0",
            "languages": [],
            "intended_use": "dialogue",
            "provenance": {"kind": "own"},
            "instruments": [{"id": "portal", "name": "t", "licence": "own", "source": "t"}],
            "sections": [{"id": "main", "kind": "generic", "items": copy.deepcopy(ITEMS)}],
            "scores": [{"source": "test", **s} for s in scores],
            "test_vectors": [],
        },
        source="synthetic",
    )


SYNTHETIC = synthetic()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries(CHOICES))
def test_every_scorer_feature_evaluates_to_the_engines_value(answers: dict[str, Any]) -> None:
    given_answers = {k: v for k, v in answers.items() if v is not None}
    found = fhirpath_scores(SYNTHETIC, given_answers)
    for score in evaluate(SYNTHETIC, given_answers).scores:
        assert same(score.value, found[score.id]), (score.id, score.value, found[score.id])


@pytest.mark.parametrize(
    ("answers", "score_id", "value"),
    [
        # prorated: 3 of 4 asked terms answered → (1 + 2 + 5) × 4 / 3 = 10.67 → 10.7
        ({"a": "c1", "b": "c2", "c": "c5", "gate": "yes"}, "prorated", 10.7),
        # d not asked (gate no): three terms, all answered → 8
        ({"a": "c1", "b": "c2", "c": "c5", "gate": "no"}, "prorated", 8),
        # three asked terms missing → not scored
        ({"a": "c1", "gate": "yes"}, "prorated", None),
        # mean of 1, 2 (d, pain missing) × 20 − 3 = 27
        ({"a": "c1", "b": "c2", "gate": "yes"}, "averaged", 27),
        # −(0 + 0.5) × 5 + 0 = −2.5 → −3 (half away from zero)
        ({"a": "c0", "b": "c0"}, "negative", -3),
        # 82.5 / 1.75² = 26.938… → 26.9
        ({"w": 82.5, "h": 175}, "bmi", 26.9),
        # a − 1 = 0: division by zero → not scored
        ({"a": "c1", "pain": 5}, "divided", None),
        # d and e not asked (gate no, a < 2): the score is not applicable → no value
        ({"gate": "no", "a": "c0"}, "asked_only", None),
        # missing terms count 0: a looked up 4 (c2), c 1.5 × 5; d (asked) and e missing → 11.5
        ({"a": "c2", "c": "c5", "gate": "yes"}, "zero_missing", 11.5),
        # nothing answered, d and e not asked, a and c missing → 0 (an empty sum)
        ({"gate": "no"}, "zero_missing", 0),
        # a, the pair (b or d) and w answered; e not asked (a < 2, gate given) → 3
        ({"a": "c0", "d": "c3", "gate": "yes", "w": 70.0}, "answered_count", 3),
        # d asked but unanswered, f not asked → 0 answered
        ({"gate": "yes"}, "asked_count", 0),
        # neither d nor f asked → not applicable, no value
        ({"gate": "no"}, "asked_count", None),
    ],
)
def test_worked_examples_agree_with_the_engine(
    answers: dict[str, Any], score_id: str, value: float | None
) -> None:
    assert evaluate(SYNTHETIC, answers).score(score_id).value == value
    assert same(value, fhirpath_scores(SYNTHETIC, answers)[score_id])


def test_a_calculated_score_reads_root_variables_named_as_fhir_ids() -> None:
    exported = questionnaire_to_fhir(SYNTHETIC)
    names = [e["valueExpression"]["name"] for e in c.extensions(exported, c.VARIABLE)]
    assert {"vA", "sPlain"} <= set(names)
    assert all(name.isalnum() and name[0].isalpha() for name in names)


# --- the documented exceptions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("change(plain)", "change() reads the patient's previous response"),
        ("w ^ 0.5", "a power with a fractional or non-literal exponent"),
        ("w ^ a", "a power with a fractional or non-literal exponent"),
    ],
)
def test_a_formula_fhirpath_cannot_express_has_no_calculated_expression_and_says_why(
    expression: str, reason: str
) -> None:
    definition = synthetic(
        [SCORES[0], {"id": "odd", "method": "formula", "expression": expression}]
    )
    exported = questionnaire_to_fhir(definition)
    item = next(i for i in exported["item"] if i["linkId"] == "odd")
    assert c.extensions(item, c.CALCULATED) == []
    note = c.extension_value(c.extensions(item, c.SCORE)[0], "not-expressed")
    assert reason in note
    names = [e["valueExpression"]["name"] for e in c.extensions(exported, c.VARIABLE)]
    assert not any(name.startswith("sOdd") for name in names)


def test_a_score_reading_a_score_fhirpath_cannot_express_is_not_expressed_either() -> None:
    definition = synthetic(
        [
            SCORES[0],
            {"id": "odd", "method": "formula", "expression": "change(plain)"},
            {"id": "after", "method": "sum", "items": ["odd", "a"]},
        ]
    )
    exported = questionnaire_to_fhir(definition)
    after = next(i for i in exported["item"] if i["linkId"] == "after")
    assert c.extensions(after, c.CALCULATED) == []


def test_an_empty_multiple_choice_answer_is_unanswered_in_fhir_so_a_count_of_it_has_no_value() -> (
    None
):
    answers = {"a": "c0", "b": "c0", "c": "c1", "gate": "yes", "d": "c0", "regions": []}
    assert evaluate(SYNTHETIC, answers).score("counted").value == 1  # gate yes, no region
    assert fhirpath_scores(SYNTHETIC, answers)["counted"] is None

"""``method: fhirpath``: a score imported from FHIR, evaluated by fhirpathpy.

The expected numbers follow the Apgar scoring rule (Apgar 1953: five signs
scored 0–2 each, total 0–10) and simple arithmetic worked out by hand.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from scoring.engine import DefinitionError
from scoring.engine.fhirpath_score import to_number
from tests.engine.builders import choice, integer, numbers, parse, run

WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"


def _option(code: str, weight: int) -> dict[str, Any]:
    return {
        "valueCoding": {"system": "http://loinc.org", "code": code},
        "extension": [{"url": WEIGHT, "valueDecimal": weight}],
    }


QUESTIONNAIRE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "status": "active",
    "item": [
        {
            "linkId": "signs",
            "type": "group",
            "item": [
                {
                    "linkId": f"sign-{n}",
                    "type": "choice",
                    "answerOption": [_option(f"c{n}{w}", w) for w in range(3)],
                }
                for n in (1, 2)
            ],
        },
        {"linkId": "gate-1", "type": "boolean"},
        {"linkId": "weight-1", "type": "quantity"},
        {"linkId": "visits-1", "type": "integer"},
        {"linkId": "multi-1", "type": "choice", "repeats": True},
        {"linkId": "total", "type": "decimal", "readOnly": True},
    ],
}


def _weight_of(link_id: str) -> str:
    return (
        f"%questionnaire.repeat(item).where(linkId = '{link_id}').answerOption"
        f".where(valueCoding.code = %resource.repeat(item).where(linkId = '{link_id}')"
        f".answer.valueCoding.code).extension.where(url = '{WEIGHT}').valueDecimal"
    )


def _fhir_items() -> dict[str, Any]:
    return {
        f"sign.{n}": {
            "link_id": f"sign-{n}",
            "answer": "valueCoding",
            "options": {
                str(w): {"system": "http://loinc.org", "code": f"c{n}{w}"} for w in range(3)
            },
        }
        for n in (1, 2)
    } | {
        "gate": {"link_id": "gate-1", "answer": "valueBoolean"},
        "weight": {
            "link_id": "weight-1",
            "answer": "valueQuantity",
            "quantity": {"unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
        },
        "visits": {"link_id": "visits-1", "answer": "valueInteger"},
        "multi": {
            "link_id": "multi-1",
            "answer": "valueString",
            "options": {"x": "X", "y": "Y"},
        },
    }


ITEMS = [
    choice("sign.1", range(3)),
    choice("sign.2", range(3)),
    {"id": "gate", "type": "yes_no"},
    {"id": "weight", "type": "decimal", "min": 0, "max": 300},
    {
        **integer("visits"),
        "enable_when": {"conditions": [{"item": "gate", "op": "=", "value": "yes"}]},
    },
    {
        "id": "multi",
        "type": "multiple_choice",
        "options": [{"code": "x", "value": 0}, {"code": "y", "value": 1}],
    },
]
APGAR_LIKE = {
    "id": "total",
    "method": "fhirpath",
    "variables": [{"name": "a", "expression": _weight_of("sign-1")}],
    "expression": f"iif(%a.exists() and ({_weight_of('sign-2')}).exists(),"
    f" %a + {_weight_of('sign-2')}, {{}})",
}


def definition(*scores: dict[str, Any], fhir: Any = None) -> dict[str, Any]:
    block = {"questionnaire": QUESTIONNAIRE, "items": _fhir_items()} if fhir is None else fhir
    return numbers(copy.deepcopy(ITEMS), list(scores), fhir=block)


def score(spec: dict[str, Any], answers: dict[str, Any]) -> Any:
    return run(definition(spec), answers).score(spec["id"])


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"sign.1": "0", "sign.2": "0"}, 0),
        ({"sign.1": "2", "sign.2": "1"}, 3),
        ({"sign.1": "2", "sign.2": "2"}, 4),
    ],
)
def test_a_sum_of_option_weights_read_through_the_questionnaire_scores_by_hand(
    answers: dict[str, Any], expected: int
) -> None:
    result = score(APGAR_LIKE, answers)
    assert (result.value, result.status) == (expected, "scored")
    assert result.items_used == ("sign.1", "sign.2")


def test_the_expression_giving_no_value_leaves_the_score_not_scored_naming_the_missing_item() -> (
    None
):
    result = score(APGAR_LIKE, {"sign.1": "2"})
    assert (result.value, result.status) == (None, "not_scored")
    assert result.items_missing == ("sign.2",)


def test_a_score_reading_only_disabled_items_is_not_applicable() -> None:
    spec = {"id": "s", "method": "fhirpath", "expression": READ["visits"]}
    result = score(spec, {"gate": "no"})
    assert (result.value, result.status) == (None, "not_applicable")


READ = {
    "gate": "%resource.item.where(linkId = 'gate-1').answer.valueBoolean"
    ".select(iif($this, 10, 20))",
    "weight": "%resource.item.where(linkId = 'gate-1').answer.exists().not()"
    " .select(%resource.item.where(linkId = 'weight-1').answer.valueQuantity.value * 2)",
    "visits": "%resource.item.where(linkId = 'visits-1').answer.valueInteger + 0.5",
    "multi": "%resource.item.where(linkId = 'multi-1').answer.valueString.count()",
}


@pytest.mark.parametrize(
    ("read", "answers", "expected"),
    [
        ("gate", {"gate": "yes"}, 10),
        ("gate", {"gate": "no"}, 20),
        ("weight", {"weight": 72.5}, 145),
        ("visits", {"gate": "yes", "visits": 3}, 3.5),
        ("multi", {"multi": ["x", "y"]}, 2),
    ],
)
def test_answers_reach_the_expression_as_fhir_values(
    read: str, answers: dict[str, Any], expected: float
) -> None:
    spec = {"id": "s", "method": "fhirpath", "expression": READ[read], "decimals": 1}
    assert score(spec, answers).value == expected


def test_the_linear_transform_rounding_and_bands_apply_as_for_other_scores() -> None:
    spec = {
        **APGAR_LIKE,
        "multiply": 2.5,
        "decimals": 0,
        "range": [0, 10],
        "bands": [{"code": "low", "min": 0, "max": 4}, {"code": "high", "min": 5, "max": 10}],
    }
    result = score(spec, {"sign.1": "1", "sign.2": "0"})
    assert (result.value, result.band) == (3, "low")  # 1 × 2.5 = 2.5 → 3, half up


@pytest.mark.parametrize(
    "expression",
    [
        "'a text'",
        "(1 | 2)",
        "true",
        "1 / 0",
        "%resource.item.where(linkId = 'gate-1').answer.valueBoolean + 1",
    ],
)
def test_an_expression_giving_no_single_number_leaves_the_score_not_scored(
    expression: str,
) -> None:
    spec = {"id": "s", "method": "fhirpath", "expression": expression}
    assert score(spec, {"gate": "yes"}).status == "not_scored"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([Decimal("7")], 7),
        ([Decimal("2.5")], 2.5),
        ([7.0], 7.0),
        ([float("inf")], None),
        ([Decimal("NaN")], None),
        ([], None),
        ([True], None),
    ],
)
def test_only_one_finite_number_counts_as_a_value(value: list[Any], expected: Any) -> None:
    assert to_number(value) == expected


def test_fhirpath_scores_feed_rules_like_any_other_score() -> None:
    mapping = definition(APGAR_LIKE)
    mapping["rules"] = [{"id": "low", "when": "total <= 1", "colour": "red", "source": "t"}]
    result = run(mapping, {"sign.1": "0", "sign.2": "1"})
    assert [flag.rule_id for flag in result.flags] == ["low"]


def test_the_expression_is_compiled_once_when_the_definition_is_parsed() -> None:
    scorer = parse(definition(APGAR_LIKE)).plan.scorers[0]
    assert scorer.fhirpath is not None
    first = scorer.fhirpath.expression
    run(definition(APGAR_LIKE), {"sign.1": "0", "sign.2": "1"})
    assert scorer.fhirpath.expression is first


def test_the_score_keeps_its_expression_and_variables() -> None:
    parsed = parse(definition(APGAR_LIKE)).score("total")
    assert parsed.method == "fhirpath"
    assert parsed.variables == (("a", _weight_of("sign-1")),)


def problems(mapping: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse(mapping)
    return [f"{p.location}: {p.reason}" for p in caught.value.problems]


SCORE = "scores[0] (s)"


@pytest.mark.parametrize(
    ("spec", "line"),
    [
        (
            {"id": "s", "method": "fhirpath", "expression": "1", "items": ["visits"]},
            f"{SCORE}: items: does not apply to a fhirpath score",
        ),
        (
            {"id": "s", "method": "fhirpath"},
            f"{SCORE}: expression: a fhirpath score needs a FHIRPath expression",
        ),
        (
            {"id": "s", "method": "sum", "items": ["visits"], "variables": []},
            f"{SCORE}: variables: apply only to method: fhirpath",
        ),
        (
            {"id": "s", "method": "fhirpath", "expression": "1", "variables": [{"name": "a"}]},
            f"{SCORE}.variables[0]: missing key 'expression'",
        ),
        (
            {
                "id": "s",
                "method": "fhirpath",
                "expression": "1",
                "variables": [{"name": 1, "expression": "2"}],
            },
            f"{SCORE}.variables[0]: name and expression: expected text",
        ),
        (
            {"id": "s", "method": "fhirpath", "expression": "1", "variables": ["a"]},
            f"{SCORE}.variables[0]: expected a mapping (key: value), got 'a'",
        ),
        (
            {
                "id": "s",
                "method": "fhirpath",
                "expression": "1",
                "variables": [{"name": "resource", "expression": "2"}],
            },
            f"{SCORE}: expression: variable name 'resource' is not a usable FHIRPath name",
        ),
        (
            {
                "id": "s",
                "method": "fhirpath",
                "expression": "1",
                "variables": [{"name": "a", "expression": "2"}, {"name": "a", "expression": "3"}],
            },
            f"{SCORE}: expression: variable 'a' is defined twice",
        ),
        (
            {"id": "s", "method": "fhirpath", "expression": "%resource.item.scoreOf()"},
            f"{SCORE}: expression: fhirpathpy cannot evaluate it: Not implemented: scoreOf",
        ),
    ],
)
def test_a_bad_fhirpath_score_is_a_clear_problem(spec: dict[str, Any], line: str) -> None:
    assert line in problems(definition(spec))


def test_a_fhirpath_score_needs_the_fhir_block() -> None:
    mapping = numbers(copy.deepcopy(ITEMS), [{"id": "s", "method": "fhirpath", "expression": "1"}])
    assert problems(mapping) == [f"{SCORE}: method: fhirpath needs the top-level fhir block"]


def test_the_fhir_block_is_only_for_fhirpath_scores() -> None:
    coded = {k: v for k, v in _fhir_items().items() if k != "multi"}  # no string options
    block = {"questionnaire": QUESTIONNAIRE, "items": coded}
    mapping = definition({"id": "s", "method": "sum", "items": ["visits"]}, fhir=block)
    assert problems(mapping) == [
        "fhir: fhir: only method: fhirpath scores, enable and options answered with valueString"
        " or valueInteger use it"
    ]


def test_string_options_need_no_questionnaire_but_a_fhirpath_score_does() -> None:
    """FUT's string options: ``fhir.items`` alone says how the export writes them."""
    items = [choice("a", range(2))]
    typed = {"a": {"link_id": "a", "answer": "valueString", "options": {"0": "No", "1": "Yes"}}}
    mapping = numbers(copy.deepcopy(items), [{"id": "s", "method": "sum", "items": ["a"]}])
    mapping["fhir"] = {"items": typed}
    assert parse(mapping).fhir is not None
    mapping = numbers(copy.deepcopy(items), [{"id": "s", "method": "fhirpath", "expression": "1"}])
    mapping["fhir"] = {"items": typed}
    assert problems(mapping) == ["fhir: fhir: questionnaire: fhirpath scores and enable read it"]


ONE = {"id": "s", "method": "fhirpath", "expression": "1"}
AT = "fhir.items['visits']"


@pytest.mark.parametrize(
    ("block", "line"),
    [
        ([], "fhir: expected a mapping (key: value), got a list"),
        ({"questionnaire": QUESTIONNAIRE}, "fhir: missing key 'items'"),
        ({"questionnaire": [], "items": {}}, "fhir: questionnaire: expected a mapping"),
        (
            {"questionnaire": {"resourceType": "Patient"}, "items": {}},
            "fhir: questionnaire: expected a FHIR Questionnaire resource",
        ),
        ({"questionnaire": QUESTIONNAIRE, "items": {"visits": []}}, f"{AT}: expected a mapping"),
        (
            {"questionnaire": QUESTIONNAIRE, "items": {"visits": {"link_id": 3, "answer": "x"}}},
            f"{AT}: link_id: expected a linkId, got the number 3",
        ),
        (
            {"questionnaire": QUESTIONNAIRE, "items": {"visits": {"link_id": "c", "answer": "x"}}},
            f"{AT}: answer: must be one of",
        ),
        (
            {"questionnaire": QUESTIONNAIRE, "items": {"nope": {"link_id": "c", "answer": "x"}}},
            "fhir.items['nope']: 'nope' is not an item",
        ),
        (
            {
                "questionnaire": QUESTIONNAIRE,
                "items": {"gate": {"link_id": "g", "answer": "valueCoding"}},
            },
            "fhir.items['gate']: answer: gate is answered with valueBoolean",
        ),
        (
            {
                "questionnaire": QUESTIONNAIRE,
                "items": {
                    "sign.1": {"link_id": "s", "answer": "valueCoding", "options": {"0": {}}}
                },
            },
            "fhir.items['sign.1']: options: no FHIR value for codes 1, 2",
        ),
        (
            {
                "questionnaire": QUESTIONNAIRE,
                "items": {"visits": {"link_id": "c", "answer": "valueBoolean"}},
            },
            f"{AT}: answer: visits is answered with valueInteger or valueDecimal or valueQuantity",
        ),
    ],
)
def test_a_bad_fhir_block_is_a_clear_problem(block: Any, line: str) -> None:
    assert any(found.startswith(line) for found in problems(definition(ONE, fhir=block)))


def test_the_fhir_block_maps_only_choice_and_number_items() -> None:
    items = [*copy.deepcopy(ITEMS), {"id": "when", "type": "date"}]
    block = {"questionnaire": QUESTIONNAIRE, "items": {"when": {"link_id": "w", "answer": "x"}}}
    lines = problems(numbers(items, [ONE], fhir=block))
    assert "fhir.items['when']: when: FHIRPath scores read only choice and number items" in lines


def test_items_nested_under_answered_questions_and_odd_entries_are_tolerated() -> None:
    questionnaire = {
        "resourceType": "Questionnaire",
        "item": [
            "not an item",
            {"linkId": "visits-1", "type": "integer", "item": [{"linkId": "gate-1"}]},
        ],
    }
    block = {"questionnaire": questionnaire, "items": _fhir_items()}
    spec = {
        "id": "s",
        "method": "fhirpath",
        "expression": "%resource.item.item.where(linkId = 'gate-1').answer.valueBoolean"
        ".select(iif($this, 1, 2))",
    }
    result = run(numbers(copy.deepcopy(ITEMS), [spec], fhir=block), {"gate": "no"})
    assert result.score("s").value == 2


def test_an_imported_definition_says_so_in_its_provenance() -> None:
    mapping = numbers(copy.deepcopy(ITEMS), provenance={"kind": "imported"})
    assert parse(mapping).provenance.kind == "imported"


# --- calculated items reading calculated items (SDC: values fed back) -----------------

VISITS = "%resource.repeat(item).where(linkId = 'visits-1').answer.valueInteger"
TOTAL = "%resource.repeat(item).where(linkId = 'total').answer"
CHAIN = {
    "questionnaire": QUESTIONNAIRE,
    "items": _fhir_items(),
    "scores": {"double": {"link_id": "total", "answer": "valueDecimal"}},
}


def test_a_score_reads_the_value_of_the_calculated_item_it_depends_on_whatever_the_order() -> None:
    # Listed reader first: the engine evaluates "double" (2 × 3 = 6) before "plus" (6 + 1).
    plus = {"id": "plus", "method": "fhirpath", "expression": f"{TOTAL}.valueDecimal + 1"}
    double = {"id": "double", "method": "fhirpath", "expression": f"{VISITS} * 2"}
    result = run(definition(plus, double, fhir=CHAIN), {"gate": "yes", "visits": 3})
    assert result.score("double").value == 6
    assert result.score("plus").value == 7


def test_through_a_variable_the_expression_uses_and_as_a_quantity() -> None:
    block = {
        **CHAIN,
        "scores": {
            "double": {
                "link_id": "total",
                "answer": "valueQuantity",
                "quantity": {"code": "kg", "system": "http://unitsofmeasure.org"},
            }
        },
    }
    plus = {
        "id": "plus",
        "method": "fhirpath",
        "expression": "%t + 1",
        "variables": [
            {"name": "unused", "expression": "%resource.item.where(linkId = 'nothing')"},
            {"name": "t", "expression": f"{TOTAL}.valueQuantity.value"},
        ],
    }
    double = {"id": "double", "method": "fhirpath", "expression": f"{VISITS} * 2"}
    result = run(definition(plus, double, fhir=block), {"gate": "yes", "visits": 4})
    assert result.score("plus").value == 9


def test_an_unscored_calculated_item_gives_its_readers_no_value() -> None:
    plus = {"id": "plus", "method": "fhirpath", "expression": f"{TOTAL}.valueDecimal + 1"}
    double = {"id": "double", "method": "fhirpath", "expression": f"{VISITS} * 2"}
    result = run(definition(plus, double, fhir=CHAIN), {"gate": "no"})
    assert result.score("plus").value is None
    assert result.score("plus").status != "scored"


def test_calculated_items_reading_each_other_are_a_score_cycle() -> None:
    block = {
        **CHAIN,
        "scores": {
            "one": {"link_id": "total", "answer": "valueDecimal"},
            "two": {"link_id": "visits-1", "answer": "valueInteger"},
        },
    }
    one = {"id": "one", "method": "fhirpath", "expression": f"{VISITS} + 1"}
    two = {"id": "two", "method": "fhirpath", "expression": f"{TOTAL}.valueDecimal + 1"}
    lines = problems(definition(one, two, fhir=block))
    assert any("score cycle: one → two → one" in line for line in lines)


def test_a_variable_in_scope_but_unused_makes_no_dependency() -> None:
    alone = {
        "id": "double",
        "method": "fhirpath",
        "expression": f"{VISITS} * 2",
        "variables": [{"name": "mine", "expression": f"{TOTAL}.valueDecimal"}],
    }
    result = run(definition(alone, fhir=CHAIN), {"gate": "yes", "visits": 1})
    assert result.score("double").value == 2


SC = "fhir.scores['double']"


@pytest.mark.parametrize(
    ("scores", "line"),
    [
        ([], "fhir: scores: expected a mapping"),
        ({"double": []}, f"{SC}: expected a mapping"),
        ({"double": {"link_id": 3, "answer": "valueDecimal"}}, f"{SC}: link_id: expected a linkId"),
        (
            {"double": {"link_id": "t", "answer": "valueCoding"}},
            f"{SC}: answer: a score is written with valueInteger or valueDecimal or valueQuantity",
        ),
        (
            {"visits": {"link_id": "t", "answer": "valueDecimal"}},
            "fhir.scores['visits']: 'visits' is not a score",
        ),
    ],
)
def test_a_bad_scores_block_is_a_clear_problem(scores: Any, line: str) -> None:
    double = {"id": "double", "method": "fhirpath", "expression": f"{VISITS} * 2"}
    block = {"questionnaire": QUESTIONNAIRE, "items": _fhir_items(), "scores": scores}
    assert any(found.startswith(line) for found in problems(definition(double, fhir=block)))

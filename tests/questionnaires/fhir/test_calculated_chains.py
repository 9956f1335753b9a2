"""Calculated items that read other calculated items (issue 15, part 1).

Small hand-written SDC Questionnaires (tests/fixtures/fhir/hand-written/):
an AUDIT-like total that reads the consumption sub-total through a root
variable, a weighted sum rescaled through an intermediate item, a chain of
three listed last first, and a cycle. The engine's values are compared with
fhirpathpy's on the same answers — every calculatedExpression evaluated with
the calculated values written back as answers until they stop changing, as
an SDC form filler does (questionnaires.fhir.sdc.calculate_settled) — on the
all-minimum, all-maximum, one-missing and 20 random complete answer sets.
The totals by hand are worked out from the files' own expressions and
option weights (noted beside each).
"""

from __future__ import annotations

import functools
import json
import random
from typing import Any

import pytest

from questionnaires.fhir.export import questionnaire_to_fhir
from questionnaires.fhir.importer import FhirImportError, ImportResult, questionnaire_from_fhir
from questionnaires.fhir.sdc import calculate_settled
from scoring.engine import evaluate
from tests.questionnaires.fhir.helpers import FIXTURES, walk

HAND = FIXTURES / "hand-written"
CHAINS = ["calc-audit-like.json", "calc-stigma-like.json", "calc-chain-3.json"]
CALCULATED = "sdc-questionnaire-calculatedExpression"
MIN, MAX = (
    "http://hl7.org/fhir/StructureDefinition/minValue",
    ("http://hl7.org/fhir/StructureDefinition/maxValue"),
)

#: A FHIR answer set: linkId → the one answer (valueCoding / valueInteger).
Answers = dict[str, dict[str, Any]]


def load(name: str) -> dict[str, Any]:
    return json.loads((HAND / name).read_text(encoding="utf-8"))


@functools.cache
def _imported(name: str) -> ImportResult:
    return questionnaire_from_fhir(load(name), source=name)


def calculated(questionnaire: dict[str, Any]) -> list[str]:
    return [
        str(item["linkId"])
        for item in walk(questionnaire["item"])
        if any(str(e.get("url", "")).endswith(CALCULATED) for e in item.get("extension", []))
    ]


def choices(questionnaire: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each question's possible answers, lowest first."""
    found: dict[str, list[dict[str, Any]]] = {}
    for item in walk(questionnaire["item"]):
        link_id = str(item["linkId"])
        if "answerOption" in item:
            found[link_id] = [
                {k: v for k, v in option.items() if k.startswith("value")}
                for option in item["answerOption"]
            ]
        elif item["type"] == "integer" and link_id not in calculated(questionnaire):
            bounds = {e["url"]: e["valueInteger"] for e in item.get("extension", [])}
            found[link_id] = [{"valueInteger": n} for n in range(bounds[MIN], bounds[MAX] + 1)]
    return found


def answer_sets(questionnaire: dict[str, Any]) -> list[Answers]:
    options = choices(questionnaire)
    lowest = {link: values[0] for link, values in options.items()}
    highest = {link: values[-1] for link, values in options.items()}
    one_missing = dict(list(highest.items())[1:])
    rng = random.Random(15)
    randoms = [{link: rng.choice(values) for link, values in options.items()} for _ in range(20)]
    return [lowest, highest, one_missing, *randoms]


def portal_answers(result: ImportResult, answers: Answers) -> dict[str, Any]:
    """The same answers as PRO Portal's ANSWERS.json (codes and numbers)."""
    with_options = {
        str(item["linkId"]) for item in walk(load_source(result)["item"]) if "answerOption" in item
    }
    found: dict[str, Any] = {}
    for link_id, answer in answers.items():
        ident = result.renamed.get(link_id, link_id)
        if "valueCoding" in answer:
            found[ident] = answer["valueCoding"]["code"]
        elif link_id in with_options:  # an integer option: its code is the number as text
            found[ident] = str(answer["valueInteger"])
        else:
            found[ident] = answer["valueInteger"]
    return found


def load_source(result: ImportResult) -> dict[str, Any]:
    return dict(result.definition.fhir.questionnaire) if result.definition.fhir else {}


def engine_values(result: ImportResult, answers: Answers) -> dict[str, Any]:
    scored = evaluate(result.definition, portal_answers(result, answers))
    links = calculated(load_source(result))
    return {link: scored.score(result.renamed.get(link, link)).value for link in links}


def fhirpathpy_values(questionnaire: dict[str, Any], answers: Answers) -> dict[str, Any]:
    return calculate_settled(questionnaire, {link: [a] for link, a in answers.items()})


def same(left: dict[str, Any], right: dict[str, Any]) -> bool:
    if left.keys() != right.keys():
        return False
    for key, value in left.items():
        other = right[key]
        if (value is None) != (other is None):
            return False
        if value is not None and abs(value - other) > 1e-6:
            return False
    return True


@pytest.mark.parametrize("name", CHAINS)
def test_every_calculated_item_equals_fhirpathpy_with_values_fed_back(name: str) -> None:
    questionnaire = load(name)
    result = _imported(name)
    sets = answer_sets(questionnaire)
    disagree = [
        (answers, engine_values(result, answers), fhirpathpy_values(questionnaire, answers))
        for answers in sets
    ]
    disagree = [d for d in disagree if not same(d[1], d[2])]
    assert not disagree, f"{len(disagree)}/{len(sets)} answer sets disagree, first: {disagree[0]}"


def _coding(link: str, index: int) -> dict[str, Any]:
    return {"valueCoding": {"system": "urn:example:audit-like", "code": f"{link}-{index}"}}


# AUDIT-like: options weigh 0-4 (a5: 0, 2, 4); audit-c = a1 + a2 + a3, the total
# = audit-c (read as the item's answer through %auditC) + a4 + a5.
AUDIT_LOW = {f"a{n}": _coding(f"a{n}", 0) for n in range(1, 6)}
AUDIT_HIGH = {**{f"a{n}": _coding(f"a{n}", 4) for n in range(1, 5)}, "a5": _coding("a5", 2)}
# 2-4 times a month (2), 3 or 4 drinks (1), six or more monthly (2): 5; weekly (3), injured
# during the last year (4): 5 + 3 + 4 = 12.
AUDIT_FIVE = {
    "a1": _coding("a1", 2),
    "a2": _coding("a2", 1),
    "a3": _coding("a3", 2),
    "a4": _coding("a4", 3),
    "a5": _coding("a5", 2),
}


def _likert(*values: int) -> Answers:
    return {f"st{n}": {"valueInteger": v} for n, v in enumerate(values, 1)}


@pytest.mark.parametrize(
    ("name", "answers", "expected"),
    [
        ("calc-audit-like.json", AUDIT_LOW, {"audit-c": 0, "audit-total": 0}),
        ("calc-audit-like.json", AUDIT_HIGH, {"audit-c": 12, "audit-total": 20}),
        ("calc-audit-like.json", AUDIT_FIVE, {"audit-c": 5, "audit-total": 12}),
        (
            "calc-audit-like.json",
            {k: v for k, v in AUDIT_FIVE.items() if k != "a2"},
            {"audit-c": None, "audit-total": None},
        ),
        # weighted = st1 + 2 st2 + 0.5 st3 + 1.5 st4 (5-20); score = (weighted - 5) × 100 / 15
        ("calc-stigma-like.json", _likert(1, 1, 1, 1), {"st-weighted": 5, "st-score": 0}),
        ("calc-stigma-like.json", _likert(4, 4, 4, 4), {"st-weighted": 20, "st-score": 100}),
        (
            "calc-stigma-like.json",
            _likert(2, 3, 4, 1),  # 2 + 6 + 2 + 1.5 = 11.5; 6.5 × 100 / 15 = 43.333…
            {"st-weighted": 11.5, "st-score": 43.333333333},
        ),
        # first = x + y, second = 2 × first, third = second + x (listed third, second, …, first)
        (
            "calc-chain-3.json",
            {"x": {"valueInteger": 0}, "y": {"valueInteger": 0}},
            {"third": 0, "second": 0, "first": 0},
        ),
        (
            "calc-chain-3.json",
            {"x": {"valueInteger": 7}, "y": {"valueInteger": 7}},
            {"third": 35, "second": 28, "first": 14},
        ),
        (
            "calc-chain-3.json",
            {"x": {"valueInteger": 3}, "y": {"valueInteger": 5}},
            {"third": 19, "second": 16, "first": 8},
        ),
    ],
)
def test_totals_worked_out_by_hand_from_the_files(
    name: str, answers: Answers, expected: dict[str, Any]
) -> None:
    result = _imported(name)
    assert same(engine_values(result, answers), expected)
    assert same(fhirpathpy_values(load(name), answers), expected)


def test_a_reader_of_calculated_items_is_named_in_the_warnings() -> None:
    warnings = _imported("calc-chain-3.json").warnings
    assert "calculatedExpression kept as FHIRPath (reads calculated items): second, third" in (
        warnings
    )


def test_the_consumption_sum_is_translated_and_still_read_by_the_total() -> None:
    result = _imported("calc-audit-like.json")
    methods = {s.id: s.method for s in result.definition.scores}
    assert methods == {"audit_c": "sum", "audit_total": "fhirpath"}


def test_a_cycle_is_refused_at_import_naming_the_items() -> None:
    with pytest.raises(FhirImportError) as caught:
        questionnaire_from_fhir(load("calc-cycle.json"), source="calc-cycle.json")
    assert "calculated items read each other in a cycle: p → q → p" in str(caught.value)


def test_an_item_reading_itself_is_a_cycle_too() -> None:
    questionnaire = load("calc-cycle.json")
    questionnaire["item"] = questionnaire["item"][:2]
    p = questionnaire["item"][1]
    p["extension"][0]["valueExpression"]["expression"] = (
        "%resource.repeat(item).where(linkId = 'p').answer.valueInteger + 1"
    )
    with pytest.raises(FhirImportError, match="cycle: p → p"):
        questionnaire_from_fhir(questionnaire, source="self.json")


def test_a_reader_of_a_calculated_item_left_out_is_warned() -> None:
    questionnaire = load("calc-chain-3.json")
    first = next(i for i in questionnaire["item"] if i["linkId"] == "first")
    first["extension"][0]["valueExpression"]["language"] = "text/cql"
    warnings = questionnaire_from_fhir(questionnaire, source="cql.json").warnings
    assert (
        "calculatedExpression reads calculated items left out (first): they give it no value:"
        " second"
    ) in warnings


@pytest.mark.parametrize("name", CHAINS)
def test_the_chain_survives_export_and_import(name: str) -> None:
    result = _imported(name)
    again = questionnaire_from_fhir(questionnaire_to_fhir(result.definition), source=name)
    questionnaire = load(name)
    for answers in answer_sets(questionnaire)[:5]:
        portal = portal_answers(result, answers)
        first, second = evaluate(result.definition, portal), evaluate(again.definition, portal)
        assert [s.value for s in first.scores] == [s.value for s in second.scores]

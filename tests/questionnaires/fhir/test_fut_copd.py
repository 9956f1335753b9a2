"""FUT's own COPD test questionnaire (issue 15): every colour, every value type.

tests/fixtures/fhir/fut/questionnaire.fsh is FUT's test Questionnaire
(fut-infrastructure/implementation-guide-test-data, see the README there),
converted to questionnaire.json by fsh_to_json.py in that folder. Its
header states the eighteen answerSignificance mappings, which are the
expected colours below:

    S04/S05/S07   Slet ikke -> green, Lidt -> yellow, En del -> red, Meget -> red
    S06 sputum    Klart, Hvidligt -> green;  Lysegult, Grønligt, Mørkegult -> red
    S08 summary   Ja -> yellow

The file writes every condition as ``valueString``. The FUT profile's
ehealth-answer-Condition also allows valueCoding, valueBoolean,
valueInteger and valueDecimal, with one or two conditions (an interval):
each is tested on the same file, rewritten the way a FUT author would write
the same mapping in that type (the rewrites are below, and keep every
colour). Each mapping must give its colour when triggered alone, and the
same colours after export → import, also when the import sees only the
eHealth extensions of the export.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Callable
from typing import Any

import pytest

from questionnaires.fhir import common as c
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.importer import ImportResult, questionnaire_from_fhir
from questionnaires.fhir.responses import answers_from_response
from questionnaires.fhir.validation import validate
from scoring.engine import Definition, evaluate, parse_definition
from tests.questionnaires.fhir.helpers import FIXTURES, walk
from tests.questionnaires.fhir.sdc_filler import enabled_links, settle
from tests.questionnaires.fhir.test_fut_significance import ehealth_only

FUT = FIXTURES / "fut"
_SPEC = importlib.util.spec_from_file_location("fsh_to_json", FUT / "fsh_to_json.py")
assert _SPEC is not None
assert _SPEC.loader is not None
_CONVERTER = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_CONVERTER)
convert: Callable[[str], dict[str, Any]] = _CONVERTER.convert
LINK = "1.2.208.176.7.200.2,{},ehealth.sundhed.dk"
S02 = LINK.format("02572a07-8923-4ea3-9ee9-f9aa10344379")
S04 = LINK.format("898d7b4b-bbb8-45d9-9a1b-956b11d2547b")
S05 = LINK.format("a5cc4f01-d9f7-4599-a0a6-e4522dbc8797")
S06 = LINK.format("9d68396f-62f1-4cd7-9d64-3f0284e07d98")
S07 = LINK.format("45c31bc2-27f9-43b8-afb1-be483dfc4b62")
S08 = LINK.format("c3cc4571-16ec-4325-9781-681521c3ebee")
SCALE = {"Slet ikke": "green", "Lidt": "yellow", "En del": "red", "Meget": "red"}
SPUTUM = {
    "Klart (1)": "green",
    "Hvidligt (2)": "green",
    "Lysegult (3)": "red",
    "Grønligt (4)": "red",
    "Mørkegult (5)": "red",
}
#: (linkId, the answer as written in the file, its colour) — the file's header
MAPPINGS: list[tuple[str, Any, str]] = [
    *[(link, text, colour) for link in (S04, S05, S07) for text, colour in SCALE.items()],
    *[(S06, text, colour) for text, colour in SPUTUM.items()],
    (S08, "Ja", "yellow"),
]
#: answers that trigger no mapping (S02/S03 carry none; S08 Nej has none)
QUIET: list[tuple[str, Any]] = [(S02, "Ja"), (S02, "Nej"), (S08, "Nej")]
CODES = "urn:pro-portal-test:fut-copd"


def source() -> dict[str, Any]:
    return json.loads((FUT / "questionnaire.json").read_text(encoding="utf-8"))


def _item(resource: dict[str, Any], link_id: str) -> dict[str, Any]:
    return next(i for i in walk(resource["item"]) if i["linkId"] == link_id)


def _conditions(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        condition
        for significance in c.extensions(item, c.ANSWER_SIGNIFICANCE)
        for condition in significance["extension"]
        if condition["url"] == c.ANSWER_CONDITION
    ]


def _value(condition: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in condition["extension"] if e["url"] == "value")


# --- the same mapping in each value type the profile allows -------------------------------------


def as_codings(resource: dict[str, Any]) -> dict[str, Any]:
    """Every string option a coding (code = display = the text); every
    condition the coding of its text."""
    for item in walk(resource["item"]):
        for option in item.get("answerOption", []):
            text = option.pop("valueString")
            option.pop("_valueString", None)
            option["valueCoding"] = {"system": CODES, "code": text, "display": text}
        for condition in _conditions(item):
            value = _value(condition)
            text = value.pop("valueString")
            value["valueCoding"] = {"system": CODES, "code": text}
    return resource


def as_boolean(resource: dict[str, Any]) -> dict[str, Any]:
    """S08 (Ja / Nej) a boolean item; "Ja" → yellow becomes ``true``."""
    item = _item(resource, S08)
    item["type"] = "boolean"
    del item["answerOption"]
    _value(_conditions(item)[0]).update({"valueBoolean": True})
    _value(_conditions(item)[0]).pop("valueString")
    for later in walk(resource["item"]):
        for condition in later.get("enableWhen", []):
            if condition["question"] == S08:
                condition.pop("answerString")
                condition["answerBoolean"] = True
    return resource


def _sputum_numbers(resource: dict[str, Any], key: str, number: Callable[[int], Any]) -> dict:
    """S06's options as their position on the five-point scale (each label
    names it: "Klart (1)" … "Mørkegult (5)"), each condition the position."""
    item = _item(resource, S06)
    for option in item["answerOption"]:
        position = int(option.pop("valueString").rsplit("(", 1)[1].rstrip(")"))
        option.pop("_valueString", None)
        option[key] = number(position)
    for condition in _conditions(item):
        value = _value(condition)
        text = value.pop("valueString")
        value[key] = number(int(text.rsplit("(", 1)[1].rstrip(")")))
    return resource


def as_integers(resource: dict[str, Any]) -> dict[str, Any]:
    return _sputum_numbers(resource, "valueInteger", int)


def as_decimal_item(resource: dict[str, Any]) -> dict[str, Any]:
    """S06 a decimal item answered with the position, conditions valueDecimal."""
    resource = _sputum_numbers(resource, "valueDecimal", float)
    item = _item(resource, S06)
    item["type"] = "decimal"
    del item["answerOption"]
    return resource


def as_intervals(resource: dict[str, Any]) -> dict[str, Any]:
    """S06 with integer options and two mappings of two conditions each:
    1 ≤ position ≤ 2 → green, 3 ≤ position ≤ 5 → red (the same colours)."""
    resource = as_integers(resource)
    item = _item(resource, S06)
    others = [e for e in item["extension"] if e["url"] != c.ANSWER_SIGNIFICANCE]

    def significance(low: int, high: int, colour: str) -> dict[str, Any]:
        bounds = [(">=", low), ("<=", high)]
        return {
            "url": c.ANSWER_SIGNIFICANCE,
            "extension": [
                *[
                    {
                        "url": c.ANSWER_CONDITION,
                        "extension": [
                            {"url": "value", "valueInteger": value},
                            {"url": "operator", "valueCode": operator},
                        ],
                    }
                    for operator, value in bounds
                ],
                {
                    "url": "significance",
                    "valueCoding": {"system": c.SIGNIFICANCE_SYSTEM, "code": colour},
                },
            ],
        }

    item["extension"] = [*others, significance(1, 2, "green"), significance(3, 5, "red")]
    return resource


VARIANTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "valueString (the file)": lambda resource: resource,
    "valueCoding": as_codings,
    "valueBoolean": as_boolean,
    "valueInteger": as_integers,
    "valueDecimal": as_decimal_item,
    "valueInteger interval": as_intervals,
}


def answer(variant: str, link_id: str, text: str) -> Any:
    """The file's answer ``text`` as that variant's item takes it in ANSWERS.json."""
    if variant == "valueBoolean" and link_id == S08:
        return "yes" if text == "Ja" else "no"
    if link_id == S06 and variant in ("valueInteger", "valueInteger interval"):
        return text.rsplit("(", 1)[1].rstrip(")")  # an integer option's code is the number
    if link_id == S06 and variant == "valueDecimal":
        return float(text.rsplit("(", 1)[1].rstrip(")"))
    return text


def imported(variant: str) -> ImportResult:
    return questionnaire_from_fhir(VARIANTS[variant](source()), source="fut-copd.json")


def fired(
    result: ImportResult, link_id: str, value: Any, ids: ImportResult | None = None
) -> list[tuple[str, str]]:
    """(colour, item) of every flag ``value`` alone raises; the item id is
    the one the import of the FUT file (``ids``, else ``result``) gave."""
    ident = (ids or result).renamed.get(link_id, link_id)
    flags = evaluate(result.definition, {ident: value}).flags
    return [(f.colour, a.item_id) for f in flags for a in f.because.answers]


# --- the tests -----------------------------------------------------------------------------------


def test_the_json_is_the_conversion_of_the_fsh_and_valid_fhir() -> None:
    converted = convert((FUT / "questionnaire.fsh").read_text(encoding="utf-8"))
    assert converted == source()
    validate(source())
    assert len(source()["item"]) == 8
    significances = [
        e for i in walk(source()["item"]) for e in c.extensions(i, c.ANSWER_SIGNIFICANCE)
    ]
    assert len(significances) == len(MAPPINGS) == 18


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_mapping_imports_as_a_rule(variant: str) -> None:
    result = imported(variant)
    assert not [w for w in result.warnings if "answerSignificance" in w]
    expected = len(MAPPINGS) - (3 if variant == "valueInteger interval" else 0)
    assert len(result.definition.rules) == expected


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_mapping_gives_its_colour_when_triggered_alone(variant: str) -> None:
    result = imported(variant)
    for link_id, text, colour in MAPPINGS:
        ident = result.renamed.get(link_id, link_id)
        assert fired(result, link_id, answer(variant, link_id, text)) == [(colour, ident)], text
    for link_id, text in QUIET:
        assert fired(result, link_id, answer(variant, link_id, text)) == [], text


@pytest.mark.parametrize("only_ehealth", [False, True], ids=["own-export", "ehealth-only"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_the_mappings_survive_export_and_import(variant: str, only_ehealth: bool) -> None:
    first = imported(variant)
    exported = json.loads(json.dumps(questionnaire_to_fhir(first.definition)))
    if only_ehealth:
        exported = ehealth_only(exported)
    again = questionnaire_from_fhir(exported, source="export.json")
    assert not [w for w in again.warnings if "answerSignificance" in w]
    for link_id, text, colour in MAPPINGS:
        value = answer(variant, link_id, text)
        assert fired(again, link_id, value, first) == fired(first, link_id, value) != [], text
        assert fired(again, link_id, value, first)[0][0] == colour
    for link_id, text in QUIET:
        assert fired(again, link_id, answer(variant, link_id, text), first) == []


def exported_mappings(variant: str, value_key: str) -> list[tuple[str, Any, str]]:
    """(linkId, condition value, colour) of every mapping the export of the
    FUT file (rewritten as ``variant``) writes; the item found by its prefix
    (S04 …), which the import puts in front of its text."""
    exported = questionnaire_to_fhir(imported(variant).definition)
    by_prefix = {item["prefix"]: item["linkId"] for item in walk(source()["item"])}
    found = []
    for item in walk(exported["item"]):
        for significance in c.extensions(item, c.ANSWER_SIGNIFICANCE):
            colour = next(e for e in significance["extension"] if e["url"] == "significance")
            for condition in significance["extension"]:
                if condition["url"] == c.ANSWER_CONDITION:
                    value = _value(condition).get(value_key)
                    value = value.get("code") if isinstance(value, dict) else value
                    link_id = by_prefix[item["text"].split()[0]]
                    found.append((link_id, value, colour["valueCoding"]["code"]))
    return sorted(found)


def test_the_export_names_the_same_answers_and_colours() -> None:
    assert exported_mappings("valueCoding", "valueCoding") == sorted(MAPPINGS)


def test_the_export_keeps_futs_valuestring_conditions() -> None:
    assert exported_mappings("valueString (the file)", "valueString") == sorted(MAPPINGS)


def test_the_export_keeps_futs_string_options_and_validates() -> None:
    exported = questionnaire_to_fhir(imported("valueString (the file)").definition)
    validate(exported)
    for link_id in (S02, S04, S06, S08):
        wanted = [o["valueString"] for o in _item(source(), link_id)["answerOption"]]
        assert [o.get("valueString") for o in _item(exported, link_id)["answerOption"]] == wanted


def test_the_export_of_integer_options_keeps_value_integer() -> None:
    exported = questionnaire_to_fhir(imported("valueInteger").definition)
    validate(exported)
    assert [o.get("valueInteger") for o in _item(exported, S06)["answerOption"]] == [1, 2, 3, 4, 5]
    assert sorted(_value(k)["valueInteger"] for k in _conditions(_item(exported, S06))) == [
        1,
        2,
        3,
        4,
        5,
    ]


def test_the_comment_is_asked_only_after_ja() -> None:
    result = imported("valueString (the file)")
    definition: Definition = result.definition
    comment = result.renamed[LINK.format("f3fc74d3-1231-4356-87c5-433204e73f1e")]
    s08 = result.renamed[S08]
    from scoring.engine import enabled_items

    assert comment in enabled_items(definition, {s08: "Ja"})
    assert comment not in enabled_items(definition, {s08: "Nej"})
    assert copy.deepcopy(source()) == source()


def test_a_response_answers_with_futs_strings_and_reads_back_to_the_same_colours() -> None:
    definition = imported("valueString (the file)").definition
    result = imported("valueString (the file)")
    answers = {result.renamed[S04]: "En del", result.renamed[S06]: "Hvidligt (2)"}
    resource = json.loads(json.dumps(response_to_fhir(definition, answers)))
    validate(resource)
    given = {i["linkId"]: i["answer"] for i in walk(resource["item"]) if "answer" in i}
    assert given[S04] == [{"valueString": "En del"}]
    assert given[S06] == [{"valueString": "Hvidligt (2)"}]
    findings = [
        {e["url"]: e for e in f["extension"]} for f in c.extensions(resource, c.FINDING_BASIS)
    ]
    assert [(f["linkId"]["valueString"], f["value"]) for f in findings] == [
        (S04, {"url": "value", "valueString": "En del"}),
        (S06, {"url": "value", "valueString": "Hvidligt (2)"}),
    ]
    read = answers_from_response(definition, resource, source="response.json")
    assert read.answers == answers
    assert evaluate(definition, read.answers).flags == evaluate(definition, answers).flags


def test_a_score_and_an_enable_when_on_string_options_read_them_in_the_export() -> None:
    """A sum of S04, S05 and S07 (Slet ikke 0 … Meget 3, the import's
    positions) added to the FUT file: the exported calculatedExpression reads
    the valueString answers (fhirpathpy in a reference SDC filler gives the
    engine's value), and the comment's enableWhen asks it after "Ja" as a
    string."""
    result = imported("valueString (the file)")
    mapping = copy.deepcopy(result.mapping)
    scale = [result.renamed[link] for link in (S04, S05, S07)]
    mapping["scores"] = [
        {
            "id": "breath",
            "label": {"en": "Åndenød"},
            "method": "sum",
            "items": scale,
            "decimals": 0,
            "missing": {"prorate_up_to": 0},
            "source": "test: Slet ikke 0, Lidt 1, En del 2, Meget 3 (positions)",
        }
    ]
    definition = parse_definition(mapping, source="fut-copd.json")
    exported = json.loads(json.dumps(questionnaire_to_fhir(definition)))
    validate(exported)
    comment = _item(exported, LINK.format("f3fc74d3-1231-4356-87c5-433204e73f1e"))
    assert comment["enableWhen"] == [{"question": S08, "operator": "=", "answerString": "Ja"}]
    for texts, total in ((["Slet ikke"] * 3, 0), (["Lidt", "En del", "Meget"], 6)):
        given = {link: [{"valueString": t}] for link, t in zip((S04, S05, S07), texts, strict=True)}
        assert settle(exported, given)["breath"] == total
        answers = dict(zip(scale, texts, strict=True))
        assert evaluate(definition, answers).score("breath").value == total
    asked = enabled_links(exported, {S08: [{"valueString": "Ja"}]})
    assert comment["linkId"] in asked
    assert comment["linkId"] not in enabled_links(exported, {S08: [{"valueString": "Nej"}]})

"""Every kind of definition problem is reported with file, location and reason.

Each row changes one thing in a valid definition and names a problem line
(``<location>: <reason>``) that must be among those reported.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from scoring.engine import DefinitionError, parse_definition
from tests.engine.builders import choice, definition, integer, numbers, options, parse, text

DELETE = object()
Path = tuple[str | int, ...]


def changed(path: Path, value: Any) -> dict[str, Any]:
    """``definition()`` with the value at ``path`` replaced (or deleted)."""
    mapping = definition()
    target: Any = mapping
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = copy.deepcopy(value)
    return mapping


def problem_lines(mapping: Any) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse(mapping) if isinstance(mapping, dict) else parse_definition(mapping)
    problems = caught.value.problems
    assert all(p.source in ("test.yaml", "<memory>") for p in problems)
    assert str(caught.value).splitlines() == [str(p) for p in problems]
    return [f"{p.location}: {p.reason}" for p in problems]


ITEM = ("sections", 0, "items", 0)
OPTION = (*ITEM, "options", 0)
SCORE = ("scores", 0)
RULE = ("rules", 0)
VECTOR = ("test_vectors", 0)
Q1 = "sections[0].items[0] (q.1)"
TOTAL = "scores[0] (total)"
VEC = "test_vectors[0] (all_zero_is_green)"

# path, new value (or DELETE), a problem line that must be reported
CHANGES: list[tuple[Path, Any, str]] = [
    # top level
    (("version",), DELETE, "top level: missing key 'version'"),
    (("languages",), DELETE, "top level: missing key 'languages'"),
    (("titel",), text("x"), "top level: unknown key 'titel' (did you mean 'title'?)"),
    (("format",), 2, "format: format: must be 1, got the number 2"),
    (
        ("format",),
        True,
        "format: format: must be 1, got true (true/false: quote it if you meant a code)",
    ),
    (
        ("id",),
        "Demo",
        "id: id: bad id 'Demo': use lower-case letters, digits and _, starting with a letter",
    ),
    (
        ("version",),
        1.0,
        'version: version: expected MAJOR.MINOR.PATCH in quotes, like "1.0.0", got the number 1.0',
    ),
    (("languages",), "da", "languages: languages: expected a list, got 'da'"),
    (
        ("languages",),
        ["da", "en", "da"],
        "languages[2]: duplicate language 'da' (also at languages[0])",
    ),
    (
        ("languages",),
        ["da", "en", "EN"],
        "languages[2]: expected a language code like da or en, got 'EN'",
    ),
    (
        ("intended_use",),
        "screening",
        "intended_use: intended_use: must be dialogue or triage, got 'screening'",
    ),
    (
        ("triage",),
        {"green_interval_days": 90},
        "triage: triage: applies only to intended_use: triage",
    ),
    (("intended_use",), "triage", "top level: missing key 'triage' (intended_use is triage)"),
    # texts
    (("title",), {"da": "Demo"}, "title: title: text is missing in language 'en'"),
    (("title",), {"da": " ", "en": "Demo"}, "title: title: text in 'da' is empty"),
    (
        ("title",),
        {"da": "a", "en": "b", "de": "c"},
        "title: title: language 'de' is not in languages",
    ),
    (("title",), "Demo", "title: title: expected a text per language, like {da: …, en: …}"),
    (("title",), DELETE, "title: title: text is missing"),
    (("patient_group",), [], "patient_group: expected a mapping (key: value), got a list"),
    (("patient_group", "description"), DELETE, "patient_group: missing key 'description'"),
    (
        ("patient_group", "inclusion", 0),
        {"da": "x"},
        "patient_group.inclusion[0]: inclusion: text is missing in language 'en'",
    ),
    (
        ("provenance", "kind"),
        "national",
        "provenance: kind: must be own (PRO Portal's own algorithm), got 'national'",
    ),
    (("provenance",), "own", "provenance: expected a mapping (key: value), got 'own'"),
    (("instruments",), [], "top level: instruments: the list is empty"),
    (("instruments", 0, "licence"), DELETE, "instruments[0] (portal): missing key 'licence'"),
    (
        ("instruments", 0, "name"),
        "",
        "instruments[0] (portal): name: expected a non-empty text, got ''",
    ),
    (
        ("instruments",),
        [{"id": "portal", "name": "x", "licence": "x", "source": "x"}] * 2,
        "instruments[1] (portal): duplicate instrument id 'portal' (also at instruments[0]"
        " (portal))",
    ),
    (("instruments", 0), "portal", "instruments[0]: expected a mapping (key: value), got 'portal'"),
    (
        ("patient_support",),
        "hello",
        "patient_support: expected a mapping (key: value), got 'hello'",
    ),
    (("patient_support",), {}, "patient_support: missing key 'default'"),
    (("trended_scores",), ["nope"], "trended_scores[0]: 'nope' is not a score id"),
    # sections
    (("sections",), {}, "top level: sections: expected a list, got a dict"),
    (("sections", 0), "mood", "sections[0]: expected a mapping (key: value), got 'mood'"),
    (
        ("sections", 0),
        {"include": "phq9"},
        "sections[0]: include: phq9 must be resolved before"
        " parsing (questionnaires/library.py does this)",
    ),
    (
        ("sections", 0, "kind"),
        "core",
        "sections[0] (mood): kind: must be generic, domain or disease, got 'core'",
    ),
    (
        ("sections", 0, "id"),
        "Mood",
        "sections[0] (Mood): id: bad id 'Mood': use lower-case letters,"
        " digits and _, starting with a letter",
    ),
    (("sections", 0, "title"), DELETE, "sections[0] (mood): title: text is missing"),
    # items
    (
        (*ITEM, "id"),
        "q.2",
        "sections[0].items[1] (q.2): duplicate id 'q.2' (also at sections[0].items[0] (q.2))",
    ),
    (
        (*ITEM, "id"),
        "Q1",
        "sections[0].items[0] (Q1): id: bad id 'Q1': use lower-case letters,"
        " digits and _, starting with a letter (items and scores may have dotted parts, like"
        " phq9.9)",
    ),
    (
        (*ITEM, "id"),
        "count",
        "sections[0].items[0] (count): id: 'count' is a word of the rule language",
    ),
    (
        (*ITEM, "type"),
        "slider",
        f"{Q1}: type: unknown item type 'slider' (types: single_choice,"
        " multiple_choice, integer, decimal, nrs, yes_no, date, short_text, long_text,"
        " body_regions, display)",
    ),
    (
        (*ITEM, "type"),
        DELETE,
        f"{Q1}: missing key 'type' (types: single_choice, multiple_choice,"
        " integer, decimal, nrs, yes_no, date, short_text, long_text, body_regions, display)",
    ),
    ((*ITEM, "colour"), "red", f"{Q1}: unknown key 'colour'"),
    ((*ITEM, "text"), {"da": "x"}, f"{Q1}: text: text is missing in language 'en'"),
    ((*ITEM, "required"), "yes", f"{Q1}: required: expected true or false, got 'yes'"),
    ((*ITEM, "options"), DELETE, f"{Q1}: missing key 'options'"),
    ((*ITEM, "options"), [], f"{Q1}: options: the list is empty"),
    ((*ITEM, "options", 0), "0", f"{Q1}.options[0]: expected a mapping (key: value), got '0'"),
    ((*OPTION, "value"), DELETE, f"{Q1}.options[0]: missing key 'value'"),
    ((*OPTION, "code"), DELETE, f"{Q1}.options[0]: missing key 'code'"),
    (
        (*OPTION, "code"),
        0,
        f"{Q1}.options[0]: code: must be a non-empty text in quotes, like"
        ' code: "0", got the number 0',
    ),
    ((*OPTION, "code"), "", f"{Q1}.options[0]: code: must be a non-empty text in quotes, got ''"),
    ((*OPTION, "value"), "0", f"{Q1}.options[0]: value: expected a number, got '0'"),
    (
        (*OPTION, "code"),
        "1",
        f"{Q1}.options[1]: duplicate option code '1' (also at {Q1}.options[0])",
    ),
    ((*OPTION, "label"), DELETE, f"{Q1}.options[0]: label: text is missing"),
    (
        (*OPTION, "exclusive"),
        True,
        f"{Q1}.options[0]: exclusive: applies only to multiple choice options",
    ),
    (
        (*OPTION, "exclusive"),
        "yes",
        f"{Q1}.options[0]: exclusive: expected true or false, got 'yes'",
    ),
    # enable-when
    (
        (*ITEM, "enable_when"),
        "q.2 > 0",
        f"{Q1}.enable_when: expected a mapping (key: value), got 'q.2 > 0'",
    ),
    (
        (*ITEM, "enable_when"),
        {"behavior": "some", "conditions": [{"item": "q.2", "op": "answered"}]},
        f"{Q1}.enable_when: behavior: must be any or all, got 'some'",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": []},
        f"{Q1}.enable_when: conditions: the list is empty",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": ["q.2"]},
        f"{Q1}.enable_when.conditions[0]: expected a mapping (key: value), got 'q.2'",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": [{"item": "q.2", "op": "~", "value": "1"}]},
        f"{Q1}.enable_when.conditions[0]: op: must be one of = != > >= < <= answered missing,"
        " got '~'",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": [{"item": "q.2", "op": "answered", "value": "1"}]},
        f"{Q1}.enable_when.conditions[0]: value: op answered takes no value",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": [{"item": "q.2", "op": "="}]},
        f"{Q1}.enable_when.conditions[0]: value: expected a code in quotes or a number, got"
        " nothing",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": [{"item": "q.9", "op": "=", "value": "1"}]},
        f"{Q1}.enable_when.conditions[0]: item: enable_when names a missing item 'q.9'",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": [{"op": "answered"}]},
        f"{Q1}.enable_when.conditions[0]: missing key 'item'",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": [{"item": "q.1", "op": "answered"}]},
        f"{Q1}.enable_when.conditions[0]: item: an item cannot depend on itself",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": [{"item": "q.2", "op": ">", "value": "1"}]},
        f"{Q1}.enable_when.conditions[0]: op: codes are compared with = or !=, not >",
    ),
    (
        (*ITEM, "enable_when"),
        {"conditions": [{"item": "q.2", "op": "=", "value": "7"}]},
        f"{Q1}.enable_when.conditions[0]: value: '7' is not an option of q.2 (0, 1, 2, 3)",
    ),
    # scores
    (("scores",), "total", "top level: scores: expected a list, got 'total'"),
    (("scores", 0), "total", "scores[0]: expected a mapping (key: value), got 'total'"),
    (
        (*SCORE, "id"),
        "q.1",
        "scores[0] (q.1): duplicate id 'q.1' (also at sections[0].items[0] (q.1))",
    ),
    (
        (*SCORE, "method"),
        "median",
        f"{TOTAL}: method: must be sum, mean, count, formula or fhirpath, got 'median'",
    ),
    ((*SCORE, "source"), DELETE, f"{TOTAL}: missing key 'source'"),
    ((*SCORE, "source"), " ", f"{TOTAL}: source: expected a non-empty text, got ' '"),
    ((*SCORE, "label"), DELETE, f"{TOTAL}: label: text is missing"),
    ((*SCORE, "decimals"), 12, f"{TOTAL}: decimals: at most 9"),
    (
        (*SCORE, "decimals"),
        -1,
        f"{TOTAL}: decimals: expected a whole number ≥ 0, got the number -1",
    ),
    ((*SCORE, "multiply"), "4", f"{TOTAL}: multiply: expected a number, got '4'"),
    ((*SCORE, "monotone"), "yes", f"{TOTAL}: monotone: expected true or false, got 'yes'"),
    ((*SCORE, "range"), [0], f"{TOTAL}: range: expected [min, max], got a list"),
    ((*SCORE, "range"), [9, 0], f"{TOTAL}: range: min 9 is not below max 0"),
    ((*SCORE, "range"), DELETE, f"{TOTAL}: bands: need a range to cover"),
    ((*SCORE, "bands"), [], f"{TOTAL}: bands: the list is empty"),
    (
        (*SCORE, "bands", 1, "min"),
        6,
        f"{TOTAL}: bands: gap between 4 and 6 (at 1 resolution, decimals: 0)",
    ),
    (
        (*SCORE, "bands", 1, "min"),
        4,
        f"{TOTAL}: bands: high overlaps the band before it (it"
        " starts at 4, the one before ends at 4)",
    ),
    ((*SCORE, "bands", 0, "min"), 1, f"{TOTAL}: bands: start at 1 but the range starts at 0"),
    ((*SCORE, "bands", 1, "max"), 8, f"{TOTAL}: bands: end at 8 but the range ends at 9"),
    ((*SCORE, "bands", 1, "max"), 3, f"{TOTAL}: bands: high has min 5 above max 3"),
    (
        (*SCORE, "bands", 1, "code"),
        "low",
        f"{TOTAL}.bands[1] (low): duplicate band code 'low' (also at {TOTAL}.bands[0] (low))",
    ),
    (
        (*SCORE, "bands", 1),
        "high",
        f"{TOTAL}.bands[1]: expected a mapping (key: value), got 'high'",
    ),
    ((*SCORE, "bands", 1, "label"), DELETE, f"{TOTAL}.bands[1] (high): label: text is missing"),
    ((*SCORE, "bands", 1, "max"), "9", f"{TOTAL}.bands[1] (high): max: expected a number, got '9'"),
    ((*SCORE, "expression"), "q.1 + q.2", f"{TOTAL}: expression: applies only to method: formula"),
    ((*SCORE, "method"), "formula", f"{TOTAL}: items: does not apply to a formula score"),
    (
        (*SCORE, "items"),
        [{"max": ["q.1"]}, "q.2"],
        f"{TOTAL}: items[0]: expected an item or score id, or {{max: [a, b]}}, got a dict",
    ),
    (
        (*SCORE, "items"),
        ["q.1", 2],
        f"{TOTAL}: items[1]: expected an item or score id, or {{max: [a, b]}}, got the number 2",
    ),
    (
        (*SCORE, "items"),
        ["q.1", "q.9"],
        f"{TOTAL}: items[1]: score names a missing item or score 'q.9' (did you mean 'q.3'?)",
    ),
    ((*SCORE, "items"), ["q.1", "total"], f"{TOTAL}: items[1]: a score cannot contain itself"),
    (
        (*SCORE, "items"),
        ["q.1", "q.1"],
        f"{TOTAL}.items[1]: duplicate item in the score 'q.1' (also at {TOTAL}.items[0])",
    ),
    ((*SCORE, "reverse"), ["q.9"], f"{TOTAL}: reverse: 'q.9' is not one of the score's items"),
    ((*SCORE, "weights"), {"q.9": 2}, f"{TOTAL}: weights: 'q.9' is not a single item of the score"),
    ((*SCORE, "weights"), {"q.1": "2"}, f"{TOTAL}: weights: q.1: expected a number, got '2'"),
    ((*SCORE, "weights"), [2], f"{TOTAL}: weights: expected a mapping (key: value), got a list"),
    (
        (*SCORE, "lookup"),
        {"q.1": [1]},
        f"{TOTAL}: lookup: q.1: expected a table {{code: number}}, got a list",
    ),
    (
        (*SCORE, "lookup"),
        {"q.1": {"0": 0, "1": 1, "2": 2}},
        f"{TOTAL}: lookup: q.1: no value for codes 3",
    ),
    (
        (*SCORE, "lookup"),
        {"q.1": {"0": 0, "1": 1, "2": 2, "3": 3, "4": 4}},
        f"{TOTAL}: lookup: q.1: '4' is not an option code (codes: 0, 1, 2, 3)",
    ),
    (
        (*SCORE, "lookup"),
        {"q.1": {"0": 0, "1": 1, "2": 2, "3": "x"}},
        f"{TOTAL}: lookup: q.1: 3: expected a number, got 'x'",
    ),
    (
        (*SCORE, "missing"),
        1,
        f"{TOTAL}: missing: expected a mapping (key: value), got the number 1",
    ),
    (
        (*SCORE, "missing"),
        {"prorate_up_to": -1},
        f"{TOTAL}.missing: prorate_up_to: expected a whole number ≥ 0, got the number -1",
    ),
    (
        (*SCORE, "missing"),
        {"prorate": 1},
        f"{TOTAL}.missing: unknown key 'prorate' (did you mean 'prorate_up_to'?)",
    ),
    ((*SCORE, "missing"), {"prorate": 1}, f"{TOTAL}.missing: give prorate_up_to or counts_as_zero"),
    (
        (*SCORE, "missing"),
        {"counts_as_zero": "yes"},
        f"{TOTAL}.missing: counts_as_zero: expected true or false, got 'yes'",
    ),
    (
        (*SCORE, "missing"),
        {"prorate_up_to": 0, "counts_as_zero": True},
        f"{TOTAL}.missing: prorate_up_to and counts_as_zero exclude each other"
        " (a missing item is either prorated or counts 0)",
    ),
    # rules
    (("rules",), {}, "top level: rules: expected a list, got a dict"),
    (("rules", 0), "red", "rules[0]: expected a mapping (key: value), got 'red'"),
    ((*RULE, "when"), DELETE, "rules[0] (q3_safety): missing key 'when'"),
    ((*RULE, "when"), 5, "rules[0] (q3_safety): when: expected an expression, got the number 5"),
    (
        (*RULE, "id"),
        "total_high",
        "rules[1] (total_high): duplicate rule id 'total_high' (also at rules[0] (total_high))",
    ),
    (
        (*RULE, "id"),
        "3rd",
        "rules[0] (3rd): id: bad id '3rd': use lower-case letters, digits and"
        " _, starting with a letter",
    ),
    (
        (*RULE, "colour"),
        "orange",
        "rules[0] (q3_safety): colour: 'orange' is not red, yellow or green",
    ),
    ((*RULE, "safety"), "yes", "rules[0] (q3_safety): safety: expected true or false, got 'yes'"),
    ((*RULE, "clinician_text"), DELETE, "rules[0] (q3_safety): clinician_text: text is missing"),
    ((*RULE, "patient_text"), DELETE, "rules[0] (q3_safety): patient_text: text is missing"),
    (
        (*RULE, "when"),
        "q.9 > 0",
        "rules[0] (q3_safety): when: unknown item or score 'q.9' (did"
        " you mean 'q.3'?) (at position 1 of 'q.9 > 0')",
    ),
    # test vectors
    (("test_vectors",), {}, "top level: test_vectors: expected a list, got a dict"),
    (("test_vectors", 0), "v", "test_vectors[0]: expected a mapping (key: value), got 'v'"),
    ((*VECTOR, "source"), DELETE, f"{VEC}: missing key 'source'"),
    (
        (*VECTOR, "id"),
        "V1",
        "test_vectors[0] (V1): id: bad id 'V1': use lower-case letters,"
        " digits and _, starting with a letter",
    ),
    (
        (*VECTOR, "answers", "q.1"),
        "7",
        f"{VEC}.answers['q.1']: '7' is not an option of q.1 (codes: 0, 1, 2, 3)",
    ),
    ((*VECTOR, "answers"), ["q.1"], f"{VEC}: answers: expected a mapping (key: value), got a list"),
    (
        (*VECTOR, "previous"),
        {"scores": {"nope": 1}},
        f"{VEC}.previous: scores: 'nope' is not one of the scores",
    ),
    (
        (*VECTOR, "previous"),
        {"items": {"q.1": "2"}},
        f"{VEC}.previous: items: q.1: expected a number, got '2'",
    ),
    (
        (*VECTOR, "previous"),
        {"score": {}},
        f"{VEC}.previous: unknown key 'score' (did you mean 'scores'?)",
    ),
    ((*VECTOR, "previous"), [], f"{VEC}.previous: expected a mapping (key: value), got a list"),
    (
        (*VECTOR, "expect", "overall"),
        "purple",
        f"{VEC}.expect: overall: must be red, yellow, green or not_assessable, got 'purple'",
    ),
    ((*VECTOR, "expect", "colour"), "red", f"{VEC}.expect: unknown key 'colour'"),
    (
        (*VECTOR, "expect", "scores"),
        {"nope": {"value": 1}},
        f"{VEC}.expect.scores['nope']: 'nope' is not a score id",
    ),
    (
        (*VECTOR, "expect", "scores"),
        {"total": 0},
        f"{VEC}.expect.scores['total']: expected a mapping (key: value), got the number 0",
    ),
    (
        (*VECTOR, "expect", "scores"),
        {"total": {"band": "low"}},
        f"{VEC}.expect.scores['total']: missing key 'value'",
    ),
    (
        (*VECTOR, "expect", "scores"),
        {"total": {"value": "0"}},
        f"{VEC}.expect.scores['total']: value: expected a number or null, got '0'",
    ),
    (
        (*VECTOR, "expect", "scores"),
        {"total": {"value": 0, "band": "none"}},
        f"{VEC}.expect.scores['total']: band: 'none' is not a band of total (low, high)",
    ),
    ((*VECTOR, "expect", "flags"), ["nope"], f"{VEC}.expect: flags: 'nope' is not a rule id"),
    (
        (*VECTOR, "expect", "not_assessable"),
        "q3_safety",
        f"{VEC}.expect: not_assessable: expected a list, got 'q3_safety'",
    ),
]


@pytest.mark.parametrize(("path", "value", "line"), CHANGES, ids=[c[2][:60] for c in CHANGES])
def test_a_broken_definition_reports_the_location_and_the_reason(
    path: Path, value: Any, line: str
) -> None:
    lines = problem_lines(changed(path, value))
    assert line in lines, "\n".join(lines)


TRIAGE_PROBLEMS = [
    ("every 90 days", "triage: triage: expected a mapping (key: value), got 'every 90 days'"),
    ({}, "triage: missing key 'green_interval_days'"),
    (
        {"green_interval_days": 0},
        "triage: green_interval_days: expected a whole number ≥ 1, got the number 0",
    ),
]


@pytest.mark.parametrize(("triage", "line"), TRIAGE_PROBLEMS)
def test_a_triage_definition_needs_a_green_interval(triage: Any, line: str) -> None:
    assert problem_lines(definition(intended_use="triage", triage=triage)) == [line]


def test_a_definition_that_is_not_a_mapping_is_one_problem() -> None:
    assert problem_lines(["format", 1]) == [
        "top level: expected a mapping (key: value), got a list"
    ]


def test_a_problem_reads_as_one_line_naming_file_location_id_and_reason() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse(changed((*RULE, "colour"), "orange"))
    (problem,) = caught.value.problems
    assert problem.id == "q3_safety"
    assert str(caught.value) == (
        "test.yaml: rules[0] (q3_safety): colour: 'orange' is not red, yellow or green"
    )


def test_all_problems_are_reported_at_once() -> None:
    mapping = changed((*RULE, "colour"), "orange")
    mapping["rules"][1]["colour"] = "blue"
    assert problem_lines(mapping) == [
        "rules[0] (q3_safety): colour: 'orange' is not red, yellow or green",
        "rules[1] (total_high): colour: 'blue' is not red, yellow or green",
    ]


def test_a_duplicate_item_id_names_both_places() -> None:
    mapping = changed((*ITEM, "id"), "q.2")
    mapping["scores"][0]["items"] = ["q.2", "q.3"]
    mapping["test_vectors"][0]["answers"] = {"q.2": "0"}
    assert problem_lines(mapping) == [
        "sections[0].items[1] (q.2): duplicate id 'q.2' (also at sections[0].items[0] (q.2))"
    ]


# --- item types, in a numbers-only definition (no texts needed) ---------------------


def numbers_item_lines(item: dict[str, Any], *more: dict[str, Any]) -> list[str]:
    return problem_lines(numbers([item, *more]))


ITEM_PROBLEMS: list[tuple[dict[str, Any], str]] = [
    (integer("n", low=5, high=1), "min 5 is above max 1"),
    (integer("n", low="0"), "min: expected a whole number, got '0'"),  # type: ignore[arg-type]
    (integer("n", low=0.5), "min: expected a whole number, got the number 0.5"),  # type: ignore[arg-type]
    (
        {"id": "n", "type": "decimal", "min": 0, "max": 1, "decimals": -1},
        "decimals: expected a whole number ≥ 0, got the number -1",
    ),
    (
        {"id": "m", "type": "multiple_choice", "options": options(range(2), False), "max": 3},
        "max 3 is more than the 2 options",
    ),
    ({"id": "d", "type": "date", "min": "2024-13-01"}, "min: expected an ISO date like 2024-05-31"),
    ({"id": "d", "type": "date", "max": 20240101}, "max: expected an ISO date like 2024-05-31"),
    (
        {"id": "t", "type": "short_text", "max_length": 0},
        "max_length: expected a whole number ≥ 1, got the number 0",
    ),
    (
        {"id": "r", "type": "nrs", "anchors": "low"},
        "anchors: expected a mapping (key: value), got 'low'",
    ),
]


@pytest.mark.parametrize(("item", "reason"), ITEM_PROBLEMS, ids=[p[1] for p in ITEM_PROBLEMS])
def test_item_bounds_and_settings_are_checked(item: dict[str, Any], reason: str) -> None:
    assert problem_lines(numbers([item])) == [f"sections[0].items[0] ({item['id']}): {reason}"]


def test_a_numbers_only_definition_needs_no_texts_but_accepts_them() -> None:
    item = {"id": "r", "type": "nrs", "text": {"any": "thing"}}
    assert parse(numbers([item])).item("r").text == {"any": "thing"}


def test_texts_in_a_two_language_definition_need_anchors_and_units() -> None:
    base = definition()
    base["sections"][0]["items"] += [
        {"id": "r", "type": "nrs", "text": text("Pain")},
        {"id": "w", "type": "decimal", "text": text("Weight"), "min": 0, "max": 300},
        {"id": "r2", "type": "nrs", "text": text("Pain"), "anchors": {"low": text("none")}},
    ]
    lines = problem_lines(base)
    assert lines == [
        "sections[0].items[3] (r): anchors: missing ({low: Text, high: Text})",
        "sections[0].items[4] (w): unit: text is missing",
        "sections[0].items[5] (r2).anchors: missing key 'high'",
        "sections[0].items[5] (r2).anchors: high: text is missing",
    ]


ENABLE_PROBLEMS: list[tuple[dict[str, Any], str]] = [
    ({"item": "i", "op": "=", "value": "1"}, "value: i is an integer item and has no codes"),
    ({"item": "m", "op": "=", "value": 1}, "value: m is a multiple choice item and has no number"),
    ({"item": "note", "op": "answered"}, "item: note is a display text and is never answered"),
]


@pytest.mark.parametrize(
    ("condition", "reason"), ENABLE_PROBLEMS, ids=[p[1] for p in ENABLE_PROBLEMS]
)
def test_an_enable_when_condition_must_fit_its_item(condition: dict[str, Any], reason: str) -> None:
    items = [
        integer("i"),
        {"id": "m", "type": "multiple_choice", "options": options(range(2), False)},
        {"id": "note", "type": "display"},
        {**integer("x"), "enable_when": {"conditions": [condition]}},
    ]
    assert problem_lines(numbers(items)) == [
        f"sections[0].items[3] (x).enable_when.conditions[0]: {reason}"
    ]


def test_enable_when_cycles_are_refused() -> None:
    items = [
        {**integer("a"), "enable_when": {"conditions": [{"item": "b", "op": "answered"}]}},
        {**integer("b"), "enable_when": {"conditions": [{"item": "a", "op": "answered"}]}},
    ]
    assert problem_lines(numbers(items)) == [
        "sections[0].items[0] (a): enable_when cycle: a → b → a"
    ]


def test_score_cycles_are_refused() -> None:
    scores = [
        {"id": "s1", "method": "sum", "items": ["a", "s2"]},
        {"id": "s2", "method": "formula", "expression": "s1 + 1"},
    ]
    assert problem_lines(numbers([integer("a")], scores)) == [
        "scores[0] (s1): score cycle: s1 → s2 → s1"
    ]


SCORE_PROBLEMS: list[tuple[dict[str, Any], str]] = [
    ({"id": "s", "method": "formula"}, "expression: a formula score needs an expression"),
    (
        {"id": "s", "method": "sum", "items": ["t"]},
        "items[0]: t is a short text item and has no number",
    ),
    (
        {"id": "s", "method": "sum", "items": ["a", "sub"], "reverse": ["sub"]},
        "reverse: sub is a score; only items can be reverse-scored",
    ),
    (
        {"id": "s", "method": "sum", "items": [{"max": ["a", "c"]}], "weights": {"a": 2}},
        "weights: 'a' is not a single item of the score",
    ),
    (
        {"id": "s", "method": "sum", "items": ["a"], "lookup": {"a": {"0": 1}}},
        "lookup: a is an integer item; a table needs codes",
    ),
    (
        {"id": "s", "method": "count", "items": ["a"], "weights": {"a": 2}},
        "weights: does not apply to a count score (it counts the answered items)",
    ),
    (
        {"id": "s", "method": "count", "items": ["a"], "missing": {"prorate_up_to": 1}},
        "missing: does not apply to a count score (it counts the answered items)",
    ),
    (
        {"id": "s", "method": "count", "items": ["a"], "expression": "a"},
        "expression: applies only to method: formula",
    ),
    (
        {"id": "s", "method": "count", "items": ["t"]},
        "items[0]: t is a short text item and has no number",
    ),
]


@pytest.mark.parametrize(("score", "reason"), SCORE_PROBLEMS, ids=[p[1] for p in SCORE_PROBLEMS])
def test_score_terms_are_checked(score: dict[str, Any], reason: str) -> None:
    items = [integer("a"), integer("c"), {"id": "t", "type": "short_text"}]
    scores = [{"id": "sub", "method": "sum", "items": ["a"]}, score]
    assert problem_lines(numbers(items, scores)) == [f"scores[1] (s): {reason}"]


def test_only_a_sum_counts_a_missing_item_as_zero() -> None:
    score = {"id": "s", "method": "mean", "items": ["a"], "missing": {"counts_as_zero": True}}
    assert problem_lines(numbers([integer("a")], [score])) == [
        "scores[0] (s).missing: counts_as_zero: applies only to method: sum"
        " (a mean is already over the answered items)"
    ]


def test_an_included_part_says_which_include_it_came_from() -> None:
    mapping = definition()
    mapping["sections"][0]["included_from"] = "phq9"
    mapping["rules"][0]["included_from"] = "phq9"
    mapping["rules"][0]["colour"] = "pink"
    mapping["sections"][0]["items"][0]["type"] = "radio"
    lines = problem_lines(mapping)
    assert "rules[0] (q3_safety) from include phq9: colour: 'pink' is not red, yellow or green" in (
        lines
    )
    assert any(
        line.startswith("sections[0].items[0] (q.1) from include phq9: type:") for line in lines
    )


def test_a_non_mapping_item_score_or_band_entry_is_reported() -> None:
    lines = problem_lines(
        numbers(
            ["a"],
            [{"id": "s", "method": "formula", "expression": "1", "range": [0, 1], "bands": ["x"]}],
        )
    )
    assert lines == [
        "sections[0].items[0]: expected a mapping (key: value), got 'a'",
        "scores[0] (s).bands[0]: expected a mapping (key: value), got 'x'",
    ]


def test_rule_and_vector_ids_are_unique() -> None:
    mapping = definition()
    mapping["test_vectors"].append(copy.deepcopy(mapping["test_vectors"][0]))
    assert problem_lines(mapping) == [
        "test_vectors[1] (all_zero_is_green): duplicate test vector id 'all_zero_is_green'"
        " (also at test_vectors[0] (all_zero_is_green))"
    ]


def test_an_unknown_score_id_in_an_item_list_suggests_nothing_when_nothing_is_close() -> None:
    lines = problem_lines(numbers([choice("a")], [{"id": "s", "method": "sum", "items": ["zzzz"]}]))
    assert lines == ["scores[0] (s): items[0]: score names a missing item or score 'zzzz'"]


Change = Callable[[dict[str, Any]], None]


def test_the_brief_lists_questions_each_once() -> None:
    """``brief`` names the questions whose answers open the clinician's summary."""
    items = [integer("a"), integer("b"), {"id": "note", "type": "display"}]
    mapping = numbers(items)
    mapping["brief"] = ["b", "a", "nope", "note", "a", 7]
    assert problem_lines(mapping) == [
        "brief[2]: 'nope' is not a question id",
        "brief[3]: 'note' is not a question id",
        "brief[4]: 'a' is listed twice",
        "brief[5]: the number 7 is not a question id",
    ]
    mapping["brief"] = ["b", "a"]
    assert parse(mapping).brief == ("b", "a")

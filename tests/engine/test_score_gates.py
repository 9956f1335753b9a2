"""Enable-when on a score and gated scores (docs/definitions.md, "Enable-when"
and "Scores"): the GAD-7 behind GAD-2 >= 3 (Kroenke et al., Ann Intern Med
2007;146:317-325: GAD-2 = GAD-7 items 1 + 2, cut-off 3), in small.

The fixture: ``a`` and ``b`` (0-3) make ``two`` (= a + b); ``c`` and ``d``
are asked only when ``two >= 3``; ``total`` (a + b + c + d, one missing term
prorated) is gated the same way, and a rule colours ``total >= 7``.
"""

from __future__ import annotations

from typing import Any

import pytest

from scoring.engine import DefinitionError, enabled_items
from tests.engine.builders import choice, integer, numbers, options, parse, run

GATE = {"conditions": [{"score": "two", "op": ">=", "value": 3}]}


def gated_definition(total_gate: dict[str, Any] | None = GATE, **total: Any) -> dict[str, Any]:
    items = [
        choice("a"),
        choice("b"),
        {**choice("c"), "enable_when": GATE},
        {**choice("d"), "enable_when": GATE},
    ]
    scores = [
        {
            "id": "total",
            "method": "sum",
            "items": ["a", "b", "c", "d"],
            "missing": {"prorate_up_to": 1},
            **({"enable_when": total_gate} if total_gate else {}),
            **total,
        },
        {"id": "two", "method": "sum", "items": ["a", "b"]},
    ]
    rules = [{"id": "total_high", "when": "total >= 7"}]
    return numbers(items, scores, rules)


def problem_lines(mapping: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse(mapping)
    return [f"{p.location}: {p.reason}" for p in caught.value.problems]


# --- what is asked --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "asked"),
    [
        ("1", "1", False),  # GAD-2 2: below the cut-off
        ("2", "0", False),
        ("2", "1", True),  # GAD-2 3: at the cut-off
        ("3", "3", True),
        ("3", None, False),  # GAD-2 not known yet: not asked (FHIR enableWhen)
    ],
)
def test_items_behind_a_score_are_asked_only_when_the_score_allows(
    a: str, b: str | None, asked: bool
) -> None:
    answers = {"a": a, **({"b": b} if b is not None else {})}
    enabled = enabled_items(parse(gated_definition()), answers)
    assert ("c" in enabled, "d" in enabled) == (asked, asked)


# --- the gated score --------------------------------------------------------------------


def test_below_the_cut_off_the_total_is_not_asked_and_its_rule_is_false() -> None:
    result = run(gated_definition(), {"a": "1", "b": "1", "c": "3", "d": "3"})
    total = result.score("total")
    assert (total.value, total.status, total.items_missing) == (None, "not_applicable", ())
    assert result.score("two").value == 2
    assert result.flags == ()
    assert result.not_assessable == ()
    assert result.overall == "green"
    assert "c" not in result.item_values  # the answers behind the gate are discarded


def test_at_the_cut_off_the_total_is_scored_from_every_item() -> None:
    result = run(gated_definition(), {"a": "2", "b": "1", "c": "3", "d": "3"})
    assert (result.score("total").value, result.score("total").status) == (9, "scored")
    assert [flag.rule_id for flag in result.flags] == ["total_high"]


def test_a_gated_total_with_one_item_missing_is_prorated_as_before() -> None:
    result = run(gated_definition(), {"a": "2", "b": "2", "c": "2"})
    total = result.score("total")
    assert (total.value, total.prorated, total.items_missing) == (8, True, ("d",))


def test_a_gate_that_cannot_be_decided_leaves_the_total_not_scored_not_unasked() -> None:
    result = run(gated_definition(), {"a": "3"})
    total = result.score("total")
    assert (total.value, total.status, total.items_missing) == (None, "not_scored", ("b",))
    assert [(n.rule_id, n.missing_items) for n in result.not_assessable] == [("total_high", ("b",))]


def test_a_score_gated_on_a_missing_item_names_that_item() -> None:
    gate = {"conditions": [{"item": "a", "op": ">=", "value": 2}]}
    mapping = numbers(
        [choice("a"), choice("b")],
        [{"id": "s", "method": "sum", "items": ["b"], "enable_when": gate}],
    )
    result = run(mapping, {"b": "1"})
    assert (result.score("s").status, result.score("s").items_missing) == ("not_scored", ("a",))
    assert run(mapping, {"a": "1", "b": "1"}).score("s").status == "not_applicable"
    assert run(mapping, {"a": "2", "b": "1"}).score("s").value == 1


ANY_GATE = {
    "behavior": "any",
    "conditions": [
        {"item": "flag", "op": "=", "value": "yes"},
        {"item": "m", "op": "=", "value": "1"},
    ],
}
ALL_GATE = {**ANY_GATE, "behavior": "all"}


@pytest.mark.parametrize(
    ("gate", "answers", "status"),
    [
        # any: true if one is true, else unknown if one is unknown, else false
        (ANY_GATE, {"flag": "yes"}, "scored"),
        (ANY_GATE, {"m": ["1"]}, "scored"),
        (ANY_GATE, {"flag": "no"}, "not_scored"),
        (ANY_GATE, {"flag": "no", "m": ["0"]}, "not_applicable"),
        # all: false if one is false, else unknown if one is unknown, else true
        (ALL_GATE, {"flag": "no"}, "not_applicable"),
        (ALL_GATE, {"m": ["0"]}, "not_applicable"),
        (ALL_GATE, {"flag": "yes"}, "not_scored"),
        (ALL_GATE, {"flag": "yes", "m": ["1"]}, "scored"),
    ],
)
def test_a_score_gate_follows_kleene_logic(
    gate: dict[str, Any], answers: dict[str, Any], status: str
) -> None:
    items = [
        {"id": "flag", "type": "yes_no"},
        {"id": "m", "type": "multiple_choice", "options": options(range(2), False)},
        integer("n"),
    ]
    mapping = numbers(items, [{"id": "s", "method": "sum", "items": ["n"], "enable_when": gate}])
    assert run(mapping, {**answers, "n": 4}).score("s").status == status


def test_a_condition_on_a_disabled_item_is_false_in_a_score_gate() -> None:
    items = [
        {"id": "flag", "type": "yes_no"},
        {
            **choice("x"),
            "enable_when": {"conditions": [{"item": "flag", "op": "=", "value": "yes"}]},
        },
        integer("n"),
    ]
    gate = {"conditions": [{"item": "x", "op": "=", "value": "2"}]}
    mapping = numbers(items, [{"id": "s", "method": "sum", "items": ["n"], "enable_when": gate}])
    assert run(mapping, {"flag": "no", "n": 1}).score("s").status == "not_applicable"
    assert run(mapping, {"flag": "yes", "n": 1}).score("s").status == "not_scored"


@pytest.mark.parametrize(
    ("op", "answered", "status"),
    [
        ("answered", False, "not_applicable"),
        ("answered", True, "scored"),
        ("missing", False, "scored"),
    ],
)
def test_answered_and_missing_are_never_unknown_in_a_score_gate(
    op: str, answered: bool, status: str
) -> None:
    gate = {"conditions": [{"item": "a", "op": op}]}
    mapping = numbers(
        [choice("a"), integer("n")],
        [{"id": "s", "method": "sum", "items": ["n"], "enable_when": gate}],
    )
    answers = {"n": 1, **({"a": "1"} if answered else {})}
    assert run(mapping, answers).score("s").status == status


def test_a_formula_and_a_gated_score_read_each_other_in_order() -> None:
    mapping = gated_definition()
    mapping["scores"].append(
        {"id": "double", "method": "formula", "expression": "total * 2", "source": "test"}
    )
    result = run(mapping, {"a": "2", "b": "1", "c": "1", "d": "1"})
    assert result.score("double").value == 10
    result = run(mapping, {"a": "0", "b": "1"})
    assert result.score("double").status == "not_applicable"


def test_an_item_gated_on_a_gated_score_is_asked_only_when_both_allow() -> None:
    mapping = gated_definition()
    later = {"conditions": [{"score": "total", "op": ">=", "value": 5}]}
    mapping["sections"][0]["items"].append({**integer("e"), "enable_when": later})
    definition = parse(mapping)
    assert "e" not in enabled_items(definition, {"a": "1", "b": "1"})
    assert "e" not in enabled_items(definition, {"a": "2", "b": "1", "c": "0", "d": "0"})
    assert "e" in enabled_items(definition, {"a": "2", "b": "1", "c": "1", "d": "1"})


# --- load errors ----------------------------------------------------------------------


def test_a_sum_over_items_behind_a_score_needs_its_own_gate() -> None:
    assert problem_lines(gated_definition(total_gate=None)) == [
        "scores[0] (total): items: c, d are asked only when a score allows (enable_when on"
        " a score): give this score an enable_when too, so that it is not asked rather than"
        " a sum of fewer items"
    ]


def test_a_cycle_through_an_item_and_a_score_is_refused_with_the_names() -> None:
    mapping = gated_definition()
    # two reads c, which waits for two
    mapping["scores"][1] = {
        "id": "two",
        "method": "formula",
        "expression": "a + b + c",
        "source": "t",
    }
    assert problem_lines(mapping) == [
        "sections[0].items[2] (c): enable_when cycle: c → two → c",
    ]


def test_a_score_gated_on_itself_is_refused() -> None:
    mapping = gated_definition(
        total_gate={"conditions": [{"score": "total", "op": ">", "value": 1}]}
    )
    assert problem_lines(mapping) == [
        "scores[0] (total).enable_when.conditions[0]: score: a score cannot depend on itself"
    ]


SCORE_CONDITION_PROBLEMS: list[tuple[dict[str, Any], str]] = [
    ({"score": "nope", "op": ">=", "value": 3}, "score: enable_when names a missing score 'nope'"),
    (
        {"score": "two", "op": "answered", "value": 3},
        "op: a score is compared with = != > >= < <=, got 'answered'",
    ),
    ({"score": "two", "op": "=", "value": "3"}, "value: a score is a number; got '3'"),
    ({"score": "two", "op": ">="}, "missing key 'value'"),
    ({"item": "two", "op": ">=", "value": 3}, "item: two is a score: write score: two"),
]


@pytest.mark.parametrize(
    ("condition", "reason"),
    SCORE_CONDITION_PROBLEMS,
    ids=[p[1] for p in SCORE_CONDITION_PROBLEMS],
)
def test_a_condition_on_a_score_must_name_a_score_and_a_number(
    condition: dict[str, Any], reason: str
) -> None:
    mapping = gated_definition()
    mapping["sections"][0]["items"][3]["enable_when"] = {"conditions": [condition]}
    assert problem_lines(mapping) == [
        f"sections[0].items[3] (d).enable_when.conditions[0]: {reason}"
    ]

"""The rule language: syntax and type errors with positions, Kleene logic,
arithmetic, not-applicable answers, partly unknown counts and change().

Grammar and semantics: docs/definitions.md § The rule language.
"""

from __future__ import annotations

from typing import Any

import pytest

from scoring.engine import DefinitionError, Problem, Result
from scoring.engine.rules.values import NA
from tests.engine.builders import choice, integer, numbers, options, parse, run

GATED = {"enable_when": {"conditions": [{"item": "gate", "op": "=", "value": "yes"}]}}
ITEMS = [
    integer("a"),
    integer("b"),
    integer("c"),
    choice("ch"),
    {"id": "yn", "type": "yes_no"},
    {"id": "ms", "type": "multiple_choice", "options": options(range(3), False)},
    {"id": "tx", "type": "short_text"},
    {"id": "day", "type": "date"},
    {"id": "note", "type": "display"},
    {"id": "gate", "type": "yes_no"},
    integer("g.x", **GATED),
    choice("g.ch", **GATED),
    {"id": "g.ms", "type": "multiple_choice", "options": options(range(3), False), **GATED},
]
SCORES = [
    {"id": "s", "method": "sum", "items": ["a", "b"]},
    {"id": "g.s", "method": "sum", "items": ["g.x"]},
]


def truth(expression: str, answers: dict[str, Any], previous: Result | None = None) -> bool | None:
    """True if the rule fires, None if it is not assessable, else False."""
    result = run(numbers(ITEMS, SCORES, [{"id": "r", "when": expression}]), answers, previous)
    if result.flags:
        return True
    return None if result.not_assessable else False


def value(expression: str, answers: dict[str, Any]) -> float | int | None:
    formula = {"id": "f", "method": "formula", "expression": expression, "decimals": 3}
    return run(numbers(ITEMS, [*SCORES, formula]), answers).score("f").value


def problem(expression: str, key: str = "when") -> Problem:
    mapping = (
        numbers(ITEMS, SCORES, [{"id": "r", "when": expression}])
        if key == "when"
        else numbers(ITEMS, [*SCORES, {"id": "f", "method": "formula", "expression": expression}])
    )
    with pytest.raises(DefinitionError) as caught:
        parse(mapping)
    assert len(caught.value.problems) == 1, str(caught.value)
    return caught.value.problems[0]


# --- syntax errors -------------------------------------------------------------

SYNTAX_ERRORS = [
    # expression, message, 1-based position
    ("", "expected a value, found the end of the expression", 1),
    ("a >", "expected a value, found the end of the expression", 4),
    ("a > 1 b", "unexpected 'b'", 7),
    ("(a > 1", "expected ')' to close '(', found the end of the expression", 7),
    ("a == 1", "'==' is not an operator: write '=' to compare", 3),
    ('ch = "1"', "strings are written in single quotes, like 'daily'", 6),
    ("ch = '1", "unterminated string: a closing ' is missing", 6),
    ("a > 1 # 2", "unexpected character '#'", 7),
    ("a < b < c", "comparisons cannot be chained: join them with 'and'", 7),
    ("[a, b] > 1", "a list [...] is only allowed inside any(), all() or count()", 1),
    ("any(a > 1)", "any() takes a comparison of an item list, like any([a, b] >= 2)", 5),
    ("any([a, 1] > 1)", "expected an item or score id in the list, found '1'", 9),
    ("any([a b] > 1)", "expected ']' to close the list, found 'b'", 8),
    ("any([a, b] 1)", "expected a comparison after the list, like any([a, b] >= 2), found '1'", 12),
    ("any([a, b] > 1", "expected ')' to close any(, found the end of the expression", 15),
    ("answered > 1", "answered is a function: write answered(…)", 1),
    ("answered(1)", "expected an item or score id as the argument of answered(), found '1'", 10),
    (
        "answered(and)",
        "expected an item or score id as the argument of answered(), found 'and'",
        10,
    ),
    ("selected(ms)", "expected ',' after the item in selected(item, 'code'), found ')'", 12),
    ("selected(ms, 1)", "selected() takes an option code in quotes, like selected(ms, 'x')", 14),
    ("and a > 1", "expected a value before 'and'", 1),
    ("a > 'x' 'y'", "unexpected 'y'", 9),
    ("1234567890123456 > a", "number 1234567890123456 has too many digits", 1),
    # Nesting and length are bounded: 3000 brackets were a RecursionError.
    ("(" * 33 + "a > 1" + ")" * 33, "nested more than 32 levels deep", 33),
    ("not " * 33 + "a > 1", "nested more than 32 levels deep", 125),
    ("-" * 33 + "1 > a", "nested more than 32 levels deep", 32),
    (" ^ ".join(["a"] * 34) + " > 1", "nested more than 32 levels deep", 127),
    (" + ".join(["a"] * 150) + " > 1", "the expression has 301 tokens; at most 300", 1),
    ("(" * 3000 + "a > 1" + ")" * 3000, "the expression has 6003 tokens; at most 300", 1),
]


@pytest.mark.parametrize(("expression", "message", "position"), SYNTAX_ERRORS)
def test_a_syntax_error_names_the_rule_the_reason_and_the_position(
    expression: str, message: str, position: int
) -> None:
    found = problem(expression)
    assert found.source == "test.yaml"
    assert found.location == "rules[0] (r)"
    assert found.id == "r"
    assert found.position == position
    assert found.reason == f"when: {message} (at position {position} of {expression!r})"


# --- type errors ---------------------------------------------------------------

TYPE_ERRORS = [
    ("a", "the expression must give true/false, but it gives a number", 1),
    ("count([a, b] > 1)", "the expression must give true/false, but it gives a number", 1),
    ("a + 'x' > 1", "a quoted code can only be compared with a choice item, like x = 'x'", 5),
    ("'1' = '1'", "a quoted code can only be compared with a choice item, like x = '1'", 7),
    ("a + 1 = '1'", "a quoted code can only be compared with a choice item, like x = '1'", 9),
    ("a > 1 and 2", "'and', 'or' and 'not' needs true/false, found a number", 11),
    ("not a", "'and', 'or' and 'not' needs true/false, found a number", 5),
    ("(a > 1) + 1 > 2", "arithmetic and comparison needs a number, found true/false", 2),
    ("-(a > 1) > 2", "arithmetic and comparison needs a number, found true/false", 3),
    ("zz > 1", "unknown item or score 'zz'", 1),
    ("aa > 1", "unknown item or score 'aa' (did you mean 'a'?)", 1),
    ("note > 1", "note is a display text and is never answered", 1),
    (
        "ms > 1",
        "ms is a multiple choice item and has no single number:"
        " use selected(ms, 'code') or count_selected(ms)",
        1,
    ),
    ("tx > 1", "tx is a short text item: only answered(tx) and missing(tx) apply", 1),
    (
        "ch > '1'",
        "'>' cannot compare option codes: use = or !=, or compare ch with a number (its value)",
        4,
    ),
    ("ch = '9'", "'9' is not an option code of ch (codes: 0, 1, 2, 3)", 6),
    ("yn = 'maybe'", "'maybe' is not an option code of yn (codes: yes, no)", 6),
    (
        "a = '1'",
        "a is an integer item; only a single choice or yes/no item is compared with a quoted code",
        1,
    ),
    (
        "ms = '1'",
        "ms is a multiple choice item; only a single choice or yes/no item is compared"
        " with a quoted code: use selected(ms, '1')",
        1,
    ),
    (
        "change(ms) > 1",
        "change() needs an item or score with a number; ms is a multiple choice item",
        8,
    ),
    (
        "selected(ch, '1')",
        "selected() needs a multiple choice or body region item; ch is a single choice item",
        10,
    ),
    (
        "count_selected(a) > 1",
        "count_selected() needs a multiple choice or body region item; a is an integer item",
        16,
    ),
    ("selected(ms, '7')", "'7' is not an option code of ms (codes: 0, 1, 2)", 14),
    ("any([a, tx] > 1)", "tx is a short text item: only answered(tx) and missing(tx) apply", 9),
    (  # inside any() the error is placed at the item compared, as above
        "any([ch, g.ch] > '1')",
        "'>' cannot compare option codes: use = or !=, or compare ch with a number (its value)",
        6,
    ),
    ("answered(note)", "note is a display text and is never answered", 10),
]


@pytest.mark.parametrize(("expression", "message", "position"), TYPE_ERRORS)
def test_a_type_error_is_found_at_load_with_its_position(
    expression: str, message: str, position: int
) -> None:
    found = problem(expression)
    assert found.reason == f"when: {message} (at position {position} of {expression!r})"
    assert found.position == position


def test_a_formula_score_must_give_a_number() -> None:
    found = problem("a > 1", key="expression")
    assert found.location == "scores[2] (f)"
    assert found.reason == (
        "expression: the expression must give a number, but it gives true/false"
        " (at position 1 of 'a > 1')"
    )


# --- three-valued logic --------------------------------------------------------

# a > 5 is true with a = 9, false with a = 1, unknown with a missing; likewise b.
SIDE = {True: 9, False: 1, None: None}
KLEENE = [
    # left, right, and, or
    (True, True, True, True),
    (True, False, False, True),
    (True, None, None, True),
    (False, True, False, True),
    (False, False, False, False),
    (False, None, False, None),
    (None, True, None, True),
    (None, False, False, None),
    (None, None, None, None),
]


def _answers(left: bool | None, right: bool | None) -> dict[str, Any]:
    answers = {"a": SIDE[left], "b": SIDE[right]}
    return {key: val for key, val in answers.items() if val is not None}


@pytest.mark.parametrize(("left", "right", "conjunction", "disjunction"), KLEENE)
def test_and_follows_kleene_logic(
    left: bool | None, right: bool | None, conjunction: bool | None, disjunction: bool | None
) -> None:
    assert truth("a > 5 and b > 5", _answers(left, right)) is conjunction


@pytest.mark.parametrize(("left", "right", "conjunction", "disjunction"), KLEENE)
def test_or_follows_kleene_logic(
    left: bool | None, right: bool | None, conjunction: bool | None, disjunction: bool | None
) -> None:
    assert truth("a > 5 or b > 5", _answers(left, right)) is disjunction


@pytest.mark.parametrize(("operand", "negation"), [(True, False), (False, True), (None, None)])
def test_not_keeps_unknown_unknown(operand: bool | None, negation: bool | None) -> None:
    assert truth("not a > 5", _answers(operand, True)) is negation


COMPARISONS = [
    ("a = 5", {"a": 5}, True),
    ("a != 5", {"a": 5}, False),
    ("a > 5", {"a": 5}, False),
    ("a >= 5", {"a": 5}, True),
    ("a < 5", {"a": 5}, False),
    ("a <= 5", {"a": 5}, True),
    ("a > 5", {}, None),
    ("a + b > 1", {"a": 5}, None),
    ("5 < a", {}, None),
    ("s >= 7", {"a": 3, "b": 4}, True),
    ("s >= 7", {"a": 3}, None),
]


@pytest.mark.parametrize(("expression", "answers", "expected"), COMPARISONS)
def test_comparisons_on_both_sides_of_the_cut_off(
    expression: str, answers: dict[str, Any], expected: bool | None
) -> None:
    assert truth(expression, answers) is expected


CODES = [
    ("ch = '2'", {"ch": "2"}, True),
    ("ch = '2'", {"ch": "1"}, False),
    ("'2' = ch", {"ch": "2"}, True),
    ("ch != '2'", {"ch": "1"}, True),
    ("ch != '2'", {"ch": "2"}, False),
    ("ch = '2'", {}, None),
    ("ch >= 2", {"ch": "3"}, True),
    ("yn = 'yes'", {"yn": "yes"}, True),
    ("yn > 0", {"yn": "yes"}, True),
    ("yn > 0", {"yn": "no"}, False),
    ("selected(ms, '1')", {"ms": ["0", "1"]}, True),
    ("selected(ms, '2')", {"ms": ["0", "1"]}, False),
    ("selected(ms, '2')", {}, None),
    ("count_selected(ms) >= 2", {"ms": ["0", "1"]}, True),
    ("count_selected(ms) >= 2", {"ms": []}, False),
    ("count_selected(ms) >= 2", {}, None),
]


@pytest.mark.parametrize(("expression", "answers", "expected"), CODES)
def test_codes_compare_as_codes_and_values_as_numbers(
    expression: str, answers: dict[str, Any], expected: bool | None
) -> None:
    assert truth(expression, answers) is expected


ANSWERED = [
    ("answered(a)", {"a": 0}, True),
    ("answered(a)", {}, False),
    ("missing(a)", {}, True),
    ("missing(a)", {"a": 0}, False),
    ("answered(tx)", {"tx": "hello"}, True),
    ("missing(day)", {"day": "2024-05-31"}, False),
    ("answered(s)", {"a": 1, "b": 1}, True),
    ("missing(s)", {"a": 1}, True),
]


@pytest.mark.parametrize(("expression", "answers", "expected"), ANSWERED)
def test_answered_and_missing_are_never_unknown(
    expression: str, answers: dict[str, Any], expected: bool
) -> None:
    assert truth(expression, answers) is expected


QUANTIFIERS = [
    ("any([a, b, c] >= 5)", {"a": 9}, True),
    ("any([a, b, c] >= 5)", {"a": 1, "c": 1}, None),
    ("any([a, b, c] >= 5)", {"a": 1, "b": 1, "c": 1}, False),
    ("all([a, b, c] >= 5)", {"a": 1}, False),
    ("all([a, b, c] >= 5)", {"a": 9, "c": 9}, None),
    ("all([a, b, c] >= 5)", {"a": 9, "b": 9, "c": 9}, True),
    ("any([ch, g.ch] = '3')", {"ch": "3"}, True),
    ("count([a, b, c] >= 5) = 2", {"a": 9, "b": 9, "c": 1}, True),
    ("any([s, c] >= 10)", {"a": 5, "b": 5}, True),
]


@pytest.mark.parametrize(("expression", "answers", "expected"), QUANTIFIERS)
def test_any_all_and_count_over_item_lists(
    expression: str, answers: dict[str, Any], expected: bool | None
) -> None:
    assert truth(expression, answers) is expected


# With a = 9, b = 9 and c missing, count([a, b, c] >= 5) lies between 2 and 3.
PARTLY_UNKNOWN_COUNTS = [
    ("count([a, b, c] >= 5) >= 2", True),
    ("count([a, b, c] >= 5) >= 3", None),
    ("count([a, b, c] >= 5) > 3", False),
    ("count([a, b, c] >= 5) < 2", False),
    ("count([a, b, c] >= 5) <= 3", True),
    ("count([a, b, c] >= 5) = 2", None),
    ("count([a, b, c] >= 5) = 5", False),
    ("count([a, b, c] >= 5) != 5", True),
    ("count([a, b, c] >= 5) != 2", None),
    ("5 = count([a, b, c] >= 5)", False),
    ("count([a, b, c] >= 5) + 1 >= 3", True),
    ("count([a, b, c] >= 5) - 1 >= 1", True),
    ("1 - count([a, b, c] >= 5) <= -1", True),
    ("-count([a, b, c] >= 5) <= -2", True),
    ("count([a, b, c] >= 5) * 2 >= 4", None),
    ("count([a, b, c] >= 5) = count([a, b, c] >= 5)", None),
]


@pytest.mark.parametrize(("expression", "expected"), PARTLY_UNKNOWN_COUNTS)
def test_a_count_with_missing_items_is_known_as_far_as_it_can_be(
    expression: str, expected: bool | None
) -> None:
    assert truth(expression, {"a": 9, "b": 9}) is expected


# --- arithmetic ------------------------------------------------------------------

ARITHMETIC = [
    ("a + b * c", 1 + 2 * 3),
    ("(a + b) * c", (1 + 2) * 3),
    ("a - b - c", (1 - 2) - 3),
    ("c / b / a", round((3 / 2) / 1, 3)),
    ("a / c", 0.333),  # 1/3 = 0.3333… → 0.333
    ("2 ^ 3 ^ 2", 2**9),  # right-associative: 2 ^ (3 ^ 2)
    ("-2 ^ 2", -4),  # power binds tighter than the minus
    ("2 ^ -1", 0.5),
    ("-a", -1),
    ("2.5 * c", 7.5),
    ("s - 1", 2),
    ("a / 0", None),  # division by zero is unknown
    ("(0 - a) ^ 0.5", None),  # no real square root
    ("10 ^ 400", None),  # too large
    ("-(count([a, b, c] >= 9))", None),  # a partly unknown count is no score value
]


@pytest.mark.parametrize(("expression", "expected"), ARITHMETIC)
def test_arithmetic_follows_the_usual_precedence(expression: str, expected: float | None) -> None:
    answers = {"a": 9} if "count" in expression else {"a": 1, "b": 2, "c": 3}
    assert value(expression, answers) == expected


# --- not asked (enable-when) ------------------------------------------------------

NOT_ASKED = [
    ("g.x > 3", False),
    ("not (g.x > 3)", True),
    ("g.x + 1 > 3", False),
    ("-g.x < 0", False),
    ("g.x = a", False),
    ("answered(g.x)", False),
    ("missing(g.x)", False),
    ("g.ch = '1'", False),
    ("selected(g.ms, '1')", False),
    ("count_selected(g.ms) >= 0", False),
    ("any([g.x, a] > 3)", False),
    ("g.s >= 0", False),
    ("change(g.x) > 0", False),
]


@pytest.mark.parametrize(("expression", "expected"), NOT_ASKED)
def test_a_comparison_on_an_item_that_was_not_asked_is_false_not_unknown(
    expression: str, expected: bool
) -> None:
    previous = run(numbers(ITEMS, SCORES), {"gate": "yes", "g.x": 1})
    assert truth(expression, {"gate": "no", "a": 1}, previous) is expected


def test_an_asked_but_unanswered_item_is_unknown() -> None:
    assert truth("g.x > 3", {"gate": "yes"}) is None


# --- change() ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def earlier() -> Result:
    return run(numbers(ITEMS, SCORES), {"a": 3, "b": 4})


CHANGES = [
    ("change(a) >= 2", {"a": 5, "b": 4}, True),
    ("change(a) >= 2", {"a": 4, "b": 4}, False),
    ("change(s) <= -5", {"a": 1, "b": 1}, True),
    ("change(a) >= 2", {"b": 4}, None),
    ("change(c) >= 2", {"c": 9}, False),  # no earlier value of c
]


@pytest.mark.parametrize(("expression", "answers", "expected"), CHANGES)
def test_change_compares_with_the_previous_result(
    earlier: Result, expression: str, answers: dict[str, Any], expected: bool | None
) -> None:
    assert truth(expression, answers, earlier) is expected


def test_change_reads_a_choice_item_by_its_option_value() -> None:
    """A single choice item is a number (its option's value), so change()
    applies to it as to a score (docs/definitions.md § Types)."""
    before = run(numbers(ITEMS, SCORES), {"ch": "1"})
    assert truth("change(ch) >= 2", {"ch": "3"}, before) is True
    assert truth("change(ch) >= 2", {"ch": "2"}, before) is False


def test_change_is_false_on_a_first_response_not_unknown() -> None:
    assert truth("change(a) > 0 or change(a) <= 0", {"a": 5}) is False


def test_not_applicable_reads_as_na_when_debugging() -> None:
    assert repr(NA) == "NA"

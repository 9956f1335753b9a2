"""A count over items of which some are missing, compared at its bounds.

docs/definitions.md § Missing, not asked, no previous value: ``count``
counts the matching items, and with unknown items "it is known only as far
as it can be" — a comparison is *true* when it holds for every count the
missing answers could still give, *false* when it holds for none, and
*unknown* (the rule is not assessable) otherwise. Every expected value
below is worked out by hand from that sentence, not read off the engine.

The cases sit where a bound equals the number, on either side of the
comparison, because that is where ``<`` and ``<=`` in the engine differ: a
mutation of ``left_hi < right_lo`` to ``<=`` in ``_range_compare`` passed
every other test and made ``count(…) = 2`` over 1–2 false (and ``!= 2``
true) — green or a flag where "not assessable" is right (issue 14).
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from typing import Any

import pytest

from scoring.engine import Result
from tests.engine.builders import integer, numbers, run

ITEMS = [integer(name) for name in ("a", "b", "c", "d", "x", "y", "z", "w")]

# a = 9 matches, b is missing, c = 1 and d = 1 do not match:
# C = count([a, b, c, d] >= 5) is 1 or 2.
C = "count([a, b, c, d] >= 5)"
# x = y = 9 match, w is missing: D = count([x, y, w] >= 5) is 2 or 3,
# and with z = 9 matching too, E = count([x, y, z, w] >= 5) is 3 or 4.
D = "count([x, y, w] >= 5)"
E = "count([x, y, z, w] >= 5)"
ANSWERS = {"a": 9, "c": 1, "d": 1, "x": 9, "y": 9, "z": 9}


def truth(expression: str) -> bool | None:
    """True if the rule fires, None if it is not assessable, else False."""
    result = run(numbers(ITEMS, [], [{"id": "r", "when": expression}]), ANSWERS)
    if result.flags:
        return True
    return None if result.not_assessable else False


# C is 1 or 2. For = the number must be one of them for "unknown", else
# false; != is its negation (unknown stays unknown).
EQUALITY = [
    (f"{C} = 0", False),
    (f"{C} = 1", None),  # the lower bound: C may be 1, may be 2
    (f"{C} = 2", None),  # the upper bound: the surviving mutant said false
    (f"{C} = 3", False),
    (f"{C} != 0", True),
    (f"{C} != 1", None),
    (f"{C} != 2", None),  # the surviving mutant said true
    (f"{C} != 3", True),
    # The count on the right.
    (f"0 = {C}", False),
    (f"1 = {C}", None),
    (f"2 = {C}", None),
    (f"3 = {C}", False),
    (f"0 != {C}", True),
    (f"1 != {C}", None),
    (f"2 != {C}", None),
    (f"3 != {C}", True),
    # A shifted count keeps its bounds: C + 1 is 2 or 3, 3 - C is 1 or 2.
    (f"{C} + 1 = 3", None),
    (f"{C} + 1 = 4", False),
    (f"3 - {C} = 2", None),
    (f"3 - {C} != 2", None),
    (f"3 - {C} = 0", False),
    # An answered item in place of the number: c is 1, c + 1 is 2.
    (f"{C} = c + 1", None),
    (f"c = {C}", None),
    # Counts on both sides: 1–2 and 2–3 meet at 2; 1–2 and 3–4 never meet.
    (f"{C} = {D}", None),
    (f"{D} = {C}", None),
    (f"{C} != {D}", None),
    (f"{C} = {E}", False),
    (f"{E} = {C}", False),
    (f"{C} != {E}", True),
    (f"{E} != {C}", True),
]

# C is 1 or 2: "C < 2" holds for 1 and not for 2, so it is unknown, and so on.
ORDERING = [
    (f"{C} < 1", False),
    (f"{C} < 2", None),
    (f"{C} < 3", True),
    (f"{C} <= 0", False),
    (f"{C} <= 1", None),
    (f"{C} <= 2", True),
    (f"{C} > 0", True),
    (f"{C} > 1", None),
    (f"{C} > 2", False),
    (f"{C} >= 1", True),
    (f"{C} >= 2", None),
    (f"{C} >= 3", False),
    # The count on the right.
    (f"0 < {C}", True),
    (f"1 < {C}", None),
    (f"2 < {C}", False),
    (f"1 <= {C}", True),
    (f"2 <= {C}", None),
    (f"3 <= {C}", False),
    (f"3 > {C}", True),
    (f"2 > {C}", None),
    (f"1 > {C}", False),
    (f"2 >= {C}", True),
    (f"1 >= {C}", None),
    (f"0 >= {C}", False),
    # Counts on both sides: C is 1–2, D is 2–3, E is 3–4.
    (f"{C} < {D}", None),  # 1 < 2, but not 2 < 2
    (f"{C} <= {D}", True),  # at most 2, at least 2
    (f"{C} > {D}", False),
    (f"{C} >= {D}", None),  # 2 >= 2, but not 1 >= 2
    (f"{D} > {C}", None),
    (f"{D} >= {C}", True),
    (f"{C} < {E}", True),
    (f"{E} <= {C}", False),
]


@pytest.mark.parametrize(("expression", "expected"), EQUALITY)
def test_equality_with_a_partly_unknown_count_is_unknown_while_the_number_is_in_reach(
    expression: str, expected: bool | None
) -> None:
    assert truth(expression) is expected


@pytest.mark.parametrize(("expression", "expected"), ORDERING)
def test_an_ordering_with_a_partly_unknown_count_is_known_only_past_its_bounds(
    expression: str, expected: bool | None
) -> None:
    assert truth(expression) is expected


def test_a_count_that_may_equal_the_number_leaves_the_colour_not_assessable() -> None:
    """The clinical edge: neither "= 2" nor "!= 2" may decide the colour
    while b could still make the count 2; the clinician sees "not
    assessable" and that b is missing."""
    mapping = numbers(
        ITEMS,
        [],
        [
            {"id": "two_high", "when": f"{C} = 2", "colour": "yellow"},
            {"id": "not_two_high", "when": f"{C} != 2", "colour": "red"},
        ],
    )
    result = run(mapping, ANSWERS)
    assert result.flags == ()
    assert result.overall == "not_assessable"
    assert [(n.rule_id, n.missing_items) for n in result.not_assessable] == [
        ("two_high", ("b",)),
        ("not_two_high", ("b",)),
    ]
    answered = run(mapping, {**ANSWERS, "b": 9})  # the count is 2
    assert [flag.rule_id for flag in answered.flags] == ["two_high"]
    assert answered.overall == "yellow"


# --- every bound, every operator, both sides ------------------------------------

OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
FOUR = ["a", "b", "c", "d"]


def by_definition(low: int, high: int, op: str, number: int, count_left: bool) -> bool | None:
    """The definition itself: true if the comparison holds for every count
    the missing answers could give (``low`` … ``high``), false if for none,
    else unknown."""
    holds = OPERATORS[op]
    outcomes = {
        holds(count, number) if count_left else holds(number, count)
        for count in range(low, high + 1)
    }
    return outcomes.pop() if len(outcomes) == 1 else None


def rule_id(op: str, number: int, count_left: bool) -> str:
    name = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[op]
    return f"{'count' if count_left else 'number'}_{name}_{number + 1}"


GRID_RULES = [
    {
        "id": rule_id(op, number, count_left),
        "when": (
            f"count([a, b, c, d] >= 5) {op} {number}"
            if count_left
            else f"{number} {op} count([a, b, c, d] >= 5)"
        ),
    }
    for op in OPERATORS
    for number in range(-1, 6)
    for count_left in (True, False)
]
GRID = numbers([integer(name) for name in FOUR], [], GRID_RULES)
# Each split of the four items into matching, missing and not matching.
SPLITS = [
    (matching, missing)
    for matching in range(5)
    for missing in range(5 - matching)
    if missing  # with nothing missing the count is a plain number
]


def state(result: Result, rule: str) -> bool | None:
    if any(flag.rule_id == rule for flag in result.flags):
        return True
    return None if any(n.rule_id == rule for n in result.not_assessable) else False


@pytest.mark.parametrize(("matching", "missing"), SPLITS)
def test_every_comparison_of_a_partly_unknown_count_follows_the_definition(
    matching: int, missing: int
) -> None:
    answers: dict[str, Any] = {}
    for position, item in enumerate(FOUR):
        if position < matching:
            answers[item] = 9
        elif position >= matching + missing:
            answers[item] = 1
    result = run(GRID, answers)
    low, high = matching, matching + missing
    for op, number, count_left in itertools.product(OPERATORS, range(-1, 6), (True, False)):
        rule = rule_id(op, number, count_left)
        expected = by_definition(low, high, op, number, count_left)
        assert state(result, rule) is expected, (rule, low, high)

"""Each scorer shape, with the expected numbers worked out by hand in the table.

Sum, mean, weights, max of a pair (MDI 8a/8b, Bech et al. 2001), reverse
scoring, lookup tables, linear transforms (WHO-5 raw × 4, Topp et al. 2015),
formulas (BMI, mMRC = MRC − 1), scores over scores, rounding half up, bands.
"""

from __future__ import annotations

from typing import Any

import pytest

from scoring.engine import ScoreResult
from tests.engine.builders import choice, integer, numbers, run

ITEMS = [
    choice("a"),
    choice("b"),
    choice("c"),
    choice("d"),
    integer("n"),
    {"id": "pain", "type": "nrs"},
    choice("p8a", range(6)),
    choice("p8b", range(6)),
    choice("mrc", range(1, 6)),
    {"id": "weight", "type": "decimal", "min": 20, "max": 300, "decimals": 1},
    integer("height", 100, 250),
    {"id": "gate", "type": "yes_no"},
    {**choice("g"), "enable_when": {"conditions": [{"item": "gate", "op": "=", "value": "yes"}]}},
    *(choice(f"who5.{n}", range(6)) for n in range(1, 6)),
]
SUBSCALES = [
    {"id": "sub1", "method": "sum", "items": ["a", "b"]},
    {"id": "sub2", "method": "sum", "items": ["c", "d"]},
]


def score(spec: dict[str, Any], answers: dict[str, Any]) -> ScoreResult:
    result = run(numbers(ITEMS, [*SUBSCALES, {"id": "s", **spec}]), answers)
    return result.score("s")


ABC = {"a": "1", "b": "2", "c": "3"}

# spec, answers, expected value — the arithmetic in the comment
VALUES: list[tuple[dict[str, Any], dict[str, Any], float | int | None]] = [
    ({"method": "sum", "items": ["a", "b", "c"]}, ABC, 6),  # 1 + 2 + 3
    ({"method": "mean", "items": ["a", "b", "c"], "decimals": 1}, ABC, 2.0),  # 6 / 3
    ({"method": "mean", "items": ["a", "b"]}, ABC, 2),  # 3 / 2 = 1.5 → 2 (half up)
    ({"method": "mean", "items": ["b", "c"]}, ABC, 3),  # 5 / 2 = 2.5 → 3 (not 2: half up)
    ({"method": "sum", "items": ["a", "b", "c"], "weights": {"a": 2}}, ABC, 7),  # 2·1 + 2 + 3
    # weighted mean Σw·v / Σw = (2·1 + 1·2) / (2 + 1) = 4 / 3 = 1.333… → 1.33
    ({"method": "mean", "items": ["a", "b"], "weights": {"a": 2}, "decimals": 2}, ABC, 1.33),
    # reverse a (options 0–3): 0 + 3 − 1 = 2; 2 + 2 + 3 = 7
    ({"method": "sum", "items": ["a", "b", "c"], "reverse": ["a"]}, ABC, 7),
    ({"method": "sum", "items": ["n"], "reverse": ["n"]}, {"n": 3}, 7),  # 0 + 10 − 3
    ({"method": "sum", "items": ["pain"], "reverse": ["pain"]}, {"pain": 8}, 2),  # 0 + 10 − 8
    ({"method": "sum", "items": ["mrc"], "reverse": ["mrc"]}, {"mrc": "2"}, 4),  # 1 + 5 − 2
    # the larger of a pair (MDI items 8a/8b): max(2, 4) = 4
    ({"method": "sum", "items": [{"max": ["p8a", "p8b"]}]}, {"p8a": "2", "p8b": "4"}, 4),
    ({"method": "sum", "items": [{"max": ["p8a", "p8b"]}]}, {"p8a": "5", "p8b": "1"}, 5),
    ({"method": "sum", "items": [{"max": ["p8a", "p8b"]}]}, {"p8a": "2"}, 2),  # one is enough
    ({"method": "sum", "items": [{"max": ["p8a", "p8b"]}]}, {}, None),
    # reverse inside a pair, then the max: 5 − 1 = 4 vs 3 → 4
    (
        {"method": "sum", "items": [{"max": ["p8a", "p8b"]}], "reverse": ["p8a"]},
        {"p8a": "1", "p8b": "3"},
        4,
    ),
    # a lookup table replaces the value (STarT Back item 9: codes 0–2 → 0, 3 → 1)
    (
        {"method": "sum", "items": ["a", "c"], "lookup": {"c": {"0": 0, "1": 0, "2": 0, "3": 1}}},
        ABC,
        2,
    ),  # 1 + 1
    # WHO-5: raw 3·5 = 15, × 4 = 60
    (
        {"method": "sum", "items": [f"who5.{n}" for n in range(1, 6)], "multiply": 4},
        {f"who5.{n}": "3" for n in range(1, 6)},
        60,
    ),
    (
        {"method": "sum", "items": ["a", "b"], "multiply": -0.5, "add": 1, "decimals": 2},
        ABC,
        -0.5,
    ),  # 1 − 0.5 · 3
    # BMI = 80 / (180 / 100)² = 80 / 3.24 = 24.691… → 24.7
    (
        {"method": "formula", "expression": "weight / (height / 100) ^ 2", "decimals": 1},
        {"weight": 80, "height": 180},
        24.7,
    ),
    ({"method": "formula", "expression": "mrc - 1"}, {"mrc": "3"}, 2),  # mMRC = MRC − 1
    ({"method": "sum", "items": ["sub1", "sub2"]}, {**ABC, "d": "0"}, 6),  # (1 + 2) + (3 + 0)
    ({"method": "formula", "expression": "sub1 * 2"}, ABC, 6),  # (1 + 2) · 2
    # rounding: binary noise first (0.1 + 0.2 = 0.30000000000000004), then half up
    ({"method": "formula", "expression": "0.1 + 0.2", "decimals": 1}, {}, 0.3),
    ({"method": "formula", "expression": "0.25 + n", "decimals": 1}, {"n": 0}, 0.3),
    ({"method": "formula", "expression": "n - 2.5"}, {"n": 0}, -3),  # half away from zero
    ({"method": "formula", "expression": "a / (b - 2)"}, ABC, None),  # 1 / 0
]


@pytest.mark.parametrize(("spec", "answers", "expected"), VALUES)
def test_a_scorer_computes_the_hand_worked_value(
    spec: dict[str, Any], answers: dict[str, Any], expected: float | None
) -> None:
    assert score(spec, answers).value == expected


def test_whole_number_scores_are_ints_and_decimal_scores_are_floats() -> None:
    assert type(score({"method": "mean", "items": ["a", "b"]}, ABC).value) is int
    assert type(score({"method": "mean", "items": ["a", "b"], "decimals": 1}, ABC).value) is float


BANDED = {
    "method": "sum",
    "items": ["a", "b", "c"],
    "range": [0, 9],
    "bands": [
        {"code": "low", "min": 0, "max": 4},
        {"code": "high", "min": 5, "max": 9},
    ],
}


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ({"a": "1", "b": "3", "c": "0"}, "low"),  # 4: top of low
        ({"a": "2", "b": "3", "c": "0"}, "high"),  # 5: bottom of high
        ({"a": "0", "b": "0", "c": "0"}, "low"),  # 0
        ({"a": "3", "b": "3", "c": "3"}, "high"),  # 9
    ],
)
def test_bands_are_inclusive_on_both_sides_of_each_cut_off(
    answers: dict[str, Any], band: str
) -> None:
    assert score(BANDED, answers).band == band


def test_bands_at_one_decimal_tile_the_range_in_steps_of_a_tenth() -> None:
    spec = {
        "method": "mean",
        "items": ["a", "b"],
        "decimals": 1,
        "range": [0, 3],
        "bands": [{"code": "low", "min": 0, "max": 1.4}, {"code": "high", "min": 1.5, "max": 3}],
    }
    assert score(spec, {"a": "1", "b": "2"}).band == "high"  # 1.5
    assert score(spec, {"a": "1", "b": "1"}).band == "low"  # 1.0


def test_a_value_outside_every_band_has_no_band() -> None:
    spec = {
        "method": "formula",
        "expression": "n * 10",
        "range": [0, 10],
        "bands": [{"code": "all", "min": 0, "max": 10}],
    }
    result = score(spec, {"n": 5})
    assert (result.value, result.band, result.band_label) == (50, None, {})


def test_a_scored_score_lists_the_items_it_used() -> None:
    result = score(
        {"method": "sum", "items": ["a", {"max": ["p8a", "p8b"]}]},
        {"a": "1", "p8a": "2", "p8b": "3"},
    )
    assert result == ScoreResult(
        id="s", label={}, value=4, status="scored", items_used=("a", "p8a", "p8b")
    )


def test_a_formula_with_a_missing_answer_is_not_scored_and_names_it() -> None:
    result = score(
        {"method": "formula", "expression": "weight / (height / 100) ^ 2"}, {"weight": 80}
    )
    assert (result.value, result.status) == (None, "not_scored")
    assert result.items_used == ("weight",)
    assert result.items_missing == ("height",)


def test_a_formula_dividing_by_zero_is_not_scored_without_missing_items() -> None:
    result = score({"method": "formula", "expression": "a / (b - 2)"}, ABC)
    assert (result.status, result.items_missing) == ("not_scored", ())


def test_a_formula_giving_an_infinite_value_is_not_scored() -> None:
    items = [{"id": "x", "type": "decimal", "min": 0, "max": 1e308}]
    scores = [{"id": "s", "method": "formula", "expression": "x * 10"}]
    result = run(numbers(items, scores), {"x": 1e308}).score("s")
    assert (result.value, result.status) == (None, "not_scored")


def test_a_score_over_an_unscored_subscale_names_the_subscale_items_missing() -> None:
    result = score({"method": "sum", "items": ["sub1", "sub2"]}, {"a": "1", "c": "1"})
    assert result.status == "not_scored"
    assert result.items_missing == ("b", "d")


def test_a_formula_over_an_unscored_subscale_names_its_items_missing() -> None:
    result = score({"method": "formula", "expression": "sub1 + 1"}, {"a": "1"})
    assert result.items_missing == ("b",)


def test_a_score_whose_items_were_all_not_asked_is_not_applicable() -> None:
    result = score({"method": "sum", "items": ["g"]}, {"gate": "no", "g": "3"})
    assert (result.value, result.status, result.items_missing) == (None, "not_applicable", ())


def test_a_formula_reading_an_item_not_asked_is_not_applicable() -> None:
    result = score({"method": "formula", "expression": "g + 1"}, {"gate": "no"})
    assert result.status == "not_applicable"


def test_items_not_asked_drop_out_of_a_sum_without_counting_as_missing() -> None:
    result = score({"method": "sum", "items": ["a", "g"]}, {"a": "2", "gate": "no"})
    assert (result.value, result.prorated, result.items_missing) == (2, False, ())

"""Missing items: proration up to N, otherwise not scored — and proration
never imputes an answer that a rule reads (PHQ-9 item 9 stays missing).

PHQ-9 bands and total: Kroenke, Spitzer & Williams 2001. Prorating at most
2 missing items is PRO Portal's team rule (as in _instruments/phq9.yaml).
"""

from __future__ import annotations

from typing import Any

import pytest

from scoring.engine import NotAssessable
from tests.engine.builders import choice, numbers, run

PHQ9 = numbers(
    [choice(f"phq9.{n}") for n in range(1, 10)],
    [
        {
            "id": "phq9",
            "method": "sum",
            "items": [f"phq9.{n}" for n in range(1, 10)],
            "missing": {"prorate_up_to": 2},
            "range": [0, 27],
        }
    ],
    [
        {"id": "item9", "when": "phq9.9 > 0", "colour": "red", "safety": True},
        {"id": "total", "when": "phq9 >= 10", "colour": "yellow"},
    ],
)


def phq9(*answers: str | None) -> dict[str, str]:
    """Answers to items 1, 2, … in order; None = missing."""
    return {f"phq9.{n}": a for n, a in enumerate(answers, start=1) if a is not None}


PRORATION: list[tuple[dict[str, Any], int | None, bool, tuple[str, ...]]] = [
    # answers, value, prorated, items missing
    (phq9(*"111111111"), 9, False, ()),  # 9 × 1
    (phq9(*"22222222", None), 18, True, ("phq9.9",)),  # 16 × 9 / 8 = 18
    (phq9(*"1111111", None, None), 9, True, ("phq9.8", "phq9.9")),  # 7 × 9 / 7 = 9
    (phq9(*"1111112", None, None), 10, True, ("phq9.8", "phq9.9")),  # 8 × 9/7 = 10.29 → 10
    (phq9(*"1113333", None, None), 19, True, ("phq9.8", "phq9.9")),  # 15 × 9/7 = 19.29 → 19
    (phq9(*"22000000", None), 5, True, ("phq9.9",)),  # 4 × 9 / 8 = 4.5 → 5 (half up)
    (phq9(*"111111", None, None, None), None, False, ("phq9.7", "phq9.8", "phq9.9")),  # 3 > 2
]


@pytest.mark.parametrize(("answers", "value", "prorated", "missing"), PRORATION)
def test_a_sum_is_prorated_up_to_the_allowed_number_of_missing_items(
    answers: dict[str, Any], value: int | None, prorated: bool, missing: tuple[str, ...]
) -> None:
    score = run(PHQ9, answers).score("phq9")
    assert (score.value, score.prorated, score.items_missing) == (value, prorated, missing)


def test_a_mean_with_missing_items_is_the_mean_of_the_answered_ones() -> None:
    mapping = numbers(
        [choice("a"), choice("b"), choice("c")],
        [
            {
                "id": "m",
                "method": "mean",
                "items": ["a", "b", "c"],
                "decimals": 1,
                "missing": {"prorate_up_to": 1},
            }
        ],
    )
    score = run(mapping, {"a": "1", "b": "2"}).score("m")
    assert (score.value, score.prorated) == (1.5, True)  # (1 + 2) / 2


def test_a_weighted_sum_is_prorated_by_weight() -> None:
    mapping = numbers(
        [choice("a"), choice("b"), choice("c")],
        [
            {
                "id": "w",
                "method": "sum",
                "items": ["a", "b", "c"],
                "weights": {"a": 2},
                "missing": {"prorate_up_to": 1},
            }
        ],
    )
    # a (weight 2) missing: (1 + 2) × (2 + 1 + 1) / (1 + 1) = 3 × 4 / 2 = 6
    assert run(mapping, {"b": "1", "c": "2"}).score("w").value == 6


def test_with_no_item_answered_nothing_is_prorated() -> None:
    mapping = numbers(
        [choice("a")],
        [{"id": "s", "method": "sum", "items": ["a"], "missing": {"prorate_up_to": 5}}],
    )
    assert run(mapping, {}).score("s").status == "not_scored"


def test_a_missing_safety_item_stays_missing_for_rules_though_the_total_is_prorated() -> None:
    result = run(PHQ9, phq9(*"00000000", None))
    assert result.score("phq9").value == 0  # prorated
    assert "phq9.9" not in result.item_values  # nothing imputed
    assert result.not_assessable == (
        NotAssessable("item9", "red", True, "phq9.9 > 0", ("phq9.9",)),
    )
    assert result.overall == "not_assessable"


def test_a_missing_safety_item_does_not_hide_a_yellow_total() -> None:
    result = run(PHQ9, phq9(*"33333333", None))  # 24 × 9 / 8 = 27
    assert result.score("phq9").value == 27
    assert [flag.rule_id for flag in result.flags] == ["total"]
    assert result.overall == "yellow"
    assert [n.rule_id for n in result.not_assessable] == ["item9"]


def test_an_unscored_total_leaves_its_rule_not_assessable_naming_the_missing_items() -> None:
    result = run(PHQ9, phq9(*"000000", None, None, None))
    assert result.not_assessable[1].rule_id == "total"
    assert result.not_assessable[1].missing_items == ("phq9.7", "phq9.8", "phq9.9")

"""A sum where a missing item counts 0, and a count of the answered items.

These are SDC's common totals, so that an imported questionnaire can be
scored by the engine instead of fhirpathpy (issue 15):

* ``%resource.item.where(linkId in (…)).answer.value.weight().sum()`` — the
  weights of the answers given; an unanswered item has no answer, so it adds
  nothing (SDC, FHIRPath supplements: weight()); FHIRPath's ``sum()`` of an
  empty collection is 0 (FHIRPath, Aggregates: sum(); fhirpathpy 2.2.4 gives
  ``[0]`` for ``{}.sum()``), so a response with none of them answered is 0;
* ``….answer.count()`` — the number of answers; 0 when none (FHIRPath,
  Existence: count()).

The expected values are worked out by hand from those definitions: options
valued 0–3, so a, b, c answered 1, 2, 3 sum to 6.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.builders import choice, numbers, run

GATED = {
    **choice("g"),
    "enable_when": {"conditions": [{"item": "a", "op": "=", "value": "3"}]},
}
SCORES = [
    {"id": "total", "method": "sum", "items": ["a", "b", "c"], "missing": {"counts_as_zero": True}},
    {"id": "n_answered", "method": "count", "items": ["a", "b", "c"]},
    {
        "id": "weighted",
        "method": "sum",
        "items": ["a", "b", "c"],
        "weights": {"a": 2},
        "missing": {"counts_as_zero": True},
    },
    {"id": "gated_total", "method": "sum", "items": ["g"], "missing": {"counts_as_zero": True}},
    {"id": "gated_count", "method": "count", "items": ["g"]},
]
MAPPING = numbers([choice("a"), choice("b"), choice("c"), GATED], SCORES)

VECTORS: list[tuple[dict[str, Any], int | None, int | None, int | None]] = [
    # answers, total, answered, weighted (a counts twice)
    ({"a": "1", "b": "2", "c": "3"}, 6, 3, 7),  # 1 + 2 + 3; 2·1 + 2 + 3
    ({"a": "1", "c": "3"}, 4, 2, 5),  # b missing adds nothing: 1 + 3; 2·1 + 3
    ({"b": "2"}, 2, 1, 2),
    ({}, 0, 0, 0),  # the sum of an empty collection is 0, its count 0
    ({"a": "0", "b": "0", "c": "0"}, 0, 3, 0),  # answered zeros are counted
]


@pytest.mark.parametrize(("answers", "total", "answered", "weighted"), VECTORS)
def test_a_missing_item_adds_nothing_and_the_answered_ones_are_counted(
    answers: dict[str, str], total: int, answered: int, weighted: int
) -> None:
    result = run(MAPPING, answers)
    assert [result.score(s).value for s in ("total", "n_answered", "weighted")] == [
        total,
        answered,
        weighted,
    ]
    assert [result.score(s).status for s in ("total", "n_answered", "weighted")] == ["scored"] * 3


def test_a_sum_with_missing_items_counted_as_zero_is_not_prorated_and_names_them() -> None:
    score = run(MAPPING, {"a": "1"}).score("total")
    assert (score.value, score.prorated, score.items_missing) == (1, False, ("b", "c"))


def test_items_not_asked_make_such_a_sum_and_count_not_applicable() -> None:
    result = run(MAPPING, {"a": "1"})  # g is asked only when a = 3
    assert [result.score(s).status for s in ("gated_total", "gated_count")] == [
        "not_applicable"
    ] * 2
    asked = run(MAPPING, {"a": "3"})  # asked, not answered: 0 and 0
    assert [asked.score(s).value for s in ("gated_total", "gated_count")] == [0, 0]


def test_a_count_reads_like_any_score_in_a_rule() -> None:
    mapping = numbers(
        [choice("a"), choice("b"), choice("c")],
        [{"id": "n_answered", "method": "count", "items": ["a", "b", "c"]}],
        [{"id": "few", "when": "n_answered < 2", "colour": "yellow"}],
    )
    assert [f.rule_id for f in run(mapping, {"a": "0"}).flags] == ["few"]
    assert run(mapping, {"a": "0", "b": "0"}).flags == ()

"""Properties over random valid answers, for every definition we have: the
library, the scoring-only fixtures and the builders' demo.

* ``evaluate`` never raises on valid answers, is deterministic, and its
  result survives the JSON round trip;
* every score declared ``monotone: true`` never falls when one answer's
  ordinal value rises.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires.library import library_paths, load_definition
from scoring.engine import (
    Definition,
    Item,
    evaluate,
    result_from_dict,
    result_to_dict,
    validate_answers,
)
from scoring.engine.rules.compiler import referenced_names
from tests.engine.builders import definition, parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scoring_only"
PATHS = [*library_paths(), *sorted(FIXTURES.glob("*.yaml"))]
NAMES = ["demo", *(f"{p.parent.name}/{p.stem}" for p in PATHS)]
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def load(name: str) -> Definition:
    if name == "demo":
        return parse(definition())
    return load_definition(PATHS[NAMES.index(name) - 1])


def answer(item: Item) -> st.SearchStrategy[Any]:
    """Any valid answer to ``item``."""
    codes = [option.code for option in item.options]
    if item.type in ("single_choice", "yes_no"):
        return st.sampled_from(codes)
    if item.type in ("multiple_choice", "body_regions"):
        plain = [o.code for o in item.options if not o.exclusive]
        exclusive = [o.code for o in item.options if o.exclusive]
        low = int(item.min or 0)
        high = int(item.max if item.max is not None else len(plain))
        choices = (
            st.lists(
                st.sampled_from(plain), unique=True, min_size=low, max_size=min(high, len(plain))
            )
            if plain
            else st.just([])
        )
        if exclusive and low <= 1 <= high:
            choices = choices | st.sampled_from(exclusive).map(lambda code: [code])
        return choices
    if item.type in ("integer", "nrs"):
        return st.integers(int(item.min or 0), int(item.max if item.max is not None else 10))
    if item.type == "decimal":
        return st.floats(item.min, item.max, allow_nan=False, allow_infinity=False)
    if item.type == "date":
        low = dt.date.fromisoformat(item.min_date) if item.min_date else dt.date(1900, 1, 1)
        high = dt.date.fromisoformat(item.max_date) if item.max_date else dt.date(2100, 1, 1)
        return st.dates(low, high).map(dt.date.isoformat)
    return st.text(max_size=item.max_length or 200)


def answers(definition_: Definition) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {}, optional={item.id: answer(item) for item in definition_.items if item.type != "display"}
    )


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_evaluate_never_raises_on_valid_answers_and_is_deterministic(
    name: str, data: st.DataObject
) -> None:
    definition_ = load(name)
    drawn = data.draw(answers(definition_))
    assert validate_answers(definition_, drawn) == []
    first = evaluate(definition_, drawn)
    second = evaluate(definition_, dict(reversed(list(drawn.items()))))  # order is irrelevant
    assert first == second
    assert result_from_dict(json.loads(json.dumps(result_to_dict(first)))) == first
    assert evaluate(definition_, drawn, previous=first) is not None


def inputs(definition_: Definition, score_id: str) -> list[str]:
    """The items a score depends on, through subscales and formulas."""
    score = definition_.score(score_id)
    names = [name for term in score.terms for name in term]
    if score.expression is not None:
        names = referenced_names(score.expression)[0]
    found: list[str] = []
    for name in names:
        if name in definition_.plan.scores:
            found += inputs(definition_, name)
        else:
            found.append(name)
    return found


MONOTONE = [(name, score.id) for name in NAMES for score in load(name).scores if score.monotone]


def raise_one(item: Item, value: Any) -> Any | None:
    """The answer one ordinal step above ``value``, or None at the top."""
    if item.type in ("single_choice", "yes_no"):
        current = next(o.value for o in item.options if o.code == value)
        higher = sorted((o for o in item.options if o.value > current), key=lambda o: o.value)
        return higher[0].code if higher else None
    if item.type in ("integer", "nrs"):
        return value + 1 if value + 1 <= (item.max if item.max is not None else 10) else None
    if item.type == "decimal":
        return min(value + 1, item.max) if value < (item.max or 0) else None
    return None


@pytest.mark.parametrize(("name", "score_id"), MONOTONE, ids=[f"{n}:{s}" for n, s in MONOTONE])
@SETTINGS
@given(data=st.data())
def test_a_monotone_score_never_falls_when_one_answer_rises(
    name: str, score_id: str, data: st.DataObject
) -> None:
    definition_ = load(name)
    drawn = data.draw(answers(definition_))
    candidates = [
        i
        for i in inputs(definition_, score_id)
        if definition_.item(i).type not in ("multiple_choice", "body_regions")
    ]
    item = definition_.item(data.draw(st.sampled_from(candidates)))
    drawn[item.id] = data.draw(answer(item))
    raised = raise_one(item, drawn[item.id])
    if raised is None:
        return  # already at the top
    before = evaluate(definition_, drawn).score(score_id).value
    after = evaluate(definition_, {**drawn, item.id: raised}).score(score_id).value
    if before is not None and after is not None:
        assert after >= before, f"{item.id}: {drawn[item.id]!r} → {raised!r}"


def test_there_are_monotone_scores_to_check() -> None:
    assert ("demo", "total") in MONOTONE
    assert len(MONOTONE) >= 10

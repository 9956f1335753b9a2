"""Answers: checking them against the items, and enable-when.

``read_answers`` both validates and loads the answers into an
:class:`~scoring.engine.rules.values.Env` in one pass, so ``evaluate`` and
``validate_answers`` share one definition of "a valid answer".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping

from scoring.engine.errors import Problem
from scoring.engine.item_types import CODE_TYPES, SET_TYPES, item_type
from scoring.engine.model import Answer, Condition, EnableWhen, Item, Number, Option
from scoring.engine.rules.values import COMPARISON, Env, kleene

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_iso_date(value: object) -> bool:
    """Whether ``value`` is a real date written YYYY-MM-DD."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def describe(value: object) -> str:
    """How a JSON/YAML value reads to an author, for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false: quote it if you meant a code)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def aliased(
    aliases: Mapping[str, str], answers: Mapping[str, object], location: str, source: str
) -> tuple[Mapping[str, object], list[Problem]]:
    """``answers`` keyed by item id: a key that is an item's linkId alias
    (docs § Items, ``link_id``) becomes its id; an item given twice, by id
    and by linkId, is a problem. Other keys are left for ``read_answers``."""
    if not any(key in aliases for key in answers):
        return answers, []
    renamed: dict[str, object] = {}
    problems: list[Problem] = []
    for key, answer in answers.items():
        ident = aliases.get(key, key)
        if ident in renamed:
            reason = f"{ident} is answered twice: by its id and by its linkId"
            problems.append(Problem(source, f"{location}[{key!r}]", reason, id=ident))
        else:
            renamed[ident] = answer
    return renamed, problems


def read_answers(
    items: Mapping[str, Item],
    options: Mapping[str, Mapping[str, Option]],
    answers: Mapping[str, object],
    location: str,
    source: str,
) -> tuple[Env, dict[str, Answer], list[Problem]]:
    """Load valid answers into a fresh Env; return it, the answers as given
    (lists as tuples) and the problems of the invalid ones."""
    env = Env()
    given: dict[str, Answer] = {}
    problems: list[Problem] = []
    for item_id, answer in answers.items():
        if answer is None:
            continue  # null is "not answered"
        item = items.get(item_id)
        if item is None:
            reason: str | None = f"unknown item {item_id!r}"
        else:
            choices = options[item_id]
            if item.type in CODE_TYPES and answer.__class__ is str and answer in choices:
                # The common case, inlined: evaluate() reads ~60 of these per response.
                env.num[item_id] = choices[answer].value
                env.code[item_id] = given[item_id] = answer
                env.answered.add(item_id)
                continue
            reason = _load(item, choices, answer, env, given)
        if reason is not None:
            where = f"{location}[{item_id!r}]"
            problems.append(Problem(source, where, reason, id=str(item_id)))
    return env, given, problems


def _codes(options: Mapping[str, Option]) -> str:
    return ", ".join(options)


def _bounds(item: Item, value: Number) -> str | None:
    if item.min is not None and value < item.min:
        return f"{value} is below the minimum {item.min}"
    if item.max is not None and value > item.max:
        return f"{value} is above the maximum {item.max}"
    return None


def _as_number(answer: object, whole: bool) -> Number | None:
    if isinstance(answer, bool):
        return None  # JSON true/false is not 1/0 here
    if isinstance(answer, int):
        return answer
    if not whole and isinstance(answer, float) and math.isfinite(answer):
        return answer
    return None


def _load(
    item: Item,
    options: Mapping[str, Option],
    answer: object,
    env: Env,
    given: dict[str, Answer],
) -> str | None:
    """Check one answer and store it; return the reason it is wrong, if it is.

    What an answer must be, and the value rules read from it, follow from
    what the item type's answer is (scoring/engine/item_types.py).
    """
    kind = item_type(item)
    key = item.id
    stored: Answer
    if kind.answer == "code":  # valid codes never get here: read_answers loads them
        if not isinstance(answer, str):
            return f"expected an option code in quotes ({_codes(options)}), got {describe(answer)}"
        return f"{answer!r} is not an option of {key} (codes: {_codes(options)})"
    if kind.answer == "codes":
        if not isinstance(answer, list | tuple) or not all(isinstance(c, str) for c in answer):
            return f"expected a list of option codes, got {describe(answer)}"
        stored = tuple(answer)
        unknown = [code for code in stored if code not in options]
        if unknown:
            return f"{unknown[0]!r} is not an option of {key} (codes: {_codes(options)})"
        if len(set(stored)) != len(stored):
            return "an option is chosen twice"
        exclusive = [code for code in stored if options[code].exclusive]
        if exclusive and len(stored) > 1:
            return f"{exclusive[0]!r} excludes the other choices"
        if reason := _bounds(item, len(stored)):
            return f"{reason} choices"
        env.sel[key] = frozenset(stored)
    elif kind.answer == "number":
        number = _as_number(answer, whole=kind.whole)
        if number is None:
            wanted = "a whole number" if kind.whole else "a number"
            return f"expected {wanted}, got {describe(answer)}"
        if reason := _bounds(item, number):
            return reason
        env.num[key] = stored = number
    elif kind.answer == "date":
        if not isinstance(answer, str) or not _DATE.fullmatch(answer):
            return f"expected an ISO date like 2024-05-31, got {describe(answer)}"
        if not is_iso_date(answer):
            return f"{answer!r} is not a real date"
        if item.min_date is not None and answer < item.min_date:
            return f"{answer} is before the earliest date {item.min_date}"
        if item.max_date is not None and answer > item.max_date:
            return f"{answer} is after the latest date {item.max_date}"
        stored = answer
    elif kind.answer == "none":
        return f"{key} is a display text and is never answered"
    else:  # text: the parser always sets max_length
        if not isinstance(answer, str):
            return f"expected text, got {describe(answer)}"
        if len(answer) > (item.max_length or 0):
            return f"the text is {len(answer)} characters, more than {item.max_length}"
        stored = answer
    env.answered.add(key)
    given[key] = stored
    return None


def _absent(env: Env, name: str) -> bool | None:
    """A comparison on what has no value: false when it is not asked (a
    disabled item, a score not applicable), unknown when it is missing."""
    return False if name in env.na else None


def condition_test(condition: Condition, item: Item | None) -> Callable[[Env], bool | None]:
    """A closure deciding one (already validated) enable-when condition.

    Three-valued: a comparison on a missing answer or an unscored score is
    unknown (None), on a disabled item or a score not applicable false. An
    item is asked only when its enable-when is *true* — as in FHIR's
    enableWhen, a comparison on an unanswered item does not ask; a gated
    score tells "unknown" (not scored) from "false" (not asked). A string
    compares codes (for a multiple choice: "includes"); ``item`` is None
    for a condition on a score.
    """
    name, op, value = condition.item, condition.op, condition.value
    if op == "answered":
        return lambda env: name in env.answered
    if op == "missing":
        return lambda env: name not in env.answered and name not in env.na
    if isinstance(value, str):
        equal = op == "="
        if item is not None and item.type in SET_TYPES:
            return lambda env: (
                (value in env.sel[name]) is equal if name in env.sel else _absent(env, name)
            )
        return lambda env: (
            (env.code[name] == value) is equal if name in env.code else _absent(env, name)
        )
    compare = COMPARISON[op]
    return lambda env: compare(env.num[name], value) if name in env.num else _absent(env, name)


def enable_test(enable_when: EnableWhen, items: Mapping[str, Item]) -> Callable[[Env], bool | None]:
    """The conditions joined with Kleene's ``any``/``all``: true, false or
    unknown (None)."""
    tests = tuple(
        condition_test(c, None if c.on_score else items[c.item]) for c in enable_when.conditions
    )
    # any: true if one is true; all: false if one is false; else unknown if one is.
    decisive = enable_when.behavior == "any"

    def joined(env: Env) -> bool | None:
        return kleene((test(env) for test in tests), decisive=decisive)

    return joined


def disable(item_id: str, env: Env, given: dict[str, Answer]) -> None:
    """Mark an item not asked, discarding its answer."""
    env.na.add(item_id)
    env.answered.discard(item_id)
    env.num.pop(item_id, None)
    env.code.pop(item_id, None)
    env.sel.pop(item_id, None)
    given.pop(item_id, None)

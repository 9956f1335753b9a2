"""Run-time values of the rule language and the environment rules read.

Three kinds of "no number" exist, on purpose:

* ``None`` — *unknown*: a missing answer or an unscored score. Comparisons
  on it are unknown and ``and``/``or``/``not`` follow Kleene's logic.
* :data:`NA` — *not applicable*: an item that enable-when disabled (not
  asked), a score with every item disabled, or ``change()`` without a
  previous value. Comparisons on it are *false*: a question that was not
  asked, or a first response, is no reason to call a rule "not assessable".
* :class:`Range` — a count over items of which some are missing: the count
  lies between ``lo`` and ``hi``, so ``count(…) >= 2`` can still be known.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scoring.engine.model import Number


class NotApplicable:
    """The type of :data:`NA`; there is one instance."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NA"


NA = NotApplicable()


@dataclass(frozen=True, slots=True)
class Range:
    """A number known only to lie in ``[lo, hi]``."""

    lo: Number
    hi: Number


class Env:
    """Everything an expression may read during one evaluation.

    ``num`` holds number values of answered items and scored scores,
    ``code``/``sel`` the codes of answered choice items, ``answered`` the
    ids answered or scored, ``na`` the ids not applicable, ``prev`` the
    values of the previous result, ``cache`` what one evaluation remembers
    (an enableWhenExpression shared by a group's items is run once),
    ``patient`` the SDC launch context ``%patient`` FHIRPath reads (a FHIR
    Patient with only ``gender`` and ``birthDate``; None when none is given).
    """

    __slots__ = ("answered", "cache", "code", "na", "num", "patient", "prev", "sel")

    def __init__(self, prev: Mapping[str, Number] | None = None) -> None:
        self.num: dict[str, Number] = {}
        self.code: dict[str, str] = {}
        self.sel: dict[str, frozenset[str]] = {}
        self.answered: set[str] = set()
        self.na: set[str] = set()
        self.prev: Mapping[str, Number] = prev if prev is not None else {}
        self.cache: dict[object, Any] = {}
        self.patient: Mapping[str, Any] | None = None


#: The comparison operators of rules and enable-when conditions.
COMPARISON: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def kleene(outcomes: Iterable[bool | None], *, decisive: bool) -> bool | None:
    """Kleene's ``any`` (``decisive=True``) or ``all`` (``decisive=False``) of
    three-valued outcomes, read lazily: the decisive value as soon as one
    outcome is it; else unknown (None) if one is unknown; else the other value."""
    unknown = False
    for outcome in outcomes:
        if outcome is decisive:
            return decisive
        if outcome is None:
            unknown = True
    return None if unknown else not decisive

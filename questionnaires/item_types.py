"""Answers as people read them: the Django side of scoring/engine/item_types.py.

The registry there says what each item type is and how its answer reads;
this module adds the one thing it cannot do without Django — numbers and
dates in the reader's locale. ``answer_text`` is the only way a page writes
an answer: the patient's check-your-answers page, the clinician's summary
(every answer, and the answers under each flag) and so its PDF, so a patient
and a clinician reading in the same language see the same words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from django.utils import formats, timezone, translation

from scoring.engine import Item
from scoring.engine.item_types import Formats
from scoring.engine.item_types import answer_text as _answer_text
from scoring.engine.model import Number


# Cached: a summary writes a hundred numbers and dates (scores, trends, their
# spoken descriptions), mostly the same few, and Django's localisation (an
# override of the language, then format look-ups) costs more than the rest.
# Both depend only on their arguments and on settings that never change while
# the site runs.
@lru_cache(maxsize=4096)
def number_text(value: Number, language: str, decimals: int | None = None) -> str:
    """A number as the reader writes it: Danish decimal comma, no trailing zeros."""
    with translation.override(language):
        if isinstance(value, float) and not value.is_integer():
            places = decimals if decimals is not None else _places(value)
            return formats.number_format(value, decimal_pos=places, use_l10n=True)
        return formats.number_format(int(value), use_l10n=True)


def _places(value: float) -> int:
    """The decimals Python's shortest repr of ``value`` has, also when that
    repr is in exponent form (1e-05 has 5, 1.5e-07 has 8)."""
    exponent = Decimal(repr(value)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@lru_cache(maxsize=4096)
def day_text(day: dt.date, language: str) -> str:
    """A date in the reader's words: "31. maj 2024", "May 31, 2024"."""
    with translation.override(language):
        return formats.date_format(day, "DATE_FORMAT")


def day_month_text(moment: dt.datetime, language: str) -> str:
    """The local day of ``moment`` without its year: "3. december", "December 3"."""
    with translation.override(language):
        return formats.date_format(timezone.localdate(moment), "MONTH_DAY_FORMAT")


def date_text(iso: str, language: str) -> str:
    """An ISO date (as answers store it) in the reader's words."""
    return day_text(dt.date.fromisoformat(iso), language)


READER_FORMATS = Formats(number=number_text, date=date_text)


def answer_text(item: Item, answer: object, language: str) -> str:
    """An answer as the patient gave it, for any reader in ``language``."""
    return _answer_text(item, answer, language, formats=READER_FORMATS)

"""Hypothesis strategies built from a form's own fields: their types and limits.

``field_values(field)`` reads a Django form field — its class, max_length,
choices, queryset — and gives the values worth sending: the valid ones, the
limits ± 1, and the boundary values every field gets (0, −1, 5000 digits,
year 1 and 9999, NUL bytes, very long text, deep JSON). ``form_data`` then
sends each field missing, once, or repeated, sometimes with a field the form
does not know. The patient's answer forms are not Django forms; their fields
come from the item (its type's entry and the item's own limits) in
``answer_fields``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from hypothesis import strategies as st

from scoring.engine import Item
from scoring.engine.item_types import item_type, options_of

TODAY = dt.date.today()  # noqa: DTZ011 - boundary values, not time logic

#: Sent to every field, whatever it expects.
BOUNDARIES: list[str] = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "9" * 5000,
    "-" + "9" * 5000,
    "0" * 4999 + "1",
    "1e309",
    "NaN",
    "-0",
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "[" * 3000 + "]" * 3000,
    '{"a": ' * 500 + "1" + "}" * 500,
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "²",
    "٣",
    "\u202e",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%s%n",
    "../../etc/passwd",
]

# Any text a browser can send (lone surrogates cannot be encoded as UTF-8).
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def _around(limit: int) -> list[int]:
    return [limit - 1, limit, limit + 1]


def _dates(low: dt.date | None = None, high: dt.date | None = None) -> list[dt.date]:
    days = [dt.date(1, 1, 1), dt.date(9999, 12, 31), TODAY, dt.date(1899, 12, 31)]
    days += [dt.date(1900, 1, 1), dt.date(2999, 12, 31), dt.date(3000, 1, 1)]
    days += [TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)]
    for edge in (low, high):
        if edge is not None:
            days += [edge - dt.timedelta(days=1), edge, edge + dt.timedelta(days=1)]
    return days


def _date_values() -> list[str]:
    days = [d.isoformat() for d in _dates()]
    return [*days, "2026-02-29", "2028-02-30", "31-12-2026", "2026-13-01", "2026-1-1"]


def field_values(field: forms.Field) -> st.SearchStrategy[str]:
    """Values for one Django form field: its own valid values and limits, and the boundaries."""
    specific: list[str] = []
    general: st.SearchStrategy[str] = _TEXT
    max_length = getattr(field, "max_length", None)
    if max_length:
        specific += ["x" * n for n in _around(int(max_length))]
    if isinstance(field, forms.ModelMultipleChoiceField | forms.ModelChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        top = max((int(pk) for pk in pks if pk.isdigit()), default=0)
        specific += [*pks, str(top + 1), "0", "-1"]
        general = st.sampled_from(pks) if pks else general
    elif isinstance(field, forms.ChoiceField):
        codes = [str(code) for code, _label in field.choices]
        specific += codes
        general = st.sampled_from(codes) if codes else general
    elif isinstance(field, forms.DateField):
        specific += _date_values()
        general = st.dates().map(dt.date.isoformat)
    elif isinstance(field, forms.TimeField):
        specific += ["00:00", "23:59", "24:00", "12:60", "-1:00", "12:00:00.999999"]
        general = st.times().map(lambda t: t.strftime("%H:%M"))
    elif isinstance(field, forms.BooleanField):
        specific += ["on", "true", "false", "True", "1", "0"]
    elif isinstance(field, forms.EmailField):
        specific += ["a@example.org", "x" * 250 + "@example.org", "@", "a@b", "a@b@c"]
        general = st.emails()
    # A third each: the field's own values and limits, the boundaries, anything.
    return st.one_of(st.sampled_from(specific or BOUNDARIES), st.sampled_from(BOUNDARIES), general)


@st.composite
def form_data(
    draw: st.DrawFn,
    fields: Mapping[str, st.SearchStrategy[str]],
    valid: Mapping[str, list[str]] | None = None,
) -> dict[str, list[str]]:
    """Every field missing, given once or repeated; sometimes a field the form
    does not know. Given ``valid`` data, half the cases start from it and change
    none, one or two fields, so the pages behind a valid form are reached too."""
    data: dict[str, list[str]] = {}
    if valid and draw(st.booleans()):
        data = {name: list(values) for name, values in valid.items()}
        changed = draw(st.lists(st.sampled_from(sorted(fields)), max_size=2))
        for name in changed:
            times = draw(st.sampled_from([0, 1, 1, 2]))
            data.pop(name, None)
            if times:
                data[name] = [draw(fields[name]) for _ in range(times)]
        return data
    for name, values in fields.items():
        times = draw(st.sampled_from([0, 1, 1, 1, 2, 3]))
        if times:
            data[name] = [draw(values) for _ in range(times)]
    if draw(st.booleans()):
        data[draw(st.sampled_from(["unknown", "csrfmiddlewaretoken", "answer[]"]))] = [
            draw(st.sampled_from(BOUNDARIES))
        ]
    return data


def django_form_fields(form: forms.BaseForm) -> dict[str, st.SearchStrategy[str]]:
    return {name: field_values(field) for name, field in form.fields.items()}


def _number_values(item: Item) -> list[str]:
    low = Decimal(str(item.min if item.min is not None else 0))
    high = Decimal(str(item.max if item.max is not None else 100))
    step = Decimal(1).scaleb(-(item.decimals or 0))
    values = [low - step, low, low + step, high - step, high, high + step, (low + high) / 2]
    text = [str(v) for v in values] + [str(v).replace(".", ",") for v in values]
    places = (item.decimals or 0) + 1
    text += [f"{low:.{places}f}", f"{high}.{'5' * places}", f"{high} {item.unit or ''}"]
    return text


def answer_fields(item: Item) -> dict[str, st.SearchStrategy[str]]:
    """The fields of the patient's answer form for ``item``, from its type and limits."""
    kind = item_type(item)
    if kind.entry == "date":
        low = dt.date.fromisoformat(item.min_date) if item.min_date else None
        high = dt.date.fromisoformat(item.max_date) if item.max_date else None
        days = _dates(low, high)
        return {
            "answer-day": st.sampled_from(
                [str(d.day) for d in days] + ["0", "32", "-1", "29", "30", "31", *BOUNDARIES]
            ),
            "answer-month": st.sampled_from(
                [str(d.month) for d in days] + ["0", "13", "-1", *BOUNDARIES]
            ),
            "answer-year": st.sampled_from(
                [f"{d.year:04d}" for d in days] + ["0000", "10000", "24", *BOUNDARIES]
            ),
        }
    specific: list[str] = []
    if kind.entry in ("one_of", "any_of"):
        codes = [option.code for option in options_of(item)]
        if kind.scale is not None:
            low, high = kind.scale
            codes = [str(n) for n in range(low - 1, high + 2)]
        specific += codes
    elif kind.entry == "number":
        specific += _number_values(item)
    elif kind.entry == "text":
        limit = item.max_length or kind.max_length or 0
        specific += ["x" * n for n in _around(limit)] + ["x" * limit + " ", "line\r\nline"]
    return {"answer": st.one_of(st.sampled_from(specific), st.sampled_from(BOUNDARIES), _TEXT)}


def draw_answers(draw: st.DrawFn, fields: Mapping[str, st.SearchStrategy[str]]) -> dict[str, Any]:
    data: dict[str, Any] = draw(form_data(fields))
    data["action"] = [draw(st.sampled_from(["continue", "later", "", "x" * 1000]))]
    return data

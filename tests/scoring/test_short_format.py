"""Dates and numbers as the pages write them: the worklist's and search's
own date writing gives Django's text exactly (``short_format`` for every
short format of both languages, ``reader_day`` for the trend tables' days,
on dates hypothesis picks), and a number reads back as the number given."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.utils import dateformat, formats, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.item_types import number_text
from scoring.templatetags.scoring_tags import short_format

FORMATS = [
    str(formats.get_format(name, language))
    for language in ("da", "en")
    for name in ("SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "DATE_FORMAT")
] + ["d.m.Y H:i", "j/n y", "Y-m-d H:i"]

# Aware, as the pages format them (localtime of a stored time); hypothesis
# takes its bounds naive.
moments = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2100, 12, 31),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
LANGUAGES = st.sampled_from(["da", "en"])


@settings(max_examples=300, deadline=None)
@given(
    moment=moments, format_string=st.sampled_from(FORMATS), language=st.sampled_from(["da", "en"])
)
def test_short_format_writes_what_django_writes(
    moment: dt.datetime, format_string: str, language: str
) -> None:
    with translation.override(language):
        assert short_format(moment, format_string) == dateformat.format(moment, format_string)
        day = moment.date()
        if "H" not in format_string and "P" not in format_string:
            assert short_format(day, format_string) == dateformat.format(day, format_string)


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=dt.date(1900, 1, 1)), language=LANGUAGES)
def test_a_trend_tables_day_reads_as_the_date_filter_writes_it(day: dt.date, language: str) -> None:
    template = Template('{% load scoring_tags %}{{ d|reader_day }}|{{ d|date:"DATE_FORMAT" }}')
    with translation.override(language):
        ours, django = template.render(Context({"d": day})).split("|")
    assert ours == django


@settings(max_examples=500, deadline=None)
@given(
    value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    language=LANGUAGES,
)
def test_a_number_reads_back_as_the_number_given(value: float, language: str) -> None:
    """A decimal answer or an unrounded score is written with every digit it
    has, in the reader's decimal sign — also a tiny one whose shortest form
    is 1e-05 (that raised IndexError, a 500 on the page showing it, and
    1.5e-07 read "0,00000")."""
    written = number_text(value, language)
    assert float(written.replace(",", ".") if language == "da" else written) == value

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from django import template
from django.utils import dateformat, formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from pro_portal.html import html, html_join
from pro_portal.i18n import page_language
from questionnaires.item_types import day_text
from scoring.presentation import INCOMPLETE, SAFETY_UNANSWERED
from scoring.worklist import ConsultationRow, ResponseRow

if TYPE_CHECKING:
    from scoring.search import Row as SearchRow

register = template.Library()


_COLOURS = {
    # colour: (css class, shape, word) — a colour is never the only signal.
    "red": ("colour-red", "▲", _("Red")),
    "yellow": ("colour-yellow", "■", _("Yellow")),
    "green": ("colour-green", "●", _("Green")),
    "not_assessable": ("colour-na", "?", _("Not assessable")),
    # Shown states beside the stored colours (scoring.presentation): a safety
    # question left unanswered ranks with red and looks it; incomplete is quiet.
    SAFETY_UNANSWERED: ("colour-red", "▲", _("Safety question unanswered")),
    INCOMPLETE: ("colour-na", "?", _("Incomplete")),
    None: ("colour-none", "–", _("Not answered")),
}


@register.filter
def colour_badge(colour: str | None) -> SafeString:
    """The colour as a shape, a word and a colour (cheaper than an include per row)."""
    return _badge(colour if colour in _COLOURS else None, page_language())


@register.filter
def colour_word(colour: str | None) -> str:
    """The colour as a word alone, for plain text."""
    return str(_COLOURS[colour if colour in _COLOURS else None][2])


@functools.lru_cache(maxsize=64)
def _badge(colour: str | None, language: str | None) -> SafeString:
    # Seven states × a few languages: built once each, not once per row.
    css, shape, word = _COLOURS[colour]
    return format_html(
        '<span class="colour {}"><span aria-hidden="true">{}</span> {}</span>', css, shape, word
    )


@register.filter
def svg(markup: str) -> SafeString:
    """Trend SVG built by scoring.charts, which escapes every text it holds."""
    return mark_safe(markup)  # noqa: S308 - generated markup, labels escaped in charts.py


@register.simple_tag
def day_row(row: ConsultationRow, clinical: bool) -> SafeString:
    """One row of the day list.

    Built here rather than in the template: a day of 100 consultations
    rendered through a dozen template nodes per row took a fifth of the page's
    server time (tests/benchmarks/bench_day_list.py). Built with ``html()``,
    which escapes every value unless it is markup already (the badges, built
    and escaped once per language), so no value can reach the page unescaped.
    """
    starts = timezone.localtime(row.starts_at).strftime("%H:%M")
    states = ", ".join(row.invitation_states) or "–"
    overall = row.overall or "none"
    if not clinical:
        return html(
            '<tr class="row-{}"><td>{}</td><td>{}</td><td>{}</td></tr>',
            overall,
            starts,
            row.patient.name,
            states,
        )
    language = page_language()
    reviewed = _reviewed_badge(language)
    links = html_join(
        ", ",
        (
            html('<a href="{}">{}</a>{}', r.summary_url, r.questionnaire_title, reviewed)
            if r.reviewed
            else html('<a href="{}">{}</a>', r.summary_url, r.questionnaire_title)
            for r in row.responses
        ),
    )
    badge = _badge(row.overall if row.overall in _COLOURS else None, language)
    return html(
        '<tr class="row-{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        overall,
        starts,
        row.patient.name,
        states,
        badge,
        links or "–",
    )


@functools.lru_cache(maxsize=16)
def _reviewed_badge(language: str | None) -> SafeString:
    return format_html(' <span class="badge text-bg-light">{}</span>', _("reviewed"))


@register.simple_tag
def search_row(row: SearchRow, clinical: bool) -> SafeString:
    """One patient found by a search, with the newest responses (clinicians).

    Built here for the reason ``day_row`` is: 50 patients with 5 responses
    each through the template's nodes and ``date`` filters cost more than
    the search itself (tests/benchmarks/bench_search.py). The markup is the
    template's, every value escaped by ``html()``; dates are formatted with
    the language's own ``SHORT_DATE_FORMAT`` and ``SHORT_DATETIME_FORMAT``,
    as the ``date`` filter formats them.
    """
    language = page_language()
    date_format, datetime_format = _short_formats(get_language())
    patient = row.patient
    head = html(
        '<li class="list-group-item"><strong><a href="{}">{}</a></strong> ({})\n      ',
        row.url,
        patient.name,
        short_format(patient.birth_date, date_format) if patient.birth_date else "",
    )
    if not clinical:
        return html("{}\n    </li>", head)
    items = html_join(
        "",
        (
            html(
                '<li>{} <a href="{}">{}</a> {}</li>',
                _badge(r.overall if r.overall in _COLOURS else None, language),
                r.summary_url,
                r.questionnaire_title,
                short_format(timezone.localtime(r.submitted_at), datetime_format),
            )
            for r in row.responses.newest
        ),
    ) or html("<li>{}</li>", gettext("No submitted responses."))
    more = row.responses.more
    earlier = (
        html(
            '<li class="search-more-responses"><a href="{}">{}</a></li>',
            row.url,
            # Our own text and a number, kept as the template's blocktranslate
            # writes it (not escaped).
            mark_safe(  # noqa: S308
                ngettext(
                    "and %(more)s earlier response: see the patient's page",
                    "and %(more)s earlier responses: see the patient's page",
                    more,
                )
                % {"more": int(more)}
            ),
        )
        if more
        else ""
    )
    return html("{}<ul>{}\n        {}</ul>\n    </li>", head, items, earlier)


# Django's date format codes that are plain numbers, written without Django:
# ``dateformat.format`` builds a formatter object and walks the format with a
# regular expression for every date, and a list of 50 patients with their
# newest responses writes 300 dates. A format with any other code ("P",
# "F", …) goes to Django as before; ``tests/scoring/test_short_format.py``
# checks both give the same text.
_NUMERIC_CODES: dict[str, Callable[[dt.date], str]] = {
    "d": lambda t: f"{t.day:02d}",
    "j": lambda t: str(t.day),
    "m": lambda t: f"{t.month:02d}",
    "n": lambda t: str(t.month),
    "Y": lambda t: f"{t.year:04d}",
    "y": lambda t: f"{t.year % 100:02d}",
    "H": lambda t: f"{t.hour:02d}",  # type: ignore[attr-defined]
    "i": lambda t: f"{t.minute:02d}",  # type: ignore[attr-defined]
}


@functools.lru_cache(maxsize=32)
def _numeric(format_string: str) -> tuple[str | Callable[[dt.date], str], ...] | None:
    """The format as literal texts and numeric codes; None when it uses another code."""
    parts: list[str | Callable[[dt.date], str]] = []
    for char in format_string:
        if char in _NUMERIC_CODES:
            parts.append(_NUMERIC_CODES[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            parts.append(char)
    return tuple(parts)


def short_format(value: dt.date, format_string: str) -> str:
    """``dateformat.format(value, format_string)``, faster for numeric formats."""
    parts = _numeric(format_string)
    if parts is None:
        return dateformat.format(value, format_string)
    return "".join(part if isinstance(part, str) else part(value) for part in parts)


@functools.lru_cache(maxsize=16)
def _short_formats(language: str | None) -> tuple[str, str]:
    # The language's formats, looked up once each, not once per date.
    return (
        str(formats.get_format("SHORT_DATE_FORMAT", language)),
        str(formats.get_format("SHORT_DATETIME_FORMAT", language)),
    )


@register.simple_tag
def awaiting_row(row: ResponseRow) -> SafeString:
    """One row of the awaiting-review list (50 a page), built as ``day_row``
    is, with the template's markup."""
    language = page_language()
    _date, datetime_format = _short_formats(get_language())
    starts = row.consultation_starts_at
    return html(
        '<tr class="row-{}"><td>{}</td>\n      <td><a href="{}">{}</a></td>\n'
        '      <td>{} <span class="text-body-secondary">{}</span></td>\n'
        "      <td>{}</td>\n      <td>{}</td></tr>",
        row.overall or "none",
        _badge(row.overall if row.overall in _COLOURS else None, language),
        row.summary_url,
        row.patient.name,
        row.questionnaire_title,
        row.version,
        short_format(timezone.localtime(row.submitted_at), datetime_format),
        short_format(timezone.localtime(starts), datetime_format) if starts else "–",
    )


@register.simple_tag
def overdue_row(row: ResponseRow) -> SafeString:
    """One row of the overdue block above both worklist tabs (20 a page),
    built as ``day_row`` is, with the template's markup."""
    language = page_language()
    _date, datetime_format = _short_formats(get_language())
    starts = row.consultation_starts_at
    consultation = (
        html(
            "({} {})",
            gettext("consultation"),
            short_format(timezone.localtime(starts), datetime_format),
        )
        if starts
        else ""
    )
    return html(
        '<li>{} <a class="alert-link" href="{}">{}</a>\n      – {}, {} {}\n      {}</li>',
        _badge(row.overall if row.overall in _COLOURS else None, language),
        row.summary_url,
        row.patient.name,
        row.questionnaire_title,
        gettext("submitted"),
        short_format(timezone.localtime(row.submitted_at), datetime_format),
        consultation,
    )


@register.filter
def reader_day(day: dt.date) -> str:
    """A (local) date as ``date:"DATE_FORMAT"`` writes it in the page's
    language, from the cache ``day_text`` keeps: a trend table writes one per
    response of the patient's history, the same days on every view."""
    return day_text(day, get_language())

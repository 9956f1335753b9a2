from __future__ import annotations

import functools
from html import escape

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from pro_portal.i18n import page_language
from scoring.worklist import ConsultationRow

register = template.Library()


_COLOURS = {
    # colour: (css class, shape, word) — a colour is never the only signal.
    "red": ("colour-red", "▲", _("Red")),
    "yellow": ("colour-yellow", "■", _("Yellow")),
    "green": ("colour-green", "●", _("Green")),
    "not_assessable": ("colour-na", "?", _("Not assessable")),
    None: ("colour-none", "–", _("Not answered")),
}


@register.filter
def colour_badge(colour: str | None) -> SafeString:
    """The colour as a shape, a word and a colour (cheaper than an include per row)."""
    return _badge(colour if colour in _COLOURS else None, page_language())


@functools.lru_cache(maxsize=64)
def _badge(colour: str | None, language: str | None) -> SafeString:
    # Five colours × a few languages: built once each, not once per row.
    css, shape, word = _COLOURS[colour]
    return format_html(
        '<span class="colour {}"><span aria-hidden="true">{}</span> {}</span>', css, shape, word
    )


@register.filter
def signed(value: float | None) -> str:
    """A change with its sign: +3, −2, 0."""
    if value is None:
        return ""
    return f"+{value:g}" if value > 0 else f"−{abs(value):g}" if value < 0 else "0"


@register.filter
def svg(markup: str) -> SafeString:
    """Trend SVG built by scoring.charts, which escapes every text it holds."""
    return mark_safe(markup)  # noqa: S308 - generated markup, labels escaped in charts.py


@register.simple_tag
def day_row(row: ConsultationRow, clinical: bool) -> SafeString:
    """One row of the day list.

    Built here rather than in the template: a day of 100 consultations
    rendered through a dozen template nodes per row took a fifth of the page's
    server time (tests/benchmarks/bench_day_list.py), and format_html per cell
    still cost a tenth. Every value that comes from data goes through
    ``escape``; the badges are built (and escaped) once per language.
    """
    starts = timezone.localtime(row.starts_at).strftime("%H:%M")
    states = ", ".join(row.invitation_states) or "–"
    cells = f"<td>{starts}</td><td>{escape(row.patient.name)}</td><td>{escape(states)}</td>"
    if clinical:
        language = page_language()
        reviewed = _reviewed_badge(language)
        links = ", ".join(
            f'<a href="{escape(r.summary_url)}">{escape(r.questionnaire_title)}</a>'
            f"{reviewed if r.reviewed else ''}"
            for r in row.responses
        )
        badge = _badge(row.overall if row.overall in _COLOURS else None, language)
        cells += f"<td>{badge}</td><td>{links or '–'}</td>"
    overall = escape(row.overall or "none")
    return mark_safe(f'<tr class="row-{overall}">{cells}</tr>')  # noqa: S308 - escaped above


@functools.lru_cache(maxsize=16)
def _reviewed_badge(language: str | None) -> SafeString:
    return format_html(' <span class="badge text-bg-light">{}</span>', _("reviewed"))

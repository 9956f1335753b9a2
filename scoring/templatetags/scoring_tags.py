from __future__ import annotations

import functools

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

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
    return _badge(colour if colour in _COLOURS else None, get_language())


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

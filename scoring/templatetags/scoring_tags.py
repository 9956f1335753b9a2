from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from questionnaires.models import Invitation

register = template.Library()


@register.filter
def invitation_state(invitation: Invitation) -> str:
    """The invitation's state as the secretary reads it (expired when run out)."""
    return str(Invitation.State(invitation.current_state).label)


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

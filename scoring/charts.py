"""Trend graphs as plain, self-contained SVG (the same markup in HTML and PDF).

Written by hand rather than with a charting library: a dozen points on one
line need no JavaScript, must render identically in WeasyPrint, and must stay
readable without colour (values are printed beside each point, and the page
shows the same numbers as a table).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from scoring.engine import Band

WIDTH, HEIGHT = 320, 130
LEFT, RIGHT, TOP, BOTTOM = 34, 12, 12, 28


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / span)


def trend_svg(
    points: Sequence[tuple[dt.date, float | int]],
    *,
    label: str,
    value_range: tuple[float, float] | None = None,
    bands: Sequence[Band] = (),
) -> str:
    """An SVG line chart of ``points`` (date, value), oldest first."""
    values = [float(v) for _, v in points]
    low, high = value_range if value_range else (min(values, default=0), max(values, default=1))
    low, high = float(low), float(high)
    title = escape(label)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{title}" class="trend">',
        f"<title>{title}</title>",
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#6c757d"/>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#6c757d"/>',
    ]
    for value in (low, high):
        parts.append(
            f'<text x="{LEFT - 4}" y="{_y(value, low, high) + 4:.1f}" text-anchor="end" '
            f'font-size="10">{value:g}</text>'
        )
    for band in bands[1:]:
        # A dotted line where each band starts: where the cut-offs lie.
        y = _y(float(band.min), low, high)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#adb5bd" stroke-dasharray="2 3"/>'
        )
    if not points:
        parts.append(f'<text x="{LEFT + 8}" y="{HEIGHT / 2:.0f}" font-size="11">–</text>')
    else:
        step = (WIDTH - LEFT - RIGHT - 20) / max(len(points) - 1, 1)
        coords = [
            (LEFT + 10 + i * step, _y(float(v), low, high)) for i, (_, v) in enumerate(points)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0b3d91" stroke-width="2"/>')
        last = len(points) - 1
        for i, ((x, y), (day, value)) in enumerate(zip(coords, points, strict=True)):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#0b3d91"/>')
            parts.append(
                f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" font-size="10">'
                f"{float(value):g}</text>"
            )
            if i in (0, last):  # the first and last dates; the table beside has them all
                parts.append(
                    f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                    f'font-size="9">{day:%d.%m.%y}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)

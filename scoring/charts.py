"""Trend graphs as plain, self-contained SVG.

Written by hand rather than with a charting library: a dozen points on one
line need no JavaScript, must render identically in a browser and in
WeasyPrint, and must stay readable without colour. Two shapes:

- ``trend_svg``, the web summary's chart: axis, values beside each point,
  first and last date (the page shows every value in a table as well);
- ``sparkline_svg``, the PDF's chart in the scores table: the same line on the
  instrument's full range with the band cut-offs, and no text inside. The
  values are printed beside it as ordinary text, which WeasyPrint lays out
  once; every SVG ``<text>`` is laid out on its own and cost a quarter of the
  PDF's render time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from scoring.engine import Band

Points = Sequence[tuple[dt.date, float | int]]


@dataclass(frozen=True)
class _Plot:
    """Where the line is drawn inside the viewBox, and the values it spans."""

    left: float
    right: float
    top: float
    bottom: float
    low: float
    high: float

    @classmethod
    def over(cls, points: Points, value_range: tuple[float, float] | None, **box: float) -> _Plot:
        values = [float(v) for _, v in points]
        low, high = value_range if value_range else (min(values, default=0), max(values, default=1))
        return cls(low=float(low), high=float(high), **box)

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1
        return self.bottom - (self.bottom - self.top) * (value - self.low) / span

    def coords(self, points: Points, inset: float) -> list[tuple[float, float]]:
        step = (self.right - self.left - 2 * inset) / max(len(points) - 1, 1)
        return [(self.left + inset + i * step, self.y(float(v))) for i, (_, v) in enumerate(points)]

    def band_lines(self, bands: Sequence[Band]) -> list[str]:
        """A dotted line where each band starts: where the cut-offs lie."""
        lines = []
        for band in bands[1:]:
            y = self.y(float(band.min))
            lines.append(
                f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.right}" y2="{y:.1f}" '
                'stroke="#adb5bd" stroke-dasharray="2 3"/>'
            )
        return lines


def _polyline(coords: list[tuple[float, float]]) -> str:
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    return f'<polyline points="{path}" fill="none" stroke="#0b3d91" stroke-width="2"/>'


def _open(width: int, height: int, label: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{label}" class="{css_class}">',
        f"<title>{label}</title>",
    ]


def trend_svg(
    points: Points,
    *,
    label: str,
    value_range: tuple[float, float] | None = None,
    bands: Sequence[Band] = (),
) -> str:
    """An SVG line chart of ``points`` (date, value), oldest first."""
    width, height = 320, 130
    plot = _Plot.over(points, value_range, left=34, right=width - 12, top=12, bottom=height - 28)
    parts = _open(width, height, escape(label), "trend")
    parts += [
        f'<line x1="{plot.left}" y1="{plot.top}" x2="{plot.left}" y2="{plot.bottom}" '
        'stroke="#6c757d"/>',
        f'<line x1="{plot.left}" y1="{plot.bottom}" x2="{plot.right}" y2="{plot.bottom}" '
        'stroke="#6c757d"/>',
    ]
    for value in (plot.low, plot.high):
        parts.append(
            f'<text x="{plot.left - 4}" y="{plot.y(value) + 4:.1f}" text-anchor="end" '
            f'font-size="10">{value:g}</text>'
        )
    parts += plot.band_lines(bands)
    if not points:
        parts.append(f'<text x="{plot.left + 8}" y="{height / 2:.0f}" font-size="11">–</text>')
    else:
        coords = plot.coords(points, inset=10)
        parts.append(_polyline(coords))
        last = len(points) - 1
        for i, ((x, y), (day, value)) in enumerate(zip(coords, points, strict=True)):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#0b3d91"/>')
            parts.append(
                f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" font-size="10">'
                f"{float(value):g}</text>"
            )
            if i in (0, last):  # the first and last dates; the table beside has them all
                parts.append(
                    f'<text x="{x:.1f}" y="{plot.bottom + 14}" text-anchor="middle" '
                    f'font-size="9">{day:%d.%m.%y}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(
    points: Points,
    *,
    label: str,
    value_range: tuple[float, float] | None = None,
    bands: Sequence[Band] = (),
) -> str:
    """A small line of ``points`` on the full ``value_range``, without text.

    The scale is the instrument's whole range, never the points' own spread,
    so a change of one point on a 0–100 score looks as small as it is; the
    newest point is the larger dot.
    """
    width, height = 200, 34
    plot = _Plot.over(points, value_range, left=1, right=width - 1, top=4, bottom=height - 4)
    values = ", ".join(f"{float(v):g}" for _, v in points)
    parts = _open(width, height, escape(f"{label}: {values}"), "sparkline")
    parts.append(
        f'<rect x="{plot.left}" y="{plot.top}" width="{plot.right - plot.left}" '
        f'height="{plot.bottom - plot.top}" fill="none" stroke="#ced4da" stroke-width="0.8"/>'
    )
    parts += plot.band_lines(bands)
    if points:
        coords = plot.coords(points, inset=6)
        parts.append(_polyline(coords))
        for i, (x, y) in enumerate(coords):
            radius = 3.5 if i == len(coords) - 1 else 2.2
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="#0b3d91"/>')
    parts.append("</svg>")
    return "".join(parts)

"""Trend graphs as plain, self-contained SVG.

Written by hand rather than with a charting library: a dozen points on one
line need no JavaScript, must render identically in a browser and in
WeasyPrint, and must stay readable without colour. Two shapes:

- ``trend_svg``, the web summary's chart: axis, values beside each point,
  first and last date (the page shows every value in a table as well);
- ``sparkline_svg``, the PDF's chart in the scores table: the same line on the
  same scale with the band cut-offs, and no text inside. The values are
  printed beside it as ordinary text, which WeasyPrint lays out once; every
  SVG ``<text>`` is laid out on its own and cost a quarter of the PDF's
  render time.

Both draw on ``display_range`` (the rule is written there) and write numbers
and dates as the reader does ("25,9", "9. august 2026").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from questionnaires.item_types import day_text, number_text
from scoring.engine import Band

Points = Sequence[tuple[dt.date, float | int]]

# display_range: an outer band wider than this share of the range marks a
# measurement whose extreme is a plausibility limit; padding on each side of
# what must be seen, as a share of it.
OPEN_BAND_SHARE = 2 / 3
PAD_SHARE = 0.2
STEPS = (1, 2, 5)  # axis ends fall on multiples of 1, 2 or 5 × 10ⁿ


def _nice_step(span: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ that cuts ``span`` into at most five steps."""
    rough = span / 5
    power = 10.0 ** math.floor(math.log10(rough))
    return next((s * power for s in STEPS if s * power >= rough), 10 * power)


def display_range(
    values: Sequence[float | int],
    *,
    extremes: tuple[float | int, float | int] | None,
    bands: Sequence[Band] = (),
) -> tuple[float, float]:
    """The values a chart's axis spans: the score's meaningful range.

    A definition's ``range`` is the instrument's extreme, and for a
    measurement it is a plausibility limit rather than a scale anyone reads
    (BMI 5–210, activity 0–9000 minutes a week): a line drawn on it is flat.
    The rule:

    1. No range declared: the values' own.
    2. The instrument's whole range when the definition has no band cut-offs
       (nothing else says what matters), or when no outer band covers more
       than two thirds of the range: a questionnaire whose bands tile its
       scale (PHQ-9 0–27, WHO-5 0–100, mMRC 0–4) is read on that familiar
       scale, on which a change looks as big as it is.
    3. A measurement — an outer band that is open-ended in meaning and
       runs to a plausibility limit ("obesity class III, ≥ 40" up to 210,
       "above 300 min/week" up to 9000): the bands the values lie in, from
       where the lowest value's band starts to where the highest value's band
       ends (the outer band's extreme is no end: the value itself then), or
       with no values every cut-off; padded by a fifth of that span on each
       side (at least 1 % of the range), rounded outwards to a multiple of 1,
       2 or 5 × 10ⁿ, never beyond the instrument's extremes.

    Definitions declare no separate display range: a new key would mean new
    versions of published definitions, and the bands already say where the
    meaning lies.
    """
    seen = [float(v) for v in values]
    if extremes is None:
        return (min(seen, default=0.0), max(seen, default=1.0))
    floor, ceiling = float(extremes[0]), float(extremes[1])
    whole = (floor, ceiling)
    cut_offs = sorted(float(band.min) for band in bands[1:])
    outer = max(cut_offs[0] - floor, ceiling - cut_offs[-1]) if cut_offs else 0.0
    if outer <= OPEN_BAND_SHARE * (ceiling - floor):
        return whole
    if seen:
        low = max((c for c in cut_offs if c <= min(seen)), default=min(seen))
        high = min((c for c in cut_offs if c > max(seen)), default=max(seen))
    else:
        low, high = cut_offs[0], cut_offs[-1]
    pad = max((high - low) * PAD_SHARE, (ceiling - floor) / 100)
    step = _nice_step(high - low + 2 * pad)
    low = max(floor, math.floor(round((low - pad) / step, 9)) * step)
    high = min(ceiling, math.ceil(round((high + pad) / step, 9)) * step)
    return (round(low, 9), round(high, 9))  # no binary noise (0.6000000000000001)


def dates_text(points: Points, language: str) -> str:
    """The first and last date of ``points`` as the reader writes them."""
    if not points:
        return ""
    first, last = day_text(points[0][0], language), day_text(points[-1][0], language)
    return first if first == last else f"{first} – {last}"


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
    def over(cls, low_high: tuple[float, float], **box: float) -> _Plot:
        return cls(low=low_high[0], high=low_high[1], **box)

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1
        return self.bottom - (self.bottom - self.top) * (value - self.low) / span

    def coords(self, points: Points, inset: float) -> list[tuple[float, float]]:
        step = (self.right - self.left - 2 * inset) / max(len(points) - 1, 1)
        return [(self.left + inset + i * step, self.y(float(v))) for i, (_, v) in enumerate(points)]

    def band_lines(self, bands: Sequence[Band]) -> list[str]:
        """A dotted line where each band starts inside the drawn range: where the cut-offs lie."""
        lines = []
        for band in bands[1:]:
            if not self.low < float(band.min) < self.high:
                continue
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


def _spoken(label: str, points: Points, language: str) -> str:
    """The chart's accessible name: the label, its values and their dates."""
    values = " → ".join(number_text(v, language) for _, v in points)
    return escape(f"{label}: {values} ({dates_text(points, language)})" if points else label)


def trend_svg(
    points: Points,
    *,
    label: str,
    language: str,
    value_range: tuple[float | int, float | int] | None = None,
    bands: Sequence[Band] = (),
) -> str:
    """An SVG line chart of ``points`` (date, value), oldest first."""
    width, height = 320, 130
    shown = display_range([v for _, v in points], extremes=value_range, bands=bands)
    plot = _Plot.over(shown, left=34, right=width - 12, top=12, bottom=height - 28)
    parts = _open(width, height, _spoken(label, points, language), "trend")
    parts += [
        f'<line x1="{plot.left}" y1="{plot.top}" x2="{plot.left}" y2="{plot.bottom}" '
        'stroke="#6c757d"/>',
        f'<line x1="{plot.left}" y1="{plot.bottom}" x2="{plot.right}" y2="{plot.bottom}" '
        'stroke="#6c757d"/>',
    ]
    for value in (plot.low, plot.high):
        parts.append(
            f'<text x="{plot.left - 4}" y="{plot.y(value) + 4:.1f}" text-anchor="end" '
            f'font-size="10">{number_text(value, language)}</text>'
        )
    parts += plot.band_lines(bands)
    if not points:
        parts.append(f'<text x="{plot.left + 8}" y="{height / 2:.0f}" font-size="11">–</text>')
    else:
        coords = plot.coords(points, inset=10)
        parts.append(_polyline(coords))
        for (x, y), (_, value) in zip(coords, points, strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#0b3d91"/>')
            parts.append(
                f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" font-size="10">'
                f"{number_text(value, language)}</text>"
            )
        # The first and last dates, under the ends of the axis (a long date
        # such as "9. august 2026" centred under the first point would leave
        # the chart); the table beside has them all.
        first = day_text(points[0][0], language)
        parts.append(
            f'<text x="{plot.left}" y="{plot.bottom + 14}" text-anchor="start" '
            f'font-size="9">{escape(first)}</text>'
        )
        if len(points) > 1:
            parts.append(
                f'<text x="{plot.right}" y="{plot.bottom + 14}" text-anchor="end" '
                f'font-size="9">{escape(day_text(points[-1][0], language))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(
    points: Points,
    *,
    label: str,
    language: str,
    value_range: tuple[float | int, float | int] | None = None,
    bands: Sequence[Band] = (),
) -> str:
    """A small line of ``points`` on the score's ``display_range``, without text.

    The scale is the one the web chart uses (cut-offs and values, or the
    instrument's whole range), never the points' own spread alone, so a change
    of one point on a 0–100 score looks as small as it is; the newest point is
    the larger dot.
    """
    width, height = 200, 34
    shown = display_range([v for _, v in points], extremes=value_range, bands=bands)
    plot = _Plot.over(shown, left=1, right=width - 1, top=4, bottom=height - 4)
    parts = _open(width, height, _spoken(label, points, language), "sparkline")
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

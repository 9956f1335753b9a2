"""Trend charts: the axis spans the score's meaningful range, in the reader's numbers and dates.

The library's scores (questionnaires/definitions): BMI is banded by the WHO
classes (cut-offs 18.5, 25, 30, 35, 40) on a plausibility range of 5–210;
activity by the WHO 2020 guideline (150 and 301 min/week) on 0–9000; PHQ-9
0–27 (5, 10, 15, 20), WHO-5 0–100 (29, 51), mMRC 0–4 (2), PEG 0–10 unbanded.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from questionnaires.library import LIBRARY_DIR, read_definition
from scoring.charts import display_range, sparkline_svg, trend_svg
from scoring.engine import Band


def bands(*cut_offs: float, low: float, high: float) -> tuple[Band, ...]:
    """Bands tiling low–high that start at each cut-off (their ends do not matter here)."""
    starts = (low, *cut_offs)
    ends = (*cut_offs, high)
    return tuple(
        Band(code=f"b{i}", min=s, max=e) for i, (s, e) in enumerate(zip(starts, ends, strict=True))
    )


BMI = bands(18.5, 25.0, 30.0, 35.0, 40.0, low=5, high=210)
ACTIVITY = bands(150, 301, low=0, high=9000)
PHQ9 = bands(5, 10, 15, 20, low=0, high=27)
WHO5 = bands(29, 51, low=0, high=100)
MMRC = bands(2, low=0, high=4)


@pytest.mark.parametrize(
    ("values", "extremes", "score_bands", "expected"),
    [
        # BMI 22.9 → 25.9: normal and pre-obesity bands, 18.5–30, padded by
        # 2.3 to 16.2–32.3, rounded to fives: 15–35 (not 5–210).
        ([22.9, 24.9, 25.9], (5, 210), BMI, (15, 35)),
        # One value in the open top class (≥ 40): from 40 to the value, padded
        # by at least 1 % of the range (2.05), rounded to twos: 36–48.
        ([45], (5, 210), BMI, (36, 48)),
        # Underweight, the open bottom class: 17 up to 18.5 → 14–22.
        ([17], (5, 210), BMI, (14, 22)),
        # No values yet: every cut-off, 18.5–40 → 10–50.
        ([], (5, 210), BMI, (10, 50)),
        # Activity 200 → 420 min/week: from 150 (the "within" band) to 420,
        # padded by 54 → 96–474, rounded to hundreds: 0–600 (not 0–9000).
        ([200, 200, 420], (0, 9000), ACTIVITY, (0, 600)),
        # 3000 min/week: 301–3000 padded → 0–4000, still not 9000.
        ([3000], (0, 9000), ACTIVITY, (0, 4000)),
        # Questionnaires whose bands tile their scale keep the whole scale.
        ([0, 0, 0], (0, 27), PHQ9, (0, 27)),
        ([80, 68, 80], (0, 100), WHO5, (0, 100)),
        ([20], (0, 100), WHO5, (0, 100)),
        ([2], (0, 4), MMRC, (0, 4)),
        # No bands: nothing says what matters but the instrument's range.
        ([5, 5, 5], (0, 10), (), (0, 10)),
        # No range declared: the values' own.
        ([3, 7], None, (), (3, 7)),
    ],
)
def test_the_axis_spans_the_bands_the_values_lie_in_or_the_questionnaires_scale(
    values, extremes, score_bands, expected
) -> None:
    assert display_range(values, extremes=extremes, bands=score_bands) == expected


def test_every_library_score_draws_within_its_extremes_and_measurements_zoom_in() -> None:
    for path in sorted(LIBRARY_DIR.glob("*/1.0.0.yaml")):
        for score in read_definition(path).get("scores", []):
            if "range" not in score:
                continue
            floor, ceiling = score["range"]
            score_bands = tuple(
                Band(code=b["code"], min=b["min"], max=b["max"]) for b in score.get("bands", [])
            )
            low, high = display_range([], extremes=(floor, ceiling), bands=score_bands)
            assert floor <= low < high <= ceiling, score["id"]
            if score["id"] in ("bmi", "activity_min"):  # the two measurements in the library
                assert high - low < (ceiling - floor) / 4, score["id"]
            else:
                assert (low, high) == (floor, ceiling), score["id"]


def y_of_points(svg: str) -> list[float]:
    return [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]


def test_a_bmi_rise_of_three_is_visible_on_the_sparkline() -> None:
    points = [
        (dt.date(2026, 8, 9), 22.9),
        (dt.date(2026, 10, 8), 24.9),
        (dt.date(2026, 12, 7), 25.9),
    ]
    svg = sparkline_svg(points, label="BMI", language="da", value_range=(5, 210), bands=BMI)
    ys = y_of_points(svg)
    # 34 px high, 26 px drawn: on 5–210 the rise was 0.4 px; on 15–35 it is 3.9 px.
    assert ys[0] - ys[-1] > 3


@pytest.mark.parametrize(
    ("language", "value", "first", "last"),
    [
        ("da", "25,9", "9. august 2026", "7. december 2026"),
        ("en", "25.9", "Aug. 9, 2026", "Dec. 7, 2026"),
    ],
)
def test_chart_labels_are_written_as_the_reader_writes_numbers_and_dates(
    language, value, first, last
) -> None:
    points = [(dt.date(2026, 8, 9), 22.9), (dt.date(2026, 12, 7), 25.9)]
    svg = trend_svg(points, label="BMI", language=language, value_range=(5, 210), bands=BMI)
    labels = re.findall(r">([^<>]+)</text>", svg)
    assert value in labels
    assert first in labels
    assert last in labels
    other = "25.9" if language == "da" else "25,9"
    assert other not in svg  # not even in the accessible name
    assert labels[:2] == ["15", "35"]  # the axis: 15–35, not 5–210

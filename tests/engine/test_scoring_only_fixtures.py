"""The same machinery expresses other instruments' published scoring rules.

Numbers-only fixtures in tests/fixtures/scoring_only/ (``languages: []``):
each is parsed, its hand-worked test vectors run, and a few direct checks
made here. Expected numbers are worked by hand from the cited source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from questionnaires.library import load_definition
from scoring.engine import Definition, evaluate, run_test_vectors

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scoring_only"
NAMES = ["hads", "odi", "isi", "paindetect", "pcs", "startback", "eq5d5l"]


def fixture(name: str) -> Definition:
    return load_definition(FIXTURES / f"{name}.yaml")


@pytest.mark.parametrize("name", NAMES)
def test_a_scoring_fixture_parses_and_passes_its_hand_worked_vectors(name: str) -> None:
    definition = fixture(name)
    assert definition.languages == ()
    assert len(definition.test_vectors) >= 6
    assert run_test_vectors(definition) == []


def test_every_fixture_in_the_folder_is_tested() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.yaml")) == sorted(NAMES)


def score(name: str, answers: dict[str, Any], score_id: str) -> tuple[Any, Any]:
    result = evaluate(fixture(name), answers).score(score_id)
    return result.value, result.band


def same(prefix: str, count: int, code: str, **overrides: str | None) -> dict[str, Any]:
    answers: dict[str, Any] = {f"{prefix}.{n}": code for n in range(1, count + 1)}
    answers.update({key.replace("_", "."): value for key, value in overrides.items()})
    return answers


def test_hads_subscales_take_the_odd_and_even_items() -> None:
    # Zigmond & Snaith 1983: A = odd items, D = even items.
    answers = {f"hads.{n}": ("3" if n % 2 else "1") for n in range(1, 15)}
    assert score("hads", answers, "hads_a") == (21, "abnormal")  # 7 × 3
    assert score("hads", answers, "hads_d") == (7, "normal")  # 7 × 1
    assert score("hads", answers, "hads_total") == (28, None)


def test_odi_is_a_percentage_of_the_answered_sections() -> None:
    # Fairbank & Pynsent 2000: 23 / (5 × 10) × 100 = 46 (severe)
    answers = dict(zip([f"odi.{n}" for n in range(1, 11)], "3210452132", strict=True))
    assert score("odi", answers, "odi") == (46, "severe")
    # section 1 (answered 3) missed: 20 / (5 × 9) × 100 = 44.4 → 44
    del answers["odi.1"]
    assert score("odi", answers, "odi") == (44, "severe")


@pytest.mark.parametrize(
    ("code", "total", "band"),
    [("0", 0, "none"), ("2", 14, "subthreshold"), ("3", 21, "moderate"), ("4", 28, "severe")],
)
def test_isi_bands(code: str, total: int, band: str) -> None:
    assert score("isi", same("isi", 7, code), "isi") == (total, band)  # 7 × code


PAINDETECT_BASE = {
    "pd.burning": "2",
    "pd.tingling": "2",
    "pd.touch": "2",
    "pd.attacks": "2",
    "pd.temperature": "2",
    "pd.numbness": "1",
    "pd.pressure": "1",  # 12
}


@pytest.mark.parametrize(
    ("course", "radiating", "total", "band"),
    [
        ("persistent_slight", "no", 12, "negative"),  # 12 + 0 + 0
        ("persistent_attacks", "no", 11, "negative"),  # 12 − 1
        ("attacks_free_between", "no", 13, "unclear"),  # 12 + 1
        ("attacks_pain_between", "yes", 15, "unclear"),  # 12 + 1 + 2
    ],
)
def test_paindetect_counts_the_course_pattern_and_radiation(
    course: str, radiating: str, total: int, band: str
) -> None:
    answers = {**PAINDETECT_BASE, "pd.course": course, "pd.radiating": radiating}
    assert score("paindetect", answers, "paindetect") == (total, band)


def test_pcs_total_is_the_sum_of_its_subscales() -> None:
    # items 1..13 answered 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3
    answers = {f"pcs.{n}": str(n % 5) for n in range(1, 14)}
    # rumination 8–11: 3 + 4 + 0 + 1 = 8; magnification 6, 7, 13: 1 + 2 + 3 = 6;
    # helplessness 1–5, 12: 1 + 2 + 3 + 4 + 0 + 2 = 12; total 26
    definition = fixture("pcs")
    result = evaluate(definition, answers)
    assert [
        result.score(s).value
        for s in ("pcs_rumination", "pcs_magnification", "pcs_helplessness", "pcs")
    ] == [8, 6, 12, 26]


@pytest.mark.parametrize(
    ("agree", "bother", "risk"),
    [
        ((1, 2), "slightly", "low"),  # total 2 + 0 = 2
        ((1, 2, 3), "extremely", "medium"),  # total 3 + 1 = 4, psychosocial 0 + 1 = 1
        ((1, 5, 6), "very_much", "medium"),  # total 3 + 1 = 4, psychosocial 2 + 1 = 3
        ((5, 6, 7, 8), "not_at_all", "high"),  # psychosocial 4 (+ 0)
    ],
)
def test_start_back_risk_groups(agree: tuple[int, ...], bother: str, risk: str) -> None:
    answers = {f"sb.{n}": ("agree" if n in agree else "disagree") for n in range(1, 9)}
    answers["sb.9"] = bother
    result = evaluate(fixture("startback"), answers)
    total, psychosocial = result.score("sb_total").value, result.score("sb_psychosocial").value
    assert total is not None
    assert psychosocial is not None
    # Hill 2008's rule restated from the two scores: the count formula must agree.
    hill = "high" if psychosocial >= 4 else "medium" if total >= 4 else "low"
    assert result.score("sb_risk").band == hill == risk


def test_eq5d5l_index_uses_the_illustrative_table() -> None:
    # 1 − (0.20 + 0.08 + 0.04 + 0.35 + 0.05) = 1 − 0.72 = 0.28
    answers = {"eq5d.mo": "4", "eq5d.sc": "3", "eq5d.ua": "2", "eq5d.pd": "5", "eq5d.ad": "2"}
    assert score("eq5d5l", answers, "eq5d_index") == (0.28, None)

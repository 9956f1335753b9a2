"""PHQ-9 totalled with SDC's weight() and ordinal() (issue 15, part 3).

tests/fixtures/fhir/hand-written/phq9-weight.json (written for these tests
after the LOINC PHQ-9 panel 44249-1): items 1–8 answer from a contained
ValueSet whose concepts carry itemWeight, item 9 from answerOptions carrying
the R4 ordinalValue; Not at all 0, Several days 1, More than half the days
2, Nearly every day 3 (Kroenke, Spitzer & Williams 2001: total 0–27). The
difficulty item has no weights, so it adds nothing. The totals are
``%resource.item.answer.value.weight().sum()`` and the same through
``ordinal()`` restricted to the nine items; the expected values are worked
out by hand from those weights.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from questionnaires.fhir.importer import ImportResult, questionnaire_from_fhir
from scoring.engine import evaluate
from tests.questionnaires.fhir.helpers import FIXTURES

NAME = "phq9-weight.json"
CODES = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]  # weights 0, 1, 2, 3
ITEMS = [f"phq9_{n}" for n in range(1, 10)]


@functools.cache
def imported() -> ImportResult:
    resource = json.loads((FIXTURES / "hand-written" / NAME).read_text(encoding="utf-8"))
    return questionnaire_from_fhir(resource, source=NAME)


def totals(answers: dict[str, Any]) -> tuple[Any, Any]:
    result = evaluate(imported().definition, answers)
    return result.score("phq9_total").value, result.score("phq9_total_ordinal").value


def by_weight(*weights: int) -> dict[str, str]:
    return {item: CODES[w] for item, w in zip(ITEMS, weights, strict=False)}


@pytest.mark.parametrize(
    ("answers", "total"),
    [
        # 1 + 2 + 0 + 3 + 1 + 2 + 2 + 1 + 0 = 12; "Very difficult" weighs nothing
        ({**by_weight(1, 2, 0, 3, 1, 2, 2, 1, 0), "phq9_difficulty": "LA6575-0"}, 12),
        (by_weight(*[3] * 9), 27),  # nine × 3
        (by_weight(*[0] * 9), 0),
        (by_weight(*[1] * 8), 8),  # item 9 unanswered: eight × 1
        (by_weight(0, 0, 0, 0, 0, 0, 0, 0, 3), 3),  # item 9's ordinalValue, from its answerOption
        ({}, 0),  # the sum of no weights
    ],
)
def test_the_weight_and_ordinal_totals_are_the_sums_worked_out_by_hand(
    answers: dict[str, str], total: int
) -> None:
    assert totals(answers) == (total, total)


def test_both_totals_import_without_a_warning_about_weight() -> None:
    warnings = imported().warnings
    assert not [w for w in warnings if "cannot be evaluated" in w], warnings
    # weight().sum() over the top-level items is the engine's own sum (a missing
    # item counts 0); the ordinal() total picks its items by startsWith, so it
    # stays FHIRPath.
    assert [s.method for s in imported().definition.scores] == ["sum", "fhirpath"]
    assert imported().definition.score("phq9_total").counts_as_zero

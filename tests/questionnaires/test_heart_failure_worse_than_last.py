"""Heart failure 1.2.0 reads the answer of the patient's previous response,
whatever version it was answered under (issue 14: worse function since last time)."""

from __future__ import annotations

import pytest

from questionnaires.models import ScoringResult
from tests import factories

pytestmark = pytest.mark.django_db

# Nothing else fires: no orthopnoea, swelling as usual, no weight gain, no chest pain,
# no fainting, WHO-5 all "4" (raw 20 × 4 = 80, WHO-5 scoring note).
CALM = {
    "hf.breathless_lying": "no", "hf.ankle_swelling": "as_usual", "hf.weight_gain": "no",
    "hf.chest_pain": "no", "hf.fainting": "no", **{f"who5.{n}": "4" for n in range(1, 6)},
}  # fmt: skip


def overall_and_flags(response_id: int) -> tuple[str, set[str]]:
    stored = ScoringResult.objects.get(
        response_id=response_id, kind=ScoringResult.Kind.ORIGINAL
    ).engine_result
    return stored.overall, {flag.rule_id for flag in stored.flags}


def test_a_class_worse_than_the_answer_under_1_1_0_is_yellow_under_1_2_0(personas) -> None:
    before = factories.published_version("heart_failure", version="1.1.0")
    now = factories.published_version("heart_failure", version="1.2.0")
    factories.submitted(personas.patient, before, {**CALM, "hf.limitation": "none"})
    later = factories.submitted(personas.patient, now, {**CALM, "hf.limitation": "slight"})
    assert overall_and_flags(later.pk) == ("yellow", {"hf_worse_than_last"})


def test_the_same_class_as_last_time_is_green(personas) -> None:
    now = factories.published_version("heart_failure", version="1.2.0")
    factories.submitted(personas.patient, now, {**CALM, "hf.limitation": "slight"})
    later = factories.submitted(personas.patient, now, {**CALM, "hf.limitation": "slight"})
    assert overall_and_flags(later.pk) == ("green", set())


def test_a_first_response_has_nothing_to_be_worse_than(personas) -> None:
    now = factories.published_version("heart_failure", version="1.2.0")
    first = factories.submitted(personas.patient, now, {**CALM, "hf.limitation": "marked"})
    assert overall_and_flags(first.pk) == ("yellow", {"hf_marked_limitation"})

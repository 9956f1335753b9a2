"""Submit: exactly once, scored in the same transaction, with versions on record."""

from __future__ import annotations

import pytest
from django.db import connection

from pro_portal.models import AuditEvent
from questionnaires.answering import Submit, response_submit, submission_token_issue
from questionnaires.models import ImmutableResultError, Response, ScoringResult
from scoring.engine import ENGINE_VERSION
from tests import factories

pytestmark = pytest.mark.django_db

# PHQ-9 item codes are the manual's 0–3 (Kroenke, Spitzer & Williams 2001).
PHQ9_TOTAL_6_ITEM9_1 = {
    "phq9.1": "1", "phq9.2": "2", "phq9.3": "1", "phq9.4": "1", "phq9.5": "0",
    "phq9.6": "0", "phq9.7": "0", "phq9.8": "0", "phq9.9": "1",
}  # fmt: skip
PHQ9_ALL_ZERO = {f"phq9.{n}": "0" for n in range(1, 10)}


def submit(response: Response) -> ScoringResult:
    """Submit as the check page does: with the token it was shown."""
    token = submission_token_issue(response=response)
    outcome = response_submit(response=response, token=token, channel="home")
    assert outcome.result is Submit.SUBMITTED
    assert outcome.scoring is not None
    return outcome.scoring


def test_submit_scores_under_the_version_answered_and_records_both_versions(personas) -> None:
    version = factories.published_version("phq9")
    response = factories.response_with_answers(personas.patient, version, PHQ9_TOTAL_6_ITEM9_1)
    stored = submit(response)
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_at is not None
    assert (stored.questionnaire_id, stored.definition_version) == ("phq9", "1.0.0")
    assert stored.engine_version == ENGINE_VERSION
    # 1+2+1+1+0+0+0+0+1 = 6: "mild" (5–9, Kroenke 2001); item 9 above 0 is red (team rule).
    assert stored.overall == "red"
    scores = {s.id: s for s in stored.engine_result.scores}
    assert (scores["phq9"].value, scores["phq9"].band) == (6, "mild")
    assert [f.rule_id for f in stored.engine_result.flags if f.colour == "red"] == [
        "phq9_item9_self_harm"
    ]


def test_a_second_submit_returns_the_same_result_and_creates_nothing(personas) -> None:
    version = factories.published_version("phq9")
    response = factories.response_with_answers(personas.patient, version, PHQ9_ALL_ZERO)
    first = submit(response)
    second = submit(response)
    assert first.pk == second.pk
    assert ScoringResult.objects.count() == 1
    assert AuditEvent.objects.filter(action="response.submit").count() == 1


def test_a_stored_result_is_never_changed(personas) -> None:
    version = factories.published_version("phq9")
    response = factories.response_with_answers(personas.patient, version, PHQ9_ALL_ZERO)
    stored = submit(response)
    stored.overall = "red"
    with pytest.raises(ImmutableResultError):
        stored.save()
    with pytest.raises(ImmutableResultError):
        stored.delete()


@pytest.mark.postgresql  # the trigger is PostgreSQL's
def test_the_database_refuses_to_change_a_stored_result(personas) -> None:
    from django.db import DatabaseError, transaction

    version = factories.published_version("phq9")
    response = factories.response_with_answers(personas.patient, version, PHQ9_ALL_ZERO)
    submit(response)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE scoring_scoringresult SET overall = 'green'")


def test_the_previous_response_of_the_same_questionnaire_feeds_change_rules(personas) -> None:
    # WHO-5: raw sum × 4 (WHO-5 scoring note, Psychiatric Research Unit).
    version = factories.published_version("who5")
    first = factories.response_with_answers(
        personas.patient, version, {f"who5.{n}": "4" for n in range(1, 6)}
    )  # 5 × 4 = 20 raw → 80
    submit(first)
    second = factories.response_with_answers(
        personas.patient, version, {f"who5.{n}": "3" for n in range(1, 6)}
    )  # 5 × 3 = 15 raw → 60: fell by 20 points
    result = submit(second).engine_result
    scores = {s.id: s.value for s in result.scores}
    assert scores["who5"] == 60
    assert any("change(who5)" in f.expression for f in result.flags), [
        f.rule_id for f in result.flags
    ]

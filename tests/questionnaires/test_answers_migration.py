"""Migration questionnaires 0013 (issue 16) moves every answer row onto its
response — values, reused answers' origins, the time the last was saved — and
back, on PostgreSQL (SQL) and SQLite (Python) alike. Nothing a patient saved
is lost either way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from questionnaires.models import Response, ReusedFrom
from tests import factories

BEFORE = [("questionnaires", "0012_import_warnings")]
AFTER = [("questionnaires", "0013_answers_on_response")]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_answers_move_to_rows_and_back_onto_the_response(personas) -> None:
    version = factories.published_version("phq9")
    first = factories.submitted(personas.patient, version, factories.PHQ9_GREEN)
    saved = timezone.now().replace(microsecond=250000) - dt.timedelta(hours=3)
    second = factories.response_with_answers(personas.patient, version, {"phq9.1": "3"})
    origin = {"response": first.pk, "submitted_at": first.submitted_at.isoformat()}
    Response.objects.filter(pk=second.pk).update(
        answers={"phq9.1": "3", "phq9.2": "1"}, reused={"phq9.2": origin}, answers_saved_at=saved
    )
    empty = factories.response_with_answers(personas.patient, version, {})

    old = _migrate(BEFORE)  # the reverse: a row per answer, as before issue 16
    Answer = old.get_model("questionnaires", "Answer")
    rows = {
        (row.response_id, row.item_id): (row.value, row.reused_from_id, row.reused_submitted_at)
        for row in Answer.objects.all()
    }
    assert rows == {
        **{(first.pk, k): (v, None, None) for k, v in factories.PHQ9_GREEN.items()},
        (second.pk, "phq9.1"): ("3", None, None),
        (second.pk, "phq9.2"): ("1", first.pk, first.submitted_at),
    }
    assert not Answer.objects.filter(response_id=empty.pk).exists()
    # Old code saves one more answer before the migration runs forward.
    later = saved + dt.timedelta(minutes=5)
    Answer.objects.create(response_id=second.pk, item_id="phq9.3", value="2")
    Answer.objects.filter(response_id=second.pk, item_id="phq9.3").update(updated_at=later)

    _migrate(AFTER)
    first.refresh_from_db()
    second.refresh_from_db()
    empty.refresh_from_db()
    assert first.answers == factories.PHQ9_GREEN
    assert first.reused == {}
    assert second.answers == {"phq9.1": "3", "phq9.2": "1", "phq9.3": "2"}
    assert second.reused_from() == {"phq9.2": ReusedFrom(first.pk, first.submitted_at)}
    assert second.answers_saved_at == later  # the last answer saved
    assert (empty.answers, empty.reused, empty.answers_saved_at) == ({}, {}, None)

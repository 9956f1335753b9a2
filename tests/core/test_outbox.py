"""The transactional outbox: after-submit work is a row written with the
submit, handed to Celery on commit, marked done by the task, and recoverable
from the database alone when the hand-over or the worker failed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from pro_portal import outbox
from pro_portal.models import OutboxMessage
from questionnaires.answering import SUMMARY_PDF_TASK
from scoring.models import SummaryPdf
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf_root(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path
    return tmp_path


def test_a_submit_writes_the_pdf_work_in_its_transaction_and_the_task_marks_it_done(
    personas, pdf_root, django_capture_on_commit_callbacks
) -> None:
    version = factories.published_version("phq9")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    message = OutboxMessage.objects.get()
    # Written with the submit, before anything was handed over: ids only.
    assert (message.task, message.payload) == (SUMMARY_PDF_TASK, {"response_id": response.pk})
    assert message.handed_at is None
    assert message.done_at is None
    for callback in callbacks:  # the submit transaction commits
        callback()
    message.refresh_from_db()
    assert message.handed_count == 1
    assert message.done_at is not None
    assert SummaryPdf.objects.filter(response=response).exists()


def test_work_written_in_a_transaction_that_rolls_back_is_gone_with_it(personas) -> None:
    def submit_that_fails_after_writing_its_work() -> None:
        with transaction.atomic():
            outbox.outbox_add(task=SUMMARY_PDF_TASK, response_id=1)
            raise RuntimeError("scoring failed")

    with pytest.raises(RuntimeError, match="scoring failed"):
        submit_that_fails_after_writing_its_work()
    assert not OutboxMessage.objects.exists()


def test_work_is_recovered_from_the_database_when_the_broker_was_down(
    personas, pdf_root, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    version = factories.published_version("phq9")
    task = outbox.task_named(SUMMARY_PDF_TASK)

    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    # The patient's submit stands; the PDF work waits in the table.
    response.refresh_from_db()
    assert response.is_submitted
    assert not SummaryPdf.objects.exists()
    assert OutboxMessage.objects.get().done_at is None

    monkeypatch.undo()  # the broker is back
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert outbox.outbox_sweep() == 1
    assert OutboxMessage.objects.get().done_at is not None
    assert SummaryPdf.objects.filter(response=response).exists()
    assert outbox.outbox_sweep() == 0  # done work is never handed over again


def test_the_sweep_leaves_work_in_flight_and_hands_over_work_a_dead_worker_dropped(
    personas, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    handed: list[dict[str, object]] = []
    task = outbox.task_named(SUMMARY_PDF_TASK)
    monkeypatch.setattr(task, "apply_async", lambda kwargs: handed.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox.outbox_add(task=SUMMARY_PDF_TASK, response_id=7)
    assert handed == [{"response_id": 7, "outbox_id": message.pk}]
    # Handed over a minute ago and not done: a worker may still be on it.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        assert outbox.outbox_sweep() == 0
    # Handed over 11 minutes ago and never done: the worker was killed.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert outbox.outbox_sweep() == 1
    assert len(handed) == 2
    message.refresh_from_db()
    assert message.handed_count == 2


@pytest.mark.django_db(transaction=True)
def test_outbox_work_is_written_only_inside_the_transaction_of_its_change() -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        outbox.outbox_add(task=SUMMARY_PDF_TASK, response_id=1)


@pytest.mark.parametrize("value", ["010190-1234", 1.5, True, {"cpr": "0101901234"}])
def test_an_outbox_payload_holds_ids_only_never_patient_data(personas, value: object) -> None:
    with pytest.raises(TypeError, match="ids only"), transaction.atomic():
        outbox.outbox_add(task=SUMMARY_PDF_TASK, response_id=value)  # type: ignore[arg-type]
    assert not OutboxMessage.objects.exists()


def test_every_task_the_outbox_names_is_a_registered_task() -> None:
    """The outbox names tasks by string (the patient side never imports the
    clinician side), so a renamed task must fail here, not in production."""
    assert outbox.task_named(SUMMARY_PDF_TASK).name == SUMMARY_PDF_TASK


def test_beat_starts_the_sweeps_and_the_pdf_purge_and_each_exists(settings) -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        "pro_portal.outbox_sweep",
        "scoring.purge_summary_pdfs",
        "questionnaires.unsent_safety_sweep",
    }
    for name in scheduled:
        assert outbox.task_named(name).name == name


def test_the_periodic_sweep_renders_a_pdf_lost_minutes_ago_and_leaves_one_in_flight(
    personas, pdf_root, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from pro_portal.tasks import outbox_sweep_periodic

    settings.OUTBOX_RETRY_AFTER_SECONDS = 180
    version = factories.published_version("phq9")
    task = outbox.task_named(SUMMARY_PDF_TASK)
    monkeypatch.setattr(task, "apply_async", lambda kwargs: None)  # Redis restarted empty
    with django_capture_on_commit_callbacks(execute=True):
        response = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert outbox_sweep_periodic() == 0  # a worker may still be on it
    assert not SummaryPdf.objects.exists()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=4)):
        assert outbox_sweep_periodic() == 1
    assert SummaryPdf.objects.filter(response=response).exists()
    assert OutboxMessage.objects.get().done_at is not None


def test_the_pdf_task_run_twice_stores_one_pdf_and_does_not_render_again(
    personas, pdf_root, monkeypatch
) -> None:
    """A sweep may hand over work a slow worker is still doing: the second
    run finds the stored file and returns it."""
    from scoring import pdf
    from scoring.tasks import render_summary_pdf

    version = factories.published_version("phq9")
    response = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    first = render_summary_pdf(response_id=response.pk)

    def render_again(summary: object) -> bytes:
        raise AssertionError("rendered a second time")

    monkeypatch.setattr(pdf, "summary_pdf_render", render_again)
    assert render_summary_pdf(response_id=response.pk) == first
    assert SummaryPdf.objects.filter(response=response).count() == 1

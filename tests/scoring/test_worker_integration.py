"""A real Celery worker, consuming from Redis, renders the PDF after a submit."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker

from pro_portal.celery import app
from pro_portal.crypto import data_cipher
from pro_portal.models import OutboxMessage
from scoring.models import SummaryPdf
from scoring.pdf import pdf_path
from tests import factories
from tests.needs import needs_redis

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(transactional_db: None, settings, tmp_path) -> Iterator[None]:
    needs_redis()  # a real worker needs Redis
    settings.PRIVATE_FILES_ROOT = tmp_path
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        app.conf.task_always_eager = True


def test_submitting_enqueues_a_pdf_that_a_real_worker_renders(personas, worker) -> None:
    version = factories.published_version("phq9")
    response = factories.submitted(personas.patient, version, factories.PHQ9_RED)
    deadline = time.monotonic() + 60
    while not SummaryPdf.objects.filter(response=response).exists():
        assert time.monotonic() < deadline, "the worker did not render the PDF within 60 s"
        time.sleep(0.2)
    record = SummaryPdf.objects.get(response=response)
    assert data_cipher().decrypt(pdf_path(record).read_bytes()).startswith(b"%PDF")
    # The worker marks the submit's outbox message done once the file is stored.
    while OutboxMessage.objects.get(payload__response_id=response.pk).done_at is None:
        assert time.monotonic() < deadline, "the outbox message was not marked done"
        time.sleep(0.1)

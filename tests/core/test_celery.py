"""The Celery app's configuration, and a real worker consuming from Redis."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client

from pro_portal.celery import TRANSIENT_ERRORS, app, ping
from tests.needs import needs_redis


def test_tasks_are_json_only_acked_late_and_rejected_on_worker_loss() -> None:
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.timezone == "UTC"
    assert conf.enable_utc is True


def test_only_transient_errors_are_retried_with_backoff() -> None:
    assert ping.autoretry_for == TRANSIENT_ERRORS
    assert ConnectionError in TRANSIENT_ERRORS
    assert ValueError not in TRANSIENT_ERRORS  # a bug fails at once, loudly
    assert ping.retry_backoff
    assert ping.max_retries > 0


def test_in_process_mode_runs_a_task_at_once() -> None:
    # The suite runs like the embedded default: tasks run when enqueued.
    assert app.conf.task_always_eager is True
    assert ping.delay().get(timeout=1) == "pong"


@pytest.fixture
def real_worker(transactional_db: None) -> Iterator[None]:
    needs_redis()  # a real worker needs Redis
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


@pytest.mark.integration
def test_a_real_worker_answers_and_healthz_reports_it(
    real_worker: None, client: Client, settings
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = os.environ["REDIS_URL"]
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["celery"].startswith("ok")
    assert response.json()["checks"]["redis"] == "ok"

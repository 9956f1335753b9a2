"""/healthz: 503 only when the database is down; Redis or the workers down,
or outbox work not being recovered, is "degraded" with 200 — a load balancer
must not take every instance out while the pages still work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.utils import timezone

from pro_portal.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_embedded_default_is_healthy_with_the_database_alone(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured", "celery": "in-process"},
        "outbox": {"unfinished": 0, "oldest_seconds": None},
    }
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_redis_is_degraded_but_stays_in_the_pool(client: Client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"].startswith("down")
    assert body["checks"]["celery"] == "not checked: redis is down"
    assert body["checks"]["database"] == "ok"


def test_no_worker_answering_is_degraded(client: Client, settings, monkeypatch) -> None:
    from pro_portal.celery import app

    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.control, "ping", lambda timeout: [])
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["celery"] == "down: RuntimeError"


def test_a_database_that_is_down_makes_it_unavailable(
    client: Client, settings, monkeypatch
) -> None:
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def refused() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refused)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "down: OperationalError"},
    }


def _unfinished(created_ago: dt.timedelta) -> None:
    OutboxMessage.objects.create(
        task="scoring.render_summary_pdf",
        payload={"response_id": 1},
        created_at=timezone.now() - created_ago,
        handed_at=timezone.now() - created_ago,
        handed_count=1,
    )


def test_it_reports_the_outbox_backlog_and_the_age_of_its_oldest_work(
    client: Client, settings
) -> None:
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _unfinished(dt.timedelta(seconds=30))
    _unfinished(dt.timedelta(seconds=90))
    OutboxMessage.objects.create(task="scoring.render_summary_pdf", done_at=timezone.now())
    body = client.get("/healthz").json()
    assert body["status"] == "ok"  # a PDF queued for a minute and a half is normal
    assert body["outbox"]["unfinished"] == 2
    assert 90 <= body["outbox"]["oldest_seconds"] < 150


def test_outbox_work_older_than_the_sweep_recovers_is_degraded(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.OUTBOX_RETRY_AFTER_SECONDS = 180
    settings.OUTBOX_SWEEP_SECONDS = 60
    _unfinished(dt.timedelta(minutes=20))  # no beat, or no worker, for 20 minutes
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["outbox"]["unfinished"] == 1
    assert 1200 <= response.json()["outbox"]["oldest_seconds"] < 1260

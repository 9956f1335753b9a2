"""/healthz reports what the configuration needs, 200 or 503."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_embedded_default_is_healthy_with_the_database_alone(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured", "celery": "in-process"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_redis_makes_it_unavailable(client: Client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"].startswith("down")
    assert body["checks"]["database"] == "ok"


def test_no_worker_answering_makes_it_unavailable(client: Client, settings, monkeypatch) -> None:
    from pro_portal.celery import app

    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.control, "ping", lambda timeout: [])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["celery"] == "down: RuntimeError"

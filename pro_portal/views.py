"""Staff views of the core: home, patients, health check."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pro_portal.access import no_patient_data

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    client.ping()
    return "ok"


def _check_celery() -> str:
    from pro_portal.celery import app

    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no worker answered")
    return f"ok ({len(replies)} worker{'s' if len(replies) != 1 else ''})"


@no_patient_data
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and Celery worker status: 200 when everything the
    configuration needs is up, 503 otherwise."""
    checks: dict[str, Any] = {}
    healthy = True
    probes = [("database", _check_database)]
    if settings.REDIS_URL:
        probes.append(("redis", _check_redis))
    else:
        checks["redis"] = "not configured"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["celery"] = "in-process"
    else:
        probes.append(("celery", _check_celery))
    for name, probe in probes:
        try:
            checks[name] = probe()
        except Exception as exc:
            logger.warning("healthz: %s is down: %s", name, exc.__class__.__name__)
            checks[name] = f"down: {exc.__class__.__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )

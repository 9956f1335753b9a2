"""Staff views of the core: home, patients, health check."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pro_portal.access import no_patient_data
from pro_portal.outbox import outbox_backlog

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


def _outbox_stalled(oldest: dt.timedelta | None) -> bool:
    """Lost work is handed over again after OUTBOX_RETRY_AFTER_SECONDS by a sweep
    every OUTBOX_SWEEP_SECONDS: unfinished work older than that and two more
    sweeps is not being recovered (no beat, no worker, or workers behind)."""
    limit = settings.OUTBOX_RETRY_AFTER_SECONDS + 2 * settings.OUTBOX_SWEEP_SECONDS
    return oldest is not None and oldest.total_seconds() > limit


@no_patient_data
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The database, Redis, the Celery workers and the outbox backlog.

    503 only when the database is down: nothing works without it. Redis or
    the workers down is "degraded" with 200 — the pages work without them
    (sessions and cache live in the database; after-submit work waits in the
    outbox), and a load balancer must not take every instance out at once.
    """
    checks: dict[str, Any] = {}
    body: dict[str, Any] = {"status": "ok", "checks": checks}
    try:
        checks["database"] = _check_database()
        unfinished, oldest = outbox_backlog()
    except Exception as exc:
        logger.warning("healthz: database is down: %s", exc.__class__.__name__)
        checks["database"] = f"down: {exc.__class__.__name__}"
        body["status"] = "unavailable"
        return JsonResponse(body, status=503)
    body["outbox"] = {
        "unfinished": unfinished,
        "oldest_seconds": round(oldest.total_seconds()) if oldest is not None else None,
    }
    degraded = _outbox_stalled(oldest)
    probes: list[tuple[str, Callable[[], str]]] = []
    if settings.REDIS_URL:
        probes.append(("redis", _check_redis))
    else:
        checks["redis"] = "not configured"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["celery"] = "in-process"
    else:
        probes.append(("celery", _check_celery))
    for name, probe in probes:
        if name == "celery" and str(checks.get("redis", "")).startswith("down"):
            checks[name] = "not checked: redis is down"  # the ping would wait for the broker
            continue
        try:
            checks[name] = probe()
        except Exception as exc:
            logger.warning("healthz: %s is down: %s", name, exc.__class__.__name__)
            checks[name] = f"down: {exc.__class__.__name__}"
            degraded = True
    if degraded:
        body["status"] = "degraded"
    return JsonResponse(body, status=200)

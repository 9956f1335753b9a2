"""Periodic tasks of the core, started by Celery beat (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from pro_portal.celery import app
from pro_portal.outbox import outbox_sweep


# Not a retrying task: the next sweep is at most OUTBOX_SWEEP_SECONDS away, and
# retries of a periodic task would only stack up behind it.
@app.task(name="pro_portal.outbox_sweep")
def outbox_sweep_periodic() -> int:
    """Hand unfinished outbox work that was lost (Redis restarted empty, a
    worker killed) to a worker again; returns how many messages."""
    return outbox_sweep(handed_before=dt.timedelta(seconds=settings.OUTBOX_RETRY_AFTER_SECONDS))

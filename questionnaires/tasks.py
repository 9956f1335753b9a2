"""Periodic tasks of the patient side, started by Celery beat (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from pro_portal.celery import app
from questionnaires.unsent import unsent_safety_sweep


# Not a retrying task: the next sweep is at most UNSENT_SAFETY_SWEEP_SECONDS away.
@app.task(name="questionnaires.unsent_safety_sweep")
def unsent_safety_sweep_periodic() -> int:
    """Tell the inviting clinic about safety answers saved but not sent."""
    return unsent_safety_sweep(
        after=dt.timedelta(minutes=settings.UNSENT_SAFETY_AFTER_MINUTES),
        look_back=dt.timedelta(days=settings.UNSENT_SAFETY_LOOK_BACK_DAYS),
    )

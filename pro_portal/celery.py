"""The Celery app. Configuration lives in settings (CELERY_* names).

JSON only, late acknowledgement, rejected on worker loss, prefetch 1, time
limits and UTC are set there. Tasks take ids, call one service, and retry
only transient errors through ``TRANSIENT_ERRORS`` with exponential backoff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pro_portal.settings")

app = Celery("pro_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Errors worth retrying: the broker, the database or a socket hiccuped. A bug
# (anything else) fails at once so it is seen, instead of retrying forever.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)
try:  # the database's own transient errors, when the driver is installed
    from django.db import InterfaceError, OperationalError

    TRANSIENT_ERRORS += (OperationalError, InterfaceError)
except ImportError:  # pragma: no cover - django is always installed here
    pass

P = ParamSpec("P")
R = TypeVar("R")


def retrying_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A task that retries transient errors with exponential backoff and jitter
    (2 s, 4 s, 8 s … capped at 5 minutes, 8 tries) and fails at once on anything else."""
    return app.task(
        name=name,
        autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=2,
        retry_backoff_max=300,
        retry_jitter=True,
        max_retries=8,
    )


@retrying_task("pro_portal.ping")
def ping() -> str:
    """Health probe: a worker that answers this is consuming the queue."""
    return "pong"

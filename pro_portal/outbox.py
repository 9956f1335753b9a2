"""The transactional outbox: the one way work starts after a change commits.

A service that needs work done after its transaction — the summary PDF after
a submit, later e-mails and reminders — calls ``outbox_add`` inside that
transaction. The message is a database row written with the change itself,
so the two commit or roll back together. When the transaction commits, the
message is handed to its Celery task; the task does the work and calls
``outbox_done``. Nothing is registered at start-up: the message names its
task, and the task named must exist (a guard test checks every name used).

A message that was never handed over (the broker was down when the
transaction committed) or never finished (a worker was killed) stays
unfinished in the table, and ``outbox_sweep`` hands it over again. Tasks
started this way must be idempotent, because a sweep can hand over work a
slow worker is still doing.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import Task
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from pro_portal.celery import app
from pro_portal.models import OutboxMessage

logger = logging.getLogger(__name__)

#: What publishing raises when the broker cannot be reached.
BROKER_DOWN = (BrokerError, ConnectionError, TimeoutError)

NOT_IN_TRANSACTION = "An outbox message is written in the transaction whose change it follows."
NOT_AN_ID = "An outbox payload holds ids only (whole numbers), never data: {key}={value!r}"


def outbox_add(*, task: str, **ids: int) -> OutboxMessage:
    """Write a message in the current transaction; hand it to ``task`` on commit.

    ``ids`` become the task's keyword arguments, with ``outbox_id`` added.
    Only ids are accepted, so no patient data ever reaches a task payload.
    """
    if not connection.in_atomic_block:
        raise RuntimeError(NOT_IN_TRANSACTION)
    for key, value in ids.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(NOT_AN_ID.format(key=key, value=value))
    message = OutboxMessage.objects.create(task=task, payload=ids)
    transaction.on_commit(lambda: outbox_hand_over(message_id=message.pk))
    return message


def task_named(name: str) -> Task:  # type: ignore[type-arg]
    """The Celery task registered under ``name`` (KeyError when there is none)."""
    if name not in app.tasks:  # task modules are imported on first use, not at start-up
        app.loader.import_default_modules()
    return app.tasks[name]


def outbox_hand_over(*, message_id: int) -> bool:
    """Hand one unfinished message to its task; False when that failed.

    A failure (broker down, or with tasks run in-process the task itself
    failing) is logged and leaves the message unfinished for the sweep: the
    change that wrote it has committed and must stand.
    """
    message = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).first()
    if message is None:
        return True
    OutboxMessage.objects.filter(pk=message.pk).update(
        handed_at=timezone.now(), handed_count=F("handed_count") + 1
    )
    try:
        task_named(message.task).apply_async(kwargs={**message.payload, "outbox_id": message.pk})
    except BROKER_DOWN as error:
        # Expected while Redis is down, once per submit: one line, not a
        # traceback each (the fault script saw a hundred lines per submit).
        logger.warning(
            "outbox message %s (%s) not handed over, the sweep will: %s",
            message.pk,
            message.task,
            error.__class__.__name__,
        )
        return False
    except Exception:
        logger.exception("outbox message %s (%s) not handed over", message.pk, message.task)
        return False
    return True


def outbox_done(outbox_id: int | None) -> None:
    """Called by the task when its work is done (``None``: started by hand)."""
    if outbox_id is not None:
        OutboxMessage.objects.filter(pk=outbox_id, done_at__isnull=True).update(
            done_at=timezone.now()
        )


def outbox_sweep(*, handed_before: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Hand over again every unfinished message that is not in flight.

    Unfinished and never handed over (the commit hook never ran or failed),
    or handed over longer than ``handed_before`` ago without finishing (the
    broker lost it, or a worker died): handed over again. Returns how many.
    """
    now = timezone.now()
    stale = OutboxMessage.objects.filter(done_at__isnull=True).filter(
        Q(handed_at__isnull=True) | Q(handed_at__lt=now - handed_before)
    )
    handed = 0
    for message_id in stale.order_by("created_at").values_list("pk", flat=True):
        handed += outbox_hand_over(message_id=message_id)
    return handed


def outbox_backlog() -> tuple[int, dt.timedelta | None]:
    """How many messages are unfinished, and how long ago the oldest was written."""
    backlog = OutboxMessage.objects.filter(done_at__isnull=True).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    oldest = backlog["oldest"]
    return backlog["count"], (timezone.now() - oldest if oldest is not None else None)

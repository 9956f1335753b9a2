"""Safety answers saved but not sent: the clinic is told after a set time.

A patient who answers a safety question (PHQ-9 item 9 "nearly every day", a
pain red flag …) gets help on the very next page (``answering.safety_flags_now``).
If they then leave without sending, nobody at the clinic would ever see it:
only a submit is scored. So a periodic task looks at responses left open
for ``UNSENT_SAFETY_AFTER_MINUTES`` since their last saved answer, evaluates
their saved answers as the patient saw them, and records one notice per
response for the organisation that invited the patient; the worklist shows
it at the top with the reds. Why this design: docs/library.md, "Saved but
not sent".
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from pro_portal.audit import audit_record
from pro_portal.models import User
from questionnaires.answering import safety_flags_saved
from questionnaires.models import Response, UnsentSafetyNotice


def unsent_safety_sweep(*, after: dt.timedelta, look_back: dt.timedelta) -> int:
    """Record a notice for every open response whose saved answers raise a
    safety rule and whose last answer was saved more than ``after`` ago (but
    within ``look_back``); returns how many notices were recorded.

    Idempotent: a response has at most one notice, and a response that has
    one is not looked at again. A submitted response is never noticed (its
    summary shows the flag).
    """
    now = timezone.now()
    noticed = UnsentSafetyNotice.objects.filter(response=OuterRef("pk"))
    stale = (
        Response.objects.filter(
            status=Response.Status.IN_PROGRESS,
            answers_saved_at__lte=now - after,
            answers_saved_at__gte=now - look_back,
        )
        .exclude(Exists(noticed))
        .select_related("questionnaire_version", "patient", "organisation")
        .order_by("answers_saved_at")
    )
    recorded = 0
    for response in stale:
        flags = safety_flags_saved(response=response)
        if not flags:
            continue
        with transaction.atomic():
            locked = Response.objects.select_for_update().get(pk=response.pk)
            # Sent meanwhile: the summary shows it. (A saved time is there: the
            # query asked for one, and nothing clears it.)
            if locked.is_submitted or locked.answers_saved_at is None:
                continue
            notice, created = UnsentSafetyNotice.objects.get_or_create(
                response=locked,
                defaults={
                    "organisation_id": locked.organisation_id,
                    "patient_id": locked.patient_id,
                    "rule_ids": [flag.rule_id for flag in flags],
                    "last_saved_at": locked.answers_saved_at,
                },
            )
            if created:
                audit_record(
                    action="unsent_safety.raise",
                    patient=response.patient,
                    obj=notice,
                    detail={"questionnaire": response.questionnaire_version.ref},
                )
                recorded += 1
    return recorded


def unsent_notice_handle(*, notice: UnsentSafetyNotice, by: User) -> None:
    """A clinician has contacted the patient: the notice leaves the worklist."""
    UnsentSafetyNotice.objects.filter(pk=notice.pk, handled_at__isnull=True).update(
        handled_by=by, handled_at=timezone.now()
    )

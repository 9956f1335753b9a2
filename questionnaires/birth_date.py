"""The birth-date lock: what opens a patient's questionnaires — an invitation
link at home or a visit code on a kiosk — opens only with the patient's birth
date, and locks after ``settings.PATIENT_BIRTH_DATE_ATTEMPTS`` wrong ones.

One home for the count, the lock and their audit events, so that the link and
the code cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from pro_portal.audit import audit_record
from pro_portal.models import AuditEvent, Kiosk
from questionnaires.models import Invitation, VisitCode


class BirthDate(enum.Enum):
    RIGHT = "right"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class BirthDateCheck:
    result: BirthDate
    attempts_left: int = 0


def birth_date_check(
    *,
    guarded: Invitation | VisitCode,
    birth_date: dt.date,
    action_prefix: str,
    kiosk: Kiosk | None = None,
) -> BirthDateCheck:
    """Check ``birth_date`` against the patient of ``guarded`` (an invitation or a visit code).

    Call it inside a transaction with ``guarded`` selected for update and its
    patient loaded. A wrong date is counted, audited as
    ``<action_prefix>.birth_date_wrong`` with the attempt number, and the one
    that reaches the limit locks ``guarded`` (``<action_prefix>.lock``); both
    are saved here. A right date resets the count on the instance only: the
    caller saves ``failed_attempts`` with whatever else opening changes, in
    one UPDATE. The actor of the events is the kiosk when one is given, else
    the patient at home.
    """
    if guarded.locked_at is not None:
        return BirthDateCheck(BirthDate.LOCKED)
    patient = guarded.patient
    if birth_date == patient.birth_date:
        guarded.failed_attempts = 0
        return BirthDateCheck(BirthDate.RIGHT)
    actor_kind = None if kiosk else AuditEvent.ActorKind.PATIENT
    guarded.failed_attempts += 1
    fields = ["failed_attempts"]
    audit_record(
        action=f"{action_prefix}.birth_date_wrong",
        kiosk=kiosk,
        actor_kind=actor_kind,
        patient=patient,
        obj=guarded,
        detail={"attempt": guarded.failed_attempts},
    )
    limit: int = settings.PATIENT_BIRTH_DATE_ATTEMPTS
    if guarded.failed_attempts >= limit:
        guarded.locked_at = timezone.now()
        fields.append("locked_at")
        audit_record(
            action=f"{action_prefix}.lock",
            kiosk=kiosk,
            actor_kind=actor_kind,
            patient=patient,
            obj=guarded,
        )
    guarded.save(update_fields=fields)
    if guarded.locked_at is not None:
        return BirthDateCheck(BirthDate.LOCKED)
    return BirthDateCheck(BirthDate.WRONG, attempts_left=limit - guarded.failed_attempts)

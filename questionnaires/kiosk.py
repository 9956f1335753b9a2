"""Waiting-room tablets: enrolling a kiosk, visit codes, opening a patient's session.

A kiosk is a tablet a clinic admin enrolled; it carries a random device
token in a cookie, of which only the hash is stored (``Kiosk.token_hash``).
Reception gives the patient a six-digit visit code valid today; the code and
the patient's birth date open that patient's due questionnaires and the
waiting-room basic-data questionnaire, nothing else.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from pro_portal.access import KIOSK_ADMIN_ROLES, organisations_where
from pro_portal.audit import audit_record
from pro_portal.models import Kiosk, Organisation, Patient, User
from questionnaires.birth_date import BirthDate, birth_date_check
from questionnaires.models import (
    Consultation,
    Invitation,
    QuestionnaireVersion,
    Response,
    VisitCode,
)
from questionnaires.tokens import token_hash, token_new, visit_code_hash, visit_code_new

#: The questionnaire every kiosk patient is offered in the waiting room.
BASIC_DATA = "basic_data"
#: Wrong visit codes on one tablet before it pauses (guessing codes), and for how long.
WRONG_CODES_BEFORE_PAUSE = 10
PAUSE_SECONDS = 5 * 60


def kiosk_admin_organisations(user: User) -> list[Organisation]:
    """Organisations whose waiting-room tablets the user may enrol."""
    return list(Organisation.objects.filter(pk__in=organisations_where(user, KIOSK_ADMIN_ROLES)))


def kiosk_enrol(*, organisation: Organisation, name: str, by: User) -> tuple[Kiosk, str]:
    """Enrol a tablet; returns the kiosk and its device token (for the cookie only)."""
    token = token_new()
    kiosk = Kiosk.objects.create(
        organisation=organisation, name=name, token_hash=token_hash(token), created_by=by
    )
    audit_record(action="kiosk.enrol", actor=by, organisation=organisation, obj=kiosk)
    return kiosk, token


def kiosk_for_token(token: str | None) -> Kiosk | None:
    """The active kiosk this device token belongs to (revoked kiosks: None)."""
    if not token or len(token) > 100:
        return None
    return (
        Kiosk.objects.select_related("organisation")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )


def kiosk_token_rotate(*, kiosk: Kiosk) -> str:
    """A new device token (after a reset cleared the tablet's cookies)."""
    token = token_new()
    kiosk.token_hash = token_hash(token)
    kiosk.save(update_fields=["token_hash"])
    return token


def visit_code_create(*, patient: Patient, by: User) -> tuple[VisitCode, str]:
    """A code valid today at the patient's organisation; returns it once."""
    today = timezone.localdate()
    organisation = patient.organisation
    for _ in range(20):
        code = visit_code_new()
        try:
            with transaction.atomic():
                visit = VisitCode.objects.create(
                    organisation=organisation,
                    patient=patient,
                    code_hash=visit_code_hash(
                        organisation_id=organisation.pk, valid_on=today, code=code
                    ),
                    valid_on=today,
                    created_by=by,
                )
        except IntegrityError:
            continue  # that code is already in use today: draw another
        audit_record(action="visit_code.create", actor=by, patient=patient, obj=visit)
        return visit, code
    raise RuntimeError("no free visit code today")  # pragma: no cover - 10^6 codes a day


class KioskUnlock(enum.Enum):
    OPENED = "opened"
    WRONG = "wrong"
    LOCKED = "locked"
    PAUSED = "paused"


@dataclass(frozen=True)
class KioskUnlockOutcome:
    result: KioskUnlock
    visit: VisitCode | None = None


def _wrong_code_key(kiosk: Kiosk) -> str:
    return f"kiosk:{kiosk.public_id}:wrong-codes"


def kiosk_unlock(*, kiosk: Kiosk, code: str, birth_date: dt.date) -> KioskUnlockOutcome:
    """Open a patient's session from a visit code and birth date.

    A wrong code and a wrong birth date look the same to the person at the
    tablet. Wrong birth dates count against the code (five lock it, audited);
    wrong codes count against the tablet, which pauses after ten.
    """
    key = _wrong_code_key(kiosk)
    if cache.get(key, 0) >= WRONG_CODES_BEFORE_PAUSE:
        return KioskUnlockOutcome(KioskUnlock.PAUSED)
    today = timezone.localdate()
    digest = visit_code_hash(organisation_id=kiosk.organisation_id, valid_on=today, code=code)
    with transaction.atomic():
        visit = (
            VisitCode.objects.select_for_update(of=("self",))
            .select_related("patient__organisation")
            .filter(organisation_id=kiosk.organisation_id, valid_on=today, code_hash=digest)
            .first()
        )
        if visit is None:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, PAUSE_SECONDS)
            return KioskUnlockOutcome(KioskUnlock.WRONG)
        check = birth_date_check(
            guarded=visit, birth_date=birth_date, action_prefix="visit_code", kiosk=kiosk
        )
        if check.result is BirthDate.LOCKED:
            return KioskUnlockOutcome(KioskUnlock.LOCKED)
        if check.result is BirthDate.WRONG:
            return KioskUnlockOutcome(KioskUnlock.WRONG)
        patient = visit.patient
        visit.used_at = visit.used_at or timezone.now()
        visit.save(update_fields=["failed_attempts", "used_at"])
        audit_record(action="kiosk.open", kiosk=kiosk, patient=patient, obj=visit)
    return KioskUnlockOutcome(KioskUnlock.OPENED, visit)


def kiosk_consultation(
    *, patient_id: int, organisation_id: int, at: dt.datetime
) -> Consultation | None:
    """The consultation answers given on the waiting-room tablet at ``at`` belong to.

    The patient's consultation at the organisation on the same local day
    (Europe/Copenhagen): the next one not yet started, else the latest.
    A patient in the waiting room is waiting for their next consultation;
    when every one of the day has started, they are in (or late for) the
    last one, and the answers are there for it — not for a visit earlier
    that day that is over. None when the patient has no consultation that day.
    """
    local = timezone.localtime(at)
    start = timezone.make_aware(dt.datetime.combine(local.date(), dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time.min))
    day = Consultation.objects.filter(
        patient_id=patient_id,
        organisation_id=organisation_id,
        starts_at__gte=start,
        starts_at__lt=end,
    )
    upcoming = day.filter(starts_at__gte=at).order_by("starts_at").first()
    return upcoming or day.order_by("-starts_at").first()


def _open_invitations(patient: Patient) -> list[Invitation]:
    return [
        invitation
        for invitation in Invitation.objects.filter(
            patient=patient,
            organisation=patient.organisation,
            state__in=[
                Invitation.State.SENT,
                Invitation.State.OPENED,
                Invitation.State.IN_PROGRESS,
            ],
            locked_at__isnull=True,
        ).order_by("-created_at")
        if invitation.is_open
    ]


def kiosk_responses(*, patient: Patient) -> list[Response]:
    """The patient's due questionnaires, and the basic-data questionnaire.

    Due: the unsubmitted responses of the patient's open invitations. The
    basic-data response is one of those if reception sent it, else one
    started on a tablet and not yet submitted, else a new one — attached to
    the newest open invitation, so that the patient can finish it at home
    from that invitation's link.
    """
    invitations = _open_invitations(patient)
    due = list(
        Response.objects.filter(invitation__in=invitations)
        .exclude(status=Response.Status.SUBMITTED)
        .select_related("questionnaire_version")
        .order_by("invitation__created_at", "pk")
    )
    if any(r.questionnaire_version.questionnaire_id == BASIC_DATA for r in due):
        return due
    version = QuestionnaireVersion.objects.filter(
        questionnaire_id=BASIC_DATA, status=QuestionnaireVersion.Status.ACTIVE
    ).first()
    if version is None:
        return due
    today_start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    earlier = (
        Response.objects.filter(
            patient=patient,
            organisation=patient.organisation,
            questionnaire_version__questionnaire_id=BASIC_DATA,
            channel=Response.Channel.KIOSK,
        )
        .filter(Q(invitation__isnull=True) | Q(invitation__in=invitations))
        .filter(
            Q(status__in=[Response.Status.NOT_STARTED, Response.Status.IN_PROGRESS])
            | Q(submitted_at__gte=today_start)
        )
        .select_related("questionnaire_version")
        .order_by("-created_at")
        .first()
    )
    if earlier is not None:
        return [*due, earlier]
    basic = Response.objects.create(
        organisation=patient.organisation,
        patient=patient,
        invitation=invitations[0] if invitations else None,
        questionnaire_version=version,
        channel=Response.Channel.KIOSK,
        language=patient.preferred_language,
    )
    return [*due, basic]

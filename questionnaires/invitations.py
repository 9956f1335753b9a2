"""Inviting patients: invitations, their links, cancel and reissue; birth-date unlock.

An invitation's link carries a random token (256 bits) of which only a hash
is stored. The raw token exists only in the value these services return — to
be shown once on screen — and in the e-mail and SMS sent to the patient.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from pro_portal.audit import audit_record
from pro_portal.links import site_url
from pro_portal.models import Organisation, Patient, User
from pro_portal.regions import LIVSLINIEN
from questionnaires.birth_date import BirthDate, birth_date_check
from questionnaires.models import Consultation, Invitation, QuestionnaireVersion, Response
from questionnaires.patient_texts import out_of_hours_words
from questionnaires.sms import sms_send
from questionnaires.tokens import token_hash, token_new

logger = logging.getLogger(__name__)

NO_QUESTIONNAIRE = gettext_lazy("Choose at least one questionnaire.")
NOT_ACTIVE = gettext_lazy("%(ref)s is not active: only active questionnaires can be sent.")
ALREADY_SUBMITTED = gettext_lazy("The patient has already submitted this invitation.")
IN_THE_PAST = gettext_lazy("The consultation must be in the future.")


class InvitationError(Exception):
    """The invitation cannot be created or changed; the message says why."""


@dataclass(frozen=True)
class IssuedLink:
    """An invitation with its raw link — shown once, never stored."""

    invitation: Invitation
    link: str
    emailed: bool
    texted: bool


def patient_create(
    *,
    organisation: Organisation,
    cpr: str,
    name: str,
    email: str,
    mobile: str,
    preferred_language: str,
    by: User,
) -> Patient:
    """Register a patient with the organisation (reception, after a CPR search found none)."""
    patient = Patient(
        organisation=organisation,
        cpr=cpr,
        name=name,
        email=email,
        mobile=mobile,
        preferred_language=preferred_language,
    )
    patient.full_clean(exclude=["cpr_hash", "birth_date", "sex"])
    patient.save()
    audit_record(action="patient.create", actor=by, patient=patient, obj=patient)
    return patient


def invitation_link(token: str, *, site: str | None = None) -> str:
    """The link a patient opens: at ``site`` (a page's ``links.site_url(request)``),
    or without one at ``SITE_URL`` (required in production)."""
    path = reverse("questionnaires:invitation_open", kwargs={"token": token})
    return (site or site_url()).rstrip("/") + path


def _expiry(*, patient: Patient, starts_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The organisation's validity period, but never past the consultation's day:
    answers are for that consultation."""
    days = patient.organisation.invitation_validity_days
    # The last moment of the consultation's day, so that "valid until <date>"
    # names the right day.
    day_end = dt.datetime.combine(
        timezone.localtime(starts_at).date(), dt.time.max, tzinfo=timezone.get_current_timezone()
    )
    return min(now + dt.timedelta(days=days), day_end)


def invitation_create(
    *,
    patient: Patient,
    starts_at: dt.datetime,
    versions: Sequence[QuestionnaireVersion],
    by: User,
    email: bool,
    sms: bool,
    site: str | None = None,
) -> IssuedLink:
    """Book a consultation and invite the patient to answer ``versions`` before it."""
    if not versions:
        raise InvitationError(str(NO_QUESTIONNAIRE))
    for version in versions:
        if version.status != QuestionnaireVersion.Status.ACTIVE:
            raise InvitationError(str(NOT_ACTIVE) % {"ref": version.ref})
    now = timezone.now()
    if starts_at <= now:
        raise InvitationError(str(IN_THE_PAST))
    token = token_new()
    with transaction.atomic():
        consultation = Consultation.objects.create(
            organisation=patient.organisation, patient=patient, starts_at=starts_at, created_by=by
        )
        invitation = Invitation.objects.create(
            organisation=patient.organisation,
            patient=patient,
            consultation=consultation,
            token_hash=token_hash(token),
            created_by=by,
            expires_at=_expiry(patient=patient, starts_at=starts_at, now=now),
        )
        Response.objects.bulk_create(
            [
                Response(
                    organisation=patient.organisation,
                    patient=patient,
                    invitation=invitation,
                    consultation=consultation,
                    questionnaire_version=version,
                    channel=Response.Channel.HOME,
                    language=patient.preferred_language,
                )
                for version in versions
            ]
        )
        audit_record(
            action="invitation.create",
            actor=by,
            patient=patient,
            obj=invitation,
            detail={"questionnaires": [v.ref for v in versions]},
        )
    emailed, texted = invitation_send(
        invitation=invitation, token=token, email=email, sms=sms, site=site
    )
    return IssuedLink(invitation, invitation_link(token, site=site), emailed, texted)


def invitation_send(
    *, invitation: Invitation, token: str, email: bool, sms: bool, site: str | None = None
) -> tuple[bool, bool]:
    """E-mail and/or text the link to the patient, in their language.

    A failing gateway is logged and reported (False), never raised: the link
    is on the screen and reception can hand it over another way.
    """
    patient = invitation.patient
    link = invitation_link(token, site=site)
    emailed = texted = False
    with translation.override(patient.preferred_language):
        context = {
            "invitation": invitation,
            "organisation": invitation.organisation,
            "consultation": invitation.consultation,
            "link": link,
            "expires_at": invitation.expires_at,
            "out_of_hours": out_of_hours_words(invitation.organisation, patient.preferred_language),
            "livslinien": LIVSLINIEN,
        }
        if email and patient.email:
            try:
                send_mail(
                    subject=gettext("Questionnaire before your consultation"),
                    message=render_to_string(
                        "questionnaires/messages/invitation_email.txt", context
                    ),
                    from_email=None,
                    recipient_list=[patient.email],
                )
                emailed = True
            except Exception:
                logger.exception("invitation %s: e-mail failed", invitation.public_id)
        if sms and patient.mobile:
            try:
                sms_send(
                    to=patient.mobile,
                    body=render_to_string("questionnaires/messages/invitation_sms.txt", context),
                )
                texted = True
            except Exception:
                logger.exception("invitation %s: SMS failed", invitation.public_id)
    now = timezone.now()
    fields = []
    if emailed:
        invitation.emailed_at = now
        fields.append("emailed_at")
    if texted:
        invitation.texted_at = now
        fields.append("texted_at")
    if fields:
        invitation.save(update_fields=fields)
        audit_record(
            action="invitation.send",
            actor_kind="system",
            patient=patient,
            obj=invitation,
            detail={"email": emailed, "sms": texted},
        )
    return emailed, texted


def invitation_cancel(*, invitation: Invitation, by: User) -> None:
    """The link stops working at once; answers given so far are kept."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state == Invitation.State.SUBMITTED:
            raise InvitationError(str(ALREADY_SUBMITTED))
        if invitation.state == Invitation.State.CANCELLED:
            return
        invitation.state = Invitation.State.CANCELLED
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["state", "cancelled_at"])
        audit_record(
            action="invitation.cancel", actor=by, patient=invitation.patient, obj=invitation
        )


def _progress_state(invitation: Invitation) -> str:
    started = invitation.responses.exclude(status=Response.Status.NOT_STARTED).exists()
    return Invitation.State.IN_PROGRESS if started else Invitation.State.SENT


def invitation_reissue(
    *, invitation: Invitation, by: User, email: bool, sms: bool, site: str | None = None
) -> IssuedLink:
    """A new link (the old one stops working), a fresh validity period and the
    birth-date lock lifted; the answers given so far are kept."""
    token = token_new()
    now = timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("patient__organisation", "organisation", "consultation")
            .get(pk=invitation.pk)
        )
        if invitation.state == Invitation.State.SUBMITTED:
            raise InvitationError(str(ALREADY_SUBMITTED))
        starts_at = invitation.consultation.starts_at if invitation.consultation else now
        invitation.token_hash = token_hash(token)
        invitation.state = _progress_state(invitation)
        invitation.reissued_at = now
        invitation.cancelled_at = None
        invitation.failed_attempts = 0
        invitation.locked_at = None
        invitation.expires_at = _expiry(
            patient=invitation.patient, starts_at=max(starts_at, now), now=now
        )
        invitation.save()
        audit_record(
            action="invitation.reissue", actor=by, patient=invitation.patient, obj=invitation
        )
    emailed, texted = invitation_send(
        invitation=invitation, token=token, email=email, sms=sms, site=site
    )
    return IssuedLink(invitation, invitation_link(token, site=site), emailed, texted)


def invitation_for_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("patient", "organisation", "consultation")
        .filter(token_hash=token_hash(token))
        .first()
    )


class Unlock(enum.Enum):
    OPENED = "opened"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class UnlockOutcome:
    result: Unlock
    attempts_left: int = 0


def invitation_unlock(*, invitation: Invitation, birth_date: dt.date) -> UnlockOutcome:
    """The patient confirms their birth date before anything personal shows.

    Wrong dates count towards the birth-date lock (questionnaires.birth_date);
    a locked link stays locked until reception reissues it.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("patient__organisation")
            .get(pk=invitation.pk)
        )
        check = birth_date_check(
            guarded=invitation, birth_date=birth_date, action_prefix="invitation"
        )
        if check.result is BirthDate.LOCKED:
            return UnlockOutcome(Unlock.LOCKED)
        if check.result is BirthDate.WRONG:
            return UnlockOutcome(Unlock.WRONG, attempts_left=check.attempts_left)
        fields = ["failed_attempts"]
        if invitation.state == Invitation.State.SENT:
            invitation.state = Invitation.State.OPENED
            fields.append("state")
        if invitation.opened_at is None:
            invitation.opened_at = timezone.now()
            fields.append("opened_at")
        invitation.save(update_fields=fields)
        patient = invitation.patient
        audit_record(
            action="invitation.open", actor_kind="patient", patient=patient, obj=invitation
        )
        return UnlockOutcome(Unlock.OPENED)

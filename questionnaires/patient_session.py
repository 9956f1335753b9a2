"""What a patient's browser session may reach.

A patient never logs in. At home, the session holds the invitation whose
link and birth date it unlocked (and that link's token hash, so a reissued
or cancelled link ends the session). On a waiting-room tablet, it holds the
kiosk, the patient and the responses the visit code opened, and when the
tablet was last used: after ``KIOSK_IDLE_WIPE_SECONDS`` without a request
the server wipes it, whatever the browser's JavaScript did or did not do.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from pro_portal.models import Kiosk, Organisation, Patient
from questionnaires.kiosk import kiosk_for_token
from questionnaires.models import Invitation, Response, VisitCode

SESSION_HOME = "patient_home"
SESSION_KIOSK = "patient_kiosk"
_KIOSK_ATTR = "_pro_portal_kiosk"


@dataclass(frozen=True)
class PatientSession:
    """The patient a request acts for, and where (home or kiosk)."""

    patient: Patient
    organisation: Organisation
    invitation: Invitation | None = None
    kiosk: Kiosk | None = None
    response_ids: tuple[int, ...] = ()
    #: The response the page names, when it was loaded with the session (one query).
    loaded: Response | None = None

    @property
    def on_kiosk(self) -> bool:
        return self.kiosk is not None

    @property
    def channel(self) -> str:
        return Response.Channel.KIOSK if self.on_kiosk else Response.Channel.HOME

    def responses(self) -> QuerySet[Response]:
        rows = Response.objects.filter(patient=self.patient, organisation=self.organisation)
        if self.kiosk is not None:
            rows = rows.filter(pk__in=self.response_ids)
        else:
            rows = rows.filter(invitation=self.invitation)
        # The definition's JSON is compiled once per process: never decode it per
        # request.
        return (
            rows.select_related("questionnaire_version")
            .defer("questionnaire_version__content")
            .order_by("pk")
        )

    def response(self, public_id: uuid.UUID | str) -> Response:
        """One of this session's responses, or 404 (never another patient's)."""
        try:
            key = uuid.UUID(str(public_id))
        except ValueError:
            raise Http404 from None
        if self.loaded is not None and self.loaded.public_id == key:
            return self.loaded
        try:
            found = self.responses().get(public_id=key)
        except Response.DoesNotExist:
            raise Http404 from None
        # The session has these already: no joins, no extra queries.
        found.organisation = self.organisation
        found.patient = self.patient
        if self.invitation is not None and found.invitation_id == self.invitation.pk:
            found.invitation = self.invitation
        return found


def _int(value: object) -> int:
    """A primary key read back from the session (-1 matches nothing)."""
    return value if isinstance(value, int) else -1


def current_kiosk(request: HttpRequest) -> Kiosk | None:
    """The enrolled, unrevoked kiosk this device is, from its cookie (cached per request)."""
    if not hasattr(request, _KIOSK_ATTR):
        token = request.COOKIES.get(settings.KIOSK_COOKIE_NAME)
        setattr(request, _KIOSK_ATTR, kiosk_for_token(token))
    kiosk: Kiosk | None = getattr(request, _KIOSK_ATTR)
    return kiosk


def home_session_start(request: HttpRequest, invitation: Invitation) -> None:
    """After the birth date: a new session key (no fixation), holding this invitation only."""
    request.session.cycle_key()
    request.session.pop(SESSION_KIOSK, None)
    request.session[SESSION_HOME] = {"invitation": invitation.pk, "token": invitation.token_hash}


_HOME_FIELDS = (
    "public_id",
    "token_hash",
    "state",
    "expires_at",
    "locked_at",
    "organisation_id",
    "patient_id",
    "consultation_id",
    "patient__public_id",
    "patient__name",
    "patient__preferred_language",
    "patient__organisation_id",
    "organisation__name",
    "organisation__help_phone",
    "organisation__phone",
    "organisation__region",
    "consultation__starts_at",
)


_RESPONSE_FIELDS = (
    "public_id",
    "organisation_id",
    "patient_id",
    "invitation_id",
    "questionnaire_version_id",
    "status",
    "channel",
    "language",
    "submission_token",
    "reuse_declined",
    "questionnaire_version__questionnaire_id",
    "questionnaire_version__version",
    "questionnaire_version__content_hash",
    "questionnaire_version__source",
    "questionnaire_version__reuse",
)


def home_session(request: HttpRequest, *, response_id: str | None = None) -> PatientSession | None:
    """The unlocked invitation's session, or None.

    A page about one response (``response_id``) loads that response together
    with the invitation in one query; ``PatientSession.response`` returns it.
    """
    data = request.session.get(SESSION_HOME)
    if not isinstance(data, dict):
        return None
    invitation_pk, token = _int(data.get("invitation")), str(data.get("token"))
    loaded: Response | None = None
    invitation: Invitation | None = None
    key = _uuid(response_id) if response_id is not None else None
    if key is not None:
        loaded = (
            Response.objects.select_related(
                "questionnaire_version",
                "invitation__patient",
                "invitation__organisation",
                "invitation__consultation",
            )
            .only(*_RESPONSE_FIELDS, *(f"invitation__{f}" for f in _HOME_FIELDS))
            .filter(public_id=key, invitation_id=invitation_pk, invitation__token_hash=token)
            .first()
        )
        invitation = loaded.invitation if loaded is not None else None
    if invitation is None:
        loaded = None
        invitation = (
            Invitation.objects.select_related("patient", "organisation", "consultation")
            # What patient pages show; never the CPR number (not even decrypted).
            # Any other field still loads on access, in one more query.
            .only(*_HOME_FIELDS)
            .filter(pk=invitation_pk, token_hash=token)
            .first()
        )
    if invitation is None or invitation.is_locked:
        return None
    if invitation.current_state in (Invitation.State.EXPIRED, Invitation.State.CANCELLED):
        return None
    if loaded is not None:
        loaded.patient = invitation.patient
        loaded.organisation = invitation.organisation
    return PatientSession(
        patient=invitation.patient,
        organisation=invitation.organisation,
        invitation=invitation,
        loaded=loaded,
    )


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def kiosk_session_start(
    request: HttpRequest, *, kiosk: Kiosk, visit: VisitCode, responses: Sequence[Response]
) -> None:
    request.session.cycle_key()
    request.session.pop(SESSION_HOME, None)
    request.session[SESSION_KIOSK] = {
        "kiosk": kiosk.pk,
        "patient": visit.patient_id,
        "visit": visit.pk,
        "responses": [r.pk for r in responses],
        "seen": time.time(),
    }


def kiosk_idle_seconds(request: HttpRequest) -> float | None:
    data = request.session.get(SESSION_KIOSK)
    if not isinstance(data, dict):
        return None
    return time.time() - float(data.get("seen", 0))


def kiosk_session_expired(request: HttpRequest) -> bool:
    """True when a kiosk patient session exists but was idle too long."""
    idle = kiosk_idle_seconds(request)
    return idle is not None and idle > settings.KIOSK_IDLE_WIPE_SECONDS


def kiosk_touch(request: HttpRequest) -> None:
    data = request.session.get(SESSION_KIOSK)
    if isinstance(data, dict):
        data["seen"] = time.time()
        request.session.modified = True


def kiosk_session(request: HttpRequest, kiosk: Kiosk) -> PatientSession | None:
    data = request.session.get(SESSION_KIOSK)
    if not isinstance(data, dict) or data.get("kiosk") != kiosk.pk:
        return None
    visit = (
        VisitCode.objects.select_related("patient__organisation")
        .defer("patient__cpr")  # never decrypted on a patient page
        .filter(pk=_int(data.get("visit")), patient_id=_int(data.get("patient")))
        .first()
    )
    if visit is None or visit.organisation_id != kiosk.organisation_id:
        return None
    return PatientSession(
        patient=visit.patient,
        organisation=visit.patient.organisation,
        kiosk=kiosk,
        response_ids=tuple(int(pk) for pk in data.get("responses", [])),
    )

"""Reception: find or register a patient, invite them, cancel and reissue links,
give kiosk visit codes.

For secretaries and clinicians of the patient's organisation. A CPR number
only ever arrives in a POST body (never a URL) and every view that receives
one hides it from error reports. This page shows who the patient is and the
status of their invitations — never answers, scores or flags.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from pro_portal.access import PATIENT_IDENTITY_ROLES, staff_of, staff_view
from pro_portal.i18n import page_language
from pro_portal.links import site_url
from pro_portal.models import Patient
from questionnaires.forms import CprForm, InviteForm, PatientCreateForm, ResendForm
from questionnaires.invitations import (
    InvitationError,
    IssuedLink,
    invitation_cancel,
    invitation_create,
    invitation_reissue,
    patient_create,
)
from questionnaires.kiosk import visit_code_create
from questionnaires.models import Invitation
from scoring import door

#: Shown once on the next page, then gone (the raw link is never stored).
SESSION_ISSUED = "reception_issued_link"
SESSION_VISIT_CODE = "reception_visit_code"


@sensitive_post_parameters("cpr")
@staff_view(roles=PATIENT_IDENTITY_ROLES, denied_template="questionnaires/reception/find.html")
@require_http_methods(["GET", "POST"])
def find(request: HttpRequest) -> HttpResponse:
    """Find a patient by CPR number, or register them when not found."""
    with door.reception(staff_of(request)) as desk:
        return _find(request, desk)


@sensitive_variables("cpr")
def _find(request: HttpRequest, desk: door.Reception) -> HttpResponse:
    user, organisations = desk.user, desk.organisations
    cpr_form = CprForm(request.POST if request.POST.get("step") == "find" else None)
    create_form: PatientCreateForm | None = None
    if request.method == "POST" and request.POST.get("step") == "find" and cpr_form.is_valid():
        cpr = cpr_form.cleaned_data["cpr"]
        patient = desk.patient_by_cpr(cpr)
        if patient is not None:
            return redirect("scoring:patient", patient_id=patient.public_id)
        create_form = PatientCreateForm(
            initial={"cpr": cpr, "preferred_language": "da"}, organisations=organisations
        )
    elif request.method == "POST" and request.POST.get("step") == "create":
        create_form = PatientCreateForm(request.POST, organisations=organisations)
        if create_form.is_valid():
            data = create_form.cleaned_data
            existing = desk.patient_by_cpr(data["cpr"])
            if existing is not None:
                return redirect("scoring:patient", patient_id=existing.public_id)
            try:
                patient = patient_create(
                    organisation=data["organisation"],
                    cpr=data["cpr"],
                    name=data["name"],
                    email=data["email"],
                    mobile=data["mobile"],
                    preferred_language=data["preferred_language"],
                    by=user,
                )
            except ValidationError as exc:
                create_form.add_error(None, exc)
            else:
                messages.success(request, _("The patient is registered."))
                return redirect("scoring:patient", patient_id=patient.public_id)
    return render(
        request,
        "questionnaires/reception/find.html",
        {"cpr_form": cpr_form, "create_form": create_form},
    )


def _invitation_rows(patient: Patient, language: str) -> list[dict[str, Any]]:
    rows = []
    invitations = (
        patient.invitations.select_related("consultation")
        .prefetch_related("responses__questionnaire_version")
        .order_by("-created_at")
    )
    for invitation in invitations:
        state = invitation.current_state
        rows.append(
            {
                "invitation": invitation,
                "state": Invitation.State(state).label,
                "state_code": state,
                "locked": invitation.is_locked,
                "responses": [
                    {
                        "title": r.questionnaire_version.title(language),
                        "status": r.get_status_display(),
                        "channel": r.get_channel_display(),
                    }
                    for r in sorted(invitation.responses.all(), key=lambda r: r.pk)
                ],
                "can_cancel": state
                in (Invitation.State.SENT, Invitation.State.OPENED, Invitation.State.IN_PROGRESS),
                "can_reissue": state != Invitation.State.SUBMITTED,
            }
        )
    return rows


def _tablet_rows(patient: Patient, language: str, *, clinical: bool) -> list[dict[str, Any]]:
    """Answers given on the waiting-room tablet outside any invitation (the
    basic data of a patient reception sent no link): the invitations table
    does not show them. Status for everyone, the summary for clinicians."""
    responses = (
        patient.responses.filter(invitation__isnull=True)
        .select_related("questionnaire_version", "consultation")
        .order_by("-created_at")[:20]
    )
    return [
        {
            "title": r.questionnaire_version.title(language),
            "status": r.get_status_display(),
            "submitted_at": r.submitted_at,
            "consultation": r.consultation,
            "summary_url": (
                reverse("scoring:summary", args=[r.public_id])
                if clinical and r.is_submitted
                else None
            ),
        }
        for r in responses
    ]


def _patient_page(
    request: HttpRequest, patient: Patient, invite_form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    language = page_language()
    user = staff_of(request)
    issued = request.session.pop(SESSION_ISSUED, None)
    visit_code = request.session.pop(SESSION_VISIT_CODE, None)
    return render(
        request,
        "questionnaires/reception/patient.html",
        {
            "patient": patient,
            "consultations": patient.consultations.order_by("-starts_at")[:20],
            "invitations": _invitation_rows(patient, language),
            "tablet_responses": _tablet_rows(
                patient, language, clinical=door.may_read_answers(user, patient)
            ),
            "invite_form": invite_form or InviteForm(patient=patient, language=language),
            "issued": issued,
            "visit_code": visit_code,
            "may_see_access_log": door.may_see_access_log(user, patient),
        },
        status=status,
    )


@staff_view(roles=PATIENT_IDENTITY_ROLES)
@require_http_methods(["GET"])
def patient(request: HttpRequest, patient_id: str) -> HttpResponse:
    """The reception page of one patient: identity, consultations, invitations."""
    with door.patient_record(staff_of(request), patient_id, action="patient.view") as found:
        return _patient_page(request, found)


def _remember_link(request: HttpRequest, issued: IssuedLink) -> None:
    request.session[SESSION_ISSUED] = {
        "invitation": str(issued.invitation.public_id),
        "link": issued.link,
        "emailed": issued.emailed,
        "texted": issued.texted,
    }


@staff_view(roles=PATIENT_IDENTITY_ROLES)
@require_POST
def invite(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Book the consultation and invite the patient to the chosen questionnaires."""
    user = staff_of(request)
    with door.patient_record(user, patient_id, action="patient.view") as patient:
        return _invite(request, patient)


def _invite(request: HttpRequest, patient: Patient) -> HttpResponse:
    user = staff_of(request)
    language = page_language()
    form = InviteForm(request.POST, patient=patient, language=language)
    if form.is_valid():
        try:
            issued = invitation_create(
                patient=patient,
                starts_at=form.cleaned_data["starts_at"],
                versions=list(form.cleaned_data["versions"]),
                by=user,
                email=form.cleaned_data["send_email"],
                sms=form.cleaned_data["send_sms"],
                site=site_url(request),
            )
        except InvitationError as exc:
            form.add_error(None, str(exc))
        else:
            _remember_link(request, issued)
            return redirect("scoring:patient", patient_id=patient.public_id)
    return _patient_page(request, patient, form, status=400)


@staff_view(roles=PATIENT_IDENTITY_ROLES)
@require_POST
def cancel(request: HttpRequest, invitation_id: str) -> HttpResponse:
    user = staff_of(request)
    with door.invitation_record(user, invitation_id, action="invitation.view") as invitation:
        try:
            invitation_cancel(invitation=invitation, by=user)
        except InvitationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("The link is cancelled. It no longer opens the questionnaires.")
            )
    return redirect("scoring:patient", patient_id=invitation.patient.public_id)


@staff_view(roles=PATIENT_IDENTITY_ROLES)
@require_POST
def reissue(request: HttpRequest, invitation_id: str) -> HttpResponse:
    """A new link for the same invitation; the answers given so far are kept."""
    user = staff_of(request)
    form = ResendForm(request.POST)
    form.is_valid()
    with door.invitation_record(user, invitation_id, action="invitation.view") as invitation:
        try:
            issued = invitation_reissue(
                invitation=invitation,
                by=user,
                email=bool(form.cleaned_data.get("send_email")),
                sms=bool(form.cleaned_data.get("send_sms")),
                site=site_url(request),
            )
        except InvitationError as exc:
            messages.error(request, str(exc))
        else:
            _remember_link(request, issued)
    return redirect("scoring:patient", patient_id=invitation.patient.public_id)


@staff_view(roles=PATIENT_IDENTITY_ROLES)
@require_POST
def visit_code(request: HttpRequest, patient_id: str) -> HttpResponse:
    """A six-digit code for the waiting-room tablet, valid today; shown once."""
    user = staff_of(request)
    with door.patient_record(user, patient_id, action="patient.view") as patient:
        visit, code = visit_code_create(patient=patient, by=user)
    request.session[SESSION_VISIT_CODE] = {
        "code": f"{code[:3]} {code[3:]}",
        "valid_on": str(visit.valid_on),
    }
    return redirect("scoring:patient", patient_id=patient.public_id)

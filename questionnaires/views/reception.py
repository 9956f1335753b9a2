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
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from pro_portal.access import access_patient, find_patient_by_cpr
from pro_portal.i18n import page_language
from pro_portal.models import Patient, User
from questionnaires.access import access_invitation, reception_organisations
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

#: Shown once on the next page, then gone (the raw link is never stored).
SESSION_ISSUED = "reception_issued_link"
SESSION_VISIT_CODE = "reception_visit_code"


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    return user


@login_required
@sensitive_post_parameters("cpr")
@sensitive_variables("cpr")
@require_http_methods(["GET", "POST"])
def find(request: HttpRequest) -> HttpResponse:
    """Find a patient by CPR number, or register them when not found."""
    user = _staff(request)
    organisations = list(reception_organisations(user))
    if not organisations:
        return render(
            request, "questionnaires/reception/find.html", {"forbidden": True}, status=404
        )
    cpr_form = CprForm(request.POST if request.POST.get("step") == "find" else None)
    create_form: PatientCreateForm | None = None
    if request.method == "POST" and request.POST.get("step") == "find" and cpr_form.is_valid():
        cpr = cpr_form.cleaned_data["cpr"]
        patient = find_patient_by_cpr(user, cpr)
        if patient is not None:
            return redirect("questionnaires:patient", patient_id=patient.public_id)
        create_form = PatientCreateForm(
            initial={"cpr": cpr, "preferred_language": "da"}, organisations=organisations
        )
    elif request.method == "POST" and request.POST.get("step") == "create":
        create_form = PatientCreateForm(request.POST, organisations=organisations)
        if create_form.is_valid():
            data = create_form.cleaned_data
            existing = find_patient_by_cpr(user, data["cpr"])
            if existing is not None:
                return redirect("questionnaires:patient", patient_id=existing.public_id)
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
                return redirect("questionnaires:patient", patient_id=patient.public_id)
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


def _patient_page(
    request: HttpRequest, patient: Patient, invite_form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    language = page_language()
    issued = request.session.pop(SESSION_ISSUED, None)
    visit_code = request.session.pop(SESSION_VISIT_CODE, None)
    return render(
        request,
        "questionnaires/reception/patient.html",
        {
            "patient": patient,
            "consultations": patient.consultations.order_by("-starts_at")[:20],
            "invitations": _invitation_rows(patient, language),
            "invite_form": invite_form or InviteForm(patient=patient, language=language),
            "issued": issued,
            "visit_code": visit_code,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def patient(request: HttpRequest, patient_id: str) -> HttpResponse:
    """The reception page of one patient: identity, consultations, invitations."""
    return _patient_page(request, access_patient(_staff(request), patient_id))


def _remember_link(request: HttpRequest, issued: IssuedLink) -> None:
    request.session[SESSION_ISSUED] = {
        "invitation": str(issued.invitation.public_id),
        "link": issued.link,
        "emailed": issued.emailed,
        "texted": issued.texted,
    }


@login_required
@require_POST
def invite(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Book the consultation and invite the patient to the chosen questionnaires."""
    user = _staff(request)
    patient = access_patient(user, patient_id)
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
            )
        except InvitationError as exc:
            form.add_error(None, str(exc))
        else:
            _remember_link(request, issued)
            return redirect("questionnaires:patient", patient_id=patient.public_id)
    return _patient_page(request, patient, form, status=400)


@login_required
@require_POST
def cancel(request: HttpRequest, invitation_id: str) -> HttpResponse:
    user = _staff(request)
    invitation = access_invitation(user, invitation_id, action="invitation.view")
    try:
        invitation_cancel(invitation=invitation, by=user)
    except InvitationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The link is cancelled. It no longer opens the questionnaires.")
        )
    return redirect("questionnaires:patient", patient_id=invitation.patient.public_id)


@login_required
@require_POST
def reissue(request: HttpRequest, invitation_id: str) -> HttpResponse:
    """A new link for the same invitation; the answers given so far are kept."""
    user = _staff(request)
    invitation = access_invitation(user, invitation_id, action="invitation.view")
    form = ResendForm(request.POST)
    form.is_valid()
    try:
        issued = invitation_reissue(
            invitation=invitation,
            by=user,
            email=bool(form.cleaned_data.get("send_email")),
            sms=bool(form.cleaned_data.get("send_sms")),
        )
    except InvitationError as exc:
        messages.error(request, str(exc))
    else:
        _remember_link(request, issued)
    return redirect("questionnaires:patient", patient_id=invitation.patient.public_id)


@login_required
@require_POST
def visit_code(request: HttpRequest, patient_id: str) -> HttpResponse:
    """A six-digit code for the waiting-room tablet, valid today; shown once."""
    user = _staff(request)
    patient = access_patient(user, patient_id)
    visit, code = visit_code_create(patient=patient, by=user)
    request.session[SESSION_VISIT_CODE] = {
        "code": f"{code[:3]} {code[3:]}",
        "valid_on": str(visit.valid_on),
    }
    return redirect("questionnaires:patient", patient_id=patient.public_id)

"""Clinician pages: worklist, search, summary, PDF, review. Thin and typed:
parse, call one selector or service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from pro_portal.audit import audit_record, audit_record_many
from pro_portal.i18n import page_language
from pro_portal.models import Role, User
from scoring import worklist
from scoring.access import access_response
from scoring.forms import PatientSearchForm, WorklistFilterForm
from scoring.models import ResponseReview, ScoringResult
from scoring.pdf import pdf_path, summary_pdf_store
from scoring.summary import summary_build


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    return user


def _roles(user: User) -> set[str]:
    return set(user.memberships.values_list("role", flat=True))


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff land on the worklist; a clinic admin alone goes to the admin."""
    roles = _roles(_staff(request))
    if roles & {Role.CLINICIAN, Role.SECRETARY}:
        return redirect("scoring:worklist")
    if Role.ADMIN in roles:
        return redirect("admin:index")
    return render(request, "scoring/no_role.html")


def _filters(request: HttpRequest, language: str) -> tuple[WorklistFilterForm, worklist.Filters]:
    data = request.GET.copy()
    data.setdefault("day", timezone.localdate().isoformat())
    form = WorklistFilterForm(data, questionnaires=worklist.questionnaire_choices(language))
    if not form.is_valid():  # a mistyped date or colour: today, unfiltered
        return form, worklist.Filters(day=timezone.localdate())
    filters = worklist.Filters(
        day=form.cleaned_data["day"],
        colour=form.cleaned_data.get("colour") or None,
        questionnaire=form.cleaned_data.get("questionnaire") or None,
        unreviewed=bool(form.cleaned_data.get("unreviewed")),
    )
    return form, filters


def _worklist_page(
    request: HttpRequest,
    template: str,
    *,
    tab: str,
    shown: set[worklist.PatientRef],
    clinical: bool,
    language: str,
    context: dict[str, object],
    alerts: worklist.Alerts | None = None,
) -> HttpResponse:
    """Both worklist tabs: overdue reds on top, the tabs, search; audited.
    ``alerts`` when the page has already read what they are made of."""
    user = _staff(request)
    if alerts is None:
        alerts = worklist.alerts(user, language) if clinical else worklist.Alerts([], 0)
    shown = shown | {row.patient for row in alerts.overdue}
    audit_record_many(action="worklist.view", actor=user, patients=shown)
    return render(
        request,
        template,
        {
            **context,
            "tab": tab,
            "clinical": clinical,
            "overdue": alerts.overdue,
            "awaiting_count": alerts.unreviewed,
            "search_form": PatientSearchForm(),
        },
    )


@never_cache
@login_required
def worklist_view(request: HttpRequest) -> HttpResponse:
    """The day's consultations, red first; secretaries see invitation status only."""
    user = _staff(request)
    clinical = Role.CLINICIAN in _roles(user)
    language = page_language()
    form, filters = _filters(request, language)
    days = worklist.day_list(user, filters, clinical=clinical, language=language)
    return _worklist_page(
        request,
        "scoring/worklist.html",
        tab="day",
        shown={row.patient for row in days},
        clinical=clinical,
        language=language,
        context={
            "form": form,
            "day": filters.day,
            "previous_day": filters.day - dt.timedelta(days=1),
            "next_day": filters.day + dt.timedelta(days=1),
            "days": days,
        },
    )


@never_cache
@login_required
def awaiting_view(request: HttpRequest) -> HttpResponse:
    """Submitted responses nobody has reviewed, booked or not (follow-up
    triage has no consultation): clinicians only."""
    user = _staff(request)
    if Role.CLINICIAN not in _roles(user):
        raise Http404
    language = page_language()
    form, filters = _filters(request, language)
    unreviewed = worklist.unreviewed(user, language)
    awaiting = worklist.awaiting_review(unreviewed, filters)
    return _worklist_page(
        request,
        "scoring/awaiting.html",
        tab="awaiting",
        shown={row.patient for row in awaiting},
        clinical=True,
        language=language,
        context={"form": form, "awaiting": awaiting},
        alerts=worklist.Alerts.of(unreviewed),  # the tab's own rows: no second read
    )


@never_cache
@sensitive_post_parameters("query")
@login_required
@require_POST
def search(request: HttpRequest) -> HttpResponse:
    """Search by name or CPR number — POST only, so a CPR number is never in a URL."""
    user = _staff(request)
    form = PatientSearchForm(request.POST)
    patients = worklist.search_patients(user, form.cleaned_data["query"]) if form.is_valid() else []
    clinical = Role.CLINICIAN in _roles(user)
    language = page_language()
    responses = worklist.recent_responses(user, patients, language) if clinical else {}
    audit_record_many(action="patient.search", actor=user, patients=patients)
    rows = [(patient, responses.get(patient.pk, [])) for patient in patients]
    return render(
        request,
        "scoring/search.html",
        {"form": form, "rows": rows, "clinical": clinical, "searched": form.is_valid()},
    )


@never_cache
@login_required
def summary(request: HttpRequest, response_id: str) -> HttpResponse:
    response = access_response(_staff(request), response_id, action="summary.view")
    stored = response.results.get(kind=ScoringResult.Kind.ORIGINAL)
    context = summary_build(response=response, stored=stored, language=page_language())
    pdf_ready = response.pdfs.exists()
    return render(
        request,
        "scoring/summary.html",
        {"s": context, "response": response, "pdf_ready": pdf_ready},
    )


@never_cache
@login_required
def summary_pdf(request: HttpRequest, response_id: str) -> FileResponse:
    """The stored PDF, or one rendered now if the task has not run yet."""
    response = access_response(_staff(request), response_id, action="summary.pdf")
    record = summary_pdf_store(response_id=response.pk, language=page_language())
    submitted = timezone.localtime(response.submitted_at or timezone.now())
    # The download name holds no patient data.
    filename = (
        f"pro-summary-{response.questionnaire_version.questionnaire_id}-{submitted:%Y%m%d}.pdf"
    )
    return FileResponse(
        pdf_path(record).open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


@login_required
@require_POST
def mark_reviewed(request: HttpRequest, response_id: str) -> HttpResponse:
    user = _staff(request)
    response = access_response(user, response_id, action="response.review")
    try:
        ResponseReview.objects.create(response=response, reviewed_by=user)
    except IntegrityError:
        messages.info(request, _("This response had already been reviewed."))
    else:
        audit_record(action="response.reviewed", actor=user, patient=response.patient, obj=response)
        messages.success(request, _("Marked as reviewed."))
    return redirect(reverse("scoring:summary", args=[response.public_id]))

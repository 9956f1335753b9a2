"""Clinician pages: worklist, search, summary, PDF, review. Thin and typed:
parse, call one selector or service, render."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from pro_portal.access import CLINICAL_ROLES, PATIENT_IDENTITY_ROLES, staff_of, staff_view
from pro_portal.i18n import page_language
from pro_portal.models import Role
from questionnaires.results import result_original
from questionnaires.unsent import unsent_notice_handle
from scoring import door, worklist
from scoring.forms import PatientSearchForm, WorklistFilterForm
from scoring.pdf import TEMPLATE_VERSION, summary_pdf_data
from scoring.reviews import review_record
from scoring.summary import summary_build, summary_record_text, unsent_build


@staff_view(roles=None)
def home(request: HttpRequest) -> HttpResponse:
    """Staff land on the worklist; a clinic admin alone goes to the admin;
    content staff or a clinical reviewer of questionnaires with no role in an
    organisation to the questionnaires (the pages they may open)."""
    user = staff_of(request)
    roles = set(user.memberships.values_list("role", flat=True))
    if roles & PATIENT_IDENTITY_ROLES:
        return redirect("scoring:worklist")
    if Role.ADMIN in roles:
        return redirect("admin:index")
    if user.has_perm("questionnaires.manage_questionnaires"):
        return redirect("content-index")
    if user.has_perm("questionnaires.review_questionnaires"):
        return redirect("questionnaires:content-review-list")
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
        page=form.cleaned_data.get("page") or 1,
        overdue_page=form.cleaned_data.get("overdue_page") or 1,
    )
    return form, filters


def _worklist_page(
    request: HttpRequest,
    template: str,
    *,
    tab: str,
    page: door.WorklistPage,
    context: dict[str, object],
) -> HttpResponse:
    """Both worklist tabs: overdue reds on top, the tabs, search."""
    return render(
        request,
        template,
        {
            **context,
            "tab": tab,
            "clinical": page.clinical,
            "overdue": page.alerts.overdue,
            "unsent": page.unsent,
            "awaiting_count": page.alerts.unreviewed,
            "search_form": PatientSearchForm(),
        },
    )


@staff_view(roles=PATIENT_IDENTITY_ROLES)
def worklist_view(request: HttpRequest) -> HttpResponse:
    """The day's consultations, red first; secretaries see invitation status only."""
    language = page_language()
    form, filters = _filters(request, language)
    page = door.day_page(staff_of(request), filters, language=language)
    return _worklist_page(
        request,
        "scoring/worklist.html",
        tab="day",
        page=page,
        context={
            "form": form,
            "day": filters.day,
            "previous_day": filters.day - dt.timedelta(days=1),
            "next_day": filters.day + dt.timedelta(days=1),
            "days": page.rows,
        },
    )


@staff_view(roles=CLINICAL_ROLES)
def awaiting_view(request: HttpRequest) -> HttpResponse:
    """Submitted responses nobody has reviewed, booked or not (follow-up
    triage has no consultation): clinicians only."""
    language = page_language()
    form, filters = _filters(request, language)
    page = door.awaiting_page(staff_of(request), filters, language=language)
    return _worklist_page(
        request,
        "scoring/awaiting.html",
        tab="awaiting",
        page=page,
        context={"form": form, "awaiting": page.rows, "pager": page.awaiting},
    )


@sensitive_post_parameters("query")
@staff_view(roles=PATIENT_IDENTITY_ROLES)
@require_POST
def search(request: HttpRequest) -> HttpResponse:
    """Search by name or CPR number — POST only, so a CPR number is never in a URL."""
    form = PatientSearchForm(request.POST)
    query = form.cleaned_data["query"] if form.is_valid() else ""
    page = door.patient_search(staff_of(request), query, language=page_language())
    return render(
        request,
        "scoring/search.html",
        {
            "form": form,
            "rows": page.rows,
            "clinical": page.clinical,
            "more": page.more,
            "limit": page.limit,
            "searched": form.is_valid(),
        },
    )


@staff_view(roles=CLINICAL_ROLES)
def summary(request: HttpRequest, response_id: str) -> HttpResponse:
    with door.response_record(staff_of(request), response_id, action="summary.view") as response:
        stored = result_original(response_id=response.pk)
        context = summary_build(response=response, stored=stored, language=page_language())
        return render(
            request,
            "scoring/summary.html",
            {
                "s": context,
                "response": response,
                "pdf_ready": response.pdfs.filter(
                    language=context.language, template_version=TEMPLATE_VERSION
                ).exists(),
            },
        )


@staff_view(roles=CLINICAL_ROLES)
@require_http_methods(["GET", "POST"])
def record_text(request: HttpRequest, response_id: str) -> HttpResponse:
    """The summary as plain text for the patient's record, in the clinician's
    language. The copy button (static/scoring/summary.js) POSTs and copies the
    text it gets back; without JavaScript the same button opens it on a page
    in a read-only box. Either way the text is only ever served here, so
    every copy is audited ("summary.copy") when the text leaves the door."""
    with door.response_record(staff_of(request), response_id, action="summary.copy") as response:
        stored = result_original(response_id=response.pk)
        context = summary_build(response=response, stored=stored, language=page_language())
        text = summary_record_text(context)
    if request.method == "POST":
        return HttpResponse(text, content_type="text/plain; charset=utf-8")
    return render(request, "scoring/summary_record.html", {"s": context, "text": text})


@staff_view(roles=CLINICAL_ROLES)
def summary_pdf(request: HttpRequest, response_id: str) -> FileResponse:
    """The stored PDF in the clinician's language, decrypted, or one rendered
    now if the task has not rendered that one yet."""
    with door.response_record(staff_of(request), response_id, action="summary.pdf") as response:
        data = summary_pdf_data(response_id=response.pk, language=page_language())
    submitted = timezone.localtime(response.submitted_at or timezone.now())
    # The download name holds no patient data.
    filename = (
        f"pro-summary-{response.questionnaire_version.questionnaire_id}-{submitted:%Y%m%d}.pdf"
    )
    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


@staff_view(roles=CLINICAL_ROLES)
@require_POST
def mark_reviewed(request: HttpRequest, response_id: str) -> HttpResponse:
    user = staff_of(request)
    with door.response_record(user, response_id, action="response.review") as response:
        if review_record(response=response, by=user):
            messages.success(request, _("Marked as reviewed."))
        else:
            messages.info(request, _("This response had already been reviewed."))
    return redirect(reverse("scoring:summary", args=[response.public_id]))


@staff_view(roles=CLINICAL_ROLES)
@require_http_methods(["GET", "POST"])
def unsent(request: HttpRequest, notice_id: str) -> HttpResponse:
    """A safety answer saved but not sent: what the saved answers raise and how
    to reach the patient; POST marks it handled (the patient was contacted)."""
    user = staff_of(request)
    if request.method == "POST":
        with door.unsent_notice_record(user, notice_id, action="unsent_safety.handle") as notice:
            unsent_notice_handle(notice=notice, by=user)
        messages.success(request, _("Marked as handled: it has left the worklist."))
        return redirect("scoring:worklist")
    with door.unsent_notice_record(user, notice_id, action="unsent_safety.view") as notice:
        context = unsent_build(notice=notice, language=page_language())
        return render(request, "scoring/unsent.html", {"n": context})

"""The clinical reviewer's sign-off page for a questionnaire version (issue 15).

Site-wide content pages (questionnaires belong to no organisation): only
users with the ``review_questionnaires`` permission reach them; anyone else
logged in gets 403. They read no patient data. Thin: parse, call one
service, render; the gates themselves are ``questionnaires.services``'.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pro_portal.access import no_patient_data, staff_of
from pro_portal.i18n import page_language
from questionnaires.models import ImportWarning, QuestionnaireTranslation, QuestionnaireVersion
from questionnaires.services import (
    REQUIRED_LANGUAGES,
    REVIEW_PERMISSION,
    PublishError,
    activation_problems,
    is_clinical_reviewer,
    questionnaire_licence_record,
    questionnaire_sign_off,
    version_licences,
)

#: URL names the preview page may have (built on another branch); the link is
#: left out when neither exists.
PREVIEW_URL_NAMES = ("questionnaires:content-preview", "content-preview")

ReviewView = Callable[..., HttpResponse]


def reviewer_page(view: ReviewView) -> ReviewView:
    """Logged in, never cached, and only with the review permission (403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not staff_of(request).has_perm(REVIEW_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return no_patient_data(login_required(never_cache(wrapper)))


class SignOffForm(forms.Form):
    """One checkbox per warning not yet acknowledged, and the review date."""

    reviewed_on = forms.DateField(
        label=gettext_lazy("Reviewed on"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, *args: Any, pending: list[ImportWarning], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending = pending
        for warning in pending:
            self.fields[f"ack_{warning.position}"] = forms.BooleanField(
                required=False,
                label=warning.text,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    def warning_fields(self) -> list[tuple[ImportWarning, forms.BoundField]]:
        return [(w, self[f"ack_{w.position}"]) for w in self.pending]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unticked = [w for w in self.pending if not cleaned.get(f"ack_{w.position}")]
        for warning in unticked:
            self.add_error(f"ack_{warning.position}", _("Acknowledge this warning."))
        if unticked:
            raise forms.ValidationError(
                ngettext(
                    "%(count)d warning is not acknowledged (number %(numbers)s): tick each"
                    " warning you have read before signing off. Nothing was recorded.",
                    "%(count)d warnings are not acknowledged (numbers %(numbers)s): tick each"
                    " warning you have read before signing off. Nothing was recorded.",
                    len(unticked),
                )
                % {
                    "count": len(unticked),
                    "numbers": ", ".join(str(w.position) for w in unticked),
                }
            )
        return cleaned


class LicenceForm(forms.Form):
    licence = forms.CharField(
        label=gettext_lazy("Licence"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=gettext_lazy(
            "The copyright statement and the terms the instrument may be used under."
        ),
    )


def _preview_url(version: QuestionnaireVersion) -> str | None:
    for name in PREVIEW_URL_NAMES:
        try:
            return reverse(name, args=[version.pk])
        except NoReverseMatch:
            continue
    return None


def _page(
    request: HttpRequest,
    version: QuestionnaireVersion,
    form: SignOffForm | None,
    licence_form: LicenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = staff_of(request)
    language = page_language()
    warnings = list(version.import_warnings.select_related("acknowledged_by"))
    pending = [w for w in warnings if not w.acknowledged]
    draft = version.status == QuestionnaireVersion.Status.DRAFT
    if form is None:
        form = SignOffForm(pending=pending, initial={"reviewed_on": timezone.localdate()})
    languages = version.definition.languages
    names = {code: str(name) for code, name in settings.LANGUAGES}
    translation = QuestionnaireTranslation.objects.filter(version=version).first()
    return render(
        request,
        "questionnaires/content/review.html",
        {
            "version": version,
            "title": version.title(language),
            "draft": draft,
            "acknowledged": [w for w in warnings if w.acknowledged],
            "form": form,
            "licences": version_licences(version),
            "licence_form": licence_form or LicenceForm(initial={"licence": version.licence}),
            "licence_missing": any(licence is None for _name, licence in version_licences(version)),
            "languages": [names.get(code, code) for code in languages],
            "missing_languages": [
                names.get(code, code) for code in REQUIRED_LANGUAGES if code not in languages
            ],
            "translation": translation,
            "preview_url": _preview_url(version),
            "problems": activation_problems(version),
            "can_sign": draft and is_clinical_reviewer(user),
        },
        status=status,
    )


@reviewer_page
def review_list(request: HttpRequest) -> HttpResponse:
    """Drafts awaiting sign-off, newest first."""
    drafts = QuestionnaireVersion.objects.filter(status=QuestionnaireVersion.Status.DRAFT).order_by(
        "-published_at"
    )
    language = page_language()
    rows = [
        {
            "version": v,
            "title": v.title(language),
            "open_warnings": sum(1 for w in v.import_warnings.all() if not w.acknowledged),
        }
        for v in drafts.prefetch_related("import_warnings")
    ]
    return render(request, "questionnaires/content/review_list.html", {"rows": rows})


@reviewer_page
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-off page: warnings with a checkbox each, licence, languages,
    the preview link, what still stops activation; the POST acknowledges the
    ticked warnings and records the review, both or neither."""
    version = get_object_or_404(QuestionnaireVersion, pk=pk)
    if request.method != "POST":
        return _page(request, version, None)
    user = staff_of(request)
    pending = list(version.import_warnings.filter(acknowledged_at__isnull=True))
    form = SignOffForm(request.POST, pending=pending)
    if version.status != QuestionnaireVersion.Status.DRAFT:
        form.add_error(
            None,
            _("Only a draft is signed off: this version is %(status)s.")
            % {"status": version.get_status_display()},
        )
        return _page(request, version, form, status=400)
    if not is_clinical_reviewer(user):
        form.add_error(
            None,
            _("Only a clinician with the review permission can sign off. Nothing was recorded."),
        )
        return _page(request, version, form, status=400)
    if not form.is_valid():
        return _page(request, version, form, status=400)
    try:
        questionnaire_sign_off(
            version=version,
            reviewer=user,
            warnings=pending,
            reviewed_on=form.cleaned_data["reviewed_on"],
        )
    except PublishError as error:
        form.add_error(None, str(error))
        return _page(request, version, form, status=400)
    messages.success(
        request,
        _("Signed off: %(count)d warning(s) acknowledged and your review recorded.")
        % {"count": len(pending)},
    )
    return redirect("questionnaires:content-review", pk=version.pk)


@reviewer_page
@require_POST
def review_licence(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the licence the imported file did not state."""
    version = get_object_or_404(QuestionnaireVersion, pk=pk)
    licence_form = LicenceForm(request.POST)
    if licence_form.is_valid():
        try:
            questionnaire_licence_record(
                version=version, licence=licence_form.cleaned_data["licence"], by=staff_of(request)
            )
        except PublishError as error:
            licence_form.add_error(None, str(error))
        else:
            messages.success(request, _("Licence recorded."))
            return redirect("questionnaires:content-review", pk=version.pk)
    return _page(request, version, None, licence_form, status=400)

"""Questionnaire content in the browser: the list of versions, importing a
FHIR file, previewing a version as a patient would, sending it for review.

For content staff (``questionnaires.manage_questionnaires``, site-wide);
the preview also for clinical reviewers (``review_questionnaires``), who
sign a version off from it. The preview's question pages are the patient's
(``questionnaires.views.common.question_page`` and the same templates); its
answers are the staff member's trial answers in their own session
(``questionnaires.preview``), never a response, so no patient data is read.
Beside each page the live result shows the scores, the colours and each
flag's because-trail as the clinician's summary would
(``scoring.summary.result_shown_build``).

The views live on the clinician side (``scoring``) because the live result
is the summary's presentation, which the patient side may not import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.validators import RegexValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pro_portal.access import permission_view, staff_of
from pro_portal.i18n import page_language
from questionnaires.answering import Progress
from questionnaires.content import (
    KeptUpload,
    content_import,
    review_requests,
    upload_forget,
    upload_keep,
    upload_kept,
    version_send_for_review,
)
from questionnaires.fhir.importer import FhirImportError
from questionnaires.fhir.services import (
    QUESTIONNAIRE_ID,
    FhirFileError,
    IdCollisionError,
    fhir_size_check,
)
from questionnaires.forms import AnswerForm, text
from questionnaires.item_types import answer_text
from questionnaires.models import QuestionnaireVersion
from questionnaires.patient_texts import patient_text
from questionnaires.preview import (
    preview_answer_save,
    preview_answers,
    preview_clear,
    preview_patient,
    preview_patient_chosen,
    preview_patient_set,
    preview_progress,
    preview_result,
    preview_safety_flags,
)
from questionnaires.services import PublishError, VersionCollisionError
from questionnaires.views.common import question_page
from scoring.engine import AnswerError, Item, PatientContext, pick_text
from scoring.summary import result_shown_build

MANAGE = "questionnaires.manage_questionnaires"
REVIEW = "questionnaires.review_questionnaires"
DENIED = "questionnaires/content/no_permission.html"

content_staff = permission_view(permissions=(MANAGE,), denied_template=DENIED)
content_or_review_staff = permission_view(permissions=(MANAGE, REVIEW), denied_template=DENIED)

#: What the page says when a file is not JSON within the import limits, by
#: ``FhirFileError.reason`` (the English line naming the file follows it).
FILE_PROBLEMS = {
    "too_large": gettext_lazy(
        "The file is too large: %(size)s bytes. At most %(limit)s bytes can be imported."
    ),
    "too_deep": gettext_lazy(
        "The file is nested %(depth)s levels deep. At most %(limit)s levels can be imported."
    ),
    "not_text": gettext_lazy("The file is not text in UTF-8: is it a FHIR JSON file?"),
    "not_json": gettext_lazy("The file is not valid JSON: %(detail)s"),
    "too_many_items": gettext_lazy(
        "The questionnaire has %(count)s items. At most %(limit)s can be imported."
    ),
    "unreadable": gettext_lazy("The file could not be read."),
}


# --- The list of versions ---------------------------------------------------------------------


@require_GET
@content_staff
def index(request: HttpRequest) -> HttpResponse:
    language = page_language()
    requests = review_requests()
    rows = [
        {
            "version": version,
            "title": version.title(language),
            "status": version.get_status_display(),
            "review": requests.get(version.pk),
        }
        for version in QuestionnaireVersion.objects.select_related("clinical_reviewer")
    ]
    return render(request, "questionnaires/content/index.html", {"rows": rows})


# --- Importing a FHIR file --------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("FHIR Questionnaire (JSON file)"),
        error_messages={
            "required": gettext_lazy("Choose a file to import."),
            "empty": gettext_lazy("The file is empty."),
        },
    )


@require_http_methods(["GET", "POST"])
@content_staff
def import_file(request: HttpRequest) -> HttpResponse:
    """Upload a FHIR R4 Questionnaire; it is published as a draft, or the
    page says plainly why not (and nothing is published). On an id collision
    the upload is kept and the page offers a new id or a new version."""
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    context: dict[str, Any] = {"form": form, "limit": settings.IMPORT_MAX_BYTES}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = upload.name or "questionnaire.json"
        context["file_name"] = name
        data = b""
        try:
            fhir_size_check(size=upload.size, name=name)  # never read a file over the limit
            data = upload.read()
            outcome = content_import(data=data, name=name, by=staff_of(request))
        except IdCollisionError as error:
            kept = upload_keep(
                data=data,
                name=name,
                by=staff_of(request),
                questionnaire_id=error.questionnaire_id,
                version=error.version,
                title=error.title,
            )
            return _collision_page(request, kept, ChoiceForm(initial=_choice_initial(kept)))
        except (FhirImportError, PublishError) as error:
            status = _problem(context, error)
        else:
            _outcome(context, outcome)
    elif request.method == "POST":
        status = 400
    return render(request, "questionnaires/content/import.html", context, status=status)


def _problem(context: dict[str, Any], error: FhirImportError | PublishError) -> int:
    """Say in the reader's language why nothing was imported (the exact
    English reason below it); the page's status."""
    if isinstance(error, FhirFileError):
        context["problem"] = FILE_PROBLEMS[error.reason] % error.figures
        context["details"] = error.problems
        return 400
    if isinstance(error, FhirImportError):
        context["problem"] = _("The file cannot be imported as a questionnaire.")
        context["details"] = error.problems
        return 400
    if isinstance(error, VersionCollisionError):
        context["problem"] = _(
            "A questionnaire with this id and version is already published with other"
            " content. Nothing was imported."
        )
        context["details"] = [str(error)]
        return 409
    context["problem"] = _("The questionnaire cannot be published as a draft.")
    context["details"] = [str(error)]
    return 400


def _outcome(context: dict[str, Any], outcome: Any) -> None:
    context["outcome"] = outcome
    context["title"] = outcome.version.title(page_language())


# --- An id collision: a new id, or a new version ----------------------------------------------

#: The choices after an id collision, as ``import_fhir`` offers them.
NEW_ID = "new_id"
NEW_VERSION = "new_version"
_ID_LENGTH = QuestionnaireVersion._meta.get_field("questionnaire_id").max_length or 64
_TOKEN = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")  # what upload_keep hands out


class ChoiceForm(forms.Form):
    """The importer's choice for a kept upload: a new questionnaire under an
    id they type (the command's id grammar, not yet in use), or a new version
    of the questionnaire it collided with."""

    upload = forms.CharField(widget=forms.HiddenInput, validators=[RegexValidator(_TOKEN)])
    choice = forms.ChoiceField(choices=[(NEW_ID, NEW_ID), (NEW_VERSION, NEW_VERSION)])
    new_id = forms.CharField(
        label=gettext_lazy("New questionnaire id"),
        required=False,
        strip=True,
        max_length=_ID_LENGTH,
        error_messages={
            "max_length": gettext_lazy(
                "The id is %(show_value)d characters long; at most %(limit_value)d fit."
            )
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("choice") != NEW_ID or "new_id" not in data:
            return data
        new_id = data["new_id"]
        if not new_id:
            self.add_error("new_id", _("Type the id the new questionnaire gets."))
        elif not QUESTIONNAIRE_ID.fullmatch(new_id):
            self.add_error(
                "new_id",
                _(
                    "“%(id)s” cannot be a questionnaire id: use lower-case letters a–z, digits"
                    " and _, starting with a letter."
                )
                % {"id": new_id},
            )
        elif QuestionnaireVersion.objects.filter(questionnaire_id=new_id).exists():
            self.add_error(
                "new_id",
                _(
                    "The id %(id)s is already in use by another questionnaire: choose another,"
                    " or import the file as a new version of it."
                )
                % {"id": new_id},
            )
        return data


def _free_id(questionnaire_id: str) -> str:
    """A suggestion for the new id: the id with the first free _2, _3, …"""
    taken = set(
        QuestionnaireVersion.objects.filter(
            questionnaire_id__startswith=questionnaire_id[: _ID_LENGTH - 4]
        ).values_list("questionnaire_id", flat=True)
    )
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = questionnaire_id[: _ID_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def _choice_initial(kept: KeptUpload) -> dict[str, str]:
    return {"upload": kept.token, "choice": NEW_ID, "new_id": _free_id(kept.questionnaire_id)}


def _collision_page(
    request: HttpRequest, kept: KeptUpload, form: ChoiceForm, *, status: int = 409
) -> HttpResponse:
    """What collided with what, and the two choices as forms (409: nothing
    was imported; 400 when a choice was refused)."""
    language = page_language()
    existing = list(
        QuestionnaireVersion.objects.filter(questionnaire_id=kept.questionnaire_id).defer("content")
    )
    existing.sort(key=lambda v: [int(p) if p.isdigit() else 0 for p in v.version.split(".")])
    collided = next((v for v in existing if v.version == kept.version), None)
    context = {
        "kept": kept,
        "collided_ref": f"{kept.questionnaire_id}@{kept.version}",
        "choice_form": form,
        "file_title": kept.title.get(language) or kept.title.get("en") or "",
        "existing_title": collided.title(language) if collided is not None else "",
        "existing": [
            {"ref": v.ref, "version": v.version, "status": v.get_status_display()} for v in existing
        ],
        "keep_minutes": settings.IMPORT_UPLOAD_KEEP_SECONDS // 60,
        "NEW_ID": NEW_ID,
        "NEW_VERSION": NEW_VERSION,
    }
    return render(request, "questionnaires/content/collision.html", context, status=status)


@require_POST
@content_staff
def import_choice(request: HttpRequest) -> HttpResponse:
    """Import a kept upload as the importer chose: under a new id, or as a new
    version of the questionnaire it collided with — the command's
    ``--as-new-id`` / ``--as-new-version-of``, through the same service."""
    by = staff_of(request)
    form = ChoiceForm(request.POST)
    token = request.POST.get("upload", "")
    kept = upload_kept(token=token, by=by) if _TOKEN.match(token) else None
    if kept is None:
        return render(
            request,
            "questionnaires/content/import.html",
            {
                "form": ImportForm(),
                "limit": settings.IMPORT_MAX_BYTES,
                "problem": _(
                    "The uploaded file is no longer kept (it is kept for %(minutes)s minutes"
                    " after the upload, and only for the one who uploaded it). Upload it again."
                )
                % {"minutes": settings.IMPORT_UPLOAD_KEEP_SECONDS // 60},
            },
            status=410,
        )
    if not form.is_valid():
        return _collision_page(request, kept, form, status=400)
    choice = form.cleaned_data["choice"]
    context: dict[str, Any] = {
        "form": ImportForm(),
        "limit": settings.IMPORT_MAX_BYTES,
        "file_name": kept.name,
    }
    try:
        outcome = content_import(
            data=kept.data,
            name=kept.name,
            by=by,
            as_new_id=form.cleaned_data["new_id"] if choice == NEW_ID else None,
            as_new_version_of=kept.questionnaire_id if choice == NEW_VERSION else None,
        )
    except IdCollisionError as error:  # published under that id and version meanwhile
        form.add_error(
            "new_id" if choice == NEW_ID else None,
            _("%(ref)s was published meanwhile: choose again.")
            % {"ref": f"{error.questionnaire_id}@{error.version}"},
        )
        return _collision_page(request, kept, form, status=400)
    except (FhirImportError, PublishError) as error:
        status = _problem(context, error)
        return render(request, "questionnaires/content/import.html", context, status=status)
    upload_forget(token=kept.token)
    _outcome(context, outcome)
    return render(request, "questionnaires/content/import.html", context)


# --- Sending for review -----------------------------------------------------------------------


@require_POST
@content_staff
def send_for_review(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(QuestionnaireVersion, pk=pk)
    if version_send_for_review(version=version, by=staff_of(request)):
        messages.success(request, _("%(ref)s is sent for clinical review.") % {"ref": version.ref})
    else:
        messages.info(
            request,
            _("%(ref)s is already sent for review, or needs none.") % {"ref": version.ref},
        )
    return redirect("content-preview", pk=version.pk)


# --- Preview ----------------------------------------------------------------------------------


class PreviewPatientForm(forms.Form):
    """The trial patient for a version whose FHIRPath reads ``%patient``: the
    two things a patient record gives it, sex and birth date."""

    sex = forms.ChoiceField(
        label=gettext_lazy("Sex"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose female, male or not given.")},
        choices=[
            ("", gettext_lazy("Not given")),
            ("female", gettext_lazy("Female")),
            ("male", gettext_lazy("Male")),
        ],
    )
    birth_date = forms.DateField(
        label=gettext_lazy("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Give the birth date as a date.")},
    )

    def clean_birth_date(self) -> dt.date | None:
        born: dt.date | None = self.cleaned_data.get("birth_date")
        if born is not None and not dt.date(1900, 1, 1) <= born <= timezone.localdate():
            raise forms.ValidationError(_("Give a birth date between 1900 and today."))
        return born


def _patient_form(request: HttpRequest, version: QuestionnaireVersion) -> PreviewPatientForm | None:
    """The trial patient's form, filled with the choice kept, for a version
    that reads ``%patient``; None for any other."""
    if not version.definition.reads_patient:
        return None
    return PreviewPatientForm(initial=preview_patient_chosen(request.session, version=version))


@require_POST
@content_or_review_staff
def preview_patient_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """Try the version as a patient of this sex and birth date (its trial
    answers start again); a bad date is said on the preview page."""
    version = _version(pk)
    if not version.definition.reads_patient:
        raise Http404
    form = PreviewPatientForm(request.POST)
    if not form.is_valid():
        return _preview_page(request, version, patient_form=form, status=400)
    preview_patient_set(
        request.session,
        version=version,
        sex=form.cleaned_data["sex"],
        birth_date=form.cleaned_data["birth_date"],
    )
    messages.success(request, _("The preview now answers as this patient, from the start."))
    return redirect("content-preview", pk=version.pk)


def _trial(request: HttpRequest, version: QuestionnaireVersion) -> tuple[dict[str, Any], Progress]:
    """The trial answers kept in the session and the questions they ask (as
    the trial patient, for a version that reads ``%patient``)."""
    answers = preview_answers(request.session, version=version)
    patient = preview_patient(request.session, version=version)
    return answers, preview_progress(version=version, answers=answers, patient=patient)


def _version(pk: int) -> QuestionnaireVersion:
    return get_object_or_404(QuestionnaireVersion, pk=pk)


def _question_url(version: QuestionnaireVersion, item: Item) -> str:
    return reverse("content-preview-question", kwargs={"pk": version.pk, "item_id": item.id})


def _panel(
    version: QuestionnaireVersion,
    answers: dict[str, Any],
    *,
    passed: str | None,
    reached: Collection[str] | None,
    patient: PatientContext | None,
) -> dict[str, Any]:
    """The live result beside the page: the summary's first screen for the
    trial answers, and the help the patient is shown now. ``reached``: the
    questions the patient has come to (None: all, on the check page)."""
    language = page_language()
    result = preview_result(version=version, answers=answers, patient=patient)
    help_now = []
    for flag in preview_safety_flags(
        version=version, answers=answers, passed=passed, patient=patient
    ):
        said = patient_text(
            pick_text(flag.patient_text, language), organisation=None, language=language
        )
        if said and said not in help_now:
            help_now.append(said)
    return {
        "r": result_shown_build(
            definition=version.definition, result=result, language=language, reached=reached
        ),
        "help_now": help_now,
        "answered": len(answers),
    }


def _page(
    request: HttpRequest,
    template: str,
    version: QuestionnaireVersion,
    answers: dict[str, Any],
    *,
    passed: str | None = None,
    reached: Collection[str] | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {
        "version": version,
        "title": version.title(page_language()),
        "can_send": staff_of(request).has_perm(MANAGE),
        "review": review_requests().get(version.pk),
        **_panel(
            version,
            answers,
            passed=passed,
            reached=reached,
            patient=preview_patient(request.session, version=version),
        ),
        **extra,
    }
    return render(request, template, context, status=status)


def _reached(asked: list[Item], answers: dict[str, Any], item: Item | None) -> set[str] | None:
    """The questions the patient has come past on the way to ``item``: those
    before it, and before the furthest one answered (back from further on).
    None: all of them (``item`` is None when every question is answered)."""
    if item is None:
        return None
    ids = [i.id for i in asked]
    furthest = max((n + 1 for n, ident in enumerate(ids) if ident in answers), default=0)
    here = ids.index(item.id) if item.id in ids else 0
    return set(ids[: max(here, furthest)])


@require_GET
@content_or_review_staff
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The start of the preview: the version, its questions so far, the live result."""
    version = _version(pk)
    return _preview_page(request, version, patient_form=_patient_form(request, version))


def _preview_page(
    request: HttpRequest,
    version: QuestionnaireVersion,
    *,
    patient_form: PreviewPatientForm | None,
    status: int = 200,
) -> HttpResponse:
    answers, progress = _trial(request, version)
    following = progress.first_unanswered
    language = page_language()
    return _page(
        request,
        "questionnaires/content/preview.html",
        version,
        answers,
        reached=_reached(progress.asked, answers, following),
        description=text(version.definition.description, language),
        start_url=(
            _question_url(version, following or progress.asked[0])
            if progress.asked
            else reverse("content-preview-check", kwargs={"pk": version.pk})
        ),
        started=bool(answers),
        patient_form=patient_form,
        status=status,
    )


@require_http_methods(["GET", "POST"])
@content_or_review_staff
def preview_question(request: HttpRequest, pk: int, item_id: str) -> HttpResponse:
    """One question page, exactly as the patient sees it, with the live result."""
    version = _version(pk)
    answers, progress = _trial(request, version)
    if item_id not in {item.id for item in progress.asked}:
        raise Http404  # no such question, or not asked given the answers so far
    item = version.definition.item(item_id)
    language = page_language()
    if request.method == "POST":
        form = AnswerForm(item, language, data=request.POST)
        if form.is_valid():
            try:
                preview_answer_save(
                    request.session, version=version, item_id=item.id, value=form.value
                )
            except AnswerError:  # pragma: no cover - the form checks first
                raise Http404 from None
            answers, progress = _trial(request, version)
            following = progress.next(item.id)
            if following is None:
                return redirect("content-preview-check", pk=version.pk)
            return redirect(_question_url(version, following) + "?after=" + item.id)
        status = 400
    else:
        form = AnswerForm(item, language, stored=answers.get(item.id))
        status = 200
    previous = progress.previous(item.id)
    passed = request.GET.get("after")
    return _page(
        request,
        "questionnaires/content/question.html",
        version,
        answers,
        passed=passed if passed in answers else None,
        reached=_reached(progress.asked, answers, item),
        status=status,
        **question_page(version=version, item=item, form=form),
        back_url=(
            _question_url(version, previous)
            if previous is not None
            else reverse("content-preview", kwargs={"pk": version.pk})
        ),
        from_check=False,
        preview=True,
        position=progress.position(item.id),
        total=progress.total,
    )


@require_GET
@content_or_review_staff
def preview_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's check-your-answers page, with the result they would send."""
    version = _version(pk)
    answers, progress = _trial(request, version)
    language = page_language()
    rows = [
        {
            "question": text(item.text, language),
            "answer": answer_text(item, answers.get(item.id), language),
            "required": item.required,
            "change_url": _question_url(version, item),
        }
        for item in progress.asked
        if item.type != "display"
    ]
    return _page(
        request,
        "questionnaires/content/check.html",
        version,
        answers,
        rows=rows,
        missing=[text(i.text, language) for i in progress.missing_required],
    )


@require_POST
@content_or_review_staff
def preview_reset(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(pk)
    preview_clear(request.session, version=version)
    return redirect("content-preview", pk=version.pk)

"""The waiting-room tablet: enrol, visit code + birth date, idle wipe, hand back.

Answer pages are the patient pages in ``views.patient``; on a kiosk they run
under the kiosk session (``patient_session``) with the idle wipe enforced by
the server on every request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pro_portal.access import (
    KIOSK_ADMIN_ROLES,
    no_patient_data,
    patient_own_session,
    staff_of,
    staff_view,
)
from pro_portal.i18n import page_language
from pro_portal.models import Kiosk
from questionnaires.forms import BirthDateForm, KioskEnrolForm, VisitCodeForm
from questionnaires.kiosk import (
    KioskUnlock,
    kiosk_admin_organisations,
    kiosk_enrol,
    kiosk_responses,
    kiosk_token_rotate,
    kiosk_unlock,
)
from questionnaires.patient_session import (
    current_kiosk,
    kiosk_session,
    kiosk_session_expired,
    kiosk_session_start,
    kiosk_touch,
)
from questionnaires.views.common import (
    RESTORE_MAX_AGE,
    RESTORE_SALT,
    kiosk_reset,
    no_store,
    set_kiosk_cookie,
    set_language_if_unchosen,
)


def _not_enrolled(request: HttpRequest) -> HttpResponse:
    return no_store(render(request, "questionnaires/kiosk/not_enrolled.html", status=403))


@staff_view(roles=KIOSK_ADMIN_ROLES, denied_template="questionnaires/kiosk/enrol.html")
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """A clinic admin, on the tablet itself, makes it the clinic's kiosk.

    The admin is logged out at once: the tablet must never stay logged in.
    """
    user = staff_of(request)
    organisations = kiosk_admin_organisations(user)
    form = KioskEnrolForm(
        request.POST if request.method == "POST" else None, organisations=organisations
    )
    if request.method == "POST" and form.is_valid():
        _kiosk, token = kiosk_enrol(
            organisation=form.cleaned_data["organisation"], name=form.cleaned_data["name"], by=user
        )
        logout(request)
        response = redirect("questionnaires:kiosk_welcome")
        set_kiosk_cookie(response, token)
        return no_store(response)
    return render(request, "questionnaires/kiosk/enrol.html", {"form": form})


def _idle_context(kiosk: Kiosk) -> dict[str, Any]:
    return {
        "kiosk": kiosk,
        "idle_warning": settings.KIOSK_IDLE_WARNING_SECONDS,
        "idle_wipe": settings.KIOSK_IDLE_WIPE_SECONDS,
    }


@never_cache
@patient_own_session
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    """The tablet's start page: the visit code from reception and the birth date."""
    kiosk = current_kiosk(request)
    if kiosk is None:
        return _not_enrolled(request)
    if kiosk_session_expired(request):
        return kiosk_reset(request, kiosk=kiosk, after="idle")
    if kiosk_session(request, kiosk) is not None:
        return no_store(redirect("questionnaires:overview"))
    code_form = VisitCodeForm(request.POST if request.method == "POST" else None)
    birth_form = BirthDateForm(request.POST if request.method == "POST" else None)
    problem = ""
    if request.method == "POST" and not code_form.error and birth_form.is_valid():
        outcome = kiosk_unlock(kiosk=kiosk, code=code_form.code, birth_date=birth_form.value)
        if outcome.result is KioskUnlock.OPENED and outcome.visit is not None:
            patient = outcome.visit.patient
            responses = kiosk_responses(patient=patient)
            kiosk_session_start(request, kiosk=kiosk, visit=outcome.visit, responses=responses)
            response = redirect("questionnaires:overview")
            set_language_if_unchosen(request, response, patient.preferred_language)
            return no_store(response)
        problem = outcome.result.value
    return no_store(
        render(
            request,
            "questionnaires/kiosk/welcome.html",
            {
                **_idle_context(kiosk),
                "code_form": code_form,
                "form": birth_form,
                "problem": problem,
                "ended": request.GET.get("ended", "")
                if request.GET.get("ended") in ("idle", "stopped")
                else "",
                "timeout_url": request.path,
            },
        )
    )


@patient_own_session
@require_POST
def alive(request: HttpRequest) -> HttpResponse:
    """The tablet's script reports input: the server's idle clock starts again."""
    kiosk = current_kiosk(request)
    if kiosk is None or kiosk_session(request, kiosk) is None:
        return no_store(JsonResponse({"wiped": True}, status=409))
    if kiosk_session_expired(request):
        return no_store(JsonResponse({"wiped": True}, status=409))
    kiosk_touch(request)
    return no_store(HttpResponse(status=204))


@no_patient_data
@require_http_methods(["GET", "POST"])
def timeout(request: HttpRequest) -> HttpResponse:
    """Nobody used the tablet for too long: wipe it and start again."""
    kiosk = current_kiosk(request)
    if kiosk is None:
        return _not_enrolled(request)
    return kiosk_reset(request, kiosk=kiosk, after="idle")


@no_patient_data
@require_POST
def finish(request: HttpRequest) -> HttpResponse:
    """The patient is done: wipe the tablet, then ask them to hand it back."""
    kiosk = current_kiosk(request)
    if kiosk is None:
        return _not_enrolled(request)
    return kiosk_reset(request, kiosk=kiosk, after="handback", language=page_language())


@no_patient_data
@require_POST
def stop(request: HttpRequest) -> HttpResponse:
    """The patient stops mid-questionnaire (called in, changed their mind):
    the same wipe as the idle timeout, at once. Answers given stay saved."""
    kiosk = current_kiosk(request)
    if kiosk is None:
        return _not_enrolled(request)
    return kiosk_reset(request, kiosk=kiosk, after="stopped")


@no_patient_data
@require_GET
def restore(request: HttpRequest) -> HttpResponse:
    """After a wipe: give the tablet back its place as a kiosk, then go on.

    The wipe's ``Clear-Site-Data`` removed the device cookie too; the signed
    ticket (two minutes, and only while the kiosk's token is unchanged)
    proves this browser was the kiosk a moment ago, and the kiosk gets a new
    device token.
    """
    try:
        ticket: dict[str, Any] = signing.loads(
            request.GET.get("t", ""), salt=RESTORE_SALT, max_age=RESTORE_MAX_AGE
        )
    except signing.BadSignature:
        ticket = {}
    kiosk = current_kiosk(request)
    response: HttpResponse
    token = ""
    if kiosk is None and ticket:
        candidate = Kiosk.objects.filter(
            pk=int(ticket.get("k", -1)), revoked_at__isnull=True
        ).first()
        if candidate is not None and candidate.token_hash.startswith(str(ticket.get("h"))):
            kiosk = candidate
            token = kiosk_token_rotate(kiosk=kiosk)
    if kiosk is None:
        return _not_enrolled(request)
    after = ticket.get("a")
    if after == "handback":
        language = ticket.get("l") or ""
        query = f"?lang={language}" if language in dict(settings.LANGUAGES) else ""
        response = redirect(reverse("questionnaires:kiosk_handback") + query)
    elif after in ("idle", "stopped"):
        response = redirect(reverse("questionnaires:kiosk_welcome") + f"?ended={after}")
    else:
        response = redirect("questionnaires:kiosk_welcome")
    if token:
        set_kiosk_cookie(response, token)
    return no_store(response)


@no_patient_data
@require_GET
def handback(request: HttpRequest) -> HttpResponse:
    """Nothing personal: thank you, please hand the tablet back."""
    kiosk = current_kiosk(request)
    if kiosk is None:
        return _not_enrolled(request)
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = page_language()
    with translation.override(language):
        response = render(request, "questionnaires/kiosk/handback.html", {"kiosk": kiosk})
    return no_store(response)

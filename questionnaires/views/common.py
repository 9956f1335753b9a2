"""What every patient page shares: the session check, no-store, the kiosk wipe,
and the question page (also shown by the content preview)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from pro_portal.access import patient_own_session
from pro_portal.models import Kiosk
from questionnaires.forms import AnswerForm, text
from questionnaires.models import QuestionnaireVersion
from questionnaires.patient_session import (
    PatientSession,
    current_kiosk,
    home_session,
    kiosk_session,
    kiosk_session_expired,
    kiosk_touch,
)
from scoring.engine import Item, Section

P = ParamSpec("P")
PatientView = Callable[Concatenate[HttpRequest, PatientSession, P], HttpResponse]

RESTORE_SALT = "questionnaires.kiosk.restore"
#: Seconds the tablet has to come back after a wipe cleared its cookies.
RESTORE_MAX_AGE = 120
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def no_store(response: HttpResponse) -> HttpResponse:
    """Never cached, never kept for the back button: patient pages hold health data."""
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


def patient_page(view: PatientView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A page behind an unlocked invitation or kiosk session; passes the session in.

    On a kiosk the server wipes a session idle for longer than
    ``KIOSK_IDLE_WIPE_SECONDS`` before anything else happens, and every
    request counts as activity.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        kiosk = current_kiosk(request)
        if kiosk is not None:
            if kiosk_session_expired(request):
                return kiosk_reset(request, kiosk=kiosk, after="idle")
            session = kiosk_session(request, kiosk)
            if session is None:
                return no_store(redirect("questionnaires:kiosk_welcome"))
            kiosk_touch(request)
        else:
            response_id = kwargs.get("response_id")
            found = home_session(
                request, response_id=response_id if isinstance(response_id, str) else None
            )
            if found is None:
                return no_store(
                    render(request, "questionnaires/patient/no_session.html", status=403)
                )
            session = found
        return no_store(view(request, session, *args, **kwargs))

    return patient_own_session(wrapper)


def kiosk_reset(
    request: HttpRequest, *, kiosk: Kiosk, after: str, language: str = ""
) -> HttpResponse:
    """Wipe the tablet: flush the session (a new cookie next time) and tell the
    browser to clear its cache, cookies and storage.

    Clearing cookies also removes the tablet's device cookie, so the redirect
    carries a short-lived signed ticket with which ``kiosk_restore`` gives the
    tablet a new device token (the old one stops working at once).
    """
    request.session.flush()
    ticket = signing.dumps(
        {"k": kiosk.pk, "h": kiosk.token_hash[:16], "a": after, "l": language},
        salt=RESTORE_SALT,
    )
    response = HttpResponseRedirect(
        reverse("questionnaires:kiosk_restore") + "?" + urlencode({"t": ticket})
    )
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return no_store(response)


def set_kiosk_cookie(response: HttpResponse, token: str) -> None:
    response.set_cookie(
        settings.KIOSK_COOKIE_NAME,
        token,
        max_age=settings.KIOSK_COOKIE_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def set_language_if_unchosen(request: HttpRequest, response: HttpResponse, language: str) -> None:
    """Start in the patient's preferred language unless they already chose one."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )


def _intro_applies(section: Section, item: Item) -> bool:
    """A section's intro explains how to answer its questions ("over the last 2
    weeks, how often…", "answer from 0 to 10"): it is shown with every question
    of the kind the section starts with, not with a different kind of question
    that happens to share the section (a body map after 0–10 scales)."""
    asked = [i for i in section.items if i.type != "display"]
    return bool(asked) and item.type == asked[0].type


def question_page(*, version: QuestionnaireVersion, item: Item, form: AnswerForm) -> dict[str, Any]:
    """What the question page shows of ``item`` beside its form, for the
    patient and for the content preview alike (the page's links are the caller's)."""
    language = form.language
    definition = version.definition
    section = next(s for s in definition.sections if any(i.id == item.id for i in s.items))
    return {
        "title": version.title(language),
        "item": item,
        "form": form,
        "question": text(item.text, language),
        "help": text(item.help, language),
        "section_title": text(section.title, language),
        "section_intro": text(section.intro, language) if _intro_applies(section, item) else "",
        # How far, honestly: the part of the questionnaire and a bar over all
        # its questions. Both come from the definition, not from the questions
        # asked so far, so they never jump back when an answer opens more
        # questions ("page 38 of 49" after "40 questions").
        "part": definition.sections.index(section) + 1,
        "parts": len(definition.sections),
        "done_percent": round(
            100 * [i.id for i in definition.items].index(item.id) / len(definition.items)
        ),
    }

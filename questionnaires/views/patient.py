"""The patient's pages: open the link, answer one question per page, check, submit once.

Every page works without JavaScript (plain forms, post/redirect/get) and is
never cached. Views parse, call one service and render; the answering rules
live in ``questionnaires.answering``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pro_portal.access import no_patient_data, patient_own_session
from pro_portal.i18n import page_language
from questionnaires.answering import (
    AnswersLockedError,
    Progress,
    Submit,
    answer_save,
    answers_reuse,
    response_progress,
    response_result,
    response_submit,
    reuse_blocks,
    reuse_decline,
    safety_flags_now,
    submission_token_issue,
)
from questionnaires.forms import AnswerForm, BirthDateForm, text
from questionnaires.invitations import Unlock, invitation_for_token, invitation_unlock
from questionnaires.item_types import answer_text, day_month_text
from questionnaires.models import Invitation, Response
from questionnaires.patient_session import (
    SESSION_HOME,
    PatientSession,
    current_kiosk,
    home_session,
    home_session_start,
    kiosk_session,
    kiosk_session_expired,
)
from questionnaires.patient_texts import patient_text
from questionnaires.views.common import (
    no_store,
    patient_page,
    question_page,
    set_language_if_unchosen,
)
from scoring.engine import Item, Text, pick_text

#: Session keys: the answer a patient typed that was refused (shown again after
#: the redirect), the safety rules whose advice was shown, and the advice due now.
SESSION_REFUSED = "patient_refused_answer"
SESSION_URGENT_SHOWN = "patient_urgent_shown"
SESSION_URGENT_DUE = "patient_urgent_due"

#: Up to this many unanswered questions are listed one by one in the error
#: summary; more would bury the way forward, so the summary links to the first.
MISSING_LISTED = 5


def _patient_context(session: PatientSession, **extra: Any) -> dict[str, Any]:
    context = {"session": session, "organisation": session.organisation, **extra}
    if session.on_kiosk:
        context["idle_warning"] = settings.KIOSK_IDLE_WARNING_SECONDS
        context["idle_wipe"] = settings.KIOSK_IDLE_WIPE_SECONDS
    return context


# --- Opening the link ---------------------------------------------------------------------


@never_cache
@patient_own_session
@require_http_methods(["GET", "POST"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """The link's first page: the birth date, before anything personal shows."""
    if current_kiosk(request) is not None:
        return no_store(render(request, "questionnaires/kiosk/use_visit_code.html"))
    invitation = invitation_for_token(token)
    if invitation is None:
        return no_store(
            render(
                request,
                "questionnaires/patient/link_problem.html",
                {"problem": "unknown"},
                status=404,
            )
        )
    problem = _link_problem(invitation)
    # The clinic's name and number on every problem page: "contact the clinic"
    # is no help to a patient who has to look the number up.
    clinic = {"organisation": invitation.organisation}
    if problem:
        return no_store(
            render(
                request,
                "questionnaires/patient/link_problem.html",
                {"problem": problem, **clinic},
            )
        )
    form = BirthDateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        outcome = invitation_unlock(invitation=invitation, birth_date=form.value)
        if outcome.result is Unlock.OPENED:
            home_session_start(request, invitation)
            response = redirect("questionnaires:overview")
            set_language_if_unchosen(request, response, invitation.patient.preferred_language)
            return no_store(response)
        if outcome.result is Unlock.LOCKED:
            return no_store(
                render(
                    request,
                    "questionnaires/patient/link_problem.html",
                    {"problem": "locked", **clinic},
                )
            )
        form.error = _("The date of birth does not match the one we have. Check it and try again.")
        form.parts.bad = {"day", "month", "year"}
        attempts_left = outcome.attempts_left
    else:
        attempts_left = None
    return no_store(
        render(
            request,
            "questionnaires/patient/invitation_open.html",
            {"form": form, "attempts_left": attempts_left},
        )
    )


def _link_problem(invitation: Invitation) -> str:
    if invitation.is_locked:
        return "locked"
    state = invitation.current_state
    if state == Invitation.State.CANCELLED:
        return "cancelled"
    if state == Invitation.State.EXPIRED:
        return "expired"
    return ""


# --- Overview -------------------------------------------------------------------------------


def _rows(session: PatientSession, language: str) -> list[dict[str, Any]]:
    rows = []
    for response in session.responses():
        progress = response_progress(response)
        definition = response.questionnaire_version.definition
        rows.append(
            {
                "response": response,
                "title": response.questionnaire_version.title(language),
                "description": text(
                    response.questionnaire_version.definition.description, language
                ),
                "answered": progress.answered_count,
                # Every question the questionnaire can ask, and whether some
                # depend on answers: a count that cannot grow later.
                "questions": sum(1 for i in definition.items if i.type != "display"),
                "conditional": any(i.enable_when is not None for i in definition.items),
            }
        )
    return rows


@require_GET
@patient_page
def overview(request: HttpRequest, session: PatientSession) -> HttpResponse:
    """Who reads the answers and when, what is collected, and the questionnaires."""
    language = page_language()
    rows = _rows(session, language)
    consultation = session.invitation.consultation if session.invitation else None
    return render(
        request,
        "questionnaires/patient/overview.html",
        _patient_context(
            session,
            rows=rows,
            consultation=consultation,
            all_done=all(r["response"].is_submitted for r in rows),
        ),
    )


@require_GET
@patient_page
def resume(request: HttpRequest, session: PatientSession, response_id: str) -> HttpResponse:
    """Carry on where the patient left off."""
    response = session.response(response_id)
    if response.is_submitted:
        return redirect("questionnaires:done", response_id=response.public_id)
    # Opening the questionnaire: answers the patient gave recently to a block
    # this version reuses (WHO-5 within two weeks) are taken, not asked again.
    answers_reuse(response=response)
    item = response_progress(response).first_unanswered
    if item is None:
        return redirect("questionnaires:check", response_id=response.public_id)
    return redirect("questionnaires:question", response_id=response.public_id, item_id=item.id)


# --- One question per page ------------------------------------------------------------------


def _question_url(response: Response, item: Item, *, from_check: bool = False) -> str:
    url = reverse(
        "questionnaires:question", kwargs={"response_id": response.public_id, "item_id": item.id}
    )
    return url + "?from=check" if from_check else url


def _after_answer(response: Response, item_id: str, *, from_check: bool) -> str:
    """Where Continue leads: the next question asked, or the check page.

    From the check page, back to it — unless a *required* question is still
    unanswered (a changed answer can open one). An optional question the
    patient left empty is their choice, not a question to ask again: asking
    it again was a dead end (issue 13).
    """
    progress = response_progress(response)
    check = reverse("questionnaires:check", kwargs={"response_id": response.public_id})
    if from_check:
        missing = progress.missing_required
        return _question_url(response, missing[0], from_check=True) if missing else check
    if item_id in {i.id for i in progress.asked}:
        following = progress.next(item_id)
    else:  # pragma: no cover - an answer never disables its own question
        following = progress.first_unanswered
    return _question_url(response, following) if following else check


def _urgent_due(
    request: HttpRequest, response: Response, *, passed: str | None, then: str
) -> str | None:
    """The urgent-advice page's address when an answer has just raised a
    safety rule whose advice this patient has not seen yet; None otherwise."""
    shown: dict[str, list[str]] = request.session.get(SESSION_URGENT_SHOWN, {})
    seen = set(shown.get(str(response.public_id), []))
    new = [f.rule_id for f in safety_flags_now(response=response, passed=passed)]
    new = [rule_id for rule_id in new if rule_id not in seen]
    if not new:
        return None
    shown[str(response.public_id)] = [*seen, *new]
    request.session[SESSION_URGENT_SHOWN] = shown
    request.session[SESSION_URGENT_DUE] = {
        "response": str(response.public_id),
        "rules": new,
        "then": then,
    }
    return reverse("questionnaires:urgent", kwargs={"response_id": response.public_id})


@require_http_methods(["GET", "POST"])
@patient_page
def question(
    request: HttpRequest, session: PatientSession, response_id: str, item_id: str
) -> HttpResponse:
    response = session.response(response_id)
    if response.is_submitted:
        return redirect("questionnaires:done", response_id=response.public_id)
    progress = response_progress(response)
    if item_id not in {item.id for item in progress.asked}:
        # Not asked (enable-when) or no such question: carry on where it makes sense.
        return redirect("questionnaires:resume", response_id=response.public_id)
    definition = response.questionnaire_version.definition
    item = definition.item(item_id)
    language = page_language()
    from_check = request.GET.get("from") == "check"
    here = _question_url(response, item, from_check=from_check)
    if request.method == "POST":
        form = AnswerForm(item, language, data=request.POST)
        later = request.POST.get("action") == "later"
        valid = form.is_valid()
        # "Save and carry on later" with nothing chosen is not an error: there
        # is simply nothing to save.
        if valid or (later and _is_empty(form)):
            request.session.pop(SESSION_REFUSED, None)
            if valid:
                try:
                    answer_save(
                        response=response, item_id=item.id, value=form.value, language=language
                    )
                except AnswersLockedError:
                    return redirect("questionnaires:done", response_id=response.public_id)
            then = (
                reverse("questionnaires:saved")
                if later
                else _after_answer(response, item.id, from_check=from_check)
            )
            urgent = _urgent_due(
                request, response, passed=None if from_check else item.id, then=then
            )
            return redirect(urgent or then)
        # Refused: post/redirect/get for errors too, so that Back or reload
        # never asks to send the form again. What was typed waits in the
        # session for the page after the redirect, which shows it with the error.
        request.session[SESSION_REFUSED] = {
            "response": str(response.public_id),
            "item": item.id,
            "data": {
                k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"
            },
        }
        return redirect(here)
    refused = request.session.pop(SESSION_REFUSED, None)
    if (
        isinstance(refused, dict)
        and refused.get("response") == str(response.public_id)
        and refused.get("item") == item.id
    ):
        data = QueryDict(mutable=True)
        for key, values in refused["data"].items():
            data.setlist(key, values)
        form = AnswerForm(item, language, data=data)
        form.is_valid()  # the same message as when it was sent
    else:
        form = AnswerForm(item, language, stored=progress.answers.get(item.id))
    return render(
        request,
        "questionnaires/patient/question.html",
        _patient_context(session, **_question_context(response, progress, item, form, from_check)),
    )


@require_GET
@patient_page
def urgent(request: HttpRequest, session: PatientSession, response_id: str) -> HttpResponse:
    """Help now, on the page right after an answer that raised a safety rule."""
    response = session.response(response_id)
    due = request.session.get(SESSION_URGENT_DUE)
    if not isinstance(due, dict) or due.get("response") != str(response.public_id):
        return redirect("questionnaires:resume", response_id=response.public_id)
    if response.is_submitted:  # sent meanwhile (another tab): the done page shows the help first
        return redirect("questionnaires:done", response_id=response.public_id)
    language = page_language()
    rules = set(due["rules"])
    flags = safety_flags_now(response=response, passed=None)
    advice = _said_once(
        _in_language(f.patient_text, language, session) for f in flags if f.rule_id in rules
    )
    return render(
        request,
        "questionnaires/patient/urgent.html",
        _patient_context(
            session,
            response=response,
            title=response.questionnaire_version.title(language),
            advice=advice,
            then=due["then"],
        ),
    )


def _in_language(said: Text | None, language: str, session: PatientSession) -> str:
    """A definition's patient text as this clinic's patient reads it."""
    return patient_text(
        pick_text(said, language), organisation=session.organisation, language=language
    )


def _said_once(messages: Iterable[str]) -> list[str]:
    once: list[str] = []
    for message in messages:
        if message and message not in once:
            once.append(message)
    return once


def _is_empty(form: AnswerForm) -> bool:
    return not (form.selected or form.raw.strip() or not form.date.empty)


def _question_context(
    response: Response, progress: Progress, item: Item, form: AnswerForm, from_check: bool
) -> dict[str, Any]:
    previous = progress.previous(item.id)
    if from_check:
        back_url = reverse("questionnaires:check", kwargs={"response_id": response.public_id})
    elif previous is not None:
        back_url = _question_url(response, previous)
    else:
        back_url = reverse("questionnaires:overview")
    return {
        "response": response,
        **question_page(version=response.questionnaire_version, item=item, form=form),
        "back_url": back_url,
        "from_check": from_check,
    }


# --- Check your answers, submit, thank you --------------------------------------------------


@require_GET
@patient_page
def check(request: HttpRequest, session: PatientSession, response_id: str) -> HttpResponse:
    response = session.response(response_id)
    if response.is_submitted:
        return redirect("questionnaires:done", response_id=response.public_id)
    language = page_language()
    progress = response_progress(response)
    rows = [
        {
            "item": item,
            "question": text(item.text, language),
            "answer": answer_text(item, progress.answers.get(item.id), language),
            "required": item.required,
            "change_url": _question_url(response, item, from_check=True),
        }
        for item in progress.asked
        if item.type != "display"
    ]
    missing = progress.missing_required
    token = "" if missing else submission_token_issue(response=response)
    reused = _reused_groups(response, progress, language)
    return render(
        request,
        "questionnaires/patient/check.html",
        _patient_context(
            session,
            response=response,
            title=response.questionnaire_version.title(language),
            rows=rows,
            missing=[
                {
                    "question": text(i.text, language),
                    "url": _question_url(response, i, from_check=True),
                }
                for i in missing
            ],
            missing_few=len(missing) <= MISSING_LISTED,
            reused=reused,
            token=token,
            changed=request.GET.get("changed") == "1",
        ),
    )


def _reused_groups(response: Response, progress: Progress, language: str) -> list[dict[str, Any]]:
    """The reused answers on the check page: one group per block, headed by
    the day the patient gave them, with the way to answer them again."""
    if not progress.reused:
        return []
    definition = response.questionnaire_version.definition
    groups = []
    for block in reuse_blocks(response.questionnaire_version):
        origins = [progress.reused[i] for i in block.items if i in progress.reused]
        if not origins:
            continue
        rows = [
            {
                "question": text(definition.item(item_id).text, language),
                "answer": answer_text(
                    definition.item(item_id), progress.answers.get(item_id), language
                ),
            }
            for item_id in block.items
            if item_id in progress.reused
        ]
        groups.append(
            {
                "instrument": block.instrument,
                "day": day_month_text(min(o.submitted_at for o in origins), language),
                "rows": rows,
            }
        )
    return groups


@require_POST
@patient_page
def reuse_again(
    request: HttpRequest, session: PatientSession, response_id: str, instrument: str
) -> HttpResponse:
    """Answer again the questions whose earlier answers were reused."""
    response = session.response(response_id)
    try:
        first = reuse_decline(response=response, instrument=instrument)
    except AnswersLockedError:
        return redirect("questionnaires:done", response_id=response.public_id)
    if first is None:
        return redirect("questionnaires:check", response_id=response.public_id)
    item = response.questionnaire_version.definition.item(first)
    return redirect(_question_url(response, item, from_check=True))


@require_POST
@patient_page
def submit(request: HttpRequest, session: PatientSession, response_id: str) -> HttpResponse:
    response = session.response(response_id)
    outcome = response_submit(
        response=response,
        token=request.POST.get("submission_token", ""),
        channel=session.channel,
    )
    if outcome.result is Submit.SUBMITTED:
        return redirect("questionnaires:done", response_id=response.public_id)
    url = reverse("questionnaires:check", kwargs={"response_id": response.public_id})
    return redirect(url + "?changed=1" if outcome.result is Submit.STALE else url)


@require_GET
@patient_page
def done(request: HttpRequest, session: PatientSession, response_id: str) -> HttpResponse:
    """Thank you, what happens next, the patient-support texts — and help now
    whenever a safety rule fired."""
    response = session.response(response_id)
    if not response.is_submitted:
        return redirect("questionnaires:resume", response_id=response.public_id)
    language = page_language()
    result = response_result(response=response).engine_result
    urgent = _said_once(
        _in_language(m.text, language, session) for m in result.patient_messages if m.safety
    )
    support = [
        message
        for message in _said_once(
            _in_language(m.text, language, session) for m in result.patient_messages if not m.safety
        )
        if message not in urgent
    ]
    remaining = [r for r in session.responses() if not r.is_submitted]
    consultation = response.consultation
    return render(
        request,
        "questionnaires/patient/done.html",
        _patient_context(
            session,
            response=response,
            title=response.questionnaire_version.title(language),
            safety=any(flag.safety for flag in result.flags),
            urgent=urgent,
            support=support,
            next_response=remaining[0] if remaining else None,
            consultation=consultation,
        ),
    )


@require_GET
@patient_page
def saved(request: HttpRequest, session: PatientSession) -> HttpResponse:
    return render(request, "questionnaires/patient/saved.html", _patient_context(session))


@no_patient_data
@require_POST
@never_cache
def leave(request: HttpRequest) -> HttpResponse:
    """End the patient's session on this browser (a shared computer)."""
    if request.session.get(SESSION_HOME) is not None:
        request.session.flush()
    return no_store(render(request, "questionnaires/patient/left.html"))


@patient_own_session
@require_GET
@never_cache
def help_now(request: HttpRequest) -> HttpResponse:
    """Where to get help now — reachable from every patient page, no session needed."""
    kiosk = current_kiosk(request)
    context: dict[str, Any] = {}
    if kiosk is None:
        session = home_session(request)
        context["organisation"] = session.organisation if session else None
        context["back_to_questionnaires"] = session is not None
    else:
        # On the tablet the idle watch runs here too, so the help page is wiped
        # like every other page.
        found = None if kiosk_session_expired(request) else kiosk_session(request, kiosk)
        context.update(
            organisation=kiosk.organisation,
            back_to_questionnaires=found is not None,
            session=found,
            kiosk=kiosk,
            idle_warning=settings.KIOSK_IDLE_WARNING_SECONDS,
            idle_wipe=settings.KIOSK_IDLE_WIPE_SECONDS,
        )
    return no_store(render(request, "questionnaires/patient/help.html", context))

"""Answering one question at a time, checking the answers, submitting once.

The server decides which questions are asked (enable-when, through the
engine's ``enabled_items``); an answer to a question that is no longer asked
is deleted as soon as it stops being asked. ``response_submit`` is the whole
of a submit, idempotent; the submission token makes sure the answers
submitted are the answers the patient checked.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from pro_portal.audit import audit_record
from pro_portal.outbox import outbox_add
from questionnaires.kiosk import kiosk_consultation
from questionnaires.models import (
    Invitation,
    QuestionnaireVersion,
    Response,
    ReusedFrom,
    ScoringResult,
    UnsentSafetyNotice,
)
from questionnaires.results import result_compute, result_original, result_store
from scoring.engine import (
    AnswerError,
    Definition,
    Flag,
    Item,
    PatientContext,
    enabled_items,
    evaluate,
    validate_answers,
)

ANSWERS_LOCKED = "These answers have been submitted and can no longer be changed."


class AnswersLockedError(Exception):
    """The response is submitted: its answers never change again."""


def asked_items(
    definition: Definition, answers: Mapping[str, Any], patient: PatientContext | None = None
) -> list[Item]:
    """The items asked, in order, given the answers so far (display texts
    included) and, for a questionnaire reading ``%patient``, the patient."""
    enabled = enabled_items(definition, answers, patient)
    return [item for item in definition.items if item.id in enabled]


def _drop_not_asked(
    definition: Definition, answers: dict[str, Any], patient: PatientContext | None = None
) -> set[str]:
    """Remove answers to items enable-when no longer asks; return their ids.

    Repeated until stable: dropping one answer can disable a chained item.
    """
    dropped: set[str] = set()
    while True:
        enabled = enabled_items(definition, answers, patient)
        gone = {item_id for item_id in answers if item_id not in enabled}
        if not gone:
            return dropped
        for item_id in gone:
            del answers[item_id]
        dropped |= gone


def answers_after(
    definition: Definition,
    answers: Mapping[str, Any],
    *,
    item_id: str,
    value: Any,
    patient: PatientContext | None = None,
) -> dict[str, Any]:
    """``answers`` with ``item_id`` answered ``value`` (``None``: cleared) and
    the answers to questions no longer asked dropped, as ``answer_save`` keeps
    them; for answers kept outside the response tables (the content preview).
    Raises AnswerError for an answer the definition refuses."""
    if value is not None:
        problems = validate_answers(definition, {item_id: value})
        if problems:
            raise AnswerError(problems)
    changed = dict(answers)
    if value is None:
        changed.pop(item_id, None)
    else:
        changed[item_id] = value
    _drop_not_asked(definition, changed, patient)
    return changed


def _answers_set(response: Response, answers: dict[str, Any], *, given: str | None = None) -> None:
    """Set the response's answers; an answer keeps its reused mark only while
    it is there and is not the one the patient has just ``given``."""
    response.answers = answers
    response.reused = {
        k: origin for k, origin in (response.reused or {}).items() if k in answers and k != given
    }


def answer_save(*, response: Response, item_id: str, value: Any, language: str) -> None:
    """Store (or, for ``None``, clear) one answer as soon as it is given.

    Raises AnswersLockedError after submit and AnswerError for an answer the
    definition refuses (the form checks first; this is the backstop).
    """
    definition = response.questionnaire_version.definition
    item = definition.item(item_id)
    if item.type == "display":
        return
    if value is not None:
        problems = validate_answers(definition, {item_id: value})
        if problems:
            raise AnswerError(problems)
    now = timezone.now()
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.is_submitted:
            raise AnswersLockedError(ANSWERS_LOCKED)
        answers = locked.answers_dict()
        if value is None:
            answers.pop(item_id, None)
        else:
            answers[item_id] = value
        _drop_not_asked(definition, answers, locked.patient_context())
        # An answer the patient gives is their own, no longer a reused one.
        _answers_set(locked, answers, given=item_id)
        locked.answers_saved_at = now
        locked.submission_token = ""  # the answers changed: check them again
        locked.language = language
        fields = [
            "answers",
            "reused",
            "answers_saved_at",
            "submission_token",
            "language",
        ]
        if locked.status == Response.Status.NOT_STARTED:
            locked.status = Response.Status.IN_PROGRESS
            locked.started_at = now
            fields += ["status", "started_at"]
        locked.save(update_fields=fields)
        if locked.invitation_id is not None:
            Invitation.objects.filter(
                pk=locked.invitation_id,
                state__in=[Invitation.State.SENT, Invitation.State.OPENED],
            ).update(state=Invitation.State.IN_PROGRESS)
    response.status = locked.status
    response.answers, response.reused = locked.answers, locked.reused
    response.answers_saved_at = now
    response.submission_token = ""


@dataclass(frozen=True)
class Progress:
    """The page sequence: the questions asked, in order, and the answers so far.

    Questions whose answers were reused from a recent response (``reused``) are
    answered but not asked: the sequence skips them and the check page lists
    them on their own, with the way to answer them again.
    """

    asked: list[Item]
    answers: dict[str, Any]
    reused: dict[str, ReusedFrom] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.asked)

    def position(self, item_id: str) -> int:
        """1-based page number of an asked item."""
        return next(i for i, item in enumerate(self.asked, 1) if item.id == item_id)

    def previous(self, item_id: str) -> Item | None:
        index = self.position(item_id) - 1
        return self.asked[index - 1] if index > 0 else None

    def next(self, item_id: str) -> Item | None:
        index = self.position(item_id)
        return self.asked[index] if index < len(self.asked) else None

    @property
    def missing_required(self) -> list[Item]:
        return [
            item
            for item in self.asked
            if item.required and item.type != "display" and item.id not in self.answers
        ]

    @property
    def first_unanswered(self) -> Item | None:
        for item in self.asked:
            if item.type != "display" and item.id not in self.answers:
                return item
        return None

    @property
    def answered_count(self) -> int:
        return sum(1 for item in self.asked if item.id in self.answers)

    @property
    def question_count(self) -> int:
        return sum(1 for item in self.asked if item.type != "display")


def response_progress(response: Response) -> Progress:
    answers = response.answers_dict()
    reused = response.reused_from()
    try:
        asked = asked_items(
            response.questionnaire_version.definition, answers, response.patient_context()
        )
    except AnswerError:  # pragma: no cover - stored answers are validated on save
        asked = list(response.questionnaire_version.definition.items)
    asked = [item for item in asked if item.id not in reused]
    return Progress(asked=asked, answers=answers, reused=reused)


# --- Reusing recent answers -----------------------------------------------------------------
#
# A definition may say, on an included instrument block, ``reuse_within_days:
# 14`` (docs/definitions.md): the patient's answers to that block, given in
# another response of the same organisation submitted less than 14 days ago,
# describe the same recall period (WHO-5: "the last two weeks"), so they are
# copied into this response instead of asked again. The engine never knows:
# it scores the copied answers as answers, under the version answered.

#: At most this many recent responses are looked at for one block.
REUSE_CANDIDATES = 10


@dataclass(frozen=True)
class ReuseBlock:
    """An included instrument block this version reuses, and its questions."""

    instrument: str
    days: int
    items: tuple[str, ...]


def reuse_blocks(version: QuestionnaireVersion) -> list[ReuseBlock]:
    """The blocks ``version`` reuses (its published ``reuse`` policy)."""
    policy = version.reuse or {}
    if not policy:
        return []
    definition = version.definition
    blocks = []
    for instrument, days in sorted(policy.items()):
        items = tuple(
            item.id
            for section in definition.sections
            if section.included_from == instrument
            for item in section.items
            if item.type != "display"
        )
        if items:
            blocks.append(ReuseBlock(instrument=instrument, days=int(days), items=items))
    return blocks


def _reuse_source(
    response: Response, block: ReuseBlock, now: dt.datetime
) -> tuple[Response, dict[str, Any]] | None:
    """The newest response to take ``block``'s answers from, and those answers.

    Only the same patient at the same organisation (at home or on the
    waiting-room tablet alike), submitted less than ``block.days`` days ago,
    answering every question of the block in that response itself — a reused
    answer is never reused again, so its date is always the day the patient
    gave it — from a questionnaire that includes the same instrument block,
    with answers this version accepts.
    """
    definition = response.questionnaire_version.definition
    # Every question of the block answered there, none of them reused.
    candidates = (
        Response.objects.filter(
            patient_id=response.patient_id,
            organisation_id=response.organisation_id,
            status=Response.Status.SUBMITTED,
            submitted_at__gt=now - dt.timedelta(days=block.days),
        )
        .exclude(pk=response.pk)
        .filter(answers__has_keys=list(block.items))
        .exclude(reused__has_any_keys=list(block.items))
        .select_related("questionnaire_version")
        .defer("questionnaire_version__content")
        .order_by("-submitted_at", "-pk")[:REUSE_CANDIDATES]
    )
    for candidate in candidates:
        theirs = candidate.questionnaire_version.definition
        same_block = {
            item.id
            for section in theirs.sections
            if section.included_from == block.instrument
            for item in section.items
        }
        if not set(block.items) <= same_block:
            continue
        values = {item_id: candidate.answers[item_id] for item_id in block.items}
        if validate_answers(definition, values):
            continue
        return candidate, values
    return None


def answers_reuse(*, response: Response) -> list[ReuseBlock]:
    """Copy recent answers into ``response`` for each block it reuses; the blocks reused.

    Called when the patient opens the response (start or carry on). A block
    is reused only while none of its questions has an answer in this response
    and the patient has not chosen to answer it again (``reuse_decline``).
    Each copy is audited: it reads another of the patient's responses.
    """
    if response.is_submitted:
        return []
    declined = set(response.reuse_declined or [])
    blocks = [
        b for b in reuse_blocks(response.questionnaire_version) if b.instrument not in declined
    ]
    if not blocks:
        return []
    answered = set(response.answers)
    blocks = [b for b in blocks if not answered & set(b.items)]
    now = timezone.now()
    reused: list[ReuseBlock] = []
    for block in blocks:
        found = _reuse_source(response, block, now)
        if found is None:
            continue
        source, values = found
        with transaction.atomic():
            locked = Response.objects.select_for_update().get(pk=response.pk)
            if (
                locked.is_submitted
                or block.instrument in (locked.reuse_declined or [])
                or set(locked.answers) & set(block.items)
                or source.submitted_at is None
            ):
                continue  # changed meanwhile (another tab)
            origin = {"response": source.pk, "submitted_at": source.submitted_at.isoformat()}
            locked.answers = {**locked.answers, **{i: values[i] for i in block.items}}
            locked.reused = {**(locked.reused or {}), **dict.fromkeys(block.items, origin)}
            locked.answers_saved_at = timezone.now()
            locked.submission_token = ""  # the answers changed: check them again
            locked.save(update_fields=["answers", "reused", "answers_saved_at", "submission_token"])
            audit_record(
                action="response.reuse",
                actor_kind="patient",
                patient=response.patient,
                obj=locked,
                detail={
                    "instrument": block.instrument,
                    "from": str(source.public_id),
                    "submitted_at": source.submitted_at.isoformat()
                    if source.submitted_at
                    else None,
                    "items": list(block.items),
                },
            )
        response.answers, response.reused = locked.answers, locked.reused
        response.answers_saved_at = locked.answers_saved_at
        response.submission_token = ""
        reused.append(block)
    return reused


def reuse_decline(*, response: Response, instrument: str) -> str | None:
    """The patient answers ``instrument``'s block again: its reused answers are
    cleared and it is never reused again in this response. Returns the first
    question of the block to ask (None: this version reuses no such block).
    Raises AnswersLockedError after submit."""
    block = next(
        (b for b in reuse_blocks(response.questionnaire_version) if b.instrument == instrument),
        None,
    )
    if block is None:
        return None
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.is_submitted:
            raise AnswersLockedError(ANSWERS_LOCKED)
        gone = {i for i in block.items if i in (locked.reused or {})}
        _answers_set(locked, {k: v for k, v in locked.answers.items() if k not in gone})
        declined = list(locked.reuse_declined or [])
        if instrument not in declined:
            declined.append(instrument)
        locked.reuse_declined = declined
        locked.submission_token = ""
        locked.save(update_fields=["answers", "reused", "reuse_declined", "submission_token"])
    response.answers, response.reused = locked.answers, locked.reused
    response.reuse_declined = declined
    response.submission_token = ""
    return block.items[0]


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _names_read(definition: Definition, expression: str) -> set[str]:
    """The item ids a rule's expression reads, scores expanded to their items
    (and to what their enable-when reads: a gated score waits for its gate)."""
    plan = definition.plan
    names: set[str] = set()
    for name in _NAME.findall(expression):
        score = plan.scores.get(name)
        if score is not None:
            names |= {item for term in score.terms for item in term}
            names |= _names_read(definition, score.expression or "")
            gate = score.enable_when.conditions if score.enable_when else ()
            names |= _names_read(definition, " ".join(c.item for c in gate))
        elif name in plan.items:
            names.add(name)
    return names


def safety_flags_now(*, response: Response, passed: str | None) -> list[Flag]:
    """The safety rules the answers given so far already raise, for help at once.

    "Safety" is what the definitions mark: a rule with ``safety: true`` (a
    red flag with advice to the patient; docs/definitions.md). The engine
    evaluates the partial answers: with its three-valued logic a rule whose
    answers are not all given yet is *unknown*, never raised, unless the
    answers given already decide it. A rule counts only when every question
    it reads is answered or behind the patient — ``passed`` is the question
    just answered (None: all of them, from the check page) — so a question
    left empty on purpose is "skipped for good" and one not reached yet is not.
    """
    progress = response_progress(response)
    return safety_flags_given(
        response.questionnaire_version.definition,
        progress.answers,
        progress.asked,
        passed=passed,
        patient=response.patient_context(),
    )


def safety_flags_given(
    definition: Definition,
    answers: Mapping[str, Any],
    asked: list[Item],
    *,
    passed: str | None,
    patient: PatientContext | None = None,
) -> list[Flag]:
    """``safety_flags_now`` for ``answers`` to the questions ``asked``, in
    order, wherever the answers are kept (a response, the content preview)."""
    order = [item.id for item in asked]
    behind = order.index(passed) + 1 if passed in order else len(order)
    ahead = {item_id for item_id in order[behind:] if item_id not in answers}
    result = evaluate(definition, answers, patient=patient)
    return [
        flag
        for flag in result.flags
        if flag.safety and not (_names_read(definition, flag.expression) & ahead)
    ]


def safety_flags_saved(*, response: Response) -> list[Flag]:
    """The safety rules the saved answers raise, as far as the patient got.

    What ``safety_flags_now`` showed the patient as they passed the furthest
    question they answered: questions after it count as not reached yet, so
    a rule on a question the patient never saw (``missing(x)``) is not raised
    for a response left half-way. For the clinic's notice of safety answers
    saved but not sent (``questionnaires.unsent``).
    """
    progress = response_progress(response)
    answered = [item.id for item in progress.asked if item.id in progress.answers]
    if not answered:
        return []
    return safety_flags_now(response=response, passed=answered[-1])


def submission_token_issue(*, response: Response) -> str:
    """The token the check-your-answers page carries; unchanged until an answer changes."""
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if not locked.submission_token:
            locked.submission_token = secrets.token_urlsafe(16)
            locked.save(update_fields=["submission_token"])
    response.submission_token = locked.submission_token
    return locked.submission_token


class Submit(enum.Enum):
    SUBMITTED = "submitted"
    STALE = "stale"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class SubmitOutcome:
    result: Submit
    scoring: ScoringResult | None = None


#: The summary PDF is rendered by the clinician side's task of this name. It
#: is named, not imported: the patient side never imports the clinician side,
#: and a guard test checks that every name written to the outbox is a task.
SUMMARY_PDF_TASK = "scoring.render_summary_pdf"


def response_submit(*, response: Response, token: str, channel: str) -> SubmitOutcome:
    """Submit the checked answers exactly once: the whole of a response's submit.

    One transaction and one row lock hold the submission token check, the
    required answers, scoring under the version answered, the stored result
    with its versions, clearing a notice of a safety answer saved but not
    sent, the invitation's state, the audit event and the outbox message for
    the summary PDF — all of it happens, or none.

    Already submitted (a double click, the back button, a second tab): the
    stored result, nothing new. A token that is not the current one: the
    answers changed since that page was shown, so the patient checks again.
    ``answer_save`` takes the same lock, so no answer can change between the
    check and the submit.
    """
    with transaction.atomic():
        locked = (
            Response.objects.select_for_update(of=("self",))
            .select_related("questionnaire_version", "patient")
            .get(pk=response.pk)
        )
        if locked.is_submitted:
            return SubmitOutcome(Submit.SUBMITTED, result_original(response_id=locked.pk))
        if not token or not secrets.compare_digest(token, locked.submission_token or ""):
            return SubmitOutcome(Submit.STALE)
        if response_progress(locked).missing_required:
            return SubmitOutcome(Submit.INCOMPLETE)
        now = timezone.now()
        locked.status = Response.Status.SUBMITTED
        locked.submitted_at = now
        locked.started_at = locked.started_at or now
        locked.channel = channel
        if channel == Response.Channel.KIOSK and locked.consultation_id is None:
            # Answers given in the waiting room are for today's visit.
            locked.consultation = kiosk_consultation(
                patient_id=locked.patient_id, organisation_id=locked.organisation_id, at=now
            )
        locked.save(
            update_fields=["status", "submitted_at", "started_at", "channel", "consultation"]
        )
        stored = result_store(response=locked, result=result_compute(response=locked))
        # A safety answer saved but not sent is sent now: the summary takes over.
        UnsentSafetyNotice.objects.filter(response=locked, cleared_at__isnull=True).update(
            cleared_at=now
        )
        if locked.invitation_id is not None:
            # Submitted once every response of the invitation is (one query).
            unsubmitted = Response.objects.filter(invitation_id=OuterRef("pk")).exclude(
                status=Response.Status.SUBMITTED
            )
            Invitation.objects.filter(pk=locked.invitation_id).exclude(
                state=Invitation.State.CANCELLED
            ).exclude(Exists(unsubmitted)).update(state=Invitation.State.SUBMITTED)
        audit_record(
            action="response.submit",
            actor_kind="patient",
            patient=locked.patient,
            obj=locked,
            detail={"questionnaire": locked.questionnaire_version.ref, "overall": stored.overall},
        )
        outbox_add(task=SUMMARY_PDF_TASK, response_id=locked.pk)
    response.status = Response.Status.SUBMITTED
    return SubmitOutcome(Submit.SUBMITTED, stored)


def response_result(*, response: Response) -> ScoringResult:
    """The result stored when the response was submitted (a plain read)."""
    if not response.is_submitted:
        raise ValueError("not submitted")
    return result_original(response_id=response.pk)

"""Scoring results: computed by the engine, stored once, read plainly, rescored beside.

The original result is written by ``questionnaires.answering.response_submit``
in the submit transaction; ``rescore`` adds rows beside it (``manage.py
rescore``) and never replaces it. Both are stored compactly: what the engine
decided, with the texts read from the (immutable) version when shown
(scoring.engine.compact; docs/architecture.md, "Compact results").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from questionnaires.models import QuestionnaireVersion, Response, ScoringResult
from scoring.engine import (
    ENGINE_VERSION,
    Result,
    evaluate,
    result_to_score_json,
    result_to_stored,
)

# --- What a response shows ------------------------------------------------------
#
# The engine leaves a rule it cannot decide *not assessable*, and the overall
# colour is ``not_assessable`` only when nothing red or yellow fired — so
# PHQ-9 total 12 with item 9 skipped is stored yellow, and item 9 used to be a
# quiet note under it. Published algorithm versions never change and rescoring
# must not change stored results, so the distinction is drawn from the stored
# result: a not-assessable rule that is a safety rule (``safety: true`` in the
# definition version the response was scored under, which the engine copies
# into the stored entry) is *a safety question left unanswered* and ranks with
# red ("ask directly"); any other unknown is *incomplete* (a score or rule
# lacks answers), shown quieter. docs/library.md, "Missing answers".
#
# The original result's outcome is kept on the response (``Response.shown``,
# ``Response.attention``) when it is stored, so the worklists find "red and
# not reviewed" on an index instead of reading every stored result.

#: What lists and the summary show for a response, beside the stored colours.
SAFETY_UNANSWERED = Response.Shown.SAFETY_UNANSWERED.value
INCOMPLETE = Response.Shown.INCOMPLETE.value

#: The order of what is shown: an unanswered safety question ranks with red,
#: an incomplete response before green (someone has to look), not answered last.
RANK: dict[str | None, int] = {
    "red": 0,
    SAFETY_UNANSWERED: 0,
    "yellow": 1,
    INCOMPLETE: 2,
    "green": 3,
    None: 4,
}


def shown_state(overall: str | None, *, safety_unanswered: bool) -> str | None:
    """What a response shows: red stays red; otherwise a safety question left
    unanswered outranks the stored colour (yellow, or not assessable); a stored
    ``not_assessable`` with no safety rule among the unknowns is incomplete."""
    if overall == "red":
        return "red"
    if safety_unanswered:
        return SAFETY_UNANSWERED
    if overall == "not_assessable":
        return INCOMPLETE
    return overall


def result_shown(result: Result) -> str:
    """What the lists show of a response scored ``result`` (``shown_state``)."""
    shown = shown_state(
        result.overall, safety_unanswered=any(n.safety for n in result.not_assessable)
    )
    assert shown is not None  # the engine always decides an overall colour
    return shown


#: What a stored result needs of its response's version to be read: the
#: compiled definition is cached by (pk, hash), so its content stays unread.
_VERSION_FIELDS = (
    "response__questionnaire_version__id",
    "response__questionnaire_version__content_hash",
)


def previous_result(response: Response) -> Result | None:
    """The original result of the same patient's latest earlier submitted
    response to the same questionnaire id (any version), or None."""
    earlier = (
        ScoringResult.objects.filter(
            kind=ScoringResult.Kind.ORIGINAL,
            response__patient_id=response.patient_id,
            questionnaire_id=response.questionnaire_version.questionnaire_id,
            response__submitted_at__lt=response.submitted_at or timezone.now(),
        )
        .exclude(response_id=response.pk)
        .order_by("-response__submitted_at")
        .select_related("response__questionnaire_version")
        .only("result", *_VERSION_FIELDS)
        .first()
    )
    return earlier.engine_result if earlier else None


def result_compute(*, response: Response) -> Result:
    """The engine's result for the response's answers under its own version."""
    definition = response.questionnaire_version.definition
    return evaluate(
        definition,
        response.answers_dict(),
        previous_result(response),
        patient=response.patient_context(),
    )


def result_store(*, response: Response, result: Result, **extra: Any) -> ScoringResult:
    """Store a result with the questionnaire, definition and engine versions.

    The original result (not a rescoring) also sets what the response shows
    in the lists, in the same transaction, so the two never disagree."""
    with transaction.atomic():
        stored = ScoringResult.objects.create(
            response=response,
            questionnaire_id=result.questionnaire,
            definition_version=result.version,
            engine_version=result.engine_version,
            overall=result.overall,
            result=result_to_stored(result, response.questionnaire_version.definition),
            **extra,
        )
        if stored.kind == ScoringResult.Kind.ORIGINAL:
            response.shown = result_shown(result)
            response.attention = RANK[response.shown]
            Response.objects.filter(pk=response.pk).update(
                shown=response.shown, attention=response.attention
            )
    return stored


def result_original(*, response_id: int) -> ScoringResult:
    """The result stored when the response was submitted (a plain read), with
    what reading it needs of the response's version."""
    return (
        ScoringResult.objects.select_related("response__questionnaire_version")
        .defer("response__questionnaire_version__content")
        .get(response_id=response_id, kind=ScoringResult.Kind.ORIGINAL)
    )


@dataclass(frozen=True)
class Difference:
    response: Response
    original: dict[str, Any]
    rescored: dict[str, Any]


def comparable(stored: ScoringResult) -> dict[str, Any]:
    """What a clinician would see change: overall, scores and bands, flags."""
    out = result_to_score_json(stored.engine_result)
    return {
        "overall": out["overall"],
        "scores": out["scores"],
        "flags": sorted((flag["id"], flag["colour"]) for flag in out["flags"]),
    }


def responses_to_rescore(versions: list[QuestionnaireVersion]) -> Iterator[Response]:
    return (
        Response.objects.filter(
            questionnaire_version__in=versions, status=Response.Status.SUBMITTED
        )
        .select_related("questionnaire_version")
        .order_by("submitted_at")
        .iterator(chunk_size=500)
    )


def rescore(*, versions: list[QuestionnaireVersion]) -> tuple[str, int, list[Difference]]:
    """Re-run the current engine over stored responses; store rescoring rows
    beside the originals (never replacing them) and return every difference."""
    run = f"{ENGINE_VERSION}:{uuid.uuid4()}"
    count = 0
    differences: list[Difference] = []
    for response in responses_to_rescore(versions):
        with transaction.atomic():
            original = result_original(response_id=response.pk)
            stored = result_store(
                response=response,
                result=result_compute(response=response),
                kind=ScoringResult.Kind.RESCORE,
                rescore_run=run,
            )
        count += 1
        before, after = comparable(original), comparable(stored)
        if before != after:
            differences.append(Difference(response, before, after))
    return run, count, differences

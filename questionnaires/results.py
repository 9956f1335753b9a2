"""Scoring results: computed by the engine, stored once, read plainly, rescored beside.

The original result is written by ``questionnaires.answering.response_submit``
in the submit transaction; ``rescore`` adds rows beside it (``manage.py
rescore``) and never replaces it.
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
    result_from_dict,
    result_to_dict,
    result_to_score_json,
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
        .only("result")
        .first()
    )
    return result_from_dict(earlier.result) if earlier else None


def result_compute(*, response: Response) -> Result:
    """The engine's result for the response's answers under its own version."""
    definition = response.questionnaire_version.definition
    return evaluate(definition, response.answers_dict(), previous_result(response))


def result_store(*, response: Response, result: Result, **extra: Any) -> ScoringResult:
    """Store a result with the questionnaire, definition and engine versions."""
    return ScoringResult.objects.create(
        response=response,
        questionnaire_id=result.questionnaire,
        definition_version=result.version,
        engine_version=result.engine_version,
        overall=result.overall,
        result=result_to_dict(result),
        **extra,
    )


def result_original(*, response_id: int) -> ScoringResult:
    """The result stored when the response was submitted (a plain read)."""
    return ScoringResult.objects.get(response_id=response_id, kind=ScoringResult.Kind.ORIGINAL)


@dataclass(frozen=True)
class Difference:
    response: Response
    original: dict[str, Any]
    rescored: dict[str, Any]


def comparable(stored: dict[str, Any]) -> dict[str, Any]:
    """What a clinician would see change: overall, scores and bands, flags."""
    out = result_to_score_json(result_from_dict(stored))
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
        .prefetch_related("answers")
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
        before, after = comparable(original.result), comparable(stored.result)
        if before != after:
            differences.append(Difference(response, before, after))
    return run, count, differences

"""Data the browser tests start from (written through the same services the app uses)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.utils import timezone

from pro_portal.models import Patient, User
from questionnaires.invitations import invitation_create
from questionnaires.library import LIBRARY_DIR, read_published
from questionnaires.models import Invitation, QuestionnaireVersion, Response
from questionnaires.services import (
    questionnaire_activate,
    questionnaire_publish,
    questionnaire_record_review,
)
from tests import factories


def _text(value: str) -> dict[str, str]:
    return {"da": value, "en": value}


#: A small definition with a date question: no library questionnaire asks for a date.
DATES: dict[str, Any] = {
    "format": 1,
    "id": "e2e_dates",
    "version": "1.0.0",
    "languages": ["da", "en"],
    "title": {"da": "Hvornår", "en": "When"},
    "description": {"da": "Et spørgsmål om en dato.", "en": "One question about a date."},
    "intended_use": "dialogue",
    "patient_group": {"description": _text("Test"), "inclusion": [], "exclusion": []},
    "recall_period": {"da": "nu", "en": "now"},
    "provenance": {"kind": "own", "note": _text("PRO Portal")},
    "instruments": [{"id": "portal", "name": "PRO Portal", "licence": "own", "source": "own"}],
    "sections": [
        {
            "id": "when",
            "kind": "generic",
            "title": {"da": "Hvornår", "en": "When"},
            "items": [
                {
                    "id": "when.started",
                    "type": "date",
                    "text": {"da": "Hvornår begyndte det?", "en": "When did it start?"},
                    "min": "1900-01-01",
                    "max": "2100-12-31",
                }
            ],
        }
    ],
    "test_vectors": [],
}


@functools.cache
def _published(
    questionnaire_id: str, version: str = "1.0.0"
) -> tuple[dict[str, Any], dict[str, int]]:
    """What publishing a library definition stores (content and reuse policy), read
    once per run (the database is new for each test)."""
    if questionnaire_id == "e2e_dates":
        return DATES, {}
    return read_published(LIBRARY_DIR / questionnaire_id / f"{version}.yaml")


def active(questionnaire_id: str, number: str = "1.0.0") -> QuestionnaireVersion:
    """The questionnaire published as the loader publishes it, reviewed and active."""
    content, reuse = _published(questionnaire_id, number)
    version = questionnaire_publish(
        content=content, source=f"{questionnaire_id}/{number}.yaml", reuse=reuse
    ).version
    if version.status != QuestionnaireVersion.Status.ACTIVE:
        reviewer = factories.version_reviewer()
        questionnaire_record_review(
            version=version, reviewer=reviewer, reviewed_on=dt.date(2026, 1, 1), by=None
        )
        questionnaire_activate(version=version, by=None)
    return version


def invite(
    patient: Patient, by: User, *questionnaire_ids: str, version: str = "1.0.0"
) -> tuple[Invitation, str]:
    """An invitation to the given questionnaires; returns it and its link's path."""
    issued = invitation_create(
        patient=patient,
        starts_at=timezone.now() + dt.timedelta(days=2),
        versions=[active(q, version) for q in questionnaire_ids],
        by=by,
        email=False,
        sms=False,
    )
    path = "/i/" + issued.link.rstrip("/").rsplit("/", 1)[-1] + "/"
    return issued.invitation, path


def response(invitation: Invitation, questionnaire_id: str) -> Response:
    return invitation.responses.get(questionnaire_version__questionnaire_id=questionnaire_id)


def vector_answers(version: QuestionnaireVersion, overall: str) -> dict[str, Any]:
    """Complete answers from one of the definition's own test vectors."""
    for vector in version.definition.test_vectors:
        if vector.expect.overall == overall and vector.previous is None:
            return {k: list(v) if isinstance(v, tuple) else v for k, v in vector.answers.items()}
    raise LookupError(f"{version} has no {overall} test vector")


def give_answers(target: Response, answers: dict[str, Any]) -> None:
    Response.objects.filter(pk=target.pk).update(
        answers=dict(answers), reused={}, status=Response.Status.IN_PROGRESS, submission_token=""
    )

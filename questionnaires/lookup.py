"""Finding a questionnaire version from ``ID[@VERSION]`` on the command line."""

from __future__ import annotations

from django.core.management.base import CommandError

from questionnaires.models import QuestionnaireVersion

UNKNOWN = "No questionnaire {ref} is published (load_questionnaires or import_fhir first)."


def versions_for(ref: str) -> list[QuestionnaireVersion]:
    """``phq9@1.0.0`` → that version; ``phq9`` → every published version."""
    questionnaire_id, _, version = ref.partition("@")
    rows = QuestionnaireVersion.objects.filter(questionnaire_id=questionnaire_id)
    if version:
        rows = rows.filter(version=version)
    found = list(rows.order_by("published_at"))
    if not found:
        raise CommandError(UNKNOWN.format(ref=ref))
    return found


def version_for(ref: str) -> QuestionnaireVersion:
    """One version: the one named, else the active one, else the newest published."""
    found = versions_for(ref)
    active = [v for v in found if v.status == QuestionnaireVersion.Status.ACTIVE]
    return active[-1] if active and "@" not in ref else found[-1]

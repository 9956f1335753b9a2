"""Shared by the sign-off tests: reviewers and an imported draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import Permission

from pro_portal.models import Organisation, User
from questionnaires.fhir.services import fhir_questionnaire_import
from questionnaires.models import QuestionnaireVersion
from questionnaires.translations import translation_template
from tests import factories

HAND = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "hand-written"
#: English only, no copyright, one warning (a "total score" with no expression).
PHQ4 = HAND / "phq4-like.json"


def with_permission(user: User, codename: str) -> User:
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return User.objects.get(pk=user.pk)  # permissions are cached per user object


def reviewer(organisation: Organisation | None = None) -> User:
    """A clinician with the review permission: a clinical reviewer."""
    if organisation is None:
        return factories.version_reviewer()
    return with_permission(factories.clinician(organisation), "review_questionnaires")


def imported(path: Path = PHQ4) -> QuestionnaireVersion:
    return fhir_questionnaire_import(path=path, source=path.name).version


def danish(version: QuestionnaireVersion, source: str = "Oversat af PRO Portal") -> dict[str, Any]:
    """A complete Danish translation file: every text given in Danish."""
    template = translation_template(version.content, "da")
    texts = {key: f"DA {text}" for key, text in template["texts"].items()}
    return {**template, "source": source, "texts": texts}

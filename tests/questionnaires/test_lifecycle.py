"""Draft → active → retired: audited, and active only after a clinical review."""

from __future__ import annotations

import datetime as dt

import pytest

from pro_portal.models import AuditEvent
from questionnaires.models import QuestionnaireVersion
from questionnaires.services import (
    PublishError,
    questionnaire_activate,
    questionnaire_publish,
    questionnaire_record_review,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_version_without_a_clinical_reviewer_cannot_be_activated(personas) -> None:
    version = factories.published_version("gad7")
    with pytest.raises(PublishError, match="no clinical reviewer"):
        questionnaire_activate(version=version, by=personas.admin)
    version.refresh_from_db()
    assert version.status == QuestionnaireVersion.Status.DRAFT


def test_only_a_clinician_can_be_recorded_as_reviewer(personas) -> None:
    version = factories.published_version("gad7")
    with pytest.raises(PublishError, match="not a clinician"):
        questionnaire_record_review(
            version=version, reviewer=personas.secretary, reviewed_on=dt.date(2026, 11, 1), by=None
        )


def test_review_then_activate_is_audited_and_retires_the_previous_version(personas) -> None:
    old = factories.published_version("gad7", active=True)
    content = {**old.content, "version": "1.0.1"}
    new = questionnaire_publish(content=content, source="gad7/1.0.1.yaml").version
    questionnaire_record_review(
        version=new,
        reviewer=personas.clinician,
        reviewed_on=dt.date(2026, 11, 20),
        by=personas.admin,
    )
    questionnaire_activate(version=new, by=personas.admin)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("retired", "active")
    assert new.clinical_reviewer == personas.clinician
    actions = list(
        AuditEvent.objects.filter(object_id=str(new.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["questionnaire.publish", "questionnaire.review", "questionnaire.activate"]

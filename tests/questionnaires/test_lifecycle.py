"""Draft → active → retired: audited, and active only after a clinical review."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection

from pro_portal.models import AuditEvent
from questionnaires.models import QuestionnaireVersion, Response
from questionnaires.services import (
    PublishError,
    questionnaire_activate,
    questionnaire_publish,
    questionnaire_record_review,
)
from tests import factories
from tests.questionnaires.content import with_permission

pytestmark = pytest.mark.django_db


def test_a_version_without_a_clinical_reviewer_cannot_be_activated(personas) -> None:
    version = factories.published_version("gad7")
    with pytest.raises(PublishError, match="no clinical reviewer"):
        questionnaire_activate(version=version, by=personas.admin)
    version.refresh_from_db()
    assert version.status == QuestionnaireVersion.Status.DRAFT


def test_only_a_clinician_with_the_review_permission_can_be_recorded_as_reviewer(
    personas,
) -> None:
    """Both, as for acknowledging import warnings: a secretary granted the
    permission, or a clinician without it, is refused."""
    version = factories.published_version("gad7")
    secretary = with_permission(personas.secretary, "review_questionnaires")
    for who in (secretary, personas.clinician):
        with pytest.raises(PublishError, match="takes the review permission and the clinician"):
            questionnaire_record_review(
                version=version, reviewer=who, reviewed_on=dt.date(2026, 11, 1), by=None
            )
    version.refresh_from_db()
    assert version.clinical_reviewer is None
    assert not AuditEvent.objects.filter(action="questionnaire.review").exists()
    questionnaire_record_review(
        version=version,
        reviewer=with_permission(personas.clinician, "review_questionnaires"),
        reviewed_on=dt.date(2026, 11, 1),
        by=None,
    )
    version.refresh_from_db()
    assert version.clinical_reviewer == personas.clinician


def test_review_then_activate_is_audited_and_retires_the_previous_version(personas) -> None:
    old = factories.published_version("gad7", active=True)
    content = {**old.content, "version": "1.0.1"}
    new = questionnaire_publish(content=content, source="gad7/1.0.1.yaml").version
    questionnaire_record_review(
        version=new,
        reviewer=with_permission(personas.clinician, "review_questionnaires"),
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


def test_a_response_inserted_by_code_from_before_the_review_state_gets_an_empty_shown(
    personas,
) -> None:
    """During a rolling deploy, code from before ``shown`` existed still inserts
    responses: the column has a database default, so the insert succeeds."""
    version = factories.published_version("phq9")
    model = factories.response_with_answers(personas.patient, version, {})
    columns = [
        f.column
        for f in Response._meta.concrete_fields
        if f.column not in ("id", "public_id", "shown")
    ]
    listed = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = connection.ops.quote_name(Response._meta.db_table)
    new_id = uuid.uuid4()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (public_id, {listed}) "  # noqa: S608 (names from the model)
            f"SELECT %s, {listed} FROM {table} WHERE id = %s",
            [new_id.hex if connection.vendor == "sqlite" else new_id, model.pk],
        )
    assert Response.objects.get(public_id=new_id).shown == ""

"""Questionnaire content in the browser: import a FHIR file, list the
versions, send a version for clinical review.

For content staff: the site-wide permission
``questionnaires.manage_questionnaires`` (migration 0010), not a role in an
organisation — a questionnaire is no organisation's. Every change is
audited with the staff member as actor. "Sent for review" is the audit
event itself (``REVIEW_REQUESTED``): the clinical reviewer's list is the
versions with such an event and no review recorded yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from pro_portal.audit import audit_record
from pro_portal.models import AuditEvent, User
from questionnaires.fhir.services import ImportOutcome, fhir_questionnaire_import
from questionnaires.models import QuestionnaireVersion

IMPORTED = "questionnaire.import"
REVIEW_REQUESTED = "questionnaire.review_request"
_VERSION_TYPE = QuestionnaireVersion._meta.label_lower


def content_import(*, data: bytes, name: str, by: User) -> ImportOutcome:
    """Import an uploaded FHIR Questionnaire (the bytes of file ``name``) as a
    draft, recording who did it. All or nothing: FhirImportError or
    PublishError leave nothing published (``fhir_questionnaire_import``)."""
    with transaction.atomic():
        outcome = fhir_questionnaire_import(data=data, name=name, source=name)
        audit_record(
            action=IMPORTED,
            actor=by,
            obj=outcome.version,
            detail={
                "ref": outcome.version.ref,
                "file": name,
                "created": outcome.created,
                "warnings": len(outcome.result.warnings),
            },
        )
    return outcome


@dataclass(frozen=True)
class ReviewRequest:
    at: dt.datetime
    by: str  # the staff member's user name


def review_requests() -> dict[int, ReviewRequest]:
    """The newest request for review of each version (by version pk)."""
    rows = (
        AuditEvent.objects.filter(action=REVIEW_REQUESTED, object_type=_VERSION_TYPE)
        .order_by("at")
        .values_list("object_id", "at", "actor__username")
    )
    return {int(pk): ReviewRequest(at=at, by=by or "") for pk, at, by in rows}


def versions_for_review() -> list[QuestionnaireVersion]:
    """Versions sent for review with no clinical review recorded yet, oldest
    request first: the clinical reviewer's list."""
    requests = review_requests()
    versions = QuestionnaireVersion.objects.filter(
        pk__in=list(requests), clinical_reviewer__isnull=True
    ).exclude(status=QuestionnaireVersion.Status.RETIRED)
    return sorted(versions, key=lambda v: requests[v.pk].at)


def version_send_for_review(*, version: QuestionnaireVersion, by: User) -> bool:
    """Put ``version`` on the clinical reviewer's list (audited). False, and
    nothing recorded, when it is on the list already or needs no review (a
    review is recorded, or it is retired)."""
    if version.clinical_reviewer_id is not None:
        return False
    if version.status == QuestionnaireVersion.Status.RETIRED:
        return False
    if version.pk in review_requests():
        return False
    audit_record(action=REVIEW_REQUESTED, actor=by, obj=version, detail={"ref": version.ref})
    return True

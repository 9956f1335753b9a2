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

import dataclasses
import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from pro_portal.audit import audit_record
from pro_portal.models import AuditEvent, User
from questionnaires.fhir.services import ImportOutcome, fhir_questionnaire_import
from questionnaires.models import QuestionnaireVersion

IMPORTED = "questionnaire.import"
REVIEW_REQUESTED = "questionnaire.review_request"
_VERSION_TYPE = QuestionnaireVersion._meta.label_lower


def content_import(
    *,
    data: bytes,
    name: str,
    by: User,
    as_new_id: str | None = None,
    as_new_version_of: str | None = None,
) -> ImportOutcome:
    """Import an uploaded FHIR Questionnaire (the bytes of file ``name``) as a
    draft, recording who did it; after an id collision, under a new id or as a
    new version of the existing questionnaire, as ``import_fhir --as-new-id`` /
    ``--as-new-version-of`` would. All or nothing: FhirImportError or
    PublishError (IdCollisionError) leave nothing published
    (``fhir_questionnaire_import``)."""
    with transaction.atomic():
        outcome = fhir_questionnaire_import(
            data=data,
            name=name,
            source=name,
            as_new_id=as_new_id,
            as_new_version_of=as_new_version_of,
        )
        detail = {
            "ref": outcome.version.ref,
            "file": name,
            "created": outcome.created,
            "warnings": len(outcome.result.warnings),
        }
        if as_new_id is not None:
            detail["as_new_id"] = as_new_id
        if as_new_version_of is not None:
            detail["as_new_version_of"] = as_new_version_of
        audit_record(action=IMPORTED, actor=by, obj=outcome.version, detail=detail)
    return outcome


# --- An upload kept while its importer chooses (after an id collision) ------------------------

_KEPT = "content-upload:"


@dataclass(frozen=True)
class KeptUpload:
    """An upload that collided on an id, kept server-side for its importer
    only, so that choosing a new id or a new version needs no second upload."""

    token: str
    name: str
    data: bytes
    questionnaire_id: str  # the id it collided on
    version: str
    title: dict[str, str]  # the file's title by language


def upload_keep(
    *, data: bytes, name: str, by: User, questionnaire_id: str, version: str, title: dict[str, str]
) -> KeptUpload:
    """Keep ``data`` (an upload already within IMPORT_MAX_BYTES) for
    IMPORT_UPLOAD_KEEP_SECONDS in the cache (the database's), under an
    unguessable token that only ``by`` can redeem."""
    if len(data) > settings.IMPORT_MAX_BYTES:  # pragma: no cover - the import refused it first
        raise ValueError("an upload over IMPORT_MAX_BYTES is never kept")
    kept = KeptUpload(secrets.token_urlsafe(32), name, data, questionnaire_id, version, title)
    # Plain values, not the dataclass pickled: a later release may change the class.
    value = {"user": by.pk, **dataclasses.asdict(kept)}
    cache.set(_KEPT + kept.token, value, timeout=settings.IMPORT_UPLOAD_KEEP_SECONDS)
    return kept


def upload_kept(*, token: str, by: User) -> KeptUpload | None:
    """The upload kept under ``token`` for ``by``; None when it has expired,
    was used, or is someone else's."""
    value = cache.get(_KEPT + token)
    if not isinstance(value, dict) or value.get("user") != by.pk:
        return None
    return KeptUpload(**{field.name: value[field.name] for field in dataclasses.fields(KeptUpload)})


def upload_forget(*, token: str) -> None:
    cache.delete(_KEPT + token)


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

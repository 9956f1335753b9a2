"""Publishing and lifecycle of questionnaire versions.

Publishing, recording the clinical review, activating and retiring are
audited actions. A version becomes active only after a clinician is recorded
as its clinical reviewer, with the date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from pro_portal.audit import audit_record
from pro_portal.models import Role, User
from questionnaires.models import QuestionnaireVersion

CHANGED_UNDER_PUBLISHED_VERSION = (
    "{ref} is already published with different content: bump the version to publish a change."
)
NEEDS_REVIEW = "{ref} has no clinical reviewer recorded: record the review before activating it."
TOO_LONG = (
    "the {what} {value!r} is {length:,} characters long; at most {limit} fit"
    " (an imported questionnaire takes its id from its id, name or title: give it a shorter id)"
)
REVIEWER_NOT_CLINICIAN = "{user} is not a clinician and cannot be recorded as clinical reviewer."


class PublishError(Exception):
    """A version cannot be published or changed state; the message says why."""


class VersionCollisionError(PublishError):
    """Other content is already published under the same id and version."""


def canonical_json(content: Any) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: Any) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


@dataclass(frozen=True)
class PublishOutcome:
    version: QuestionnaireVersion
    created: bool


_WORDS = {"questionnaire_id": "id", "source": "source file name"}


def _check_lengths(**values: str) -> None:
    """Values longer than their column are a clear error, not a database error
    (an imported Questionnaire without id takes its id from a title of any length)."""
    for name, value in values.items():
        field = QuestionnaireVersion._meta.get_field(name)
        limit = field.max_length if isinstance(field, models.Field) else None
        if limit is not None and len(value) > limit:
            shown = value if len(value) <= 40 else value[:40] + "…"
            raise PublishError(
                TOO_LONG.format(
                    what=_WORDS.get(name, name), value=shown, length=len(value), limit=limit
                )
            )


def questionnaire_publish(
    *, content: dict[str, Any], source: str, reuse: dict[str, int] | None = None
) -> PublishOutcome:
    """Publish a validated definition as a draft; unchanged content is a no-op.

    The caller has parsed the content and run its test vectors. ``reuse`` is
    the answering flow's policy read beside it (``library.read_published``):
    published with the version and, like the content, never changed under it.
    """
    reuse = dict(reuse or {})
    # YAML may hold dates; the stored content is plain JSON.
    content = json.loads(json.dumps(content, default=str))
    _check_lengths(
        questionnaire_id=str(content["id"]), version=str(content["version"]), source=source
    )
    digest = content_hash(content)
    ref = f"{content['id']}@{content['version']}"
    existing = QuestionnaireVersion.objects.filter(
        questionnaire_id=content["id"], version=content["version"]
    ).first()
    if existing is not None:
        if existing.content_hash != digest or existing.reuse != reuse:
            raise VersionCollisionError(CHANGED_UNDER_PUBLISHED_VERSION.format(ref=ref))
        return PublishOutcome(existing, created=False)
    version = QuestionnaireVersion.objects.create(
        questionnaire_id=content["id"],
        version=content["version"],
        content=content,
        content_hash=digest,
        reuse=reuse,
        source=source,
    )
    audit_record(action="questionnaire.publish", obj=version, detail={"ref": ref, "source": source})
    return PublishOutcome(version, created=True)


@transaction.atomic
def questionnaire_record_review(
    *,
    version: QuestionnaireVersion,
    reviewer: User,
    reviewed_on: dt.date,
    by: User | None,
    demo: bool = False,
) -> None:
    """Record the clinician who reviewed ``version``; ``demo`` when the demo
    data records it (pages then call it a demo review, not a clinical one)."""
    if not reviewer.memberships.filter(role=Role.CLINICIAN).exists():
        raise PublishError(REVIEWER_NOT_CLINICIAN.format(user=reviewer.get_username()))
    version.clinical_reviewer = reviewer
    version.reviewed_on = reviewed_on
    version.review_by_demo = demo
    version.save(update_fields=["clinical_reviewer", "reviewed_on", "review_by_demo"])
    audit_record(
        action="questionnaire.review",
        actor=by,
        obj=version,
        detail={
            "ref": version.ref,
            "reviewer": reviewer.get_username(),
            "on": str(reviewed_on),
            "demo": demo,
        },
    )


@transaction.atomic
def questionnaire_activate(*, version: QuestionnaireVersion, by: User | None) -> None:
    """Make this version the one new invitations use; the previous active
    version of the same questionnaire is retired."""
    if version.clinical_reviewer_id is None or version.reviewed_on is None:
        raise PublishError(NEEDS_REVIEW.format(ref=version.ref))
    if version.status == QuestionnaireVersion.Status.ACTIVE:
        return
    now = timezone.now()
    for previous in QuestionnaireVersion.objects.select_for_update().filter(
        questionnaire_id=version.questionnaire_id, status=QuestionnaireVersion.Status.ACTIVE
    ):
        questionnaire_retire(version=previous, by=by)
    version.status = QuestionnaireVersion.Status.ACTIVE
    version.activated_at = now
    version.save(update_fields=["status", "activated_at"])
    audit_record(
        action="questionnaire.activate", actor=by, obj=version, detail={"ref": version.ref}
    )


@transaction.atomic
def questionnaire_retire(*, version: QuestionnaireVersion, by: User | None) -> None:
    version.status = QuestionnaireVersion.Status.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at"])
    audit_record(action="questionnaire.retire", actor=by, obj=version, detail={"ref": version.ref})

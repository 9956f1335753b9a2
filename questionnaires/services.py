"""Publishing and lifecycle of questionnaire versions.

Publishing, recording the clinical review, acknowledging import warnings,
recording a licence, attaching a translation, activating and retiring are
audited actions. A version becomes active only when every gate of
:func:`activation_problems` is met: a clinician is recorded as its clinical
reviewer, with the date; a clinical reviewer has acknowledged each of its
import warnings; it has texts in every language patients must be served in
(:data:`REQUIRED_LANGUAGES`); and every instrument's licence is recorded.
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
from questionnaires.fhir.importer import LICENCE_NOT_STATED
from questionnaires.fhir.warnings import NamedWarning
from questionnaires.models import ImportWarning, QuestionnaireTranslation, QuestionnaireVersion
from questionnaires.translations import TranslationError, next_version, translation_apply
from scoring.engine import DefinitionError, parse_definition

CHANGED_UNDER_PUBLISHED_VERSION = (
    "{ref} is already published with different content: bump the version to publish a change."
)
NEEDS_REVIEW = "{ref} has no clinical reviewer recorded: record the review before activating it."
TOO_LONG = (
    "the {what} {value!r} is {length:,} characters long; at most {limit} fit"
    " (an imported questionnaire takes its id from its id, name or title: give it a shorter id)"
)
REVIEWER_NOT_CLINICIAN = (
    "{user} cannot be recorded as clinical reviewer: that takes the review permission"
    " and the clinician role."
)
UNACKNOWLEDGED = (
    "{ref} has {count} import warning(s) no clinical reviewer has acknowledged ({codes}):"
    " acknowledge each one before activating it."
)
MISSING_LANGUAGE = (
    "{ref} cannot be activated for {name}-speaking patients: it has no {name} texts."
    " Attach a {name} ({language}) translation with its source first"
    " (manage.py questionnaire translate); it is published as a new version."
)
NO_LICENCE = (
    "{ref} records no licence for {instruments}: record the licence"
    " (manage.py questionnaire licence) before activating it."
)
NOT_A_REVIEWER = (
    "{user} cannot acknowledge import warnings: that takes a clinical reviewer"
    " (the review permission and the clinician role)."
)
NOT_A_DRAFT = "{ref} is {status}: only a draft is reviewed, translated or given a licence."
NO_SUCH_WARNING = "{ref} has no import warning {which}."
EMPTY_LICENCE = "Write the licence (for example the copyright statement and its terms)."

#: Languages a version must have texts in before it is activated: patients
#: are served in Danish first (docs/definitions.md § Translations).
REQUIRED_LANGUAGES = ("da",)
LANGUAGE_NAMES = {"da": "Danish", "en": "English"}
REVIEW_PERMISSION = "questionnaires.review_questionnaires"


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
    data records it (pages then call it a demo review, not a clinical one).
    The reviewer must be a clinical reviewer: the review permission and the
    clinician role, as for acknowledging import warnings."""
    if not is_clinical_reviewer(reviewer):
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


def activation_problems(version: QuestionnaireVersion) -> list[str]:
    """Why ``version`` cannot be activated yet, one sentence per unmet gate
    (empty: it can be)."""
    problems: list[str] = []
    if version.clinical_reviewer_id is None or version.reviewed_on is None:
        problems.append(NEEDS_REVIEW.format(ref=version.ref))
    unacknowledged = _unacknowledged(version)
    if unacknowledged:
        problems.append(unacknowledged)
    languages = version.definition.languages
    for language in REQUIRED_LANGUAGES:
        if language not in languages:
            name = LANGUAGE_NAMES.get(language, language)
            problems.append(MISSING_LANGUAGE.format(ref=version.ref, name=name, language=language))
    unstated = [name for name, licence in version_licences(version) if licence is None]
    if unstated:
        problems.append(NO_LICENCE.format(ref=version.ref, instruments=", ".join(unstated)))
    return problems


def _unacknowledged(version: QuestionnaireVersion) -> str | None:
    """The gate's sentence when import warnings await acknowledgement."""
    codes = list(
        version.import_warnings.filter(acknowledged_at__isnull=True).values_list("code", flat=True)
    )
    if not codes:
        return None
    named = ", ".join(dict.fromkeys(codes))
    return UNACKNOWLEDGED.format(ref=version.ref, count=len(codes), codes=named)


def version_licences(version: QuestionnaireVersion) -> list[tuple[str, str | None]]:
    """Each instrument's name and licence: the definition's, or the licence
    recorded for the version where the imported file stated none (None:
    none recorded yet)."""
    entered = version.licence.strip() or None
    return [
        (i.name, entered if i.licence == LICENCE_NOT_STATED else i.licence)
        for i in version.definition.instruments
    ]


@transaction.atomic
def questionnaire_activate(*, version: QuestionnaireVersion, by: User | None) -> None:
    """Make this version the one new invitations use; the previous active
    version of the same questionnaire is retired. Refused (PublishError,
    naming every unmet gate) until :func:`activation_problems` is empty."""
    problems = activation_problems(version)
    if problems:
        raise PublishError("\n".join(problems))
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


def is_clinical_reviewer(user: User) -> bool:
    """A user who may acknowledge import warnings and sign off on the review
    page: the review permission and the clinician role."""
    return (
        user.is_active
        and user.has_perm(REVIEW_PERMISSION)
        and user.memberships.filter(role=Role.CLINICIAN).exists()
    )


def _draft(version: QuestionnaireVersion) -> None:
    if version.status != QuestionnaireVersion.Status.DRAFT:
        raise PublishError(NOT_A_DRAFT.format(ref=version.ref, status=version.status))


def import_warnings_store(
    *, version: QuestionnaireVersion, warnings: list[NamedWarning]
) -> list[ImportWarning]:
    """Store the import's named warnings with the draft it published (once:
    a version already holding warnings keeps them)."""
    if version.import_warnings.exists():
        return list(version.import_warnings.all())
    return ImportWarning.objects.bulk_create(
        ImportWarning(
            version=version, position=position, code=w.code, items=list(w.items), text=w.text
        )
        for position, w in enumerate(warnings, start=1)
    )


@transaction.atomic
def import_warnings_acknowledge(
    *, version: QuestionnaireVersion, reviewer: User, warnings: list[ImportWarning] | None = None
) -> list[ImportWarning]:
    """``reviewer`` acknowledges ``warnings`` of the draft ``version`` (all
    unacknowledged ones when None): each recorded with who and when, and
    audited one event each. Returns those newly acknowledged."""
    _draft(version)
    if not is_clinical_reviewer(reviewer):
        raise PublishError(NOT_A_REVIEWER.format(user=reviewer.get_username()))
    pending = version.import_warnings.select_for_update().filter(acknowledged_at__isnull=True)
    if warnings is not None:
        pending = pending.filter(pk__in=[w.pk for w in warnings])
    now = timezone.now()
    done = list(pending)
    for warning in done:
        warning.acknowledged_by = reviewer
        warning.acknowledged_at = now
        warning.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_record(
            action="questionnaire.warning_acknowledge",
            actor=reviewer,
            obj=version,
            detail={
                "ref": version.ref,
                "warning": warning.position,
                "code": warning.code,
                "items": warning.items,
                "text": warning.text,
            },
        )
    return done


@transaction.atomic
def questionnaire_sign_off(
    *,
    version: QuestionnaireVersion,
    reviewer: User,
    warnings: list[ImportWarning],
    reviewed_on: dt.date,
) -> None:
    """The review page's one action: ``reviewer`` acknowledges ``warnings``
    and is recorded as the clinical reviewer — both or neither. Every
    warning must be acknowledged by now (these or earlier)."""
    _draft(version)
    import_warnings_acknowledge(version=version, reviewer=reviewer, warnings=warnings)
    unacknowledged = _unacknowledged(version)
    if unacknowledged:
        raise PublishError(unacknowledged)
    questionnaire_record_review(
        version=version, reviewer=reviewer, reviewed_on=reviewed_on, by=reviewer
    )


@transaction.atomic
def questionnaire_licence_record(
    *, version: QuestionnaireVersion, licence: str, by: User | None
) -> None:
    """Record the licence of a draft whose file stated none (audited)."""
    _draft(version)
    licence = licence.strip()
    if not licence:
        raise PublishError(EMPTY_LICENCE)
    version.licence = licence
    version.save(update_fields=["licence"])
    audit_record(
        action="questionnaire.licence",
        actor=by,
        obj=version,
        detail={"ref": version.ref, "licence": licence},
    )


@transaction.atomic
def questionnaire_translate(
    *, version: QuestionnaireVersion, translation: object, by: User | None
) -> QuestionnaireVersion:
    """Attach a translation file to ``version``: publish a new draft whose
    texts include the translation's language, keeping the file and its
    source beside it. The new draft carries the import warnings afresh (its
    reviewer acknowledges them) and the licence recorded. Raises
    TranslationError (the file does not fit) or PublishError."""
    language, content = translation_apply(version.content, translation)
    assert isinstance(translation, dict)
    while QuestionnaireVersion.objects.filter(
        questionnaire_id=version.questionnaire_id, version=content["version"]
    ).exists():
        content["version"] = next_version(content["version"])
    source = f"{version.source} + {language} translation"
    try:
        parse_definition(content, source=source)
    except DefinitionError as error:
        raise TranslationError([str(p) for p in error.problems]) from None
    new = questionnaire_publish(content=content, source=source, reuse=version.reuse).version
    new.licence = version.licence
    new.save(update_fields=["licence"])
    import_warnings_store(
        version=new,
        warnings=[
            NamedWarning(w.code, tuple(w.items), w.text) for w in version.import_warnings.all()
        ],
    )
    QuestionnaireTranslation.objects.create(
        version=new,
        translated_from=version,
        language=language,
        source=str(translation["source"]).strip(),
        texts=translation["texts"],
        attached_by=by,
    )
    audit_record(
        action="questionnaire.translate",
        actor=by,
        obj=new,
        detail={
            "ref": new.ref,
            "from": version.ref,
            "language": language,
            "source": str(translation["source"]).strip(),
        },
    )
    return new

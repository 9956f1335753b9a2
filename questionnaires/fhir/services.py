"""FHIR import and export as application services (the Django side).

The conversion itself is pure (questionnaires/fhir/importer.py, export.py);
these functions read and publish questionnaire versions around it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from questionnaires import json_input
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.importer import FhirImportError, ImportResult, questionnaire_from_fhir
from questionnaires.fhir.responses import answers_from_response
from questionnaires.fhir.validation import validate
from questionnaires.fhir.warnings import named_warnings
from questionnaires.models import QuestionnaireVersion, Response
from questionnaires.results import result_original
from questionnaires.services import (
    PublishError,
    import_warnings_store,
    questionnaire_publish,
    version_licences,
)
from scoring.engine import Result, answers_by_id, evaluate

CANNOT_READ = "{file}: cannot read the file: {reason}"
NOT_JSON = "{file}: not JSON: {reason}"
TOO_MANY_ITEMS = (
    "{file}: the questionnaire has {count:,} items; at most {limit:,} (IMPORT_MAX_ITEMS)"
)


COLLISION = (
    "{ref} is already published with other content (another file with the same id, or"
    " this file changed); nothing was published. Import it under a new id, or as a new"
    " version of {qid}."
)
BOTH_CHOICES = "choose one: a new id, or a new version of an existing questionnaire"
BAD_NEW_ID = (
    "{qid!r} is not a questionnaire id: use lower-case letters, digits and _,"
    " starting with a letter"
)
NOTHING_TO_VERSION = "no questionnaire {qid} is published: there is nothing to add a version to"
_QUESTIONNAIRE_ID = re.compile(r"[a-z][a-z0-9_]*")


class IdCollisionError(PublishError):
    """Other content is published under the id and version the file imports
    as: the caller offers the choice of a new id (``as_new_id``) or a new
    version of the existing questionnaire (``as_new_version_of``)."""

    def __init__(self, *, questionnaire_id: str, version: str) -> None:
        super().__init__(
            COLLISION.format(ref=f"{questionnaire_id}@{version}", qid=questionnaire_id)
        )
        self.questionnaire_id = questionnaire_id
        self.version = version


@dataclass(frozen=True)
class ImportOutcome:
    version: QuestionnaireVersion
    created: bool
    result: ImportResult
    #: The other versions published under the same id (a new version joined them).
    other_versions: tuple[str, ...] = ()


def fhir_file_read(*, path: Path) -> Any:
    """The parsed JSON of ``path``; raises FhirImportError with a clear reason.

    Within the import limits (settings.IMPORT_MAX_*): the size before the file
    is read, the nesting before it is parsed, the number of items after.
    """
    try:
        resource = json_input.read_file(
            path, max_bytes=settings.IMPORT_MAX_BYTES, max_depth=settings.IMPORT_MAX_DEPTH
        )
    except json_input.JsonInputError as error:
        raise FhirImportError([str(error)]) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise FhirImportError([CANNOT_READ.format(file=path.name, reason=reason)]) from None
    except ValueError as error:
        raise FhirImportError([NOT_JSON.format(file=path.name, reason=error)]) from None
    items = _item_count(resource)
    if items > settings.IMPORT_MAX_ITEMS:
        limit = settings.IMPORT_MAX_ITEMS
        raise FhirImportError([TOO_MANY_ITEMS.format(file=path.name, count=items, limit=limit)])
    return resource


def _item_count(resource: Any) -> int:
    """Items at every level of a Questionnaire, counted without recursion."""
    count, pending = 0, [resource]
    while pending:
        node = pending.pop()
        children = node.get("item") if isinstance(node, dict) else None
        if isinstance(children, list):
            count += len(children)
            pending.extend(children)
    return count


def fhir_questionnaire_import(
    *,
    path: Path,
    source: str,
    as_new_id: str | None = None,
    as_new_version_of: str | None = None,
) -> ImportOutcome:
    """Import the FHIR Questionnaire in ``path`` and publish it as a draft
    (see :func:`fhir_resource_import` for the choices on a collision)."""
    return fhir_resource_import(
        resource=fhir_file_read(path=path),
        source=source,
        fallback_id=path.stem,
        as_new_id=as_new_id,
        as_new_version_of=as_new_version_of,
    )


def fhir_resource_import(
    *,
    resource: Any,
    source: str,
    fallback_id: str = "imported",
    as_new_id: str | None = None,
    as_new_version_of: str | None = None,
) -> ImportOutcome:
    """Import a parsed FHIR Questionnaire and publish it as a draft.

    Its id comes from the file; ``as_new_id`` publishes it under that id
    instead, ``as_new_version_of`` as a new version of that published
    questionnaire (the file's version when free there, else the next minor
    version after its newest). Raises FhirImportError (the file cannot be
    imported, or a choice is wrong), IdCollisionError (other content is published
    under that id and version: offer the two choices) or PublishError. Its
    named warnings are stored beside a new draft (each to be acknowledged by
    a clinical reviewer before the draft can be activated).
    """
    if as_new_id is not None and as_new_version_of is not None:
        raise FhirImportError([BOTH_CHOICES])
    result = questionnaire_from_fhir(
        resource, source=source, fallback_id=fallback_id, max_depth=settings.IMPORT_MAX_DEPTH
    )
    mapping = result.mapping
    if as_new_id is not None:
        if not _QUESTIONNAIRE_ID.fullmatch(as_new_id):
            raise FhirImportError([BAD_NEW_ID.format(qid=as_new_id)])
        mapping = {**mapping, "id": as_new_id}
    elif as_new_version_of is not None:
        published = _versions(as_new_version_of)
        if not published:
            raise FhirImportError([NOTHING_TO_VERSION.format(qid=as_new_version_of)])
        version = str(mapping["version"])
        if version in published:
            newest = max(_version_key(v) for v in published)
            version = f"{newest[0]}.{newest[1] + 1}.0"
        mapping = {**mapping, "id": as_new_version_of, "version": version}
    qid, version = str(mapping["id"]), str(mapping["version"])
    if mapping is not result.mapping:
        definition = dataclasses.replace(result.definition, id=qid, version=version)
        result = dataclasses.replace(result, mapping=mapping, definition=definition)
    taken = QuestionnaireVersion.objects.filter(questionnaire_id=qid, version=version).exists()
    try:
        outcome = questionnaire_publish(content=mapping, source=source)
    except PublishError:
        if taken:
            raise IdCollisionError(questionnaire_id=qid, version=version) from None
        raise
    if outcome.created:
        import_warnings_store(version=outcome.version, warnings=named_warnings(result.notes))
    others = tuple(v for v in _versions(qid) if v != version)
    return ImportOutcome(outcome.version, outcome.created, result, others)


def _versions(questionnaire_id: str) -> list[str]:
    rows = QuestionnaireVersion.objects.filter(questionnaire_id=questionnaire_id)
    return sorted(rows.values_list("version", flat=True), key=_version_key)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def fhir_questionnaire_export(*, version: QuestionnaireVersion) -> dict[str, Any]:
    """The version as a FHIR R4 Questionnaire, validated; ``copyright``
    names each instrument's licence, the one recorded for the version where
    the imported file stated none."""
    definition = version.definition
    if version.licence.strip():  # in copyright and in PRO Portal's own extension alike
        licences = [licence for _name, licence in version_licences(version)]
        definition = dataclasses.replace(
            definition,
            instruments=tuple(
                dataclasses.replace(instrument, licence=licence or instrument.licence)
                for instrument, licence in zip(definition.instruments, licences, strict=True)
            ),
        )
    resource = questionnaire_to_fhir(definition, status=version.status)
    validate(resource)
    return resource


def fhir_response_export(
    *, version: QuestionnaireVersion, answers: Mapping[str, object]
) -> dict[str, Any]:
    """Answers (as in ANSWERS.json; items by id or linkId) to ``version`` as a
    FHIR R4 QuestionnaireResponse, validated. Raises AnswerError on invalid
    answers."""
    definition = version.definition
    resource = response_to_fhir(definition, answers_by_id(definition, answers))
    validate(resource)
    return resource


@dataclass(frozen=True)
class ResponseScored:
    """A QuestionnaireResponse read and scored: the answers by item id, the
    result, and the values the file gave its calculated items (by score id)."""

    version: QuestionnaireVersion
    answers: dict[str, object]
    result: Result
    calculated: dict[str, object]


def fhir_response_score(
    *, version: QuestionnaireVersion, resource: object, source: str
) -> ResponseScored:
    """Score a FHIR QuestionnaireResponse (paper answers typed in, another
    system's) against ``version``: items by id or by the linkId of the file
    the version was imported from. Nothing is stored. Raises
    ResponseImportError naming every answer that does not fit."""
    definition = version.definition
    read = answers_from_response(definition, resource, source=source)
    return ResponseScored(
        version, read.answers, evaluate(definition, read.answers), read.calculated
    )


def fhir_stored_response_export(*, response: Response) -> dict[str, Any]:
    """A submitted response as a FHIR R4 QuestionnaireResponse, validated:
    its answers under the linkIds of its version, and the scores and colours
    stored when it was submitted (the original result, which read the
    patient's previous response). No patient identity is written. Fetch the
    response through ``scoring.door.response_record``, which checks the
    reader and audits the read."""
    stored = result_original(response_id=response.pk)
    submitted = response.submitted_at
    resource = response_to_fhir(
        response.questionnaire_version.definition,
        response.answers_dict(),
        result=stored.engine_result,
        authored=submitted.isoformat() if submitted else None,
    )
    validate(resource)
    return resource

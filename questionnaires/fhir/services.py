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
    VersionCollisionError,
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
#: A questionnaire id as rules and commands read it (``--as-new-id``, the browser's choice).
QUESTIONNAIRE_ID = re.compile(r"[a-z][a-z0-9_]*")


class IdCollisionError(VersionCollisionError):
    """Other content is published under the id and version the file imports
    as: the caller offers the choice of a new id (``as_new_id``) or a new
    version of the existing questionnaire (``as_new_version_of``). ``title``
    is the file's title by language, to say what collided with what."""

    def __init__(
        self, *, questionnaire_id: str, version: str, title: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(
            COLLISION.format(ref=f"{questionnaire_id}@{version}", qid=questionnaire_id)
        )
        self.questionnaire_id = questionnaire_id
        self.version = version
        self.title = dict(title or {})


@dataclass(frozen=True)
class ImportOutcome:
    version: QuestionnaireVersion
    created: bool
    result: ImportResult
    #: The other versions published under the same id (a new version joined them).
    other_versions: tuple[str, ...] = ()


class FhirFileError(FhirImportError):
    """The file is not a JSON document within the import limits.

    ``reason`` names the limit or defect (one of ``FILE_REASONS``) and
    ``figures`` its numbers, so a page can say it in the reader's language;
    ``problems`` holds the same in English, naming the file, for commands.
    """

    def __init__(self, message: str, *, reason: str, **figures: Any) -> None:
        super().__init__([message])
        self.reason = reason
        self.figures = figures


#: What ``FhirFileError.reason`` can say.
FILE_REASONS = ("too_large", "too_deep", "not_text", "not_json", "too_many_items", "unreadable")


def fhir_file_read(*, path: Path) -> Any:
    """The parsed JSON of ``path``; raises FhirFileError with a clear reason.

    Within the import limits (settings.IMPORT_MAX_*): the size before the file
    is read, the nesting before it is parsed, the number of items after.
    """
    try:
        fhir_size_check(size=path.stat().st_size, name=path.name)
        with path.open("rb") as file:
            # A file that grew since stat() is cut off here, and refused below.
            data = file.read(settings.IMPORT_MAX_BYTES + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise FhirFileError(
            CANNOT_READ.format(file=path.name, reason=reason), reason="unreadable"
        ) from None
    return fhir_bytes_read(data=data, name=path.name)


def fhir_size_check(*, size: int, name: str) -> None:
    """Refuse a file of ``size`` bytes over IMPORT_MAX_BYTES before it is read
    (FhirFileError): a file on disk, or an upload."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise FhirFileError(
            json_input.TOO_LARGE.format(name=name, size=size, limit=limit),
            reason="too_large",
            size=size,
            limit=limit,
        )


def fhir_bytes_read(*, data: bytes, name: str) -> Any:
    """The parsed JSON of ``data`` (a file called ``name``, uploaded or read);
    raises FhirFileError with a clear reason, within the same limits as
    ``fhir_file_read``."""
    fhir_size_check(size=len(data), name=name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FhirFileError(
            CANNOT_READ.format(file=name, reason=error), reason="not_text"
        ) from None
    try:
        resource = json_input.loads(text, max_depth=settings.IMPORT_MAX_DEPTH, name=name)
    except json_input.JsonInputError as error:
        raise FhirFileError(
            str(error),
            reason="too_deep",
            depth=json_input.nesting_depth(text),
            limit=settings.IMPORT_MAX_DEPTH,
        ) from None
    except ValueError as error:
        raise FhirFileError(
            NOT_JSON.format(file=name, reason=error), reason="not_json", detail=str(error)
        ) from None
    items = _item_count(resource)
    if items > settings.IMPORT_MAX_ITEMS:
        limit = settings.IMPORT_MAX_ITEMS
        raise FhirFileError(
            TOO_MANY_ITEMS.format(file=name, count=items, limit=limit),
            reason="too_many_items",
            count=items,
            limit=limit,
        )
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
    source: str,
    path: Path | None = None,
    data: bytes | None = None,
    name: str = "",
    as_new_id: str | None = None,
    as_new_version_of: str | None = None,
) -> ImportOutcome:
    """Import a FHIR Questionnaire and publish it as a draft: the file at
    ``path`` (a command), or ``data``, the bytes of a file called ``name``
    (an upload in the browser). The same limits and messages either way;
    see :func:`fhir_resource_import` for the choices on a collision.

    Raises FhirImportError (the file cannot be imported; FhirFileError when it
    is not JSON within the limits), IdCollisionError or PublishError.
    """
    if path is not None:
        resource, stem = fhir_file_read(path=path), path.stem
    elif data is not None:
        resource, stem = fhir_bytes_read(data=data, name=name or source), Path(name).stem
    else:
        raise TypeError("fhir_questionnaire_import needs a path or data")
    return fhir_resource_import(
        resource=resource,
        source=source,
        fallback_id=stem or "imported",
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
        if not QUESTIONNAIRE_ID.fullmatch(as_new_id):
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
            raise IdCollisionError(
                questionnaire_id=qid, version=version, title=result.definition.title
            ) from None
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
        patient=response.patient_context(),
    )
    validate(resource)
    return resource

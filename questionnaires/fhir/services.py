"""FHIR import and export as application services (the Django side).

The conversion itself is pure (questionnaires/fhir/importer.py, export.py);
these functions read and publish questionnaire versions around it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from questionnaires import json_input
from questionnaires.fhir.export import questionnaire_to_fhir, response_to_fhir
from questionnaires.fhir.importer import FhirImportError, ImportResult, questionnaire_from_fhir
from questionnaires.fhir.validation import validate
from questionnaires.fhir.warnings import named_warnings
from questionnaires.models import QuestionnaireVersion
from questionnaires.services import (
    import_warnings_store,
    questionnaire_publish,
    version_licences,
)

CANNOT_READ = "{file}: cannot read the file: {reason}"
NOT_JSON = "{file}: not JSON: {reason}"
TOO_MANY_ITEMS = (
    "{file}: the questionnaire has {count:,} items; at most {limit:,} (IMPORT_MAX_ITEMS)"
)


@dataclass(frozen=True)
class ImportOutcome:
    version: QuestionnaireVersion
    created: bool
    result: ImportResult


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
) -> ImportOutcome:
    """Import a FHIR Questionnaire and publish it as a draft: the file at
    ``path`` (a command), or ``data``, the bytes of a file called ``name``
    (an upload in the browser). The same limits and messages either way.
    Its named warnings are stored beside it (each to be acknowledged by a
    clinical reviewer before the draft can be activated).

    Raises FhirImportError (the file cannot be imported; FhirFileError when it
    is not JSON within the limits) or PublishError (other content is already
    published under that id and version).
    """
    if path is not None:
        resource, stem = fhir_file_read(path=path), path.stem
    elif data is not None:
        resource, stem = fhir_bytes_read(data=data, name=name or source), Path(name).stem
    else:
        raise TypeError("fhir_questionnaire_import needs a path or data")
    result = questionnaire_from_fhir(
        resource,
        source=source,
        fallback_id=stem or "imported",
        max_depth=settings.IMPORT_MAX_DEPTH,
    )
    outcome = questionnaire_publish(content=result.mapping, source=source)
    if outcome.created:
        import_warnings_store(version=outcome.version, warnings=named_warnings(result.notes))
    return ImportOutcome(outcome.version, outcome.created, result)


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
    """Answers (as in ANSWERS.json) to ``version`` as a FHIR R4
    QuestionnaireResponse, validated. Raises AnswerError on invalid answers."""
    resource = response_to_fhir(version.definition, answers)
    validate(resource)
    return resource

"""FHIR import and export as application services (the Django side).

The conversion itself is pure (questionnaires/fhir/importer.py, export.py);
these functions read and publish questionnaire versions around it.
"""

from __future__ import annotations

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
from questionnaires.models import QuestionnaireVersion
from questionnaires.services import questionnaire_publish
from scoring.engine import Result, answers_by_id, evaluate

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


def fhir_questionnaire_import(*, path: Path, source: str) -> ImportOutcome:
    """Import the FHIR Questionnaire in ``path`` and publish it as a draft.

    Raises FhirImportError (the file cannot be imported) or PublishError
    (other content is already published under that id and version).
    """
    result = questionnaire_from_fhir(
        fhir_file_read(path=path),
        source=source,
        fallback_id=path.stem,
        max_depth=settings.IMPORT_MAX_DEPTH,
    )
    outcome = questionnaire_publish(content=result.mapping, source=source)
    return ImportOutcome(outcome.version, outcome.created, result)


def fhir_questionnaire_export(*, version: QuestionnaireVersion) -> dict[str, Any]:
    """The version as a FHIR R4 Questionnaire, validated."""
    resource = questionnaire_to_fhir(version.definition, status=version.status)
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
